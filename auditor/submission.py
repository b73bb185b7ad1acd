"""Load the districts' submissions, validate them, and turn them into records.

A submission is one document per district (YAML or JSON): district figures,
filed documents, schools and their classes. Validation happens before anything
is evaluated: the JSON Schema (types, ranges, unknown keys), then what a schema
cannot say (known district names, real dates, unique ids). All problems of a
file are reported together.
"""
from __future__ import annotations

import datetime as _dt
import os

from . import contracts
from .errors import Collector, Problem, SubmissionError, did_you_mean
from .loader import Document, load_document, path_text
from .model import Facts, Record, plan

SUBMISSION_SUFFIXES = (".yaml", ".yml", ".json")


def expand_paths(paths: list[str]) -> list[str]:
    """Files as given; folders contribute their submission files (sorted, not recursive)."""
    files: list[str] = []
    problems: list[Problem] = []
    for path in paths:
        if os.path.isdir(path):
            names = sorted(n for n in os.listdir(path) if n.lower().endswith(SUBMISSION_SUFFIXES) and not n.startswith("."))
            if not names:
                problems.append(Problem(path, 0, 0, "S-NONE", f"the folder holds no submission files ({', '.join(SUBMISSION_SUFFIXES)})"))
            files.extend(os.path.join(path, n) for n in names)
        elif os.path.exists(path):
            files.append(path)
        else:
            problems.append(Problem(path, 0, 0, "E-READ", "no such file or folder"))
    if problems:
        raise SubmissionError(problems)
    if not files:
        raise SubmissionError(Problem("<command line>", 0, 0, "S-NONE", "no submission files were given"))
    return files


def _real_date(text: str) -> _dt.date | None:
    try:
        return _dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def check_content(document: Document, collector: Collector) -> None:
    """What the schema cannot say: known district, real dates, unique ids, not empty."""
    data = document.data

    def add(code, message, path):
        line, column = document.where(path)
        collector.add(code, message, line, column, path_text(path))

    districts = plan()["districts"]
    if data["district"] not in districts:
        add("S-DISTRICT", f'unknown district "{data["district"]}"{did_you_mean(data["district"], districts)}; the districts are {", ".join(districts)}', ("district",))
    if not any(data.get(k) for k in ("figures", "documents", "schools")):
        add("S-SCHEMA", "the submission is empty: it holds no figures, documents or schools", ())
    date_fields = [("reported_on",)]
    date_fields += [("documents", i, "filed_on") for i in range(len(data.get("documents", [])))]
    for path in date_fields:
        value = data
        for part in path:
            value = value.get(part) if isinstance(value, dict) else value[part] if isinstance(value, list) and part < len(value) else None
        if isinstance(value, str) and _real_date(value) is None:
            add("E-DATE", f'"{value}" is not a real date', path)
    seen_schools: dict[str, int] = {}
    for i, school in enumerate(data.get("schools", [])):
        sid = school["id"]
        if sid in seen_schools:
            add("S-DUPLICATE-ID", f'school id "{sid}" is used twice (first at schools[{seen_schools[sid]}])', ("schools", i, "id"))
        else:
            seen_schools[sid] = i
        seen_classes: dict[str, int] = {}
        for j, klass in enumerate(school.get("classes", [])):
            cid = klass["id"]
            if cid in seen_classes:
                add("S-DUPLICATE-ID", f'class id "{cid}" is used twice in school {sid} (first at classes[{seen_classes[cid]}])', ("schools", i, "classes", j, "id"))
            else:
                seen_classes[cid] = j
            grade = klass["grade"]
            stage = school["stage"]
            if stage == "primary" and grade > 6 or stage == "junior" and grade < 7:
                add("S-SCHEMA", f"grade {grade} does not exist in a {stage} school (primary 1-6, junior 7-9)", ("schools", i, "classes", j, "grade"))


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


def load_submission(file: str) -> Facts:
    document = load_document(file, SubmissionError)
    return facts_from_document(document)


def facts_from_document(document: Document) -> Facts:
    collector = Collector(document.file, SubmissionError)
    if document.data is None:
        collector.add("S-SCHEMA", "the file is empty; a submission needs at least district and some figures, documents or schools")
        collector.raise_if_any()
    if contracts.validate(document, "submission", collector, "S-SCHEMA"):
        check_content(document, collector)
    collector.raise_if_any()
    return to_facts(document)


def load_submissions(paths: list[str]) -> list[Facts]:
    """Every file, all problems of all files together; one Facts per district."""
    files = expand_paths(paths)
    problems: list[Problem] = []
    out: list[Facts] = []
    seen: dict[str, str] = {}
    for file in files:
        try:
            facts = load_submission(file)
        except SubmissionError as exc:
            problems.extend(exc.problems)
            continue
        if facts.district in seen:
            problems.append(Problem(file, 0, 0, "S-DUPLICATE-ID", f'district "{facts.district}" is already submitted in {seen[facts.district]}'))
            continue
        seen[facts.district] = file
        out.append(facts)
    if problems:
        raise SubmissionError(problems)
    return out
