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

from auditor.dates import real_date
from auditor.errors import Collector, Problem, SubmissionError, closest, did_you_mean, excerpt
from auditor.intake import contracts
from auditor.intake.document import Document, path_text, unshadowed
from auditor.model import Facts, Record, plan

# The content checks' messages, in English for YAML and JSON files and in Chinese for the
# spreadsheets district offices fill in (whose own reading rules speak Chinese too).
MESSAGES = {
    "en": {
        "district": 'unknown district "{name}"{hint}; the districts are {districts}',
        "empty": "the submission is empty: it holds no figures, documents or schools",
        "date": '"{value}" is not a real date',
        "school-id": 'school id "{ident}" is used twice (first at {first})',
        "class-id": 'school {school}: class id "{ident}" is used twice (first at {first})',
        "grade": "grade {grade} does not exist in a {stage} school (primary 1-6, junior and complete secondary 7-9)",
        "compulsory": "pupils_compulsory ({part}) is more than pupils ({whole}): grades 1-9 are part of the school's pupils",
        "compulsory-only": "pupils_compulsory ({part}) differs from pupils ({whole}): every pupil of a primary, junior or nine-year school is in grades 1-9 (leave pupils_compulsory out)",
        "disabled": "disabled_enrolled ({part}) is more than disabled_school_age ({whole})",
        "disabled-split": "the enrolled disabled children by placement add up to {parts}, not to disabled_enrolled ({whole})",
    },
    "zh": {
        "district": "区县“{name}”不在名单中{hint}；区县为：{districts}",
        "empty": "报送材料是空的：没有区级指标、报备文件或学校",
        "date": "“{value}”不是实际存在的日期",
        "school-id": "学校代码“{ident}”重复（{first}已填过）",
        "class-id": "学校“{school}”的班级编号“{ident}”重复（{first}已填过）",
        "grade": "{stage}没有{grade}年级（小学为1–6年级，初中、完全中学为7–9年级）",
        "compulsory": "义务教育阶段在校生数（{part}）多于在校生数（{whole}）",
        "compulsory-only": "义务教育阶段在校生数（{part}）与在校生数（{whole}）不符：小学、初中、九年一贯制学校的学生都在义务教育阶段（可不填此项）",
        "disabled": "接受义务教育的适龄残疾儿童少年数（{part}）多于适龄残疾儿童少年数（{whole}）",
        "disabled-split": "随班就读、特殊教育学校就读、送教上门合计{parts}人，与接受义务教育的适龄残疾儿童少年数（{whole}）不符",
    },
}


def _hint(name: str, choices, lang: str) -> str:
    if lang == "zh":
        match = closest(name, choices)
        return f"；是否应为“{match}”？" if match else ""
    return did_you_mean(name, choices)


def check_district(document: Document, collector: Collector, lang: str = "en") -> None:
    districts = plan()["districts"]
    name = document.data.get("district")
    if isinstance(name, str) and name not in districts:
        line, column = document.where(("district",))
        text = MESSAGES[lang]["district"].format(name=excerpt(name), hint=_hint(name, districts, lang),
                                                 districts=("、" if lang == "zh" else ", ").join(districts))
        collector.add("S-DISTRICT", text, line, column, "district")


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


def check_counts(data: dict, add, messages: dict) -> None:
    """Declared counts that contradict each other (issue 13: the counts the completeness rule and the
    city-wide disabled-enrolment rate read)."""
    figures = data.get("figures") if isinstance(data.get("figures"), dict) else {}
    enrolled, age = _count(figures.get("disabled_enrolled")), _count(figures.get("disabled_school_age"))
    if enrolled is not None and age is not None and enrolled > age:
        add("S-SCHEMA", messages["disabled"].format(part=enrolled, whole=age), ("figures", "disabled_enrolled"))
    parts = [_count(figures.get(k)) for k in ("disabled_in_regular_classes", "disabled_in_special_schools", "disabled_home_taught")]
    if enrolled is not None and all(p is not None for p in parts) and sum(parts) != enrolled:
        add("S-SCHEMA", messages["disabled-split"].format(parts=sum(parts), whole=enrolled), ("figures", "disabled_enrolled"))
    for i, school in enumerate(_list(data.get("schools"))):
        if isinstance(school, dict):
            part, whole = _count(school.get("pupils_compulsory")), _count(school.get("pupils"))
            if part is not None and whole is not None and part > whole:
                add("S-SCHEMA", messages["compulsory"].format(part=part, whole=whole), ("schools", i, "pupils_compulsory"))
            elif part is not None and whole is not None and part != whole and school.get("stage") in COMPULSORY_ONLY:
                add("S-SCHEMA", messages["compulsory-only"].format(part=part, whole=whole), ("schools", i, "pupils_compulsory"))


def check_content(document: Document, collector: Collector, partial: bool = False, lang: str = "en") -> None:
    """What the schema cannot say: known district, real dates, unique ids, not empty.

    Runs on any mapping, valid or not, so that every problem of a file is reported
    together; it only judges values of the right type (the schema reports the others).
    ``partial``: the loader refused some values, so "empty" is not judged."""
    data = document.data
    if not isinstance(data, dict):
        return

    messages = MESSAGES[lang]

    def add(code, message, path):
        line, column = document.where(path)
        collector.add(code, message, line, column, path_text(path))

    check_district(document, collector, lang)
    if not partial and not any(data.get(k) for k in ("figures", "documents", "schools")):
        add("S-SCHEMA", messages["empty"], ())
    date_fields = [(("reported_on",), data.get("reported_on"))]
    for i, d in enumerate(_list(data.get("documents"))):
        if isinstance(d, dict):
            date_fields.append((("documents", i, "filed_on"), d.get("filed_on")))
    for path, value in date_fields:
        if isinstance(value, str) and _DATE_FORM.fullmatch(value) and real_date(value) is None:
            add("E-DATE", messages["date"].format(value=excerpt(value)), path)

    check_counts(data, add, messages)

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
                first = path_text(path + (seen[ident],)) if lang == "en" else "第 {} 行".format(document.where(path + (seen[ident],))[0])
                add("S-DUPLICATE-ID", messages[what].format(ident=excerpt(ident), first=first, **{k: excerpt(v) for k, v in names.items()}), path + (i, "id"))
            elif isinstance(ident, str):
                seen[ident] = i
        return out

    stages = contracts.scalar_fields("school")["stage"].get("x-enum-zh", {}) if lang == "zh" else {}
    for i, school in unique(_list(data.get("schools")), ("schools",), "school-id"):
        for j, klass in unique(_list(school.get("classes")), ("schools", i, "classes"), "class-id", school=school.get("id")):
            grade = klass.get("grade")
            stage = school.get("stage")
            if not isinstance(grade, int) or isinstance(grade, bool) or not 1 <= grade <= 9:
                continue  # the schema reports it
            low, high = GRADES.get(stage, (1, 9))
            if not low <= grade <= high:
                add("S-SCHEMA", messages["grade"].format(grade=grade, stage=stages.get(stage, stage)), ("schools", i, "classes", j, "grade"))


def _date_ordinal(value):
    return _dt.date.fromisoformat(value).toordinal() if isinstance(value, str) else value


def to_facts(document: Document) -> Facts:
    """Records for evaluation. Dates become day numbers; absent values stay absent."""
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
    for i, s in enumerate(data.get("schools", [])):
        scalars = {k: v for k, v in s.items() if k != "classes"}
        if "pupils_compulsory" not in scalars and "pupils" in scalars and s["stage"] in COMPULSORY_ONLY:
            scalars["pupils_compulsory"] = scalars["pupils"]  # all its pupils are in grades 1-9
        row = {"district": district, **scalars}
        schools.append(Record("school", f"school:{s['id']}", row, {"school": s["id"], "school_name": s["name"]}, f"{file}:schools[{i}]"))
        school_id, school_name = s["id"], s["name"]
        key_prefix, source_prefix = f"class:{school_id}/", f"{file}:schools[{i}].classes["
        for j, c in enumerate(s.get("classes", [])):
            crow = {"district": district, **c, "stage": "primary" if c["grade"] <= 6 else "junior", "school": scalars}
            ident = {"school": school_id, "school_name": school_name, "class": c["id"], "grade": c["grade"]}
            classes.append(Record("class", key_prefix + c["id"], crow, ident, f"{source_prefix}{j}]"))
    facts.records["school"] = schools
    facts.records["class"] = classes
    return facts


def facts_from_document(document: Document, loader_problems: list[Problem] = (), lang: str = "en") -> Facts:
    """Validate and convert; ``loader_problems`` (values the loader refused) are reported
    together with the schema and content problems of the rest of the file. ``lang``: the
    language of the content checks' messages ("zh" for spreadsheets)."""
    collector = Collector(document.file, SubmissionError)
    if document.data is None:
        collector.add("S-SCHEMA", "the file is empty; a submission needs at least district and some figures, documents or schools")
        collector.raise_if_any()
    valid = contracts.validate(document, "submission", collector, "S-SCHEMA")
    check_content(document, collector, partial=bool(loader_problems) or not valid, lang=lang)
    problems = list(loader_problems) + unshadowed(loader_problems, collector.problems)
    if problems:
        raise SubmissionError(problems)
    return to_facts(document)
