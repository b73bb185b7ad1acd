"""Numbers, fields, values, conditions and reasons as a reader sees them, in one language.

Everything here reads structured data: field metadata from the submission schema (Chinese titles,
``x-unit``, ``x-enum-zh``, types) and the policy set (measures' titles and kinds, checks' titles), words
from ``auditor/data/labels.yaml``, conditions as expression trees (:mod:`auditor.output.plain`) and reasons
as findings.json's codes with parameters. Nothing re-reads English text.
"""
from __future__ import annotations

import functools

from auditor.dates import zh_date
from auditor.intake.contracts import base_field_types, scalar_fields
from auditor.model import PolicySet, plan
from auditor.output.labels import labels
from auditor.output.plain import Wording, simple, tree
from auditor.rules.expr import Compare, Const, Field, children

_RECORD_KINDS = ("figures", "school", "class", "document")


def _schema_fields() -> dict[str, dict]:
    """Every scalar field of the submission schema by name (the first kind that has it)."""
    out: dict[str, dict] = {}
    for kind in _RECORD_KINDS:
        for name, prop in scalar_fields(kind).items():
            out.setdefault(name, prop)
    return out


def _field_kinds(policy_set: PolicySet) -> dict[str, str]:
    """Field path -> number, percent, date, boolean or string (measures included)."""
    kinds: dict[str, str] = {}
    for table in base_field_types().values():
        for path, kind in table.items():
            kinds.setdefault(path, kind)
    for name, prop in _schema_fields().items():
        if str(prop.get("x-unit", "")).startswith("比例"):
            kinds[name] = "percent"
        elif prop.get("x-unit") == "元":
            kinds[name] = "money"
    for c in policy_set.computed:  # per-record figures: money when shown in yuan
        kinds[c.id] = "money" if c.unit == "元" else "number"
    for check in policy_set.checks:  # a k-of-n check's figures: items met (a count), the lowest share (a percentage)
        if check.k_of_n is not None:
            kinds[check.k_of_n.met] = "number"
            kinds[check.k_of_n.lowest] = "percent"
    for m in policy_set.measures:
        if m.agg in ("share", "ratio"):
            kinds[m.id] = "percent"
        elif m.agg == "cv":
            kinds[m.id] = "coefficient"
        elif m.agg in ("sum", "min", "max", "mean") and m.value:
            kinds[m.id] = kinds.get(m.value, "number")
        else:
            kinds[m.id] = "number"
    return kinds


def _field_units(policy_set: PolicySet, lang: str) -> dict[str, str]:
    """Field path -> the unit shown after its numbers in ``lang`` ("" for none, percents included)."""
    shown = labels(lang)["units"]
    units = {name: shown.get(str(prop.get("x-unit", "")), "") for name, prop in _schema_fields().items()}
    units = {name: unit for name, unit in units.items() if unit}
    school = scalar_fields("school")
    units.update({f"school.{name}": unit for name, unit in units.items() if name in school})
    for c in policy_set.computed:
        if shown.get(c.unit):
            units[c.id] = shown[c.unit]
    for check in policy_set.checks:
        if check.k_of_n is not None and shown.get("项"):
            units[check.k_of_n.met] = shown["项"]
    for m in policy_set.measures:
        if m.agg in ("sum", "min", "max", "mean") and m.value in units:
            units[m.id] = units[m.value]
    return units


def field_labels(policy_set: PolicySet, lang: str) -> dict[str, str]:
    """Field path -> a reader's label: the schema's Chinese titles (the data file's English labels), the measures' titles."""
    words = labels(lang)
    out: dict[str, str] = {}
    if lang == "zh":
        for name, prop in _schema_fields().items():
            if prop.get("title"):
                out[name] = prop["title"]
        school = {name: "学校" + prop["title"] for name, prop in scalar_fields("school").items() if prop.get("title")}
    else:
        out.update({name: entry["label"] for name, entry in words["fields"].items() if entry.get("label")})
        school = {name: f"school {out[name]}" for name in scalar_fields("school") if name in out}
    out.update({f"school.{name}": label for name, label in school.items()})
    for name, label in words["names"].items():
        out.setdefault(name, label)
    out.update({m.id: m.title.get(lang, m.id) for m in policy_set.measures if m.title})
    out.update({c.id: c.title.get(lang, c.id) for c in policy_set.computed})
    for check in policy_set.checks:
        if check.k_of_n is not None:
            n = len(check.k_of_n.items)
            out[check.k_of_n.met] = words["text"]["k_of_n_met"].format(n=n)
            out[check.k_of_n.lowest] = words["text"]["k_of_n_lowest"]
    return out


def enum_labels(lang: str) -> dict[str, str]:
    """Enumerated values -> their names (``primary`` -> 小学): the schema's x-enum-zh, the data file's English."""
    if lang != "zh":
        return dict(labels(lang)["values"])
    out: dict[str, str] = {}
    for kind in _RECORD_KINDS:
        for prop in scalar_fields(kind).values():
            out.update(prop.get("x-enum-zh") or {})
    return out


def document_kind(reason: dict | None) -> str | None:
    """The kind of document a reason says is lacking, when its filter is just ``kind == "..."`` (else None)."""
    if not reason or reason.get("code") != "no_match" or reason.get("kind") != "document" or not reason.get("filter"):
        return None
    node = tree(reason["filter"])
    if isinstance(node, Compare) and node.op == "==" and isinstance(node.left, Field) and node.left.path == "kind" \
            and isinstance(node.right, Const) and isinstance(node.right.value, str):
        return node.right.value
    return None


def number(value: int | float) -> str:
    """12345678 -> 12,345,678; 0.25 -> 0.25 (at most six significant digits); numbers under 10,000 without separators."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    text = f"{value:,.4f}".rstrip("0").rstrip(".") if abs(value) >= 10_000 else f"{value:.6g}"
    return text


def coefficient(value: int | float, limit: float | None = None) -> str:
    """A coefficient of variation, to three decimals (0.553); compared unrounded, so where three decimals would
    show the limit itself for a value on the other side of it, as many more as tell them apart (0.5004 -> 0.5004)."""
    text = f"{value:.3f}"
    if limit is not None and float(text) == limit and value != limit:
        for places in range(4, 17):
            text = f"{value:.{places}f}"
            if float(text) != limit:
                break
    return text


def _limits(policy_set: PolicySet) -> dict[str, tuple]:
    """Field -> the numbers checks compare it with (``cv_equipment_primary <= 0.5``: 0.5), so that a figure shown
    beside its limit keeps its side (:func:`apart`)."""
    out: dict[str, set] = {}
    for check in policy_set.checks:
        found = simple(check.require)
        if found is not None and isinstance(found[2], (int, float)) and not isinstance(found[2], bool):
            out.setdefault(found[0], set()).add(found[2])
    return {name: tuple(sorted(numbers)) for name, numbers in out.items()}


def apart(value: int | float, limits: tuple, shown, scale: int = 1) -> str:
    """``shown(value, places)`` (``places`` None: its usual form), with more places where the usual form would
    put the value at or across one of ``limits`` it is not at: 4.999999997 against 5 was printed "5", a CV of 0.5003
    against 0.50 "0.500", a rate of 0.98999983 against 0.99 "99%", beside a failure (``scale``: the text shows the
    value times it, 100 for a percentage). The value is read to 12 significant digits first (a floating-point
    trace is no difference)."""
    text = shown(value, None)
    if not limits or isinstance(value, bool) or value != value:
        return text
    read = float(f"{value:.12g}")

    def side(x, limit) -> int:
        return (x > limit) - (x < limit)

    def wrong(t: str) -> bool:
        try:
            figure = float(t.replace(",", "").rstrip("%"))
        except ValueError:
            return False
        return any(side(figure, limit * scale) != side(read * scale, limit * scale) for limit in limits)

    places = 3
    while wrong(text) and places < 17:
        places += 1
        text = shown(value, places)
    return text


def percent(value: int | float) -> str:
    """0.996 -> 99.6%, 0.97 -> 97%: one decimal, more only where one would hide a difference (0.9996 -> 99.96%)."""
    exact = value * 100
    for places in (1, 2, 3, 4):
        text = f"{exact:.{places}f}"
        rounded = float(text)
        if abs(rounded - exact) < 1e-9 or not rounded.is_integer():
            break
    return text.rstrip("0").rstrip(".") + "%"


def shares_printed(policy_set: PolicySet) -> dict[str, frozenset]:
    """Check -> the names its message is rendered with that are shares (a rate, a proportion: 比例 fields, share
    and ratio measures, a k-of-n check's lowest share, a schedule parameter compared with one), so that a message
    prints them as the reports do (35.7%), never as the raw fraction (0.357143)."""
    kinds = _field_kinds(policy_set)
    shares = frozenset(path for path, kind in kinds.items() if kind == "percent")
    out = {}
    for c in policy_set.checks:
        params = {k for step in c.steps for k in step.params}
        out[c.id] = shares | {p for p, f in _compared(c.require, params).items() if f in shares}
    return out


def _compared(node, names: set) -> dict[str, str]:
    """In a requirement, the field each schedule parameter in ``names`` is compared with (``city_quality_coverage >=
    target``: target -> city_quality_coverage), so that the parameter reads as that field's value does (100%)."""
    out: dict[str, str] = {}
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Compare) and isinstance(n.left, Field) and isinstance(n.right, Field):
            if n.right.path in names and n.left.path not in names:
                out.setdefault(n.right.path, n.left.path)
            elif n.left.path in names and n.right.path not in names:
                out.setdefault(n.left.path, n.right.path)
        stack.extend(children(n))
    return out


class Formatter:
    """Numbers, fields, values, conditions and reasons in one language (the vocabulary of :class:`Wording`)."""

    def __init__(self, policy_set: PolicySet, lang: str):
        self.lang = lang
        self.t = labels(lang)["text"]
        self.words = labels(lang)
        self.labels = field_labels(policy_set, lang)
        self.kinds = _field_kinds(policy_set)
        self.units = _field_units(policy_set, lang)
        self.percent = {path for path, kind in self.kinds.items() if kind == "percent"}
        self.limits = _limits(policy_set)  # field -> the numbers its checks compare it with
        self.enums = enum_labels(lang)
        self.phrases = self.words["fields"]
        self.measures = {m.id: m for m in policy_set.measures}
        self.shorts = {c.id: (c.short or c.title).get(lang) or c.id for c in policy_set.computed}  # table headings
        # a value that names a check (a manual review's review_of) is shown as the check's title
        self.checks = {c.id: c.title.get(lang) or c.title.get("zh", c.id) for c in policy_set.checks}
        self.city_checks = any(c.over == "city" for c in policy_set.checks)
        # check -> {schedule parameter: the field the requirement compares it with}
        self.param_fields = {c.id: _compared(c.require, {k for step in c.steps for k in step.params})
                             for c in policy_set.checks if any(step.params for step in c.steps)}
        self.order = {c.id: i for i, c in enumerate(policy_set.checks)}  # plan order: policies by clause, checks as written
        # the documents (packs) in order, by reference number; the first's clauses are cited bare, the others' with it
        self.rank = {p.ref: i for i, p in enumerate(policy_set.packs)}
        self.lead = policy_set.lead.ref if policy_set.lead else ""
        self.city = plan()["city"]
        self.wording = Wording(self, self.words["words"])
        # a province's evidence repeats a handful of requirements tens of thousands of times
        self.requirement = functools.lru_cache(maxsize=None)(self.requirement)
        # what the documents' helpers remember for this formatter (its language and policy set): name -> dict
        self.memo: dict[str, dict] = {}

    # ------------------------------------------------------------------ documents
    def cite(self, document: str | None, clause: str) -> str:
        """A clause as the documents show it: bare for the first document (the city's plan), with the reference
        number of any other (教督〔2017〕6号 第五条)."""
        return clause if not document or document == self.lead else f"{document} {clause}"

    # ------------------------------------------------------------------ fields and values
    def label(self, path: str) -> str:
        return self.labels.get(path, path)

    def short(self, path: str) -> str:
        """A short label for a table heading (a computed field's ``short``), else the label."""
        return self.shorts.get(path) or self.label(path)

    def kind(self, path: str | None) -> str:
        return self.kinds.get(path, "number") if path else "number"

    def phrase(self, path: str, truth: bool) -> str | None:
        """What a boolean field being true (false) says, from the data file; None where it gives nothing."""
        entry = self.phrases.get(path) or self.phrases.get(path.rsplit(".", 1)[-1]) or {}
        return entry.get("if_true" if truth else "if_false")

    def date(self, iso: str) -> str:
        return zh_date(iso) if self.lang == "zh" else iso

    def value(self, path: str | None, value) -> str:
        if value is None:
            return self.t["value_missing"]
        if isinstance(value, bool):
            return self.words["words"]["value_true" if value else "value_false"]
        if isinstance(value, (int, float)) and path in self.percent:
            return apart(value, self.limits.get(path, ()),
                         lambda x, places: percent(x) if places is None else f"{x * 100:.{places}f}".rstrip("0").rstrip(".") + "%",
                         scale=100)
        if isinstance(value, (int, float)) and self.kinds.get(path) == "coefficient":
            limits = self.limits.get(path, ())
            return coefficient(value, limits[0]) if len(limits) == 1 else coefficient(value)
        if isinstance(value, (int, float)) and self.kinds.get(path) == "money":
            return self.money(value)
        if isinstance(value, (int, float)):
            return apart(value, self.limits.get(path, ()),
                         lambda x, places: number(x) if places is None else f"{x:.{places}f}".rstrip("0").rstrip("."))
        if isinstance(value, str):
            if self.kinds.get(path) == "date":
                return self.date(value)
            if value in self.checks:  # quoted; quotes inside the title become the inner kind
                return "“" + self.checks[value].replace("“", "‘").replace("”", "’") + "”"
            return self.enums.get(value, value)
        return str(value)

    def money(self, value: int | float) -> str:
        """Yuan with separators; in Chinese, 10,000 yuan and more in 万元 (exact: at most four decimals)."""
        if self.lang == "zh" and abs(value) >= 10_000:
            return number(round(value / 10_000, 4)) + "万元"
        return number(value) + self.words["units"].get("元", "")

    def quantity(self, path: str | None, value) -> str:
        """A value with its field's unit (班额 45 -> 45人); money and percentages carry theirs already."""
        text = self.value(path, value)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and path not in self.percent \
                and self.kinds.get(path) != "money":
            return text + self.units.get(path, "")
        return text

    def values(self, values: dict) -> str:
        """Figures as a reader sees them, each with its label and unit (the district's own name left out)."""
        shown = {k: v for k, v in values.items() if k not in ("district", "city")}
        return self.t["comma"].join(f"{self.label(k)} {self.quantity(k, v)}" for k, v in sorted(shown.items()))

    # ------------------------------------------------------------------ conditions and reasons
    def requirement(self, text: str | None) -> str:
        """A requirement or filter (canonical expression text) in plain words: ``size <= 55`` -> 班额不超过55人."""
        return self.wording.text(text)

    def kind_name(self, kind: str) -> str:
        return self.words["kind"].get(kind, kind)

    def _params(self, reason: dict) -> dict:
        params = dict(reason)
        if "kind" in params:
            params["kind"] = self.kind_name(params["kind"])
        if "parent" in params:
            params["parent"] = self.kind_name(params["parent"])
        if "of" in params:
            params["of"] = self.label(params["of"])
        if "filter" in params:
            params["filter"] = self.requirement(params["filter"])
        if "field" in params:
            params["field"] = self.label(params["field"])
        return params

    def reason(self, reason: dict | None) -> str:
        """A reason code with its parameters (findings.json) as a sentence: no_records/class -> 未报送班级台账."""
        if not reason:
            return ""
        return self.words["reasons"][reason["code"]].format(**self._params(reason))

    def lacks(self, item: dict) -> str:
        """What an evidence item lacks: from its reason where that says (a ledger, a filed document), else its fields."""
        reason = item.get("reason")
        kind = document_kind(reason)
        if kind:  # a document the district must file: named by its Chinese title (x-enum-zh)
            return self.t["lacks_document"].format(title=self.value("kind", kind))
        template = self.words["lacks"].get(reason["code"]) if reason else None
        if template is not None:
            return template.format(**self._params(reason))
        return self.t["list_sep"].join(self.label(f) for f in item.get("missing", []))  # fields, or "submission"
