"""`auditor diff` in words: each change of :func:`auditor.changes.compare` as a sentence, and the text report.

Conditions are rendered by the plain-words renderer (:mod:`auditor.output.plain` through the
:class:`Formatter`): ``size <= 50`` reads 班额不超过50人. An old value is worded with the old rule set's
vocabulary (its measures' titles), a new one with the new set's. The sentences are the message tables'
``diff.say.*`` entries (``auditor/texts/zh_diff.py``, ``en_diff.py``; a group such as ``diff.say.agg.<name>`` is a mapping).
"""
from __future__ import annotations

from auditor.model import PolicySet
from auditor.output.formatter import Formatter
from auditor.output.labels import labels
from auditor.rules import expr
from auditor.texts import TABLES

MAX_TEXT = 120  # a changed message or reading is quoted up to this many characters


def words(lang: str) -> dict:
    """The ``diff.say.*`` entries of a language's table: ``name`` -> text, ``group`` -> {name: text}."""
    out: dict = {}
    for key, text in TABLES[lang].items():
        if key.startswith("diff.say."):
            parts = key[len("diff.say."):].split(".")
            if len(parts) == 1:
                out[parts[0]] = text
            else:
                out.setdefault(parts[0], {})[parts[1]] = text
    return out


def _clip(text) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


class ChangeWords:
    """Sentences for changes between two rule sets, in one language."""

    def __init__(self, old: PolicySet, new: PolicySet, lang: str):
        self.lang = lang
        self.w = words(lang)
        self.status = labels(lang)["status"]
        self.kinds = labels(lang)["kind"]
        self.severity = labels(lang)["severity"]
        self.method = labels(lang)["method"]
        self.old, self.new = Formatter(old, lang), Formatter(new, lang)
        self.titles = {}
        self.measure_titles = {}
        self.packs = {}
        for s in (old, new):
            self.titles.update({c.id: c.title for c in s.checks})
            self.titles.update({p.id: p.title for p in s.policies})
            self.measure_titles.update({m.id: m.title for m in s.measures})
            self.measure_titles.update({c.id: c.title for c in s.computed})
            self.packs.update({p.id: p for p in s.packs})

    def _fmt(self, change: dict, side: str) -> Formatter:
        return self.old if side == "old" else self.new

    def _title(self, titles: dict | None, fallback: str) -> str:
        return (titles or {}).get(self.lang) or (titles or {}).get("zh") or fallback

    def _condition(self, change: dict, side: str, text: str | None, params: dict | None = None) -> str:
        if not text:
            return self.w["nothing"]
        if params:
            text = expr.to_text(expr.substitute(expr.parse(text), params))
        return self._fmt(change, side).requirement(text)

    def _any(self) -> Formatter:
        return self.new

    def _rule(self, change: dict, side: str, summary: dict) -> str:
        """A check as one sentence: the records, the filter, the requirement and the deadline(s)."""
        fmt = self._fmt(change, side)
        scope = self.w["scope"].format(filter=fmt.requirement(summary["where"])) if summary["where"] else ""
        over = self.kinds.get(summary["over"], summary["over"])
        if summary["scheduled"]:
            steps = self.w["steps_sep"].join(
                self.w["step_by"].format(due=fmt.date(s["due"]), require=self._condition(change, side, summary["require"], s["params"]))
                for s in summary["steps"])
            return self.w["rule_scheduled"].format(over=over, scope=scope, steps=steps)
        return self.w["rule"].format(over=over, scope=scope, require=fmt.requirement(summary["require"]),
                                     deadline=self.w["due_by"].format(due=fmt.date(summary["steps"][0]["due"])))

    def _measure_rule(self, change: dict, side: str, row: dict) -> str:
        fmt = self._fmt(change, side)
        scope = self.w["scope"].format(filter=fmt.requirement(row["where"])) if row["where"] else ""
        agg = self.w["agg"].get(row["agg"], row["agg"])
        if row.get("value"):
            agg = f"{fmt.label(row['value'])}{agg}" if self.lang == "zh" else f"{agg} of {fmt.label(row['value'])}"
        return self.w["measure_rule"].format(of=self.kinds.get(row["of"], row["of"]), scope=scope, agg=agg)

    def _value(self, value) -> str:
        if value is None:
            return self.w["nothing"]
        if isinstance(value, bool):
            return self.w["value_true" if value else "value_false"]
        if isinstance(value, dict):  # a title or a reading: its text in this language
            return _clip(value.get(self.lang) or value.get("zh") or "")
        return _clip(value)

    def _number(self, value) -> str:
        if value is None:
            return self.w["nothing"]
        return format(value, "g") if isinstance(value, float) else str(value)

    def _pack_value(self, value) -> str:
        """A pack's field: a title by language, a period as its dates, a clause list joined."""
        if isinstance(value, dict) and "start" in value:
            return "–".join(self._any().date(value[k]) for k in ("start", "end") if value.get(k))
        if isinstance(value, list):
            return _clip(self.w["names_sep"].join(map(str, value)))
        if isinstance(value, dict) and ("zh" in value or "en" in value):
            return self._value(value)
        if isinstance(value, dict):  # an assessment page
            return _clip(self._value(value.get("title") or {}))
        return self._value(value)

    def sentence(self, c: dict) -> str:
        """One change as a sentence (without the check or policy it belongs to)."""
        w, what = self.w, c["what"]
        if what in ("pack_added", "pack_removed"):
            info = c["new"] if what == "pack_added" else c["old"]
            return w[what].format(title=self._title(info["title"], c["pack"]), ref=info["ref"], policies=info["policies"],
                                  checks=info["checks"])
        if what == "pack":
            return w["pack_changed"].format(field=w["pack_fields"][c["field"]], old=self._pack_value(c["old"]),
                                            new=self._pack_value(c["new"]))
        if what in ("item", "item_added", "item_removed"):
            fmt = self._fmt(c, "old" if what == "item_removed" else "new")
            return w[what].format(field=fmt.label(c["field"]), old=self._number(c["old"]), new=self._number(c["new"]))
        if what in ("computed_added", "computed_removed"):
            side = "new" if what == "computed_added" else "old"
            row = c[side]
            return w[what].format(rule=w["computed_rule"].format(of=self.kinds.get(row["of"], row["of"]), value=row["value"]))
        if what == "computed":
            old, new = c["old"], c["new"]
            if c["field"] == "of":
                old, new = self.kinds.get(old, old), self.kinds.get(new, new)
            return w["measure_changed"].format(field=w["computed_fields"][c["field"]], old=self._value(old), new=self._value(new))
        if what == "computed_title":
            return w["measure_title"].format(old=self._value(c["old"]), new=self._value(c["new"]))
        if what in ("policy_added", "policy_removed"):
            info = c["new"] if what == "policy_added" else c["old"]
            return w[what].format(title=self._title(info["title"], c["policy"]), n=info["checks"])
        if what == "check_added":
            return w[what].format(rule=self._rule(c, "new", c["new"]))
        if what == "check_removed":
            return w[what].format(rule=self._rule(c, "old", c["old"]))
        if what in ("requirement", "filter"):
            over = self.kinds.get(c.get("over"), c.get("over"))
            old = self._condition(c, "old", c["old"]) if c["old"] else w["filter_all"].format(over=over)
            new = self._condition(c, "new", c["new"]) if c["new"] else w["filter_all"].format(over=over)
            return w[what].format(old=old, new=new)
        if what == "over":
            return w[what].format(old=self.kinds.get(c["old"], c["old"]), new=self.kinds.get(c["new"], c["new"]))
        if what == "method":
            return w[what].format(old=self.method.get(c["old"], c["old"]), new=self.method.get(c["new"], c["new"]))
        if what == "if_none":
            return w[what].format(old=self.status.get(c["old"], c["old"]), new=self.status.get(c["new"], c["new"]))
        if what == "severity":
            return w[what].format(old=self.severity.get(c["old"], c["old"]), new=self.severity.get(c["new"], c["new"]))
        if what in ("due", "step_due"):
            return w[what].format(old=self._any().date(c["old"]), new=self._any().date(c["new"]), step=c.get("step"))
        if what == "step_params":
            require_old, require_new = c["require_old"], c["require_new"]
            return w[what].format(step=c["step"], due=self._any().date(c["new"]["due"]),
                                  old=self._condition(c, "old", require_old, c["old"]["params"]),
                                  new=self._condition(c, "new", require_new, c["new"]["params"]))
        if what in ("step_added", "step_removed"):
            side = "new" if what == "step_added" else "old"
            step = c[side]
            return w[what].format(due=self._any().date(step["due"]),
                                  require=self._condition(c, side, c["require_" + side], step["params"]))
        if what == "measures_read":
            names = [self._title(self.measure_titles.get(m), m) for m in c["new"]]
            return w[what].format(measures=w["names_sep"].join(names))
        if what in ("title", "message", "remedy", "reading", "notes"):
            field = w["fields"][what]
            lang = w["languages"].get(c.get("lang"), "")
            if what == "reading" and c.get("lang") is None:
                lang = ""
            old, new = self._value(c["old"]), self._value(c["new"])
            if c["old"] is None:
                return w["text_added"].format(field=field, lang=lang, new=new)
            if c["new"] is None:
                return w["text_removed"].format(field=field, lang=lang, old=old)
            return w["text_changed"].format(field=field, lang=lang, old=old, new=new)
        if what == "undated":
            return w["flag_changed"].format(field=w["fields"][what], old=self._value(bool(c["old"])), new=self._value(bool(c["new"])))
        if what.startswith("policy_"):
            return w["policy_changed"].format(field=w["fields"][what[len("policy_"):]])
        if what == "clause":
            return w[what].format(old=c["old"], new=c["new"])
        if what in ("measure_added", "measure_removed"):
            side = "new" if what == "measure_added" else "old"
            return w[what].format(rule=self._measure_rule(c, side, c[side]))
        if what == "measure":
            field = c["field"]
            if field in ("where", "that"):
                old, new = self._condition(c, "old", c["old"]), self._condition(c, "new", c["new"])
            elif field == "agg":
                old, new = self.w["agg"].get(c["old"], c["old"]), self.w["agg"].get(c["new"], c["new"])
            elif field == "of":
                old, new = self.kinds.get(c["old"], c["old"]), self.kinds.get(c["new"], c["new"])
            elif field == "level":
                old, new = self.w["level"].get(c["old"], c["old"]), self.w["level"].get(c["new"], c["new"])
            else:
                old = self._fmt(c, "old").label(c["old"]) if c["old"] else w["nothing"]
                new = self._fmt(c, "new").label(c["new"]) if c["new"] else w["nothing"]
            return w["measure_changed"].format(field=w["measure_fields"][field], old=old, new=new)
        if what == "measure_title":
            return w[what].format(old=self._value(c["old"]), new=self._value(c["new"]))
        if what == "examples":
            return w[what].format(old=c["old"], new=c["new"])
        raise ValueError(f"no words for change {what!r}")  # a new kind of change must be given its words

    # ------------------------------------------------------------------ the report
    def heading(self, c: dict) -> str:
        """What a change belongs to: the check, the measure, or the policy itself."""
        if c["check"]:
            return self.w["check"].format(title=self._title(self.titles.get(c["check"]), c["check"]), id=c["check"])
        if c["measure"] and c["what"].startswith("computed"):
            return self.w["computed"].format(title=self._title(self.measure_titles.get(c["measure"]), c["measure"]), id=c["measure"])
        if c["measure"]:
            return self.w["measure"].format(title=self._title(self.measure_titles.get(c["measure"]), c["measure"]), id=c["measure"])
        return ""

    def text(self, data: dict) -> str:
        """The whole report: the changes grouped by pack, clause (policy) and check; then the verdicts."""
        w = self.w
        lines = [w["heading"].format(old=data["old"]["source"], new=data["new"]["source"])]
        changes = data["changes"]
        judged = sum(1 for c in changes if c["judgement"])
        if not changes:
            lines.append(w["none"])
        else:
            lines.append(w["summary"].format(n=len(changes), j=judged) if judged else w["summary_wording"].format(n=len(changes)))
        if data.get("packs"):
            lines += ["", w["packs"]]
            lines += ["  " + w["pack_line"].format(ref=p["ref"], pack=p["pack"], old=p["checks_old"], new=p["checks_new"],
                                                   added=p["checks_added"], removed=p["checks_removed"], n=p["changes"])
                      for p in data["packs"]]
        pack = policy = owner = None
        for c in changes:
            if c["pack"] != pack:
                pack, policy, owner = c["pack"], None, None
                ref = self.packs[pack].ref if pack in self.packs else pack
                lines += ["", w["pack"].format(ref=ref, pack=pack)]
            if c["policy"] != policy:
                policy, owner = c["policy"], None
                lines += ["", w["policy"].format(clause=c["clause"], title=self._title(self.titles.get(policy), policy), id=policy)]
            here = self.heading(c)
            if here and here != owner:
                owner = here
                lines.append("  " + here)
            mark = w["judgement"] if c["judgement"] else w["wording"]
            lines.append(("    " if here else "  ") + mark + c["text"])
        verdicts = data.get("verdicts")
        if verdicts is not None:
            lines += ["", w["verdicts"].format(as_of=self._any().date(verdicts["as_of"]), n=len(verdicts["districts"]))]
            if not verdicts["changed"]:
                lines.append("  " + w["verdicts_none"])
            else:
                lines.append("  " + w["verdicts_changed"].format(k=len(verdicts["changed"]), names=w["names_sep"].join(verdicts["changed"])))
                for r in verdicts["verdicts"]:
                    lines.append("    " + w["verdict_row"].format(
                        district=r["district"], document=r["document"], clause=r["clause"], title=self._title(r["title"], r["check"]), check=r["check"],
                        before=self.status.get(r["before"], w["absent"]) if r["before"] else w["absent"],
                        after=self.status.get(r["after"], w["absent"]) if r["after"] else w["absent"]))
        return "\n".join(lines) + "\n"

