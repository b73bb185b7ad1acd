"""sheets/rows.py: the district sheet (one figure per row) and the record sheets (one record per row) read
row by row, each problem at its row and column."""
from __future__ import annotations

import os

from spreadsheet_kit import _csv_set, _problems, policy_set  # noqa: F401


def test_csv_errors_name_file_row_and_header(policy_set, tmp_path):
    def edit(sheet, rows):
        if sheet == "班级":
            rows[5][[h.lstrip("*").split("（")[0] for h in rows[0]].index("班额")] = "很多"

    _csv_set(policy_set, tmp_path, "gbk", edit=edit)
    (line,) = _problems([str(tmp_path)])
    assert line.startswith(f"{tmp_path}{os.sep}和平区-班级.csv:6: S-SCHEMA: 「班额」应填写0到150之间的整数，实际是“很多”")
