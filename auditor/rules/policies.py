"""Load and validate the policy folder: YAML -> schema -> typed Policy objects.

Every problem in every file is collected (with file, line and column) before
anything stops; problems are raised together as one :class:`PolicyError`.
Reading and building each file is here; checking the built set's fields and
types across files is :mod:`auditor.rules.typecheck`.
"""
from __future__ import annotations

import hashlib
import os

from jinja2 import TemplateSyntaxError

from auditor.dates import real_date
from auditor.errors import Collector, PolicyError, Problem, excerpt, hint
from auditor.intake import contracts
from auditor.intake.document import Document, path_text, unshadowed
from auditor.intake.loader import load_partial
from auditor.intake.textfile import MAX_FILE_BYTES, link_outside
from auditor.model import Check, Example, Measure, Policy, PolicySet, Source, Step, plan
from auditor.rules import expr
from auditor.rules.messages import compile_message, template_problems
from auditor.rules.typecheck import check_types
from auditor.texts import Both, msg

DEFAULT_FOLDER = "policies"


def policy_files(folder: str) -> list[str]:
    if not os.path.isdir(folder):
        raise PolicyError(Problem(folder, 0, 0, "P-NONE", msg("policy.no-folder")))
    names = sorted(n for n in os.listdir(folder) if n.endswith((".yaml", ".yml")) and not n.startswith("."))
    if not names:
        raise PolicyError(Problem(folder, 0, 0, "P-NONE", msg("policy.no-files")))
    outside = [n for n in names if link_outside(folder, n) is not None]
    if outside:
        raise PolicyError([Problem(os.path.join(folder, n), 0, 0, "E-READ", msg("read.link-policy")) for n in outside])
    return [os.path.join(folder, n) for n in names]


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
            self.problem(exc.code, msg("expr.at", problem=exc.message, position=exc.position + 1, text=excerpt(text, 200)), path)
            return None
        return expr.as_condition(node) if condition else node


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


def build_policy(data: dict, document: Document, collector: Collector) -> Policy | None:
    """Typed objects from schema-valid data; semantic problems go to ``collector``."""
    r = _PolicyReader(document, collector)
    file = document.file
    clauses = plan()["clauses"]
    if data["clause"] not in clauses:
        normalised = data["clause"].replace("(", "（").replace(")", "）").replace(" ", "")
        suggestion = msg("policy.write-as", clause=normalised) if normalised in clauses else hint(data["clause"], clauses)
        r.problem("P-CLAUSE", msg("policy.clause", clause=excerpt(data["clause"]), hint=suggestion), ("clause",))

    measures = []
    for i, m in enumerate(data.get("measures", [])):
        base = ("measures", i)
        where = r.parse_expr(m["where"], base + ("where",)) if "where" in m else None
        that = r.parse_expr(m["that"], base + ("that",)) if "that" in m else None
        if m["agg"] == "share" and "that" not in m:
            r.problem("P-SCHEMA", msg("measure.share"), base)
        if m["agg"] in ("sum", "min", "max", "mean", "ratio", "distinct") and "value" not in m:
            r.problem("P-SCHEMA", msg("measure.value", agg=m["agg"]), base)
        if m["agg"] == "ratio" and "per" not in m:
            r.problem("P-SCHEMA", msg("measure.per"), base)
        level = m.get("level", "district")
        if m["id"] in contracts.base_field_types()["district"]:  # it would overwrite the submitted figure
            r.problem("P-SCHEMA", msg("measure.id", id=m["id"]), base + ("id",))
        if level == "city" and m["of"] != "district":
            r.problem("P-SCHEMA", msg("measure.city"), base + ("of",))
        if level == "district" and m["of"] == "district" and m["agg"] != "ratio":
            r.problem("P-SCHEMA", msg("measure.district"), base + ("of",))
        line, _ = r.at(base)
        measures.append(Measure(m["id"], level, m["agg"], m["of"], where, that, m.get("value"), m.get("per"),
                                m.get("title", {"zh": m["id"], "en": m["id"]}), Source(file, line), data["id"]))

    checks = []
    for i, c in enumerate(data["checks"]):
        base = ("checks", i)
        where = r.parse_expr(c["where"], base + ("where",)) if "where" in c else None
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
        if where is None and "where" in c or require is None or not steps:
            continue
        line, _ = r.at(base)
        checks.append(Check(
            id=c["id"], policy=data["id"], clause=data["clause"], title=c["title"],
            method=c.get("method", "automated"), over=c["over"],
            where_text=c.get("where"), require_text=c["require"], where=where, require=require,
            steps=tuple(steps), scheduled="schedule" in c, if_none=c.get("if_none", "not_applicable"),
            severity=c["severity"], message=c["message"], remedy=c.get("remedy"), notes=c.get("notes", ""),
            source=Source(file, line), reading=c.get("reading"), undated=bool(c.get("undated", False))))

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
                  tuple(examples), Source(file, line), units)


def responsible_units(responsible) -> dict[str, tuple]:
    """The plan's responsible units by level: a list is kept whole (as "district"); a mapping is split already."""
    if isinstance(responsible, dict):
        return {"district": tuple(responsible.get("district", ())), "city": tuple(responsible.get("city", ()))}
    return {"district": tuple(responsible), "city": ()}


def load_policies(folder: str = DEFAULT_FOLDER) -> PolicySet:
    files = policy_files(folder)
    problems: list[Problem] = []
    policies: list[Policy] = []
    documents: dict[str, Document] = {}
    digest = hashlib.sha256()
    for file in files:
        try:
            if os.path.isfile(file) and os.path.getsize(file) <= MAX_FILE_BYTES:  # no pipes, devices, giants
                with open(file, "rb") as handle:
                    digest.update(os.path.basename(file).encode() + b"\0" + handle.read(MAX_FILE_BYTES + 1) + b"\0")
        except OSError:
            pass  # read_policy reports it (E-READ, E-SIZE)
        collector = Collector(file, PolicyError)
        try:
            loaded = read_policy(file, collector)
        except PolicyError as exc:
            problems.extend(exc.problems)
            continue
        if loaded is not None:
            data, document = loaded
            documents[file] = document
            policy = build_policy(data, document, collector)
            if policy is not None:
                policies.append(policy)
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
        for what, ident, path in items:
            line, column = doc.where(path)
            if (what, ident) in seen:
                problems.append(Problem(policy.source.file, line, column, "P-DUPLICATE-ID",
                                        msg(f"duplicate.{what}", ident=ident, first=seen[(what, ident)]), path_text(path)))
            else:
                seen[(what, ident)] = Source(policy.source.file, line)
        for i, e in enumerate(policy.examples):
            for check_id in e.expect:
                if check_id not in known:
                    line, column = doc.where(("examples", i, "expect", check_id))
                    problems.append(Problem(policy.source.file, line, column, "P-EXAMPLE",
                                            msg("example.unknown-check", check=check_id, hint=hint(check_id, known)),
                                            path_text(("examples", i, "expect", check_id))))
    check_types(policies, documents, problems)
    if problems:
        raise PolicyError(problems)
    policies.sort(key=lambda p: (plan()["clauses"].index(p.clause), p.id))
    return PolicySet(tuple(policies), digest.hexdigest(), folder)
