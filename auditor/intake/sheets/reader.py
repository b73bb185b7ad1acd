"""Reading Excel workbooks and CSV sets into a submission, every problem located at its cell.

:func:`load_spreadsheet` turns a workbook or a district's CSV set into the same
submission dict the YAML loader builds, runs it through
``intake.submission.facts_from_document`` and reports every problem at its cell
(``和平区.xlsx:班级!D17``). The reading rules for hand-made sheets are
``layout.READING_RULES``.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import os
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from auditor.errors import Collector, Problem, SubmissionError, closest
from auditor.intake import contracts
from auditor.intake.document import Document, path_text
from auditor.intake.sheets.layout import (
    CSV_ENCODINGS, CSV_SUFFIX, HEADER_SEARCH_ROWS, IGNORED_HEADERS, MAX_UNZIPPED_BYTES, OLD_EXCEL_SUFFIXES, OPTIONS,
    GUIDE, VERTICAL_HEADERS, Field, Sheet, number_text, sheets, sheets_by_kind)
from auditor.intake.submission import facts_from_document
from auditor.intake.textfile import decode_bytes, read_bytes
from auditor.model import Facts, plan


class _Absent:
    pass


ABSENT = _Absent()
_SPACES = " \t\r\n\u3000\u00a0\ufeff"


@dataclass(frozen=True)
class Loc:
    file: str
    sheet: str  # "" for a CSV file
    row: int
    column: int
    header: str = ""

    def problem(self, code: str, message: str, path: str = "") -> Problem:
        return Problem(self.file, self.row, self.column, code, message, path, sheet=self.sheet)


@dataclass
class Grid:
    """One sheet (or one CSV file): cell values by row, and merged ranges."""

    file: str
    sheet: str  # the sheet's name in a workbook; "" for CSV
    rows: dict  # row -> {column: value}
    merges: list = field(default_factory=list)  # (min_row, min_col, max_row, max_col)
    title: str = ""  # how the sheet is called in messages

    def loc(self, row: int, column: int, header: str = "") -> Loc:
        return Loc(self.file, self.sheet, row, column, header)


class ExcelError(str):
    """An error value (#N/A, #DIV/0!) a cell holds instead of data."""


class NoResult(ExcelError):
    """A formula saved without its computed value (written by a program, never opened in Excel)."""


def _suggest(word, choices) -> str:
    """'是否应为“小学”？' for a near miss, or ''."""
    match = closest(word, choices)
    return f"是否应为“{match}”？" if match else ""


def _paren(text: str) -> str:
    return f"（{text}）" if text else ""


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).strip("*").lower()


def _header_names(f: Field) -> set[str]:
    names = {_norm(f.title), _norm(f.key), _norm(f.header)}
    if f.unit:
        names |= {_norm(f"{f.title}({f.unit})"), _norm(f"{f.title}（{f.unit}）")}
    if f.link:
        names.add(_norm(f.key.split(".")[0] + "_id"))
    return names


def _describe(value) -> str:
    if isinstance(value, ExcelError):
        return f"错误值 {value}"
    if isinstance(value, bool):
        return f"逻辑值 {'TRUE' if value else 'FALSE'}"
    if isinstance(value, _dt.datetime):
        return f"日期 {value.date().isoformat()}" + (f" {value.time().isoformat()}" if value.time() != _dt.time() else "")
    if isinstance(value, (_dt.date, _dt.time)):
        return f"日期时间 {value.isoformat()}"
    if isinstance(value, (int, float)):
        return f"数字 {number_text(value) if float(value).is_integer() else value}"
    return f"“{value}”"


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_TRUE, _FALSE = {"是", "有", "true", "yes"}, {"否", "无", "没有", "false", "no"}


def convert(f: Field, raw) -> tuple[object, str | None]:
    """(value, None) or (ABSENT, problem in Chinese). ABSENT with no problem: the cell is empty."""
    if raw is None:
        return ABSENT, None
    if isinstance(raw, str) and not isinstance(raw, ExcelError):
        raw = raw.strip(_SPACES)
        if raw == "":
            return ABSENT, None
    found = _describe(raw)
    expected = f.expected()

    def bad(hint: str = ""):
        return ABSENT, f"「{f.title}」应填写{expected}，实际是{found}" + (f"；{hint}" if hint else "")

    if isinstance(raw, NoResult):
        return ABSENT, f"「{f.title}」的公式没有保存计算结果：请在 Excel 中打开并保存后再交，或直接填写数值"
    if isinstance(raw, ExcelError):
        return bad("公式出错，请改为数值")
    if f.type in ("integer", "number"):
        if isinstance(raw, bool):
            return bad()
        if isinstance(raw, (_dt.datetime, _dt.date, _dt.time)):
            return bad("Excel 把输入识别成了日期，请把该列设为“常规”或“数值”格式后重新输入")
        if isinstance(raw, str):
            text = unicodedata.normalize("NFKC", raw).replace(" ", "")
            if f.unit and not f.fraction and text.endswith(f.unit) and text != f.unit:
                text = text[: -len(f.unit)]  # "45人" in a column whose unit is 人
            percent = text.endswith("%")
            if percent:
                text = text[:-1]
            if _GROUPED.fullmatch(text):
                text = text.replace(",", "")
            if not _NUMBER.fullmatch(text):
                return bad("不适用或没有数据请留空" if text in ("无", "-", "/", "—", "不适用", "N/A", "n/a") else "")
            try:
                number = Decimal(text)
            except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
                return bad()
            if percent:
                if not f.fraction:
                    return bad("只有比例列可以带百分号")
                number = number / 100
            value = int(number) if number == number.to_integral_value() else float(number)
        elif isinstance(raw, (int, float)):
            value = raw
        else:
            return bad()
        if f.type == "integer":
            if isinstance(value, float) and not value.is_integer():
                return bad("整数列不能有小数")
            value = int(value)
        if (f.minimum is not None and value < f.minimum) or (f.maximum is not None and value > f.maximum):
            hint = "比例请填小数（0.97）或百分数（97%）" if f.fraction and 1 < value <= 100 else ""
            return bad(hint)
        return value, None
    if f.type == "boolean":
        if isinstance(raw, bool):
            return raw, None
        if isinstance(raw, str):
            text = unicodedata.normalize("NFKC", raw).strip().lower()
            if text in _TRUE:
                return True, None
            if text in _FALSE:
                return False, None
        return bad()
    if f.type == "enum":
        if isinstance(raw, str):
            text = unicodedata.normalize("NFKC", raw).strip()
            for code, label in zip(f.enum, f.labels):
                if text in (label, unicodedata.normalize("NFKC", label), code):
                    return code, None
            return bad(_suggest(text, f.labels))
        return bad()
    if f.type == "date":
        if isinstance(raw, _dt.datetime):
            if raw.time() != _dt.time():
                return bad("日期不要带时间")
            return raw.date().isoformat(), None
        if isinstance(raw, _dt.date):
            return raw.isoformat(), None
        if isinstance(raw, str):
            m = _DATE_TEXT.fullmatch(unicodedata.normalize("NFKC", raw))
            if m:
                try:
                    return _dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat(), None
                except ValueError:
                    return ABSENT, f"「{f.title}」{found}不是真实存在的日期"
            return bad()
        if isinstance(raw, (int, float)) and not isinstance(raw, bool) and 1 <= raw < 2958466:
            serial = (_dt.date(1899, 12, 30) + _dt.timedelta(days=int(raw))).isoformat()
            return bad(f"若这是 Excel 日期序列号（对应 {serial}），请把单元格设为日期格式")
        return bad()
    # text
    if isinstance(raw, str):
        return raw, None
    if isinstance(raw, bool):
        return bad()
    if isinstance(raw, (_dt.datetime, _dt.date, _dt.time)):
        return bad("Excel 把输入（如 1-1）识别成了日期，请把该列设为“文本”格式后重新输入")
    if isinstance(raw, int) or (isinstance(raw, float) and raw.is_integer()):
        return str(int(raw)), None
    if isinstance(raw, float):
        return repr(raw), None
    return bad()


class _Reader:
    """Builds one submission from the grids of a workbook or a CSV set."""

    def __init__(self, label: str):
        self.label = label  # the Document's file name
        self.problems: list[Problem] = []
        self.locs: dict[str, Loc] = {}  # path_text -> where it came from
        self.positions: dict = {}
        self.bad_rows: set = set()  # (file, sheet, row) already reported
        self.top = set(contracts.schema("submission")["properties"])
        self.rows_of: dict[str, Loc] = {}
        self.unreadable: set[str] = set()  # kinds whose sheet could not be read at all  # figure -> its value cell on the district sheet, filled or not
        self.by_name = {}
        for sheet in sheets():
            for name in (sheet.name, sheet.key):
                self.by_name[_norm(name)] = sheet

    def add(self, loc: Loc, code: str, message: str, path=()) -> None:
        self.problems.append(loc.problem(code, message, path_text(path) if path else ""))
        self.bad_rows.add((loc.file, loc.sheet, loc.row))

    def place(self, path: tuple, loc: Loc) -> None:
        self.locs[path_text(path)] = loc
        self.positions[path] = (loc.row, loc.column)

    # ---- layout
    def header(self, grid: Grid, known: set[str]) -> tuple[int, int] | None | bool:
        """(header row, first data row); None when no header is found; False when it is reported unreadable."""
        for row in sorted(grid.rows)[:HEADER_SEARCH_ROWS]:
            cells = grid.rows[row]
            if any(_norm(v) in known for v in cells.values() if isinstance(v, str)):
                bottom = row
                for r1, c1, r2, c2 in grid.merges:
                    if r1 <= row <= r2:
                        if c2 > c1:
                            from openpyxl.utils import get_column_letter as L

                            self.add(grid.loc(row, c1), "S-SHEET", f"表头单元格 {L(c1)}{r1}:{L(c2)}{r2} 是合并的；每一列需要自己的表头，请取消合并")
                        bottom = max(bottom, r2)
                for r in range(row + 1, bottom + 1):
                    for c, v in grid.rows.get(r, {}).items():
                        if v not in (None, "") and not any(r1 <= r <= r2 and c1 <= c <= c2 for r1, c1, r2, c2 in grid.merges):
                            self.add(grid.loc(r, c), "S-SHEET", "表头只能占一行（合并的表头下面不能再有子表头）")
                            return False
                return row, bottom + 1
        return None

    def fill_merges(self, grid: Grid, first_data: int) -> None:
        """Vertically merged data cells count as filled on every row; horizontal merges are refused."""
        from openpyxl.utils import get_column_letter as L

        for r1, c1, r2, c2 in grid.merges:
            if r2 < first_data:
                continue
            if c2 > c1:
                self.add(grid.loc(r1, c1), "S-SHEET", f"单元格 {L(c1)}{r1}:{L(c2)}{r2} 横向合并；一个单元格只能属于一列，请取消合并")
                continue
            value = grid.rows.get(r1, {}).get(c1)
            for r in range(max(r1, first_data), r2 + 1):
                grid.rows.setdefault(r, {})[c1] = value

    def columns(self, grid: Grid, sheet: Sheet, header_row: int, candidates: list[tuple[Field, set]]) -> dict[int, Field] | None:
        out: dict[int, Field] = {}
        seen: dict[str, int] = {}
        allowed = [f.header for f, _ in candidates]
        for c, v in sorted(grid.rows[header_row].items()):
            if v is None or (isinstance(v, str) and not v.strip(_SPACES)):
                continue
            name = _norm(v)
            if any(name.startswith(_norm(p)) for p in IGNORED_HEADERS):
                continue
            match = next((f for f, names in candidates if name in names), None)
            if match is None:
                hint = _suggest(str(v).strip(), allowed)
                self.add(grid.loc(header_row, c), "S-SHEET",
                         f"不认识的列名“{str(v).strip()}”{_paren(hint)}" + f"；「{grid.title}」的列名有：{'、'.join(allowed)}；不读的列请以“备注”开头")
                continue
            if match.key in seen:
                self.add(grid.loc(header_row, c), "S-SHEET", f"「{match.title}」列出现了两次（另一列在第 {seen[match.key]} 列）")
                continue
            seen[match.key] = c
            out[c] = match
        return out

    # ---- sheets
    def read_vertical(self, grid: Grid, sheet: Sheet, data: dict) -> None:
        known = {n for names in VERTICAL_HEADERS.values() for n in map(_norm, names)}
        found = self.header(grid, known)
        if found is False:
            return
        if found is None:
            self.add(grid.loc(1, 1), "S-SHEET", f"「{grid.title}」找不到表头：第一行应为“指标 | 数值 | 单位 | 说明”")
            return
        header_row, first = found
        cols = {}
        for c, v in grid.rows[header_row].items():
            for role, names in VERTICAL_HEADERS.items():
                if isinstance(v, str) and _norm(v) in map(_norm, names):
                    cols[role] = c
        if "name" not in cols or "value" not in cols:
            self.add(grid.loc(header_row, 1), "S-SHEET", f"「{grid.title}」需要“指标”和“数值”两列")
            return
        self.fill_merges(grid, first)
        fields = [(f, _header_names(f)) for f in sheet.fields]
        seen: dict[str, int] = {}
        for row in sorted(r for r in grid.rows if r >= first):
            cells = grid.rows[row]
            name, raw = cells.get(cols["name"]), cells.get(cols["value"])
            if all(v is None or (isinstance(v, str) and not v.strip(_SPACES)) for v in cells.values()):
                continue
            if name is None or not str(name).strip(_SPACES):
                if raw not in (None, ""):
                    self.add(grid.loc(row, cols["name"]), "S-SHEET", "这一行有数值但没有指标名称")
                continue
            f = next((f for f, names in fields if _norm(name) in names), None)
            if f is None:
                hint = _suggest(str(name).strip(), [x.title for x, _ in fields])
                self.add(grid.loc(row, cols["name"]), "S-SHEET", f"不认识的指标“{str(name).strip()}”{_paren(hint)}")
                continue
            if f.key in seen:
                self.add(grid.loc(row, cols["name"]), "S-SHEET", f"指标「{f.title}」填了两次（另一次在第 {seen[f.key]} 行）")
                continue
            seen[f.key] = row
            loc = grid.loc(row, cols["value"], f.title)
            self.rows_of[f.key] = loc
            value, problem = convert(f, raw)
            path = (f.key,) if f.key in self.top else ("figures", f.key)
            if problem:
                self.add(loc, "S-SCHEMA", problem, path)
                continue
            if value is ABSENT:
                continue
            if path[0] == "figures":
                data.setdefault("figures", {})
                self.place(("figures",), grid.loc(header_row, 1, grid.title))
            data_target = data if len(path) == 1 else data["figures"]
            data_target[path[-1]] = value
            self.place(path, loc)

    def read_rows(self, grid: Grid, sheet: Sheet) -> list[tuple]:
        """[(record, (parent id, loc) or None, row, loc of the row, broken)] from a row sheet.

        Records map field -> (value, loc). A broken row (a required value absent or
        unreadable, already reported) is left out of the submission, so that the
        remaining data still goes through every other check."""
        candidates = [(f, _header_names(f)) for f in sheet.fields]
        known = set().union(*(names for _, names in candidates))
        found = self.header(grid, known)
        if not found:
            self.unreadable.add(sheet.kind)
        if found is False:
            return []
        if found is None:
            if grid.rows:
                self.add(grid.loc(1, 1), "S-SHEET", f"「{grid.title}」找不到表头：第一行应为列名，如 {'、'.join(f.header for f, _ in candidates[:4])}")
            return []
        header_row, first = found
        columns = self.columns(grid, sheet, header_row, candidates)
        self.fill_merges(grid, first)
        data_rows = [r for r in sorted(grid.rows) if r >= first and any(
            v is not None and not (isinstance(v, str) and not v.strip(_SPACES)) for v in grid.rows[r].values())]
        present = {f.key for f in columns.values()}
        for f, _ in candidates:
            if f.required and f.key not in present and data_rows:
                self.add(grid.loc(header_row, 0), "S-SHEET", f"「{grid.title}」缺少必填的列「{f.title}」")
                self.bad_rows.update((grid.file, grid.sheet, r) for r in data_rows)
        out = []
        headerless = set()
        missing_column = any(f.required and f.key not in present for f, _ in candidates)
        for row in data_rows:
            cells = grid.rows[row]
            record: dict = {}
            parent = None
            broken = missing_column  # a required value is absent or unreadable: the row is left out of the data
            for c, raw in sorted(cells.items()):
                if c not in columns:
                    if raw not in (None, "") and c not in headerless and not (isinstance(raw, str) and not raw.strip(_SPACES)) \
                            and grid.rows[header_row].get(c) in (None, ""):
                        headerless.add(c)
                        self.add(grid.loc(row, c), "S-SHEET", "这一列有数据但没有列名（表头是否合并了？）")
                    continue
            first_col = min(columns) if columns else 1
            for c, f in columns.items():
                loc = grid.loc(row, c, f.title)
                value, problem = convert(f, cells.get(c))
                if problem:
                    self.add(loc, "S-SCHEMA", problem)
                    broken |= f.required
                elif value is ABSENT:
                    if f.required:
                        self.add(loc, "S-SCHEMA", f"「{f.title}」必填，这一格是空的；应填写{f.expected()}")
                        broken = True
                elif f.link:
                    parent = (value, loc)
                else:
                    record[f.key] = (value, loc)
            out.append((record, parent, row, grid.loc(row, first_col), broken))
        return out

    # ---- the submission
    def build(self, grids: dict[str, Grid], district_hint: str | None = None) -> dict:
        by_kind = sheets_by_kind()
        data: dict = {}
        if district_hint:
            data["district"] = district_hint
        grid = grids.get("district")
        if grid is not None:
            self.read_vertical(grid, by_kind["district"], data)
        if district_hint and data.get("district") != district_hint:
            loc = self.locs.get("district")
            if loc is not None:
                self.add(loc, "S-DISTRICT", f"区县名称“{data.get('district')}”与文件名中的“{district_hint}”不一致")
        districts = plan()["districts"]
        if "district" in data and data["district"] not in districts and self.locs.get("district"):
            self.add(self.locs["district"], "S-DISTRICT", f"区县名称“{data['district']}”不在十三个区县之中{_paren(_suggest(data['district'], districts))}；应为 {'、'.join(districts)} 之一")
        if "district" not in data:
            where = self.rows_of.get("district") or (grid.loc(1, 1) if grid is not None else Loc(self.label, "", 0, 0))
            self.bad_rows.add((self.label, "", 0))  # the schema's "required key district" says the same
            self.add(where, "S-SCHEMA", f"没有填写区县名称：请在「{by_kind['district'].name}」表填写「{by_kind['district'].field('district').title}」")
        top_level = [s for s in sheets() if not s.vertical and not s.parent]
        children = [s for s in sheets() if s.parent]
        rows_by_kind = {}
        dropped: set = set()  # (kind, id) of broken parent rows: their children are not orphans
        for sheet in top_level + children:
            if sheet.kind in grids:
                rows_by_kind[sheet.kind] = self.read_rows(grids[sheet.kind], sheet)
        for sheet in top_level:
            rows = rows_by_kind.get(sheet.kind)
            if not rows:
                continue
            records = []
            seen_ids: dict = {}
            for record, _, row, rowloc, broken in rows:
                if broken:
                    if "id" in record:
                        dropped.add((sheet.kind, record["id"][0]))
                    continue
                path = (sheet.key, len(records))
                self.place(path, rowloc)
                if "id" in record:
                    ident, loc = record["id"]
                    if ident in seen_ids:
                        self.add(loc, "S-DUPLICATE-ID", f"{sheet.field('id').title}“{ident}”重复（第 {seen_ids[ident]} 行已填过）")
                        continue
                    seen_ids[ident] = row
                for key, (value, loc) in record.items():
                    self.place(path + (key,), loc)
                records.append({k: v for k, (v, _) in record.items()})
            data[sheet.key] = records
            self.place((sheet.key,), grids[sheet.kind].loc(0, 0))
        for sheet in children:
            rows = rows_by_kind.get(sheet.kind)
            if not rows:
                continue
            parent_sheet = by_kind[sheet.parent]
            parents = data.get(parent_sheet.key, [])
            index = {}
            for i, p in enumerate(parents):
                index.setdefault(p.get("id"), i)
            seen_ids = {}
            orphans: dict = {}  # parent id -> [loc of its first row, rows]
            for record, parent, row, rowloc, broken in rows:
                if parent is None or broken:
                    continue  # already reported
                parent, link_loc = parent
                if "id" in record:
                    ident, loc = record["id"]
                    if (parent, ident) in seen_ids:
                        self.add(loc, "S-DUPLICATE-ID", f"{parent_sheet.name}“{parent}”的{sheet.field('id').title}“{ident}”重复（第 {seen_ids[(parent, ident)]} 行已填过）")
                        continue
                    seen_ids[(parent, ident)] = row
                if (parent_sheet.kind, parent) in dropped:
                    continue
                if parent not in index:
                    orphans.setdefault(parent, [link_loc, 0])[1] += 1
                    continue
                i = index[parent]
                children_list = parents[i].setdefault(sheet.key, [])
                path = (parent_sheet.key, i, sheet.key, len(children_list))
                self.place(path, rowloc)
                for key, (value, loc) in record.items():
                    self.place(path + (key,), loc)
                children_list.append({k: v for k, (v, _) in record.items()})
            if parent_sheet.kind in self.unreadable:
                continue  # that sheet's own problem explains it
            for parent, (loc, count) in orphans.items():  # one problem per unknown parent, at its first row
                rows_text = f"（共 {count} 行）" if count > 1 else ""
                self.add(loc, "S-SCHEMA", f"「{parent_sheet.field('id').title}」“{parent}”在「{parent_sheet.name}」表中没有{rows_text}{_paren(_suggest(parent, index))}")
        return data

    def locate(self, problem: Problem) -> Problem:
        """A problem from facts_from_document, moved to the cell its path came from."""
        text = problem.path
        while True:
            loc = self.locs.get(text)
            if loc is not None or not text:
                break
            text = text[: text.rfind("[")] if text.endswith("]") else text[: text.rfind(".")] if "." in text else ""
        if loc is None:
            return problem
        header = f"「{loc.header}」" if loc.header else ""
        return loc.problem(problem.code, header + problem.message, problem.path)


# ----------------------------------------------------------------------------- grids from files
def workbook_grids(file: str, reader: _Reader) -> dict[str, Grid] | None:
    collector = Collector(file, SubmissionError)
    if file.lower().endswith(OLD_EXCEL_SUFFIXES):
        collector.add("E-READ", "旧版 Excel 97-2003 文件（.xls）不能读取：请在 Excel 中“另存为”Excel 工作簿（.xlsx）")
        collector.raise_if_any()
    raw = read_bytes(file, collector)
    collector.raise_if_any()
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        if raw.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE container: Excel 97-2003, or an encrypted workbook
            collector.add("E-READ", "这是设置了打开密码的工作簿或 Excel 97-2003 文件：请取消密码，另存为 Excel 工作簿（.xlsx）")
        else:
            collector.add("E-READ", "不是有效的 .xlsx 工作簿（文件已损坏，或只是改了扩展名）；请用 Excel 另存为 .xlsx")
        collector.raise_if_any()
    if total > MAX_UNZIPPED_BYTES:
        collector.add("E-SIZE", f"the workbook unpacks to {total} bytes; at most {MAX_UNZIPPED_BYTES} are allowed")
        collector.raise_if_any()
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(io.BytesIO(raw), data_only=False)
            formulas = any(c.data_type == "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)
            values = load_workbook(io.BytesIO(raw), data_only=True) if formulas else wb
    except Exception as exc:  # openpyxl raises many kinds for a damaged package
        collector.add("E-READ", f"不是有效的 .xlsx 工作簿：{type(exc).__name__}: {str(exc)[:200]}")
        collector.raise_if_any()
    grids: dict[str, Grid] = {}
    for ws in wb.worksheets:
        vs = values[ws.title]
        title = ws.title
        name = _norm(title)
        if name in (_norm(GUIDE), _norm(OPTIONS)):
            continue
        rows: dict = {}
        for row in ws.iter_rows():
            for cell in row:
                value = vs[cell.coordinate].value
                if cell.data_type == "f" and value is None:
                    value = NoResult(str(cell.value))
                if cell.data_type == "e" or vs[cell.coordinate].data_type == "e":
                    value = ExcelError(value)
                if value is not None:
                    rows.setdefault(cell.row, {})[cell.column] = value
        merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
        sheet = reader.by_name.get(name)
        if sheet is None:
            if rows:
                known = [s.name for s in sheets()]
                reader.add(Loc(file, title, 0, 0), "S-SHEET", f"不认识的工作表“{title}”{_paren(_suggest(title, known))}；工作表应为 {'、'.join(known)}（不要改工作表名）")
            continue
        if sheet.kind in grids:
            reader.add(Loc(file, title, 0, 0), "S-SHEET", f"工作表「{sheet.name}」出现了两次")
            continue
        grids[sheet.kind] = Grid(file, title, rows, merges, title)
    return grids


def csv_grid(file: str, reader: _Reader, sheet: Sheet) -> Grid | None:
    collector = Collector(file, SubmissionError)
    raw = read_bytes(file, collector)
    text = decode_bytes(raw, collector, CSV_ENCODINGS) if raw is not None else None
    if text is None:
        for p in collector.problems:
            if p.code == "E-ENCODING":
                message = re.sub(r"save (the file|it) as UTF-8$", "save it as CSV UTF-8 or GBK (Excel 另存为“CSV UTF-8”或“CSV (逗号分隔)”)", p.message)
                p = Problem(p.file, p.line, p.column, p.code, message, p.path)
            reader.problems.append(p)
        return None
    rows: dict = {}
    try:
        for r, record in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            cells = {c: v for c, v in enumerate(record, start=1) if v.strip(_SPACES)}
            if cells:
                rows[r] = cells
    except csv.Error as exc:
        reader.add(Loc(file, "", 0, 0), "E-SYNTAX", f"CSV cannot be read: {exc}")
        return None
    return Grid(file, "", rows, [], sheet.name)


def csv_parts(file: str) -> tuple[str, Sheet] | None:
    """(prefix, sheet) from a name like 和平区-学校.csv, or None."""
    stem = os.path.basename(file)[: -len(CSV_SUFFIX)]
    for sheet in sheets():
        for name in (sheet.name, sheet.key):
            for sep in ("-", "_", "－", " "):
                if stem.lower().endswith((sep + name).lower()):
                    return stem[: -len(sep + name)], sheet
            if _norm(stem) == _norm(name):
                return "", sheet
    return None


def group_units(files: list[str]) -> list:
    """Files as submission units: a workbook or YAML file alone, a district's CSV files together."""
    units: list = []
    groups: dict[tuple, list[str]] = {}
    for file in files:
        if file.lower().endswith(CSV_SUFFIX):
            parts = csv_parts(file)
            key = (os.path.dirname(file), parts[0] if parts else file)
            if key not in groups:
                groups[key] = []
                units.append(key)
            groups[key].append(file)
        else:
            units.append(file)
    return [tuple(groups[u]) if isinstance(u, tuple) else u for u in units]


def unit_label(unit) -> str:
    if isinstance(unit, tuple):
        parts = csv_parts(unit[0])
        prefix = parts[0] if parts else ""
        return os.path.join(os.path.dirname(unit[0]), f"{prefix}-*.csv" if prefix else "*.csv")
    return unit


MAX_PER_COLUMN = 20


def _cap(problems: list[Problem]) -> list[Problem]:
    """At most MAX_PER_COLUMN problems of one code in one column; the rest are counted in one more line."""
    groups: dict[tuple, list[Problem]] = {}
    for p in sorted(problems, key=lambda p: (p.file, p.sheet, p.column, p.code, p.line)):
        groups.setdefault((p.file, p.sheet, p.column, p.code), []).append(p)
    out = []
    for (file, sheet, column, code), items in groups.items():
        if column == 0 or len(items) <= MAX_PER_COLUMN:
            out.extend(items)
            continue
        out.extend(items[:MAX_PER_COLUMN])
        rest = items[MAX_PER_COLUMN:]
        first = rest[0]
        out.append(Problem(file, first.line, column, code,
                           f"这一列从第 {first.line} 行到第 {rest[-1].line} 行还有 {len(rest)} 处同类问题，未逐一列出；请整列检查", "", sheet=sheet))
    return out


def load_spreadsheet(unit) -> Facts:
    """A workbook (path) or a CSV set (tuple of paths) -> validated Facts; every problem located at its cell."""
    label = unit_label(unit)
    reader = _Reader(label)
    district_hint = None
    if isinstance(unit, tuple):
        files = list(unit)
        grids: dict[str, Grid] = {}
        for file in files:
            parts = csv_parts(file)
            if parts is None:
                names = "、".join(s.name for s in sheets())
                reader.add(Loc(file, "", 0, 0), "S-SHEET", f"看不出是哪一张表：CSV 文件名应为“区县-表名.csv”，表名为 {names}（如 和平区-学校.csv）")
                continue
            prefix, sheet = parts
            district_hint = prefix or None
            if sheet.kind in grids:
                reader.add(Loc(file, "", 0, 0), "S-SHEET", f"「{sheet.name}」已由 {grids[sheet.kind].file} 提供")
                continue
            grid = csv_grid(file, reader, sheet)
            if grid is not None:
                grids[sheet.kind] = grid
    else:
        files = [unit]
        grids = workbook_grids(unit, reader)
    data = reader.build(grids, district_hint) if not any(p.code in ("E-ENCODING", "E-READ", "E-SIZE") for p in reader.problems) else {}
    problems = list(reader.problems)
    facts = None
    if data:
        try:
            facts = facts_from_document(Document(label, data, reader.positions), lang="zh")
        except SubmissionError as exc:
            for p in exc.problems:
                located = reader.locate(p)
                if (located.file, located.sheet, located.line) in reader.bad_rows:
                    continue  # the cell's own problem already says it, in the clerk's words
                problems.append(located)
    if problems:
        raise SubmissionError(_cap(problems))
    facts.files = tuple(files)
    return facts
