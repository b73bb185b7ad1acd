"""`auditor diff OLD NEW` (issue 20 item 2): what changed between two rule sets, and whose verdicts change.

The edits and what must be said about each are tests/diff/edits.yaml; each is made to a scratch copy of policies/.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import jsonschema
import pytest
import yaml

from auditor import changes
from auditor.cli import main
from auditor.intake.contracts import schema
from auditor.intake.loader import load_document
from auditor.errors import SubmissionError
from auditor.output.changes import ChangeWords

from conftest import FIXTURES, POLICIES

HERE = os.path.dirname(os.path.abspath(__file__))
EDITS = yaml.safe_load(open(os.path.join(HERE, "edits.yaml"), encoding="utf-8"))["edits"]


def edited_copy(tmp_path, edit: dict) -> str:
    folder = tmp_path / "edited"
    shutil.copytree(POLICIES, folder)
    file = folder / edit["file"]
    text = file.read_text(encoding="utf-8")
    assert text.count(edit["find"]) == 1, edit["name"]
    file.write_text(text.replace(edit["find"], edit["replace"]), encoding="utf-8")
    return str(folder)


def diffed(old: str, new: str, lang: str) -> list[dict]:
    a, b = changes.load(old), changes.load(new)
    found = changes.compare(a, b)
    words = ChangeWords(a, b, lang)
    for c in found:
        c["text"] = words.sentence(c)
    return found


@pytest.mark.parametrize("edit", EDITS, ids=[e["name"] for e in EDITS])
def test_each_edit_is_named_in_plain_words(edit, tmp_path):
    edited = edited_copy(tmp_path, edit)
    old, new = (edited, POLICIES) if edit.get("swap") else (POLICIES, edited)
    for lang in ("zh", "en"):
        found = diffed(old, new, lang)
        for want in edit["changes"]:
            hits = [c for c in found if c["what"] == want["what"] and c["check"] == want.get("check", c["check"])
                    and c["measure"] == want.get("measure", c["measure"])]
            assert len(hits) == 1, (want, found)
            assert hits[0]["judgement"] is want["judgement"], hits[0]
            assert want[lang] in hits[0]["text"], (lang, hits[0]["text"])
        expected = {w["what"] for w in edit["changes"]} | ({"measures_read"} if edit.get("more_judgement") else set())
        assert {c["what"] for c in found} == expected, found
        assert any(c["judgement"] for c in found) is any(w["judgement"] for w in edit["changes"])


def test_the_same_rules_differ_in_nothing():
    assert changes.compare(changes.load(POLICIES), changes.load(POLICIES)) == []


def _junior_sizes(file: str) -> list[int]:
    data = load_document(file, SubmissionError).data
    return [c["size"] for s in data.get("schools", []) for c in s.get("classes", []) if c["grade"] >= 7]


def test_junior_limit_52_names_the_change_and_the_districts(tmp_path, capsys):
    """The issue's acceptance: 50 -> 52 is named in Chinese, the districts whose verdicts change are listed, exit 1."""
    edited = edited_copy(tmp_path, EDITS[0])
    status = main(["diff", POLICIES, edited, "--against", FIXTURES, "--as-of", "2022-12-31", "--format", "json", "--jobs", "1"])
    assert status == 1
    data = json.loads(capsys.readouterr().out)
    jsonschema.validate(data, schema("diff"))
    assert data["judgement_changed"] and [c["what"] for c in data["changes"]] == ["requirement"]
    rows = data["verdicts"]["verdicts"]
    assert rows and {r["check"] for r in rows} == {"large-classes.junior-50"}
    files = {load_document(os.path.join(FIXTURES, f), SubmissionError).data["district"]: os.path.join(FIXTURES, f)
             for f in os.listdir(FIXTURES)}
    for r in rows:  # fail -> pass exactly where the largest junior class holds 51 or 52
        assert (r["before"], r["after"]) == ("fail", "pass") and r["document"] == "沈政办发〔2019〕23号"
        assert max(_junior_sizes(files[r["district"]])) in (51, 52), r
    for district, file in files.items():
        sizes = _junior_sizes(file)
        if sizes and max(sizes) in (51, 52) and district not in data["verdicts"]["changed"]:
            pytest.fail(f"{district}'s largest junior class holds {max(sizes)} but its verdict is not listed")
    assert data["verdicts"]["changed"] == [r["district"] for r in rows]
    # the text: the change in Chinese, then the districts side by side
    assert main(["diff", POLICIES, edited, "--against", FIXTURES, "--as-of", "2022-12-31", "--jobs", "1"]) == 1
    text = capsys.readouterr().out
    assert "要求由“班额不超过50人”改为“班额不超过52人”" in text
    for r in rows:
        assert f"{r['district']}　沈政办发〔2019〕23号 二（一）4 初中班额不超过50人（large-classes.junior-50）：未达标 → 达标" in text


def test_wording_only_exits_0(tmp_path, capsys):
    edit = next(e for e in EDITS if e["name"].startswith("a severity"))
    assert main(["diff", POLICIES, edited_copy(tmp_path, edit), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "1 change(s), all in wording" in out and "[wording] severity “major” is now “critical”" in out


@pytest.mark.parametrize("args,fragment", [
    (["/no/such/folder", POLICIES], "U-ARGS"),
    ([POLICIES, POLICIES, "--as-of", "2022-12-31"], "--against SUBMISSION... and --as-of"),
    ([POLICIES, POLICIES, "--against", FIXTURES], "--against SUBMISSION... and --as-of"),
    ([POLICIES, POLICIES, "--against", FIXTURES, "--as-of", "2022-02-30"], "not a real date"),
    (["NOREV:policies", POLICIES], "git cannot read it"),
])
def test_bad_input_exits_2(args, fragment, capsys):
    assert main(["diff", *args, "--lang", "en"]) == 2
    captured = capsys.readouterr()
    assert fragment in captured.err and captured.out == ""
    assert main(["diff", *args]) == 2  # in Chinese by default: the same code
    err = capsys.readouterr().err
    assert err.split(": ")[1] == captured.err.split(": ")[1]


def test_a_broken_policy_is_reported_at_its_line(tmp_path, capsys):
    broken = edited_copy(tmp_path, {"name": "misspelt", "file": f"{PLAN}/2-1-4-large-classes.yaml",
                                    "find": "    require: size <= 50\n", "replace": "    requrie: size <= 50\n"})
    assert main(["diff", POLICIES, broken]) == 2
    text = open(os.path.join(broken, PLAN, "2-1-4-large-classes.yaml"), encoding="utf-8").read()
    line = text[:text.index("    requrie: size <= 50\n")].count("\n") + 1
    assert f"2-1-4-large-classes.yaml:{line}: P-SCHEMA" in capsys.readouterr().err


def _git(cwd, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", *args],
                   cwd=cwd, check=True, capture_output=True)


def test_git_revisions_are_read_without_touching_the_work_tree(tmp_path, capsys, monkeypatch):
    repo = tmp_path / "repo"
    shutil.copytree(POLICIES, repo / "policies")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "shipped")
    file = repo / "policies" / PLAN / "2-1-4-large-classes.yaml"
    file.write_text(file.read_text(encoding="utf-8").replace("    require: size <= 50\n", "    require: size <= 52\n"), encoding="utf-8")
    _git(repo, "commit", "-qam", "52")
    file.write_text(file.read_text(encoding="utf-8").replace("    require: size <= 52\n", "    require: size <= 48\n"), encoding="utf-8")
    before = sorted((str(p), p.read_bytes()) for p in (repo / "policies").rglob("*.yaml"))
    monkeypatch.chdir(repo)
    assert main(["diff", "HEAD~1:policies", "HEAD:policies", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["old"]["source"] == "HEAD~1:policies"
    assert [(c["old"], c["new"]) for c in data["changes"]] == [("size <= 50", "size <= 52")]
    assert main(["diff", "HEAD:policies", "policies", "--lang", "en"]) == 1  # a revision against the work tree
    assert "“class size is at most 52” is now “class size is at most 48”" in capsys.readouterr().out
    assert sorted((str(p), p.read_bytes()) for p in (repo / "policies").rglob("*.yaml")) == before
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True).stdout
    assert status.split() == ["M", f"policies/{PLAN}/2-1-4-large-classes.yaml"]  # only the edit made by hand


PLAN, NATIONAL = "shenyang-2019-23", "national-2017-6"


def test_packs_are_compared_pack_by_pack(tmp_path, capsys):
    """Packs are matched by their pack.yaml's id (not their folder's name); each is summed up: its document,
    checks before and after, added and removed."""
    new = edited_copy(tmp_path, EDITS[0])
    assert main(["diff", POLICIES, new, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    jsonschema.validate(data, schema("diff"))
    assert data["old"]["packs"] == data["new"]["packs"] == [PLAN, NATIONAL]
    assert [(c["pack"], c["check"], c["what"]) for c in data["changes"]] == [(PLAN, "large-classes.junior-50", "requirement")]
    plan_checks, national_checks = (len([c for c in changes.load(os.path.join(POLICIES, p)).checks]) for p in (PLAN, NATIONAL))
    assert [(p["pack"], p["ref"], p["checks_old"], p["checks_new"], p["changes"], p["judgement"]) for p in data["packs"]] == [
        (PLAN, "沈政办发〔2019〕23号", plan_checks, plan_checks, 1, True), (NATIONAL, "教督〔2017〕6号", national_checks, national_checks, 0, False)]
    assert main(["diff", POLICIES, new]) == 1
    text = capsys.readouterr().out
    assert "【沈政办发〔2019〕23号（shenyang-2019-23）】" in text
    assert f"沈政办发〔2019〕23号（shenyang-2019-23）：检查项{plan_checks}项 → {plan_checks}项，新增0项，删除0项，共1处变更" in text
    # one pack on each side, given as a pack folder
    assert main(["diff", os.path.join(POLICIES, PLAN), os.path.join(new, PLAN), "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["new"]["packs"] == [PLAN]
    # a pack's folder renamed: the same pack (by id), nothing changed
    os.rename(os.path.join(new, NATIONAL), os.path.join(new, "national"))
    assert main(["diff", POLICIES, new, "--format", "json"]) == 1
    assert [c["pack"] for c in json.loads(capsys.readouterr().out)["changes"]] == [PLAN]
    # a pack gone: the pack, its policies and its checks are removed, each can change verdicts
    shutil.rmtree(os.path.join(new, "national"))
    assert main(["diff", POLICIES, new, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    gone = [c for c in data["changes"] if c["pack"] == NATIONAL]
    assert gone[0]["what"] == "pack_removed" and gone[0]["old"]["checks"] == national_checks
    assert len([c for c in gone if c["what"] == "check_removed"]) == national_checks == data["packs"][1]["checks_removed"]
    assert data["packs"][1]["checks_new"] == 0 and all(c["judgement"] for c in gone)
    assert main(["diff", new, POLICIES, "--lang", "en"]) == 1  # and the other way round: added
    assert f"pack added: “{changes.load(os.path.join(POLICIES, NATIONAL)).packs[0].title['en']}” (教督〔2017〕6号)" in capsys.readouterr().out


def test_policy_files_without_a_pack_are_refused(tmp_path, capsys):
    """diff reads rule sets as --policies does: a folder of policy files needs its pack.yaml (P-PACK)."""
    bare = tmp_path / "bare"
    shutil.copytree(os.path.join(POLICIES, PLAN), bare)
    os.remove(bare / "pack.yaml")
    assert main(["diff", POLICIES, str(bare), "--lang", "en"]) == 2
    assert "P-PACK" in capsys.readouterr().err
