"""What the spreadsheet tests of the intake stage share: filling a district's template from its
YAML fixture, writing a CSV set as Excel does, and the problems a load reports.

Fixtures defined here are imported by the test modules that use them (there is no conftest.py
in this folder: tests/conftest.py is the one conftest, imported as ``conftest``)."""
from __future__ import annotations

import csv
import datetime as _dt
import glob
import io
import json
import os

import pytest
import yaml
from openpyxl import load_workbook

from auditor.audit import Auditor
from auditor.errors import SubmissionError
from auditor.intake.submissions import load_submissions
from auditor.output import templates
from auditor.rules.policies import load_policies
from conftest import FIXTURES, POLICIES, ROOT


AS_OF = _dt.date(2022, 12, 31)
XLSX = os.path.join(ROOT, "fixtures", "shenyang-2022-xlsx")
CSV = os.path.join(ROOT, "fixtures", "shenyang-2022-csv")
YAML_FILES = sorted(glob.glob(os.path.join(FIXTURES, "*.yaml")))


@pytest.fixture(scope="module")
def policy_set():
    return load_policies(POLICIES)


def _data(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.loads(json.dumps(yaml.safe_load(handle), default=str))


def _verdicts(policy_set, paths, districts=None):
    return Auditor(policy_set, "reference").audit(load_submissions(paths), AS_OF, districts)["verdicts"]


def _filled(policy_set, tmp_path, yaml_file=os.path.join(FIXTURES, "01-hp.yaml")):
    """The 和平区 template filled in from its YAML fixture: (path, workbook)."""
    data = _data(yaml_file)
    path = str(tmp_path / f"{data['district']}.xlsx")
    templates.save_workbook(templates.build_workbook(policy_set, data["district"], data), path)
    return path, load_workbook(path)


def _problems(paths, lang: str = "zh") -> list[str]:
    with pytest.raises(SubmissionError) as info:
        load_submissions(paths)
    return [p.format(lang) for p in info.value.problems]


def _col(ws, title: str) -> int:
    return next(c.column for c in ws[1] if c.value and str(c.value).lstrip("*").split("（")[0] == title)


def _csv_set(policy_set, folder, encoding, data=None, edit=None):
    """A district's CSV set as Excel writes it (quoted where needed, CRLF)."""
    data = data or _data(os.path.join(FIXTURES, "01-hp.yaml"))
    os.makedirs(folder, exist_ok=True)
    for sheet, rows in templates.sheet_rows(policy_set, data["district"], data).items():
        if edit:
            edit(sheet, rows)
        buffer = io.StringIO(newline="")
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        with open(os.path.join(folder, f"{data['district']}-{sheet}.csv"), "wb") as handle:
            handle.write(buffer.getvalue().encode(encoding))
    return data["district"]
