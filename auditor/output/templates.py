"""Fill-in workbooks for districts (``auditor template``), generated from the schema and the policies.

A template has a first sheet 填表说明 and one sheet per kind of record (see
``intake.sheets.layout``): every column is a field some check reads or a field
that identifies a record. Written with openpyxl, with fixed timestamps so that
the same inputs give the same bytes.
"""
from __future__ import annotations

import datetime as _dt
import io
import os
import re
import zipfile
from pathlib import Path

from auditor.errors import Problem, UsageError
from auditor.texts import msg, os_reason
from auditor.intake import contracts
from auditor.intake.sheets.layout import (
    FIXED_TIME, GUIDE, IDENTIFYING, META, OPTIONS, READING_RULES, TEMPLATE_ROWS, Field, Sheet, number_text, sheets, sheets_by_kind)
from auditor.output.files import inside, safe_name
from auditor.output.writer import holding, write_set
from auditor.rules.fields import fields_read


def template_fields(sheet: Sheet, read: dict, data: dict | None = None) -> list[Field]:
    """The columns of a template: identifying and required fields, and every field a check reads.

    A template filled in from ``data`` also shows the submission's own scalars it sets (sample_data)."""
    keep = []
    top = set(contracts.schema("submission")["properties"])
    for f in sheet.fields:
        if f.link or f.required or f.key in IDENTIFYING.get(sheet.kind, ()) or (sheet.kind, f.key) in read:
            keep.append(f)
        elif sheet.kind == "district" and (f.key in META or (f.key in top and data and data.get(f.key) is not None)):
            keep.append(f)
    return keep


def _cell_value(f: Field, value):
    if value is None:
        return None
    if f.type == "enum":
        return f.label(value)
    if f.type == "boolean":
        return "是" if value else "否"
    if f.type == "date" and isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _number_format(f: Field) -> str:
    if f.type == "date":
        return "yyyy-mm-dd"
    if f.fraction:
        return "0.0%"
    if f.type in ("string", "enum", "boolean"):
        return "@"
    return "General"


def _comment(f: Field, readers: list[str]) -> str:
    lines = [f"「{f.title}」（字段 {f.key}）"]  # the schema's field name stays: it is what YAML and JSON submissions write
    if f.unit:
        lines.append(f"单位：{f.unit}")
    lines.append(f"应填：{f.expected()}")
    lines.append("必填" if f.required else "可空（空着即“未报”）")
    if readers:
        lines.append("用于检查：" + "；".join(readers))
    return "\n".join(lines)


def _validation(f: Field, options):
    from openpyxl.worksheet.datavalidation import DataValidation

    prompt = f.expected()[:250]
    if f.type in ("enum", "boolean"):
        items = list(f.labels) if f.type == "enum" else ["是", "否"]
        inline = '"' + ",".join(items) + '"'
        formula = inline if len(inline) <= 250 else options(items)
        dv = DataValidation(type="list", formula1=formula, allow_blank=True)
    elif f.type in ("integer", "number"):
        dv = DataValidation(type="whole" if f.type == "integer" else "decimal", operator="between",
                            formula1=number_text(f.minimum if f.minimum is not None else -1e15),
                            formula2=number_text(f.maximum if f.maximum is not None else 1e15), allow_blank=True)
    elif f.type == "date":
        dv = DataValidation(type="date", operator="greaterThanOrEqual", formula1="DATE(1990,1,1)", allow_blank=True)
    else:
        return None
    dv.error = f"「{f.title}」应填写{prompt}"[:250]
    dv.errorTitle = "填写有误"
    dv.prompt = prompt
    dv.promptTitle = f.title[:32]
    dv.showErrorMessage = True
    dv.showInputMessage = True
    return dv


def build_workbook(policy_set, district: str, submission: dict | None = None):
    """A template for ``district`` (an openpyxl Workbook); filled in from ``submission`` when given."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    read = fields_read(policy_set)
    data = dict(submission or {"district": district})
    data.setdefault("district", district)
    wb = Workbook()
    guide = wb.active
    guide.title = GUIDE
    bold, red = Font(bold=True), Font(bold=True, color="C00000")
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    option_lists: list[list[str]] = []

    def options(items):
        option_lists.append(items)
        col = get_column_letter(len(option_lists))
        return f"'{OPTIONS}'!${col}$1:${col}${len(items)}"

    layout = []
    link_target = {}
    top = set(contracts.schema("submission")["properties"])
    for sheet in sheets():
        cols = template_fields(sheet, read, data)
        layout.append((sheet, cols))
        ws = wb.create_sheet(sheet.name)
        ws.freeze_panes = "A2"
        if sheet.vertical:
            for c, (text, width) in enumerate((("指标", 34), ("数值", 16), ("单位", 14), ("说明", 60)), start=1):
                cell = ws.cell(1, c, text)
                cell.font, cell.fill = bold, head_fill
                ws.column_dimensions[get_column_letter(c)].width = width
            for r, f in enumerate(cols, start=2):
                name = ws.cell(r, 1, f.header)
                name.font = red if f.required else Font()
                name.comment = Comment(_comment(f, read.get((sheet.kind, f.key), [])), "auditor", width=320, height=160)
                source = data if f.key in top else data.get("figures", {})
                value = _put(ws, r, 2, _cell_value(f, source.get(f.key)))
                value.number_format = _number_format(f)
                ws.cell(r, 3, "比例（可填 97%）" if f.fraction else f.unit)
                ws.cell(r, 4, f"{f.description}；应填{f.expected()}").alignment = Alignment(wrap_text=True)
                dv = _validation(f, options)
                if dv is not None:
                    ws.add_data_validation(dv)
                    dv.add(f"B{r}")
            continue
        for c, f in enumerate(cols, start=1):
            cell = ws.cell(1, c, f.header)
            cell.font, cell.fill = (red if f.required else bold), head_fill
            cell.comment = Comment(_comment(f, read.get((sheet.kind, f.key), [])), "auditor", width=320, height=160)
            letter = get_column_letter(c)
            ws.column_dimensions[letter].width = max(24 if f.type == "string" and not f.link and f.key != "id" else 10, min(40, 2 * len(f.header) + 4))
            if f.key == "id":
                link_target[sheet.kind] = f"'{sheet.name}'!${letter}$2:${letter}${TEMPLATE_ROWS}"
            if f.link:
                dv = DataValidation(type="list", formula1=link_target.get(sheet.parent, ""), allow_blank=True)
                dv.error, dv.errorTitle = f"「{f.title}」应为{sheets_by_kind()[sheet.parent].name}表中已填的代码", "填写有误"
                dv.showErrorMessage = True
            else:
                dv = _validation(f, options)
            if dv is not None:
                ws.add_data_validation(dv)
                dv.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
            # the column's own format applies to every cell typed into it (text keeps "1-1" a class id)
            ws.column_dimensions[letter].number_format = _number_format(f) if not f.link else "@"
        for r, (record, parent) in enumerate(_records(data, sheet), start=2):
            for c, f in enumerate(cols, start=1):
                value = parent.get("id") if f.link else record.get(f.key)
                cell = _put(ws, r, c, _cell_value(f, value))
                cell.number_format = _number_format(f) if not f.link else "@"
    if option_lists:
        ws = wb.create_sheet(OPTIONS)
        ws.sheet_state = "hidden"
        for c, items in enumerate(option_lists, start=1):
            for r, item in enumerate(items, start=1):
                ws.cell(r, c, item)
    _write_guide(guide, policy_set, district, layout, read)
    return wb


def _put(ws, row: int, column: int, value):
    """Write a value; text is always text (openpyxl would make "=…" a formula)."""
    cell = ws.cell(row, column, value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _records(data: dict, sheet: Sheet) -> list[tuple[dict, dict]]:
    """(record, parent) pairs of a row sheet, in submission order."""
    if sheet.parent:
        parent_sheet = sheets_by_kind()[sheet.parent]
        return [(child, parent) for parent in data.get(parent_sheet.key, []) for child in parent.get(sheet.key, [])]
    return [(record, {}) for record in data.get(sheet.key, [])]


def _write_guide(ws, policy_set, district, layout, read) -> None:
    from openpyxl.styles import Alignment, Font

    rows = [
        (f"{district} 义务教育优质均衡发展 填报表（{'、'.join(p.ref for p in policy_set.packs)}）", None),
        ("本工作簿由 auditor 根据政策文件生成：每一列都是某项检查要用的数据或用于标识记录。", None),
        (f"政策 {len(policy_set.policies)} 项，检查 {len(policy_set.checks)} 项；政策集 sha256:{policy_set.digest[:12]}", None),
        ("", None),
        ("怎样填写", "bold"),
        ("1. 每个工作表填一类记录：" + "、".join(s.name for s, _ in layout) + "。不要改工作表名和列名，不要插入合并单元格。", None),
        ("2. 列名前带 * 的列必填；其他列不知道就空着（空着即“未报”，相关检查结果为“数据缺失”，不会当作达标）。", None),
        ("3. 选项列用下拉列表；鼠标停在列名上可看到英文字段名、单位和用途。", None),
        ("4. 班级表每行填所属学校的学校代码，须与学校表一致。", None),
        ("5. 比例填小数或百分数（0.97 或 97%）；日期填 2019-12-14。", None),
        ("6. 填好后保存为 .xlsx（Excel 工作簿），文件名保持不变，交回。", None),
        ("", None),
        ("读取规则（手工填写常见情况的处理）", "bold"),
    ]
    rows += [(f"· {rule}", None) for rule in READING_RULES]
    rows += [("", None), ("各表各列", "bold")]
    table_start = len(rows) + 1
    for r, (text, style) in enumerate(rows, start=1):
        cell = ws.cell(r, 1, text)
        if style or r == 1:
            cell.font = Font(bold=True, size=14 if r == 1 else 11)
    header_row = table_start
    for c, text in enumerate(["工作表", "列名", "英文字段", "单位", "应填", "必填", "用于检查"], start=1):
        ws.cell(header_row, c, text).font = Font(bold=True)
    r = header_row + 1
    for sheet, cols in layout:
        for f in cols:
            values = [sheet.name, f.title, f.key, f.unit, f.expected(), "是" if f.required else "",
                      "；".join(read.get((sheet.kind, f.key), []))]
            for c, v in enumerate(values, start=1):
                ws.cell(r, c, v).alignment = Alignment(wrap_text=True, vertical="top")
            r += 1
    for letter, width in zip("ABCDEFG", (14, 30, 24, 12, 36, 6, 60)):
        ws.column_dimensions[letter].width = width


def save_workbook(wb, path: str) -> None:
    """Save with fixed timestamps, so the same inputs give the same bytes; through the one writer
    (an exclusive temporary with an unpredictable name, never a planted ``path.tmp``)."""
    write_set({os.path.basename(path): workbook_bytes(wb)}, os.path.dirname(path) or ".", replace=False, kind="template")


def workbook_bytes(wb) -> bytes:
    """The workbook's .xlsx bytes, with fixed timestamps."""
    buffer = io.BytesIO()
    wb.save(buffer)
    stamp = "2000-01-01T00:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            dst.writestr(zipfile.ZipInfo(info.filename, FIXED_TIME), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def sheet_rows(policy_set, district: str, submission: dict | None = None) -> dict[str, list[list]]:
    """The template's sheets as plain rows (header first): what a CSV set holds."""
    read = fields_read(policy_set)
    data = dict(submission or {"district": district})
    data.setdefault("district", district)
    out = {}
    top = set(contracts.schema("submission")["properties"])
    for sheet in sheets():
        cols = template_fields(sheet, read, data)
        if sheet.vertical:
            rows = [["指标", "数值", "单位"]]
            for f in cols:
                source = data if f.key in top else data.get("figures", {})
                rows.append([f.header, _text(f, source.get(f.key)), f.unit])
        else:
            rows = [[f.header for f in cols]]
            for record, parent in _records(data, sheet):
                rows.append([_text(f, parent.get("id") if f.link else record.get(f.key)) for f in cols])
        out[sheet.name] = rows
    return out


def _text(f: Field, value) -> str:
    value = _cell_value(f, value)
    if value is None:
        return ""
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def write_templates(policy_set, out_dir: str, districts: list[str], force: bool = False) -> list[str]:
    """One workbook per district in ``out_dir``, all or none; existing files are kept unless ``force``
    (a filled-in workbook is never removed: templates keep no manifest)."""
    with holding(out_dir, "template"):
        targets = [(d, inside(Path(out_dir), safe_name(d) + ".xlsx")) for d in districts]
        existing = [str(t) for _, t in targets if os.path.lexists(t)]
        if existing and not force:
            raise UsageError([Problem(t, 0, 0, "U-OUT", msg("out.template-exists")) for t in existing])
        try:  # openpyxl writes each sheet to a temporary file of the system's first
            books = {target.name: workbook_bytes(build_workbook(policy_set, district)) for district, target in targets}
        except OSError as exc:
            raise UsageError(Problem(out_dir, 0, 0, "U-OUT", msg("out.template-temporary", reason=os_reason(exc) if exc.strerror else str(exc)))) from None
        return write_set(books, out_dir, replace=False, kind="template")

