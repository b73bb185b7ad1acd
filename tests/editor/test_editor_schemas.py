"""The schemas editors validate with as one types (issue 20 item 1).

Every shipped policy and YAML fixture starts with a ``# yaml-language-server: $schema=<path>`` line naming the
schema in the repository, relative to the file. These tests read that line as an editor does, and validate the file
against the very file it names with plain ``jsonschema`` (the auditor's own validation is ``auditor check``); the
YAML is read by our loader, which keeps dates as text as YAML 1.2 editors do, and which knows each value's line.
A misspelt key and a wrong type are found at their lines by the editor's schema and by ``auditor check``
(tests/editor/edits.yaml). Every property carries the Chinese title and the description the editor shows on hover.
"""
from __future__ import annotations

import glob
import json
import os
import re
import shutil

import jsonschema
import pytest
import yaml

from auditor.cli import main
from auditor.errors import PolicyError
from auditor.intake.loader import load_document

from conftest import POLICIES, ROOT

SCHEMAS = os.path.join(ROOT, "auditor", "schemas")
MODELINE = re.compile(r"# yaml-language-server: \$schema=(\S+)\n")
HERE = os.path.dirname(os.path.abspath(__file__))
EDITS = yaml.safe_load(open(os.path.join(HERE, "edits.yaml"), encoding="utf-8"))["edits"]


def shipped() -> list[tuple[str, str]]:
    """(file, the schema it must name): policy files (and pack files) under a policies folder, waiver files under a
    waivers folder, submissions else."""
    out = []
    for file in sorted(glob.glob(os.path.join(ROOT, "policies", "**", "*.yaml"), recursive=True)
                       + glob.glob(os.path.join(ROOT, "fixtures", "**", "*.yaml"), recursive=True)):
        parts = os.path.relpath(file, ROOT).split(os.sep)
        if os.path.basename(file) == "pack.yaml":
            kind = "pack"
        elif "waivers" in parts[:-1]:
            kind = "waiver"
        elif any(p.startswith("policies") for p in parts[:-1]):
            kind = "policy"
        else:
            kind = "submission"
        out.append((file, kind))
    return out


SHIPPED = shipped()


def named_schema(file: str) -> str:
    with open(file, encoding="utf-8") as handle:
        first = handle.readline()
    found = MODELINE.fullmatch(first)
    assert found, f"{os.path.relpath(file, ROOT)}: the first line is not a yaml-language-server modeline: {first!r}"
    return os.path.normpath(os.path.join(os.path.dirname(file), found.group(1)))


def editor_errors(file: str, schema_file: str) -> list[tuple[int, str, jsonschema.ValidationError]]:
    """(line, keyword, error) as an editor validating ``file`` against ``schema_file`` would report them."""
    with open(schema_file, encoding="utf-8") as handle:
        schema = json.load(handle)
    jsonschema.Draft202012Validator.check_schema(schema)
    document = load_document(file, PolicyError)
    out = []
    for error in jsonschema.Draft202012Validator(schema).iter_errors(document.data):
        while error.context:  # a value that fits none of the alternatives: the one it comes closest to, as editors do
            error = jsonschema.exceptions.best_match(error.context)
        path = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):  # at the unknown key
            extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            path += (extra[0],) if extra else ()
        out.append((document.where(path)[0], error.validator, error))
    return out


def test_every_kind_is_shipped():
    kinds = {kind for _, kind in SHIPPED}
    assert {"policy", "submission"} <= kinds and len(SHIPPED) > 50


@pytest.mark.parametrize("file,kind", SHIPPED, ids=[os.path.relpath(f, ROOT) for f, _ in SHIPPED])
def test_shipped_file_names_its_schema_and_validates(file, kind):
    schema_file = named_schema(file)
    assert schema_file == os.path.join(SCHEMAS, f"{kind}.schema.json"), f"{file} names {schema_file}"
    assert os.path.isfile(schema_file)
    errors = editor_errors(file, schema_file)
    assert not errors, f"{file}:{errors[0][0]}: {errors[0][2].message}"


def test_generators_write_the_modeline(tmp_path):
    """Regenerated fixtures keep the line (fixtures/generate.py and rounds.py write it from where they write)."""
    import sys
    sys.path.insert(0, os.path.join(ROOT, "fixtures"))
    try:
        import generate
    finally:
        sys.path.pop(0)
    for sub, schema in (("a", "submission"), ("a/b/c", "policy")):
        file = tmp_path / sub / "x.yaml"
        line = generate.modeline(str(file), schema)
        assert MODELINE.fullmatch(line)
        named = os.path.normpath(os.path.join(file.parent, MODELINE.fullmatch(line).group(1)))
        assert named == os.path.join(SCHEMAS, f"{schema}.schema.json")


@pytest.fixture
def scratch(tmp_path):
    """A copy of policies/ beside a copy of auditor/schemas/, so that the modelines resolve as in the repository."""
    folder = tmp_path / "policies"
    shutil.copytree(POLICIES, folder)
    shutil.copytree(SCHEMAS, tmp_path / "auditor" / "schemas")
    return folder


def _policy_folder(folder) -> str:
    """The folder holding 2-1-4-large-classes.yaml (the policies folder itself, or its pack)."""
    found = glob.glob(os.path.join(folder, "**", "2-1-4-large-classes.yaml"), recursive=True)
    assert len(found) == 1
    return os.path.dirname(found[0])


@pytest.mark.parametrize("edit", EDITS, ids=[e["name"] for e in EDITS])
def test_a_mistake_is_reported_at_its_line(edit, scratch, capsys):
    folder = _policy_folder(scratch)
    file = os.path.join(folder, edit["file"])
    with open(file, encoding="utf-8") as handle:
        text = handle.read()
    assert text.count(edit["find"]) == 1, edit["name"]
    line = text[:text.index(edit["find"])].count("\n") + 1
    with open(file, "w", encoding="utf-8") as handle:
        handle.write(text.replace(edit["find"], edit["replace"]))
    # the editor: the schema the modeline names, at the edited line
    errors = editor_errors(file, named_schema(file))
    assert (line, edit["keyword"]) in [(at, keyword) for at, keyword, _ in errors], errors
    # the auditor: file:line, P-SCHEMA, the same line, exit 2
    assert main(["check", "--policies", str(scratch), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert f"{file}:{line}: P-SCHEMA: " in err and edit["fragment"] in err, err


# ---------------------------------------------------------------------------- what the editor shows
def properties(node, where=""):
    """(where, property schema) for every property declared anywhere in a schema."""
    if isinstance(node, dict):
        for name, prop in node.get("properties", {}).items():
            yield f"{where}.{name}", prop
            yield from properties(prop, f"{where}.{name}")
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                yield from properties(node[key], f"{where}[]")
        for index, branch in enumerate(node.get("oneOf", [])):
            yield from properties(branch, where)
        for name, sub in node.get("$defs", {}).items():
            yield from properties(sub, f"$defs.{name}")


CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3}")


@pytest.mark.parametrize("name", sorted({kind for _, kind in SHIPPED}))
def test_every_property_has_a_chinese_title_and_a_description(name):
    """yaml-language-server shows ``title`` and ``description`` on hover: Chinese in the title, English (and, for the
    policy files officers edit, Chinese as well) in the description."""
    with open(os.path.join(SCHEMAS, f"{name}.schema.json"), encoding="utf-8") as handle:
        schema = json.load(handle)
    bare = [where for where, prop in properties(schema)
            if not (CJK.search(prop.get("title", "")) and LATIN.search(prop.get("description", "")))]
    assert not bare, f"{name}: properties without a Chinese title and an English description: {bare}"
    if name != "submission":  # the submission's descriptions are the templates' English help; its titles are Chinese
        one_language = [where for where, prop in properties(schema) if not CJK.search(prop["description"])]
        assert not one_language, f"{name}: descriptions without Chinese: {one_language}"
