"""An .xlsx package looked over before a reader loads it: which part holds each sheet, how far its cells reach,
and the cells the fast reader cannot tell apart from empty ones.

The values are read by python-calamine (``grids``), which builds each sheet as one dense block from the first to
the last cell holding a value: a single value at XFD1048576 in a 48 KB file asked it for 512 GB, and the
process aborted. So each sheet's XML is looked over first (:func:`survey`): the used range (the cells that hold
a value, as calamine counts them) must fit :data:`MAX_COLUMNS` columns and :data:`MAX_CELLS` cells, else the
sheet is refused at its range (``班级!A1:XFD1048576``) before anything is built. Merged ranges are never
expanded cell by cell (``headers.fill_merges`` fills only rows that hold values).

calamine reads an error value (``#N/A``) and a formula saved without its result as an empty cell; the survey
finds those cells too, so that they are refused as the reading rules say, never read as "no data".

The survey reads the XML with regular expressions when every cell carries its reference first (``<c r="B7"``:
what Excel, WPS, openpyxl and XlsxWriter write), and with the standard library's XML parser otherwise (cells
and rows placed by counting, namespace prefixes). Documents with a DOCTYPE (entity definitions: Excel never
writes one) are refused.
"""
from __future__ import annotations

import lzma
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field

MAX_COLUMNS = 256  # columns of a sheet's used range (Excel 2003's limit; a template has a few dozen)
MAX_CELLS = 10_000_000  # cells of a sheet's used range (rows x columns), what the reader allocates for it

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

_CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}([1-9][0-9]{0,6})"')
# per cell tag "<c r=": the row of a reference of five to seven digits (row 10,000 and beyond), or b"" where the
# reference is not a plain one (letters, then a row number without a leading zero, then the closing quote)
_LONG_OR_ODD_ROW = re.compile(rb'<c r="(?:[A-Z]{1,3}([1-9][0-9]{4,6})"|(?![A-Z]{1,3}[1-9][0-9]{0,3}"))')
_SHORT_ROWS = 9_999  # the largest row number of four digits
_CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})[1-9]')
_WIDE = re.compile(rb'<c r="(?:[A-Z]{3}|I[W-Z]|[J-Z][A-Z])[1-9]')  # a cell beyond column IV (256)
_OTHER_CELL_TAG = re.compile(rb"<c[>/\t\n\r]")
_REF_CELL = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"([^>]*)>')
# a cell's opening tag ends ">" but not "/>": a styled empty cell (<c r="B7" s="1"/>) is not taken to hold the
# next cell's body (a formula without a result was placed one cell early, found by test_sheets_package)
_ERROR_CELL = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"[^>]*?\st="e"[^>]*(?<!/)>(.*?)</c>', re.S)
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"[^>]*(?<!/)>((?:(?!</c>).)*?<f[\s/>](?:(?!</c>).)*?)</c>', re.S)
_VALUE = re.compile(rb"<v>(.*?)</v>", re.S)
_SAVED = re.compile(rb"<v(?:\s[^>]*)?>[^<]")
_FORMULA = re.compile(rb"<f(?:\s[^>]*)?>(.*?)</f>", re.S)
_FORMULA_TAG = re.compile(rb"<f[\s/>]")  # a cell's formula (not <formula1> of a data validation, which every template has)


class Damaged(Exception):
    """The package is not a workbook this reader can trust (a missing part, a DOCTYPE, XML that does not parse)."""


class Unpacking(Damaged):
    """A part of the package that cannot be unpacked: broken compressed data (``zlib.error``), a wrong CRC or a
    bad local header (``BadZipFile``), data cut short (``EOFError``), an encrypted or unknown compression
    (``RuntimeError``, ``NotImplementedError``). ``part`` names it (``xl/worksheets/sheet2.xml``)."""

    def __init__(self, part: str):
        super().__init__(part)
        self.part = part


# what zipfile raises while it reads a damaged member (zlib, bz2 and lzma data, checksums, headers)
_UNPACKING = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, ValueError, NotImplementedError,
              RuntimeError)


@dataclass
class Survey:
    """What one sheet's XML holds, before it is read."""

    first: tuple[int, int] | None = None  # (row, column) 1-based corners of the used range
    last: tuple[int, int] | None = None
    errors: dict = field(default_factory=dict)  # (row, column) -> the error value ("#N/A")
    no_result: dict = field(default_factory=dict)  # (row, column) -> the formula saved without a result

    @property
    def columns(self) -> int:
        return 0 if self.first is None else self.last[1] - self.first[1] + 1

    @property
    def cells(self) -> int:
        return 0 if self.first is None else (self.last[0] - self.first[0] + 1) * self.columns

    def too_large(self) -> bool:
        return self.columns > MAX_COLUMNS or self.cells > MAX_CELLS


def column_number(letters: bytes | str) -> int:
    """b"A" -> 1, b"XFD" -> 16384."""
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(number: int) -> str:
    out = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        out = chr(65 + rest) + out
    return out


def range_text(first: tuple[int, int], last: tuple[int, int]) -> str:
    return f"{column_letters(first[1])}{first[0]}:{column_letters(last[1])}{last[0]}"


def _xml(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        data = archive.read(name)
    except KeyError:
        raise Damaged(f"缺少 {name}") from None
    except _UNPACKING:
        raise Unpacking(name) from None
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
        raise Damaged(f"{name} 含有 DOCTYPE 或实体定义")
    return data


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the package part holding it (as xl/workbook.xml and its relationships name them)."""
    try:
        book = ET.fromstring(_xml(archive, "xl/workbook.xml"))
        rels = ET.fromstring(_xml(archive, "xl/_rels/workbook.xml.rels"))
    except ET.ParseError as exc:
        raise Damaged(str(exc)) from None
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{{{_RELS}}}Relationship")}
    out = {}
    for sheet in book.iter(f"{{{_MAIN}}}sheet"):
        target = targets.get(sheet.get(f"{{{_OFFICE_RELS}}}id"), "")
        if not target:
            continue
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        out[sheet.get("name", "")] = part
    return out


def survey(archive: zipfile.ZipFile, part: str) -> Survey:
    """The used range, error cells and formulas without a result of the sheet in ``part``."""
    data = _xml(archive, part)
    found = Survey()
    cells = data.count(b'<c r="')
    long_rows = _LONG_OR_ODD_ROW.findall(data) if cells else []
    if cells == data.count(b"<c ") and b"" not in long_rows and _OTHER_CELL_TAG.search(data) is None:
        _survey_by_reference(data, cells, long_rows, found)  # every cell starts <c r="B7"
    else:
        _survey_by_parsing(data, found)
    return found


def _survey_by_reference(data: bytes, cells: int, long_rows: list, found: Survey) -> None:
    """First every cell, styled empty ones too, within bounds that cost no object per cell: rows 1 to the
    largest row number of five to seven digits (9,999 when there is none), columns 1 to 256. When those bounds
    are too large (or a cell lies beyond column 256): the exact rows and columns of every cell; when those are
    too large too, only the cells holding a value, as calamine counts them. The bounds hold every cell, so a
    sheet within them is within the limits."""
    if cells:
        found.first, found.last = (1, 1), (max(map(int, long_rows)) if long_rows else _SHORT_ROWS, MAX_COLUMNS)
        if _WIDE.search(data) is not None or found.too_large():
            numbers = list(map(int, _CELL_ROW.findall(data)))
            columns = [column_number(c) for c in set(_CELL_COLUMN.findall(data))]
            found.first, found.last = (min(numbers), min(columns)), (max(numbers), max(columns))
    if found.too_large():  # then only the cells holding a value, as calamine counts them
        rows, columns = [], []
        for letters, row, rest in _REF_CELL.findall(data):
            if not rest.endswith(b"/"):  # <c r="B7" s="3"/>: a styled empty cell, which calamine skips as well
                rows.append(int(row))
                columns.append(letters)
        found.first = found.last = None
        if rows:
            numbers = [column_number(c) for c in set(columns)]
            found.first, found.last = (min(rows), min(numbers)), (max(rows), max(numbers))
    if b't="e"' in data:
        for letters, row, body in _ERROR_CELL.findall(data):
            value = _VALUE.search(body)
            found.errors[(int(row), column_number(letters))] = _text(value.group(1)) if value else "#VALUE!"
    if _FORMULA_TAG.search(data) is not None:
        for letters, row, body in _FORMULA_CELL.findall(data):
            if not _SAVED.search(body) and b"<is>" not in body:  # openpyxl writes <v /> for "no result"
                formula = _FORMULA.search(body)
                found.no_result[(int(row), column_number(letters))] = "=" + (_text(formula.group(1)) if formula else "")


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")


def _survey_by_parsing(data: bytes, found: Survey) -> None:
    """Cells without a reference (or with a prefix): placed as the format says, after the previous row or cell."""
    row = 0
    column = 0
    corners: list[tuple[int, int]] = []
    cell = None  # [row, column, type, has value, formula]
    try:
        for event, element in ET.iterparse(_Reader(data), events=("start", "end")):
            tag = element.tag.rsplit("}", 1)[-1]
            if event == "start" and tag == "row":
                row = int(element.get("r") or row + 1)
                column = 0
            elif event == "start" and tag == "c":
                ref = element.get("r")
                if ref:
                    match = re.fullmatch(r"([A-Z]{1,3})([1-9][0-9]{0,6})", ref)
                    if match is None:
                        raise Damaged(f"单元格引用“{ref[:20]}”无效")
                    column, row = column_number(match[1]), int(match[2])
                else:
                    column += 1
                cell = [row, column, element.get("t"), False, None]
            elif event == "end" and cell is not None and tag in ("v", "is"):
                cell[3] = cell[3] or tag == "is" or bool(element.text)
                if cell[2] == "e" and tag == "v":
                    found.errors[(cell[0], cell[1])] = element.text or "#VALUE!"
            elif event == "end" and cell is not None and tag == "f":
                cell[4] = "=" + (element.text or "")
            elif event == "end" and tag == "c" and cell is not None:
                if cell[3] or cell[4] is not None:
                    corners.append((cell[0], cell[1]))
                if cell[4] is not None and not cell[3]:
                    found.no_result[(cell[0], cell[1])] = cell[4]
                cell = None
                element.clear()
            elif event == "end" and tag == "row":
                element.clear()
    except ET.ParseError as exc:
        raise Damaged(str(exc)) from None
    if corners:
        rows = [r for r, _ in corners]
        columns = [c for _, c in corners]
        found.first, found.last = (min(rows), min(columns)), (max(rows), max(columns))


class _Reader:
    """Bytes as a file for iterparse."""

    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.at + size
        chunk = self.data[self.at:end]
        self.at = end
        return chunk
