"""Output files: names that stay in the output folder, all-or-nothing writes, inputs never modified or overwritten."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor import commands
from auditor.cli import main
from auditor.errors import UsageError
from auditor.output.files import inside, safe_name, write_reports
from conftest import FIXTURES, POLICIES, ROOT



# --------------------------------------------------------------------------- file names
@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "..", ".", "", "a/b", "a\\b", "和平区\x00", "．．／x",
                                  "C:\\x", "~root", "x" * 500, "\u202e lmth.exe"])
def test_safe_name_stays_inside(tmp_path, name):
    file = safe_name(name) + ".html"
    target = inside(tmp_path, file)
    assert target.parent == tmp_path.resolve()
    assert "/" not in file and "\\" not in file and "\x00" not in file and not file.startswith(".")


@given(st.text(max_size=80))
def test_any_district_name_gives_a_file_inside(name):
    folder = Path(ROOT) / "reports"  # never written: inside only resolves
    file = safe_name(name) + ".html"
    assert inside(folder, file).parent == folder.resolve()


@pytest.mark.parametrize("name", ["../x.html", "sub/x.html", "/tmp/x.html", ".."])
def test_inside_refuses_names_that_leave(tmp_path, name):
    with pytest.raises(UsageError) as info:
        inside(tmp_path, name)
    assert info.value.codes == ["U-OUT"]


def test_write_reports_refuses_a_name_that_leaves_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(UsageError):
        write_reports({"a.html": "a", "../escape.html": "x"}, str(out))
    assert not out.exists() and not (tmp_path / "escape.html").exists()


# --------------------------------------------------------------------------- atomic writes
def snapshot(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


NEW = {f"{i}.html": f"new {i}\n" * 1000 for i in range(5)} | {"findings.json": "{}\n"}


class Boom(Exception):
    pass


def fail_on(monkeypatch, name, call, exc=OSError(28, "No space left on device")):
    original = getattr(os, name)
    calls = []

    def flaky(*args, **kwargs):
        calls.append(args)
        if len(calls) == call:
            raise exc
        return original(*args, **kwargs)

    monkeypatch.setattr(os, name, flaky)


@pytest.mark.parametrize("exc", [OSError(28, "No space left on device"), Boom("killed")], ids=["oserror", "other"])
def test_failure_while_writing_leaves_the_previous_output(tmp_path, monkeypatch, exc):
    out = tmp_path / "out"
    write_reports({name: "old\n" for name in NEW}, str(out))
    before = snapshot(out)
    fail_on(monkeypatch, "fsync", 3, exc)
    with pytest.raises((UsageError, Boom)):
        write_reports(NEW, str(out))
    assert snapshot(out) == before, "a failed write changed the previous output"


def test_failure_while_writing_a_new_folder_leaves_nothing(tmp_path, monkeypatch):
    out = tmp_path / "fresh" / "out"
    fail_on(monkeypatch, "fsync", 2)
    with pytest.raises(UsageError) as info:
        write_reports(NEW, str(out))
    assert info.value.codes == ["U-OUT"]
    assert not out.exists()


def test_failure_while_renaming_puts_the_previous_set_back(tmp_path, monkeypatch):
    """A rename that fails midway puts back the files already replaced: the whole previous set, no temporary files."""
    out = tmp_path / "out"
    write_reports({name: "old\n" for name in NEW}, str(out))
    before = snapshot(out)
    fail_on(monkeypatch, "replace", 4)  # the first is the manifest's, then the reports'
    with pytest.raises(OSError):
        write_reports(NEW, str(out))
    assert snapshot(out) == before


def test_cli_failure_before_writing_creates_no_folder(tmp_path, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise RuntimeError("render failed")

    monkeypatch.setattr(commands, "render", broken)
    out = tmp_path / "out"
    rc = main(["audit", os.path.join(FIXTURES, "03-dd.yaml"), "--districts", "大东区", "--as-of", "2022-12-31",
               "--out", str(out), "--policies", POLICIES])
    err = capsys.readouterr().err
    assert rc == 3 and "I-BUG" in err and "Traceback" not in err
    assert not out.exists()


def test_output_never_overwrites_an_input(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(os.path.join(FIXTURES, "03-dd.yaml"), out / "findings.json")  # an input named like an output
    (out / "findings.json").write_text('{"district": "大东区", "figures": {"pupils_total": 1}}', encoding="utf-8")
    before = snapshot(out)
    rc = main(["audit", str(out / "findings.json"), "--districts", "大东区", "--as-of", "2022-12-31", "--out", str(out),
               "--policies", POLICIES])
    assert rc == 2 and "U-OUT" in capsys.readouterr().err
    assert snapshot(out) == before


def digest(folder) -> dict:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def test_an_audit_never_modifies_its_inputs(tmp_path):
    subs, pols = tmp_path / "subs", tmp_path / "pols"
    shutil.copytree(FIXTURES, subs, ignore=lambda folder, names: [n for n in names if n[:2] not in ("03", "09")])
    shutil.copytree(POLICIES, pols)
    before = digest(tmp_path)
    assert main(["audit", str(subs), "--as-of", "2022-12-31", "--out", str(tmp_path / "out"), "--policies", str(pols)]) == 0
    history = str(tmp_path / "history.sqlite")  # the audit history, beside the output folder by design
    after = {k: v for k, v in digest(tmp_path).items() if not k.startswith(str(tmp_path / "out")) and k != history}
    assert after == before
    assert main(["validate", str(subs)]) == 0 and main(["check", "--policies", str(pols)]) == 0
    assert {k: v for k, v in digest(tmp_path).items() if not k.startswith(str(tmp_path / "out")) and k != history} == before
