"""One submission document -> validated records (``Facts``).

A submission is one document per district (YAML or JSON): district figures,
filed documents, schools and their classes. Validation happens before anything
is evaluated: the JSON Schema (types, ranges, unknown keys), then what a schema
cannot say (known district names, real dates, unique ids). All problems of a
file are reported together.
"""
from __future__ import annotations

import datetime as _dt
import re
from collections import deque
from functools import lru_cache, partial
from itertools import repeat
from operator import itemgetter

from auditor.dates import real_date
from auditor.errors import Collector, Problem, SubmissionError, excerpt, hint
from auditor.intake import contracts
from auditor.intake.document import Document, path_text, unshadowed
from auditor.model import Facts, Record, plan
from auditor.texts import Both, msg

def check_district(document: Document, collector: Collector) -> None:
    districts = plan()["districts"]
    name = document.data.get("district")
    if isinstance(name, str) and name not in districts:
        line, column = document.where(("district",))
        collector.add("S-DISTRICT", msg("content.district", name=excerpt(name), hint=hint(name, districts), districts=list(districts)),
                      line, column, "district")


_DATE_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _count(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# Stages whose pupils are all in grades 1-9 (their pupils are the compulsory-stage enrolment), and the
# grades a school of each stage can have in compulsory education. Twelve-year and complete secondary
# schools also teach senior grades (10-12), which are not recorded: their classes are grades 1-9 / 7-9.
COMPULSORY_ONLY = ("primary", "junior", "nine_year")
GRADES = {"primary": (1, 6), "junior": (7, 9), "nine_year": (1, 9), "twelve_year": (1, 9), "complete_secondary": (7, 9)}


def check_counts(data: dict, add) -> None:
    """Declared counts that contradict each other (issue 13: the counts the completeness rule and the
    city-wide disabled-enrolment rate read)."""
    figures = data.get("figures") if isinstance(data.get("figures"), dict) else {}
    enrolled, age = _count(figures.get("disabled_enrolled")), _count(figures.get("disabled_school_age"))
    if enrolled is not None and age is not None and enrolled > age:
        add("S-SCHEMA", msg("content.disabled", part=enrolled, whole=age), ("figures", "disabled_enrolled"))
    parts = [_count(figures.get(k)) for k in ("disabled_in_regular_classes", "disabled_in_special_schools", "disabled_home_taught")]
    if enrolled is not None and all(p is not None for p in parts) and sum(parts) != enrolled:
        add("S-SCHEMA", msg("content.disabled-split", parts=sum(parts), whole=enrolled), ("figures", "disabled_enrolled"))
    for part, whole in _parts("figures"):
        check_part(figures, part, whole, ("figures",), add)
    school_parts = _parts("school")
    for i, school in enumerate(_list(data.get("schools"))):
        if isinstance(school, dict):
            for part, whole in school_parts:
                check_part(school, part, whole, ("schools", i), add)
            part, whole = _count(school.get("pupils_compulsory")), _count(school.get("pupils"))
            if part is not None and whole is not None and part > whole:
                add("S-SCHEMA", msg("content.compulsory", part=part, whole=whole), ("schools", i, "pupils_compulsory"))
            elif part is not None and whole is not None and part != whole and school.get("stage") in COMPULSORY_ONLY:
                add("S-SCHEMA", msg("content.compulsory-only", part=part, whole=whole), ("schools", i, "pupils_compulsory"))
            primary, junior = _count(school.get("pupils_primary")), _count(school.get("pupils_junior"))
            total = part if part is not None else whole if school.get("stage") in COMPULSORY_ONLY else None
            if primary is not None and junior is not None and total is not None and primary + junior != total:
                add("S-SCHEMA", msg("content.stage-split", primary=primary, junior=junior, sum=primary + junior, total=total),
                    ("schools", i, "pupils_primary"))
            elif isinstance(school.get("stage"), str) and school["stage"] in ONE_STAGE:  # a wrong type: the schema says so
                check_one_stage(school, i, total, add)


@lru_cache(maxsize=None)
def _parts(kind: str) -> tuple:
    """(part, whole) of the ``kind``'s fields the schema marks ``x-part-of``: a count that is a part of another
    (the pupils covered by quality resources of all pupils, the buses on the platform of all buses, …)."""
    return tuple((name, spec["x-part-of"]) for name, spec in contracts.scalar_fields(kind).items() if "x-part-of" in spec)


def check_part(values: dict, part: str, whole: str, at: tuple, add) -> None:
    """A part counted more than its whole: figures impossible together, refused (the share they feed would read
    over 100%, and a rate judged from them could pass)."""
    p, w = _count(values.get(part)), _count(values.get(whole))
    if p is not None and w is not None and p > w:
        fields = contracts.scalar_fields(at[0] if at == ("figures",) else "school")
        add("S-SCHEMA", msg("content.part-of", part=Both(part, fields[part].get("title", part)), value=p,
                            whole=Both(whole, fields[whole].get("title", whole)), total=w), at + (part,))


_STAGE_PUPILS = {"primary": "小学阶段在校生数", "junior": "初中阶段在校生数"}
ONE_STAGE = {"primary": "primary", "junior": "junior", "complete_secondary": "junior"}  # the one compulsory stage it serves


def check_one_stage(school: dict, i: int, total: int | None, add) -> None:
    """A school with one compulsory stage: its other stage's pupils, if given, are 0, and its own stage's are
    all its grades 1-9 pupils (a 完全中学 whose pupils_junior said 0 while pupils_compulsory said 1 was read as
    serving no junior stage; with pupils_junior left out it served one: deleting a figure changed a verdict)."""
    served = ONE_STAGE[school["stage"]]
    for stage in ("primary", "junior"):
        value = _count(school.get(f"pupils_{stage}"))
        expected = (total if stage == served else 0)
        if value is not None and expected is not None and value != expected:
            add("S-SCHEMA", msg("content.one-stage", field=Both(f"pupils_{stage}", _STAGE_PUPILS[stage]), value=value, expected=expected,
                                stage=stage_name(school["stage"])),
                ("schools", i, f"pupils_{stage}"))


def stage_name(stage) -> Both:
    """A school's stage in words: its code in English, the schema's Chinese name (完全中学, …) in Chinese."""
    return Both(str(stage), contracts.scalar_fields("school")["stage"].get("x-enum-zh", {}).get(stage, str(stage)))


def _nothing_to_say(classes: list, low: int, high: int) -> bool:
    """True when a school's classes certainly give check_content nothing to report, judged column by column:
    all mappings, their ids all text and all different, their grades all whole numbers in ``low``..``high``.
    Anything else is looked at class by class."""
    if not classes:
        return True
    if set(map(type, classes)) != {dict}:
        return False
    ids = list(map(dict.get, classes, repeat("id")))
    if set(map(type, ids)) != {str} or len(set(ids)) != len(ids):
        return False
    grades = list(map(dict.get, classes, repeat("grade")))
    return set(map(type, grades)) == {int} and low <= min(grades) and max(grades) <= high


def check_content(document: Document, collector: Collector, partial: bool = False) -> None:
    """What the schema cannot say: known district, real dates, unique ids, not empty.

    Runs on any mapping, valid or not, so that every problem of a file is reported
    together; it only judges values of the right type (the schema reports the others).
    ``partial``: the loader refused some values, so "empty" is not judged."""
    data = document.data
    if not isinstance(data, dict):
        return

    def add(code, message, path):
        line, column = document.where(path)
        collector.add(code, message, line, column, path_text(path))

    check_district(document, collector)
    if not partial and not any(data.get(k) for k in ("figures", "documents", "schools")):
        add("S-SCHEMA", msg("content.empty"), ())
    date_fields = [(("reported_on",), data.get("reported_on"))]
    for i, d in enumerate(_list(data.get("documents"))):
        if isinstance(d, dict):
            date_fields.append((("documents", i, "filed_on"), d.get("filed_on")))
    for path, value in date_fields:
        if isinstance(value, str) and _DATE_FORM.fullmatch(value) and real_date(value) is None:
            add("E-DATE", msg("content.date", value=excerpt(value)), path)

    check_counts(data, add)

    def unique(items: list, path: tuple, what: str, **names) -> list[tuple[int, dict]]:
        """The mappings among ``items``; an id used twice is reported at its second use."""
        seen: dict[str, int] = {}
        out = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            out.append((i, item))
            ident = item.get("id")
            if isinstance(ident, str) and ident in seen:
                first = path + (seen[ident],)
                add("S-DUPLICATE-ID", msg(f"content.{what}", ident=excerpt(ident), first=Both(path_text(first), msg("content.line", line=document.where(first)[0])),
                                          **{k: excerpt(v) for k, v in names.items()}), path + (i, "id"))
            elif isinstance(ident, str):
                seen[ident] = i
        return out

    for i, school in unique(_list(data.get("schools")), ("schools",), "school-id"):
        stage = school.get("stage")
        low, high = GRADES.get(stage, (1, 9)) if isinstance(stage, str) else (1, 9)
        listed = _list(school.get("classes"))
        if _nothing_to_say(listed, low, high):
            continue
        for j, klass in unique(listed, ("schools", i, "classes"), "class-id", school=school.get("id")):
            grade = klass.get("grade")
            if not isinstance(grade, int) or isinstance(grade, bool) or not 1 <= grade <= 9:
                continue  # the schema reports it
            if not low <= grade <= high:
                add("S-SCHEMA", msg("content.grade", grade=grade, stage=stage_name(stage)), ("schools", i, "classes", j, "grade"))


_ID, _GRADE = itemgetter("id"), itemgetter("grade")
_RECORD = tuple.__new__  # Record(kind, key, data, ident, source) from one tuple, with no Python frame
_consume = partial(deque, maxlen=0)  # runs a map() to its end, keeping nothing


def _date_ordinal(value):
    return _dt.date.fromisoformat(value).toordinal() if isinstance(value, str) else value


def to_facts(document: Document, own: bool = False) -> Facts:
    """Records for evaluation. Dates become day numbers; absent values stay absent.

    ``own``: the document's data belongs to the caller alone (a loader's): each class's mapping is then
    completed in place instead of copied (a national audit holds millions of them)."""
    data = document.data
    district = data["district"]
    file = document.file
    facts = Facts(district, (file,), sample_data=bool(data.get("sample_data")))
    figures = dict(data.get("figures", {}))
    facts.records["district"] = [Record("district", "district", {"district": district, **figures}, {"district": district}, f"{file}:figures")]

    doc_dates = {n for n, s in contracts.scalar_fields("document").items() if s.get("format") == "date"}
    documents = []
    for i, d in enumerate(data.get("documents", [])):
        row = {"district": district}
        for name, value in d.items():
            row[name] = _date_ordinal(value) if name in doc_dates else value
        ident = {"document": d["kind"], "ref": d.get("ref", ""), "title": d.get("title", ""), "filed_on": d["filed_on"]}
        documents.append(Record("document", f"document:{i}", row, ident, f"{file}:documents[{i}]"))
    facts.records["document"] = documents

    schools, classes = [], []
    extend = classes.extend
    for i, s in enumerate(data.get("schools", [])):
        scalars = dict(s)  # a copy in C, then the one key dropped (a comprehension costs a Python step per field)
        scalars.pop("classes", None)
        if "pupils_compulsory" not in scalars and "pupils" in scalars and s["stage"] in COMPULSORY_ONLY:
            scalars["pupils_compulsory"] = scalars["pupils"]  # all its pupils are in grades 1-9
        row = {"district": district, **scalars}
        source = f"{file}:schools[{i}]"
        # derived: how many classes the school has — its declared count, or the classes it lists if it lists more
        # (a short ledger does not shrink the school); absent, not zero, when it neither declares nor lists any
        counted = max(len(s.get("classes") or ()), s.get("classes_declared") or 0)
        if counted:
            row["class_count"] = counted
        schools.append(Record("school", f"school:{s['id']}", row, {"school": s["id"], "school_name": s["name"]}, source))
        school_id, school_name = s["id"], s["name"]
        key_prefix, source = f"class:{school_id}/", source + ".classes"  # one text per school: the key names the class
        listed = s.get("classes")
        if not listed:
            continue
        # a school's classes column by column (a national audit builds millions): map() over C functions, no
        # Python call per class; a Record is made by tuple.__new__ as its own _make does
        ids, grades = list(map(_ID, listed)), list(map(_GRADE, listed))
        primary = {"district": district, "stage": "primary", "school": scalars}
        junior = {"district": district, "stage": "junior", "school": scalars}
        added = [primary if grade <= 6 else junior for grade in grades]
        if own:
            rows = listed
            _consume(map(dict.update, rows, added))
        else:
            rows = [{"district": district, **c, "stage": more["stage"], "school": scalars} for c, more in zip(listed, added)]
        idents = [{"school": school_id, "school_name": school_name, "class": ident, "grade": grade}
                  for ident, grade in zip(ids, grades)]
        extend(map(_RECORD, repeat(Record), zip(repeat("class"), map(key_prefix.__add__, ids), rows, idents, repeat(source))))
    facts.records["school"] = schools
    facts.records["class"] = classes
    return facts


def facts_from_document(document: Document, loader_problems: list[Problem] = (), own: bool = False) -> Facts:
    """Validate and convert; ``loader_problems`` (values the loader refused) are reported
    together with the schema and content problems of the rest of the file. ``own``: see :func:`to_facts`."""
    collector = Collector(document.file, SubmissionError)
    if document.data is None:
        collector.add("S-SCHEMA", msg("content.file-empty"))
        collector.raise_if_any()
    valid = contracts.validate(document, "submission", collector, "S-SCHEMA")
    check_content(document, collector, partial=bool(loader_problems) or not valid)
    problems = list(loader_problems) + unshadowed(loader_problems, collector.problems)
    if problems:
        raise SubmissionError(problems)
    return to_facts(document, own)
