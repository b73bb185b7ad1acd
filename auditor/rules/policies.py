"""Load and validate policy packs: YAML -> schema -> typed Policy objects.

``--policies`` names packs (:mod:`auditor.rules.packs`: a folder with a ``pack.yaml`` naming its document) or
folders of packs. Every problem in every file is collected (with file, line and column) before anything stops;
problems are raised together as one :class:`PolicyError`. Reading and building each file is here; checking the
built set's fields and types across files (and packs) is :mod:`auditor.rules.typecheck`.
"""
from __future__ import annotations

import hashlib
import os
import re

from jinja2 import TemplateSyntaxError

from auditor.dates import real_date
from auditor.errors import Collector, PolicyError, Problem, excerpt, hint
from auditor.intake import contracts
from auditor.intake.document import Document, path_text, unshadowed
from auditor.intake.loader import load_partial
from auditor.intake.textfile import MAX_FILE_BYTES
from auditor.model import Check, Computed, Example, KOfN, Measure, Pack, Policy, PolicySet, Source, Step, plan
from auditor.rules import expr, packs as _packs
from auditor.rules.messages import compile_message, names_given, template_names, template_problems
from auditor.rules.typecheck import check_types
from auditor.texts import Both, msg

DEFAULT_FOLDER = "policies"
DUPLICATE = {"policy": "duplicate.policy", "check": "duplicate.check", "measure": "duplicate.measure",
             "computed field": "duplicate.computed", "k-of-n figure": "duplicate.k-of-n"}


class _PolicyReader:
    def __init__(self, document: Document, collector: Collector):
        self.doc = document
        self.c = collector

    def at(self, path) -> tuple[int, int]:
        return self.doc.where(tuple(path))

    def problem(self, code: str, message, path) -> None:
        """A problem at the value ``path`` points to (an expression's own offset goes in the message)."""
        line, column = self.at(path)
        self.c.add(code, message, line, column, path_text(tuple(path)))

    def parse_expr(self, text: str, path, condition: bool = True) -> expr.Node | None:
        try:
            node = expr.parse(text)
        except expr.ExprError as exc:
            self.problem(exc.code, msg("expr.at", problem=exc.text, position=exc.position + 1, text=excerpt(text, 200)), path)
            return None
        return expr.as_condition(node) if condition else node


_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_SINGLE = re.compile(r"\$?[{｛]{1,2}\s*[A-Za-z_][A-Za-z0-9_.]*\s*[}｝]{1,2}")


def _single_braces(template: str) -> str | None:
    """A name written as another template language writes it — ``{size}``, ``${size}``, full-width ``｛｛ size ｝｝`` —
    which Jinja prints as it stands ("班额{size}人" on every notice); None when there is none."""
    m = _SINGLE.search(_JINJA.sub(" ", template))
    return m[0] if m else None


def read_policy(file: str, collector: Collector) -> tuple[dict, Document] | None:
    document, loaded = load_partial(file, PolicyError)
    if document.data is None:
        collector.add("P-SCHEMA", msg("policy.file-empty"))
        return None
    if loaded:  # values the loader refused: report them with the schema problems of the rest
        schema = Collector(file, PolicyError)
        contracts.validate(document, "policy", schema, "P-SCHEMA")
        collector.problems.extend(loaded + unshadowed(loaded, schema.problems))
        return None
    if not contracts.validate(document, "policy", collector, "P-SCHEMA"):
        return None
    return document.data, document


def compare_require(compare: dict) -> str:
    """The requirement a self-report comparison stands for: the reported figure within ``tolerance`` of the
    computed one (``reported == computed`` without tolerance). Judged like any requirement, by both evaluators."""
    reported, computed, tolerance = compare["reported"], compare["computed"], compare["tolerance"]
    if not tolerance:
        return f"{reported} == {computed}"
    return f"{reported} <= {computed} + {tolerance} and {reported} >= {computed} - {tolerance}"


def build_policy(data: dict, document: Document, collector: Collector, pack: Pack) -> Policy | None:
    """Typed objects from schema-valid data; semantic problems go to ``collector``. ``pack``: the document it encodes."""
    r = _PolicyReader(document, collector)
    file = document.file
    clauses = pack.clauses
    if data["clause"] not in clauses:
        normalised = data["clause"].replace("(", "（").replace(")", "）").replace(" ", "")
        suggestion = msg("policy.write-as", clause=normalised) if normalised in clauses else hint(data["clause"], clauses)
        r.problem("P-CLAUSE", msg("policy.clause-pack", clause=excerpt(data["clause"]), document=pack.ref, hint=suggestion), ("clause",))

    measures = []
    for i, m in enumerate(data.get("measures", [])):
        base = ("measures", i)
        where = r.parse_expr(m["where"], base + ("where",)) if "where" in m else None
        that = r.parse_expr(m["that"], base + ("that",)) if "that" in m else None
        if m["agg"] == "share" and "that" not in m:
            r.problem("P-SCHEMA", msg("measure.share"), base)
        if m["agg"] in ("sum", "min", "max", "mean", "ratio", "distinct", "cv") and "value" not in m:
            r.problem("P-SCHEMA", msg("measure.value", agg=m["agg"]), base)
        if m["agg"] == "ratio" and "per" not in m:
            r.problem("P-SCHEMA", msg("measure.per"), base)
        if m["agg"] == "cv" and "weight" not in m:
            r.problem("P-SCHEMA", msg("measure.cv-weight"), base)
        if "weight" in m and m["agg"] != "cv":
            r.problem("P-SCHEMA", msg("measure.weight-not-cv", agg=m["agg"]), base + ("weight",))
        level = m.get("level", "district")
        if m["id"] in contracts.base_field_types()["district"]:  # it would overwrite the submitted figure
            r.problem("P-SCHEMA", msg("measure.id", id=m["id"]), base + ("id",))
        if level == "city" and m["of"] != "district":
            r.problem("P-SCHEMA", msg("measure.city"), base + ("of",))
        if level == "district" and m["of"] == "district" and m["agg"] != "ratio":
            r.problem("P-SCHEMA", msg("measure.district"), base + ("of",))
        line, _ = r.at(base)
        measures.append(Measure(m["id"], level, m["agg"], m["of"], where, that, m.get("value"), m.get("per"),
                                m.get("title", {"zh": m["id"], "en": m["id"]}), Source(file, line), data["id"], m.get("weight")))

    computed = []
    for i, c in enumerate(data.get("computed", [])):
        base = ("computed", i)
        value = r.parse_expr(c["value"], base + ("value",), condition=False)
        if value is None:
            continue
        line, _ = r.at(base)
        computed.append(Computed(c["id"], c["of"], value, c["value"], c["title"], c.get("unit", ""), Source(file, line), data["id"],
                                 c.get("short")))

    checks = []
    for i, c in enumerate(data["checks"]):
        base = ("checks", i)
        where = r.parse_expr(c["where"], base + ("where",)) if "where" in c else None
        k_of_n = None
        if sum(key in c for key in ("require", "require_k_of_n", "compare")) != 1:
            r.problem("P-SCHEMA", msg("check.require-one"), base)
            continue
        if "require_k_of_n" in c:
            k_of_n = k_of_n_spec(c["id"], c["require_k_of_n"])
            if k_of_n.k > len(k_of_n.items):
                r.problem("P-SCHEMA", msg("check.k-too-large", k=k_of_n.k, n=len(k_of_n.items)), base + ("require_k_of_n", "k"))
            require_text = k_of_n_requirement(k_of_n)
            require = r.parse_expr(require_text, base + ("require_k_of_n",))
        elif "compare" in c:
            if c["over"] != "district":
                r.problem("P-SCHEMA", msg("check.compare-over"), base + ("over",))
                continue
            require_text = compare_require(c["compare"])
            require = r.parse_expr(require_text, base + ("compare",))
        else:
            require_text = c["require"]
            require = r.parse_expr(c["require"], base + ("require",))
        steps: list[Step] = []
        if "due" in c:
            due = real_date(c["due"])
            if due is None:
                r.problem("E-DATE", msg("content.date", value=excerpt(c["due"])), base + ("due",))
            else:
                steps.append(Step(due, {}, ""))
        else:
            names = None
            for j, s in enumerate(c["schedule"]):
                due = real_date(s["due"])
                if due is None:
                    r.problem("E-DATE", msg("content.date", value=excerpt(s["due"])), base + ("schedule", j, "due"))
                    continue
                if steps and due <= steps[-1].due:
                    r.problem("P-SCHEDULE", msg("schedule.ascend", due=s['due'], before=steps[-1].due), base + ("schedule", j, "due"))
                if names is not None and set(s["params"]) != names:
                    r.problem("P-SCHEDULE", msg("schedule.params", names=sorted(names)), base + ("schedule", j, "params"))
                names = set(s["params"])
                steps.append(Step(due, dict(s["params"]), s.get("cite", "")))
        parsed = []  # the templates that parse and keep to the allow-list: their names are checked below
        for lang in ("zh", "en"):
            for key in ("message", "remedy"):
                if key in c:
                    try:
                        refused = template_problems(c[key][lang])  # parsed and checked first: compiling folds constants
                        if not refused:
                            compile_message(c[key][lang])
                    except (TemplateSyntaxError, ValueError) as exc:
                        r.problem("P-MESSAGE", msg("template.syntax", detail=Both(f": {excerpt(str(exc), 200)}", "")), base + (key, lang))
                        continue
                    for text in refused:
                        r.problem("P-MESSAGE", text, base + (key, lang))
                    if not refused:
                        parsed.append((key, lang))
                    if key == "message" and (written := _single_braces(c[key][lang])) is not None:
                        r.problem("P-MESSAGE", msg("template.single-brace", written=excerpt(written, 60),
                                                   name=excerpt(written.strip("{}｛｝$ "), 60)), base + (key, lang))
        if where is None and "where" in c or require is None or not steps:
            continue
        # every name a template reads must be one it is rendered with: any other prints "—" on the notices
        given = names_given(c["over"], expr.fields(require) | (expr.fields(where) if where is not None else set()),
                            steps[0].params)
        for key, lang in parsed:
            for name in sorted(template_names(c[key][lang])):
                if key == "remedy":  # a remedy is printed as written, never filled in
                    r.problem("P-MESSAGE", msg("template.remedy-name", name=excerpt(name, 60)), base + (key, lang))
                elif name not in given:
                    r.problem("P-MESSAGE", msg("template.unknown-name", name=excerpt(name, 60), kind=c["over"],
                                               names=tuple(Both(f'"{n}"', f"“{n}”") for n in sorted(given)),
                                               hint=hint(name, given)), base + (key, lang))
        line, _ = r.at(base)
        checks.append(Check(
            id=c["id"], policy=data["id"], clause=data["clause"], title=c["title"],
            method=c.get("method", "automated"), over=c["over"],
            where_text=c.get("where"), require_text=require_text, where=where, require=require,
            steps=tuple(steps), scheduled="schedule" in c, if_none=c.get("if_none", "not_applicable"),
            severity=c["severity"], message=c["message"], remedy=c.get("remedy"), notes=c.get("notes", ""),
            source=Source(file, line), reading=c.get("reading"), document=pack.id, k_of_n=k_of_n,
            undated=bool(c.get("undated", False)), compare=c.get("compare")))

    examples = []
    for i, e in enumerate(data.get("examples", [])):
        base = ("examples", i)
        as_of = real_date(e["as_of"])
        if as_of is None:
            r.problem("E-DATE", msg("content.date", value=excerpt(e["as_of"])), base + ("as_of",))
            continue
        if "facts" in e and "submissions" in e:
            r.problem("P-EXAMPLE", msg("example.both"), base)
            continue
        if "submissions" in e:
            submissions = tuple(e["submissions"])
        else:
            facts = dict(e.get("facts", {}))
            facts.setdefault("district", e.get("district", plan()["districts"][0]))
            submissions = (facts,)
        line, _ = r.at(base)
        examples.append(Example(e.get("name", f"example {i + 1}"), as_of, submissions,
                                tuple(e["districts"]) if "districts" in e else None, dict(e["expect"]), Source(file, line)))
    line, _ = r.at(())
    units = responsible_units(data["responsible"])
    return Policy(data["id"], data["clause"], data["title"], data["text"], units["district"] + units["city"],
                  data.get("notes", ""), tuple(data.get("references", [])), tuple(measures), tuple(checks),
                  tuple(examples), Source(file, line), units, pack.id, tuple(computed))


def k_of_n_spec(check_id: str, spec: dict) -> KOfN:
    """A check's ``require_k_of_n`` with the names of its two per-record figures, from the check's id
    (``resources.primary`` -> ``resources_primary_met``, ``resources_primary_lowest``)."""
    slug = re.sub(r"[^a-z0-9]+", "_", check_id).strip("_")
    slug = slug if slug[:1].isalpha() else f"k_{slug}"
    items = tuple((item["field"], item["at_least"]) for item in spec["items"])
    return KOfN(spec["k"], spec["floor"], items, f"{slug}_met", f"{slug}_lowest")


def k_of_n_requirement(spec: KOfN) -> str:
    """The condition the engine judges: ``<met> >= k and <lowest> >= floor``."""
    return f"{spec.met} >= {spec.k} and {spec.lowest} >= {spec.floor!r}"


def responsible_units(responsible) -> dict[str, tuple]:
    """The plan's responsible units by level: a list is kept whole (as "district"); a mapping is split already."""
    if isinstance(responsible, dict):
        return {"district": tuple(responsible.get("district", ())), "city": tuple(responsible.get("city", ()))}
    return {"district": tuple(responsible), "city": ()}


def _param(item, name: str):
    """A parameter of a problem's message (or of a message), or None."""
    message = getattr(item, "text", item)
    return dict(getattr(message, "params", ())).get(name)


def load_policies(folder=DEFAULT_FOLDER) -> PolicySet:
    """The policy set of ``folder``: a pack, a folder of packs, or a list of them (``--policies A B``)."""
    paths = [folder] if isinstance(folder, (str, os.PathLike)) else list(folder)
    paths = [os.fspath(p) for p in paths]
    problems: list[Problem] = []
    packs: list[Pack] = []
    for pack_folder in _packs.pack_folders(paths):
        try:
            packs.append(_packs.read_pack(pack_folder))
        except PolicyError as exc:
            problems.extend(exc.problems)
    ids: dict[str, Pack] = {}
    for pack in packs:
        if pack.id in ids:
            problems.append(Problem(pack.source.file, pack.source.line, 0, "P-DUPLICATE-ID",
                                    msg("duplicate.pack", ident=pack.id, first=ids[pack.id].source.file), "id"))
        ids.setdefault(pack.id, pack)
    if problems:
        raise PolicyError(problems)
    packs = _packs.order(packs)
    policies: list[Policy] = []
    documents: dict[str, Document] = {}
    digest = hashlib.sha256()
    files: list[tuple[str, str]] = []
    unbuilt: list[str] = []  # policy files refused: the measures, fields and checks they define are unknown
    for pack in packs:
        try:
            names = _packs.policy_files(pack.folder)
        except PolicyError as exc:
            problems.extend(exc.problems)
            continue
        for file in [pack.source.file] + names:
            name = _packs.relative_name(pack, file)
            files.append((name, file))
            try:
                if os.path.isfile(file) and os.path.getsize(file) <= MAX_FILE_BYTES:  # no pipes, devices, giants
                    with open(file, "rb") as handle:
                        digest.update(name.encode() + b"\0" + handle.read(MAX_FILE_BYTES + 1) + b"\0")
            except OSError:
                pass  # read_policy reports it (E-READ, E-SIZE)
            if file == pack.source.file:
                continue
            collector = Collector(file, PolicyError)
            try:
                loaded = read_policy(file, collector)
            except PolicyError as exc:
                problems.extend(exc.problems)
                unbuilt.append(file)
                continue
            policy = None
            if loaded is not None:
                data, document = loaded
                documents[file] = document
                policy = build_policy(data, document, collector, pack)
                if policy is not None:
                    policies.append(policy)
            if policy is None:
                unbuilt.append(file)
            problems.extend(collector.problems)

    # ids unique across the set
    seen: dict[tuple, Source] = {}
    known = {c.id for p in policies for c in p.checks}  # the checks examples may name
    known |= {c["id"] for d in documents.values() for c in d.data["checks"]}  # not built: already reported
    for policy in policies:
        doc = documents[policy.source.file]
        items = [("policy", policy.id, ("id",))]
        items += [("check", c.id, ("checks", i, "id")) for i, c in enumerate(policy.checks)]
        items += [("measure", m.id, ("measures", i, "id")) for i, m in enumerate(policy.measures)]
        items += [("computed field", c.id, ("computed", i, "id")) for i, c in enumerate(policy.computed)]
        items += [("k-of-n figure", name, ("checks", i, "id")) for i, c in enumerate(policy.checks) if c.k_of_n
                  for name in (c.k_of_n.met, c.k_of_n.lowest)]
        for what, ident, path in items:
            line, column = doc.where(path)
            key = (what if what in ("policy", "check") else "field", ident)  # derived figures share one namespace
            if key in seen:
                problems.append(Problem(policy.source.file, line, column, "P-DUPLICATE-ID",
                                        msg(DUPLICATE[what], ident=ident, first=seen[key]), path_text(path)))
            else:
                seen[key] = Source(policy.source.file, line)
        for i, e in enumerate(policy.examples):
            for check_id in e.expect:
                if check_id not in known and not (unbuilt and set(unbuilt) - set(documents)):  # its file unread
                    line, column = doc.where(("examples", i, "expect", check_id))
                    problems.append(Problem(policy.source.file, line, column, "P-EXAMPLE",
                                            msg("example.unknown-check", check=check_id, hint=hint(check_id, known)),
                                            path_text(("examples", i, "expect", check_id))))
    found: list[Problem] = []
    check_types(policies, documents, found)
    if unbuilt:  # a name another file reads may be one the refused file defines: no echo of its problem
        found = [p for p in found if not (p.code == "P-FIELD" and getattr(p.text, "key", "") == "expr.no-field")]
    # a computed field or measure refused where it is defined (its value does not parse) is no unknown field where
    # it is read: four "no field backbone_per100, did you mean backbone_teachers" echoed one P-EXPR
    built = {x.id for p in policies for x in p.computed + p.measures}
    refused = {x["id"] for d in documents.values() for key in ("computed", "measures") for x in d.data.get(key, [])} - built
    found = [p for p in found if not (p.code == "P-FIELD" and _param(p, "name") in refused)]
    # a check whose require or where reads a field that does not exist: its message reading the field meant is no
    # second problem (it said "may use sise; did you mean sise?" of a correct {{ size }})
    misread = {(p.file, p.path.split(".")[0], _param(p, "name")) for p in found
               if p.code == "P-FIELD" and p.path.startswith("checks[")}
    problems[:] = [p for p in problems if not (p.code == "P-MESSAGE" and getattr(p.text, "key", "") == "template.unknown-name"
                                               and (p.file, p.path.split(".")[0], _param(_param(p, "hint"), "word")) in misread)]
    problems.extend(found)
    if problems:
        raise PolicyError(problems)
    rank = {p.id: i for i, p in enumerate(packs)}
    by_id = {p.id: p for p in packs}
    policies.sort(key=lambda p: (rank[p.document], by_id[p.document].clauses.index(p.clause), p.id))
    return PolicySet(tuple(policies), digest.hexdigest(), " ".join(os.path.normpath(p) for p in paths), tuple(packs), tuple(files))
