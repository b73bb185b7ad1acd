"""The layout of a submission as sheets: what Excel workbooks, CSV sets and fill-in templates hold.

Everything here is generated from two sources and nothing is written per field:

* the submission schema (``auditor/schemas/submission.schema.json``): every
  field's Chinese ``title``, English ``description``, ``x-unit``, type, enum
  with ``x-enum-zh`` labels, ``minimum``/``maximum`` and whether it is required;
* the policies: the fields that checks and measures read (``expr.fields`` over
  ``where``/``require``/``that`` and a measure's ``value``/``per``; a class's
  ``school.*`` fields belong to the school sheet; a measure read by a check
  brings in the fields the measure reads).

A template (``output.templates.build_workbook``) has a first sheet 填表说明 and one sheet per
kind of record: 区级指标 (one figure per row: 指标 | 数值 | 单位 | 说明),
报备文件, 学校 and 班级 (one record per row; a class names its school by
学校代码). Reading (:func:`load_spreadsheet`) turns a workbook or a CSV set
into the same submission dict the YAML loader builds, runs it through
``submission.facts_from_document``, and reports every problem at its cell
(``和平区.xlsx:班级!D17``). The reading rules for hand-made sheets are listed in
:data:`READING_RULES` (and printed on the 填表说明 sheet and in the README).

Libraries: python-calamine reads workbooks (``grids``, after ``package`` has looked each sheet over);
openpyxl (pure Python, maintained: data validation, comments and merged cells) writes the templates; CSV
with the standard ``csv``.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from dataclasses import dataclass

from auditor.errors import closest
from auditor.intake import contracts
from auditor.texts import Msg, msg, render

WORKBOOK_SUFFIXES = (".xlsx",)
OLD_EXCEL_SUFFIXES = (".xls", ".et")
CSV_SUFFIX = ".csv"
SPREADSHEET_SUFFIXES = WORKBOOK_SUFFIXES + OLD_EXCEL_SUFFIXES + (CSV_SUFFIX,)
CSV_ENCODINGS = ("utf-8", "gb18030")  # GB18030 reads GBK (what Excel on Chinese Windows writes)
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
HEADER_SEARCH_ROWS = 10
TEMPLATE_ROWS = 5000  # data validation reaches this row on the record sheets
GUIDE = "填表说明"
OPTIONS = "_选项"  # hidden sheet holding drop-down lists too long to write inline
IGNORED_HEADERS = ("备注", "说明", "单位", "note", "notes", "remark", "unit")
FIXED_TIME = (2000, 1, 1, 0, 0, 0)

# The structure of a submission (not its fields): which part of the schema each
# sheet holds. kind, schema $defs entry, where the records sit in the submission,
# parent kind (a class row names its school).
STRUCTURE = (
    ("district", "figures", "figures", None),
    ("document", "document", "documents", None),
    ("school", "school", "schools", None),
    ("class", "class", "classes", "school"),
)
# Top-level fields shown on the district sheet above the figures.
META = ("district", "reported_on")
# The fields that name a record in the audit's evidence (see submission.to_facts):
# always a column, whether or not a check reads them.
IDENTIFYING = {"document": ("kind", "title", "ref", "filed_on"), "school": ("id", "name"), "class": ("id", "grade")}
SPACES = " \t\r\n\u3000\u00a0\ufeff"  # stripped from both ends of every cell's text, full-width space too
VERTICAL_HEADERS = {"name": ("指标", "field", "name"), "value": ("数值", "value", "填报值")}

READING_RULES = (
    "第一行（前10行中第一个含有已知列名的行）是表头；表头以上的行不读。列名可带单位和必填星号，如“*班额（人）”。",
    "空行（整行无内容）跳过；文字前后的空格（含全角空格）去掉。",
    "数字可以是文本格式的数字、全角数字（１２）、千位分隔（1,234）或带本列单位（45人）；整数列不接受小数。",
    "比例填小数（0.97）或带百分号（97%）；比例列填 97 不会被当作 97%，而是报错。",
    "是/否列：是、否、有、无、true、false（不接受 1/0）。",
    "选项列：填下拉列表中的中文（如“小学”）或其英文代码（primary）。",
    "日期：Excel 日期，或文本 2019-12-14、2019/12/14、2019.12.14、2019年12月14日；不接受日期序列号数字。",
    "纵向合并的单元格（如班级表中同一学校的学校代码）视为每一行都填了该值；横向合并的单元格和合并的表头报错。",
    "列名以“备注”开头的列不读；其他不认识的列、工作表报错。",
    "有公式的单元格读取 Excel 保存的计算结果；没有计算结果的公式报错。",
    "CSV：UTF-8（可带 BOM）或 GB18030/GBK 编码，逗号分隔；文件名为“区县-表名.csv”，如“和平区-学校.csv”。",
)


# ----------------------------------------------------------------------------- fields
@dataclass(frozen=True)
class Field:
    key: str
    title: str
    description: str
    type: str  # integer | number | boolean | string | enum | date
    unit: str = ""
    enum: tuple = ()
    labels: tuple = ()  # Chinese labels, parallel to enum
    minimum: float | None = None
    maximum: float | None = None
    required: bool = False
    link: bool = False  # the parent's id on a child sheet

    @property
    def fraction(self) -> bool:
        return self.type == "number" and self.minimum == 0 and self.maximum == 1

    @property
    def header(self) -> str:
        unit = f"（{self.unit}）" if self.unit and not self.fraction and self.type in ("integer", "number") else ""
        return ("*" if self.required else "") + self.title + unit

    def label(self, code) -> str:
        return dict(zip(self.enum, self.labels)).get(code, str(code))

    def expected(self) -> str:
        """What the cell must hold, in words a district clerk reads (the template's notes are in Chinese)."""
        return render(self.expected_words(), "zh")

    def expected_words(self) -> Msg:
        """What the cell must hold, as a message (worded per language when printed)."""
        low, high = number_text(self.minimum), number_text(self.maximum)
        if self.type == "integer":
            return msg("expect.integer-range", low=low, high=high) if self.maximum is not None else msg("expect.integer")
        if self.fraction:
            return msg("expect.fraction")
        if self.type == "number":
            return msg("expect.number-range", low=low, high=high) if self.maximum is not None else msg("expect.number")
        if self.type == "boolean":
            return msg("expect.boolean")
        if self.type == "enum":
            return msg("expect.enum", labels=list(self.labels))
        if self.type == "date":
            return msg("expect.date")
        return msg("expect.text")


def number_text(value) -> str:
    """45.0 -> '45', 0.5 -> '0.5', None -> '' (how a limit is written to a clerk and in a template)."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _field(key: str, node: dict, required: bool, root: dict) -> Field | None:
    node = contracts.resolve(node, root)
    kind = contracts.type_of(node, root)
    if kind is None:
        return None
    if node.get("format") == "date":
        ftype = "date"
    elif "enum" in node:
        ftype = "enum"
    elif node.get("type") == "integer":
        ftype = "integer"
    else:
        ftype = {contracts.NUMBER: "number", contracts.BOOL: "boolean", contracts.STRING: "string"}[kind]
    enum = tuple(node.get("enum", ()))
    zh = node.get("x-enum-zh", {})
    return Field(key, node.get("title", key), node.get("description", ""), ftype, node.get("x-unit", ""),
                 enum, tuple(zh.get(code, code) for code in enum), node.get("minimum"), node.get("maximum"), required)


@dataclass(frozen=True)
class Sheet:
    kind: str
    name: str  # the sheet's Chinese name (the schema title of its $defs entry)
    key: str  # the English name: where its records sit in the submission
    parent: str | None
    fields: tuple  # every field the sheet can hold, in schema order
    vertical: bool  # one figure per row (指标 | 数值) instead of one record per row

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)


def sheets() -> list[Sheet]:
    """The sheets a submission can have, with every field the schema allows on each (made once: the schema is the
    package's own; a workbook of 1,200 classes spent a tenth of its reading time making them again per sheet)."""
    return list(_sheets())


@lru_cache(maxsize=None)
def _sheets() -> tuple[Sheet, ...]:
    root = contracts.schema("submission")
    out = []
    for kind, defname, key, parent in STRUCTURE:
        node = root["$defs"][defname]
        required = set(node.get("required", ()))
        fields = []
        if kind == "district":  # the submission's own scalars (district, reported_on, ...) head the figures
            for name, prop in root["properties"].items():
                f = _field(name, prop, name in root.get("required", ()), root)
                if f is not None:
                    fields.append(f)
        if parent:
            pdef = next(d for k, d, _, _ in STRUCTURE if k == parent)
            pid = _field("id", root["$defs"][pdef]["properties"]["id"], True, root)
            fields.append(Field(f"{parent}.id", pid.title, f"the {parent} this row belongs to ({pid.description})",
                                pid.type, required=True, link=True))
        for name, prop in node.get("properties", {}).items():
            f = _field(name, prop, name in required, root)
            if f is not None:
                fields.append(f)
        out.append(Sheet(kind, node.get("title", key), key, parent, tuple(fields), kind == "district"))
    return tuple(out)


def sheets_by_kind() -> dict[str, Sheet]:
    return {s.kind: s for s in _sheets()}


# ----------------------------------------------------------------------------- names as people type them
_SPACE = re.compile(r"\s+")


def norm(text: str) -> str:
    """A sheet or column name as compared: NFKC, no spaces, no required-star, lower case."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(text))).strip("*").lower()


@lru_cache(maxsize=None)
def header_names(f: Field) -> frozenset[str]:
    """Every normalised header text that names ``f``'s column (made once per field)."""
    names = {norm(f.title), norm(f.key), norm(f.header)}
    if f.unit:
        names |= {norm(f"{f.title}({f.unit})"), norm(f"{f.title}（{f.unit}）")}
    if f.link:
        names.add(norm(f.key.split(".")[0] + "_id"))
    return frozenset(names)


def sheets_by_name() -> dict[str, Sheet]:
    """Each sheet under its normalised Chinese and English names."""
    return {norm(name): sheet for sheet in _sheets() for name in (sheet.name, sheet.key)}


def guess(word, choices) -> Msg | str:
    """' (did you mean "小学"?)' / '（是否应为“小学”？）' for a near miss, or ''."""
    match = closest(word, choices)
    return msg("sheet.guess", word=match) if match else ""
