"""sheets/package.py: a sheet's XML looked over before calamine builds it — the used range held to the limits
(issue 19 item 2: a single value far away must not make the reader allocate the whole sheet), error values and
formulas without a saved result found. The quick reading by reference (regular expressions, bounds instead of
every cell's place) must decide as the XML parser's reading does."""
from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.intake.sheets import package
from auditor.intake.submissions import load_submission
from spreadsheet_kit import _filled, _problems, policy_set  # noqa: F401

_HEAD = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
_TAIL = b"</sheetData></worksheet>"


def _sheet_xml(cells: list[tuple[int, int, str]]) -> bytes:
    """Rows in order, each cell by reference: kind "v" a number, "s" a styled empty cell, "e" an error value,
    "f" a formula without a saved result, "F" one with its result, "h" a shared formula's other cells (no result),
    "t" inline text, "E" an error-typed cell holding nothing."""
    body = {"v": b"<v>1</v>", "e": b"<v>#N/A</v>", "f": b"<f>SUM(A1)</f>", "F": b"<f>1+1</f><v>2</v>",
            "h": b'<f t="shared" si="0"/>', "t": b"<is><t>&lt;c r=&quot;A1&quot;&gt;</t></is>"}
    out, by_row = [_HEAD], {}
    for row, column, kind in sorted(cells):
        by_row.setdefault(row, {})[column] = kind
    for row, columns in by_row.items():
        out.append(b'<row r="%d">' % row)
        for column, kind in columns.items():
            ref = f"{package.column_letters(column)}{row}".encode()
            if kind == "s":
                out.append(b'<c r="%s" s="1"/>' % ref)
            elif kind == "E":
                out.append(b'<c r="%s" s="2" t="e"/>' % ref)
            else:
                kind_attribute = {"e": b' t="e"', "t": b' t="inlineStr"'}.get(kind, b"")
                out.append(b'<c r="%s"%s>%s</c>' % (ref, kind_attribute, body[kind]))
        out.append(b"</row>")
    out.append(_TAIL)
    return b"".join(out)


def _survey(xml: bytes) -> package.Survey:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as archive:
        archive.writestr("xl/worksheets/sheet1.xml", xml)
    with zipfile.ZipFile(raw) as archive:
        return package.survey(archive, "xl/worksheets/sheet1.xml")


_ROWS = st.one_of(st.integers(1, 40), st.integers(9_990, 10_010), st.integers(39_000, 39_100), st.integers(1, 1_048_576))
_COLUMNS = st.one_of(st.integers(1, 30), st.integers(250, 260), st.integers(1, 16_384))
_CELLS = st.lists(st.tuples(_ROWS, _COLUMNS, st.sampled_from("vvvsefFhtE")), max_size=12, unique_by=lambda c: c[:2])


@given(_CELLS)
def test_the_quick_survey_decides_as_the_parser(cells):
    """Too large or not, and where, the range reported, the error cells and the formulas without a result: as
    the XML parser's cell-by-cell reading finds them (which holds every cell's place, not bounds)."""
    xml = _sheet_xml(cells)
    quick, parsed = _survey(xml), package.Survey()
    package._survey_by_parsing(xml, parsed)
    assert quick.too_large() == parsed.too_large()
    if parsed.too_large():
        assert (quick.first, quick.last) == (parsed.first, parsed.last)
    assert (quick.first is None) <= (parsed.first is None) and (quick.first is None) >= (not cells)  # a sheet holding a value has a range
    assert quick.errors == parsed.errors and quick.no_result == parsed.no_result
    if not parsed.too_large() and parsed.first is not None:  # the bounds hold the cells holding a value
        assert quick.first <= parsed.first and quick.last[0] >= parsed.last[0] and quick.last[1] >= parsed.last[1]


def test_cells_without_a_plain_reference_are_placed_by_the_parser():
    odd = _HEAD + b'<row r="3"><c s="1" r="B3"><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row>' + _TAIL
    found = _survey(odd)
    assert (found.first, found.last) == ((3, 1), (4, 3))
    with pytest.raises(package.Damaged, match="A01"):
        _survey(_HEAD + b'<row r="1"><c r="A01"><v>3</v></c></row>' + _TAIL)


def test_a_value_far_away_is_refused_at_its_range(policy_set, tmp_path):
    """One value at XFD1048576 in a filled template: the sheet is refused before calamine would build 17 billion
    cells, at the sheet's range; a styled empty cell there (which calamine skips) is not a value."""
    path, _ = _filled(policy_set, tmp_path)
    with zipfile.ZipFile(path) as src:
        items = [(info, src.read(info.filename)) for info in src.infolist()]
        part = package.sheet_parts(src)["班级"]
    for far, refused in ((b'<c r="XFD1048576"><v>1</v></c>', True), (b'<c r="XFD1048576" s="1"/>', False)):
        edited = tmp_path / f"far-{refused}.xlsx"
        with zipfile.ZipFile(edited, "w") as dst:
            for info, data in items:
                if info.filename == part:
                    data = data.replace(b"</sheetData>", b'<row r="1048576">' + far + b"</row></sheetData>")
                dst.writestr(info, data)
        if refused:
            lines = _problems([str(edited)])
            assert any(line.startswith(f"{edited}:班级!XFD1048576: E-SIZE: ") for line in lines), lines
        else:
            assert len(load_submission(str(edited)).of("class")) == len(load_submission(path).of("class")) > 0
