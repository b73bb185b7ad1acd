"""The tests/bad/ corpus: one file per failure mode, run through the real command line.

tests/bad/expect.yaml names, for every file, the code it must raise and a fragment of the
English message (and where it matters the line). Every file is also run in Chinese (the default):
the same codes at the same positions, and no English left in the words (only the file, field and
format names kept on purpose, see ``english_words``). Every run must: exit 2, name the file on stderr,
print the code and the fragment, print no traceback, write nothing and leave the input as
it was. `auditor validate` for submissions, `auditor check` for a policy alone in a folder,
and `auditor audit` (in a separate process) for the files marked audit: true.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from auditor.cli import main
from auditor.errors import CODES
from auditor.intake import contracts
from auditor.rules.messages import FILTERS, TESTS
from conftest import FIXTURES, PLAN_PACK, POLICIES, ROOT, make_pack


BAD = Path(__file__).parent / "bad"
EXPECT = yaml.safe_load((BAD / "expect.yaml").read_text(encoding="utf-8"))
LINE = re.compile(r"^(?P<file>.+?)(?::(?P<line>\d+))?: (?P<code>[A-Z]-[A-Z0-9-]+): ")


def tree(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def problems(stderr: str) -> list[dict]:
    out = []
    for text in stderr.splitlines():
        match = LINE.match(text)
        assert match, f"not a `file:line: code: message` line: {text!r}"
        out.append({"file": match["file"], "line": int(match["line"] or 0), "code": match["code"], "text": text})
    return out


# ASCII words a Chinese message keeps on purpose: format and encoding names, YAML/JSON literals, and the
# field names of the submission and policy schemas (quoted values and the (位置：path) suffix are left out first)
KEPT_WORDS = {"YAML", "JSON", "UTF-8", "UTF-16", "UTF-32", "GBK", "GB18030", "NUL", "YYYY-MM-DD", "CSV", "xlsx", "Excel",
              "true", "false", "null", "Windows", "auditor", "durable_rules", "AUDITOR_DEBUG", "I-BUG", "yaml"}


def _schema_words(node) -> set:
    if isinstance(node, dict):
        words = set(node.get("properties", {})) | {str(v) for v in node.get("enum", ())}
        return words | set().union(*(_schema_words(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_schema_words(v) for v in node)) if node else set()
    return set()


# ... and the words a policy author writes: schema keys and allowed values, message-template filters and tests
FIELD_WORDS = _schema_words(contracts.schema("submission")) | _schema_words(contracts.schema("policy")) | set(FILTERS) | set(TESTS)
QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|「[^」]*」|（位置：[^）]*）|U\+[0-9A-F]{4}|0x[0-9a-f]{2}|\S+\.ya?ml(:\d+)?")


def english_words(line: str) -> list[str]:
    """ASCII words in a Chinese problem line that are not kept on purpose."""
    message = LINE.sub("", line, count=1)
    words = re.findall(r"[A-Za-z][A-Za-z0-9_+.\-]*[A-Za-z0-9]|[A-Za-z]", QUOTED.sub(" ", message))
    return [w for w in words if w not in KEPT_WORDS and w not in FIELD_WORDS]


def check_chinese(stderr: str, english: str, rc: int, want: dict | None = None):
    """The Chinese run of a case: exit 2, the same problems (file, line, code) as in English, no English words,
    and the case's Chinese fragment (``zh``) where it gives one."""
    assert rc == 2 and "Traceback" not in stderr, stderr
    if want and "zh" in want:
        assert any(p["code"] == want["code"] and want["zh"] in p["text"] for p in problems(stderr)), \
            f"Chinese fragment {want['zh']!r} missing: {stderr}"
    found, want = problems(stderr), problems(english)
    assert [(p["file"], p["line"], p["code"]) for p in found] == [(p["file"], p["line"], p["code"]) for p in want]
    for p in found:
        assert not english_words(p["text"]), f"English left in a Chinese message: {english_words(p['text'])}: {p['text']}"
    assert [LINE.match(p["text"])[0] for p in found] == [LINE.match(p["text"])[0] for p in want]


def check_output(stderr: str, file: str, want: dict, rc: int):
    assert rc == 2, stderr
    assert "Traceback" not in stderr
    found = problems(stderr)
    assert found, "no problem reported"
    assert any(p["file"] == file for p in found), f"{file} not named: {stderr}"
    mine = [p for p in found if p["code"] == want["code"]]
    assert mine, f"expected {want['code']}, got {[p['code'] for p in found]}: {stderr}"
    mine = [p for p in mine if want["fragment"] in p["text"]]
    assert mine, f"fragment {want['fragment']!r} missing: {stderr}"
    if "line" in want:
        assert mine[0]["line"] == want["line"], f"expected line {want['line']}: {stderr}"
    if "all" in want:
        assert [p["code"] for p in found] == want["all"], stderr
    assert [(p["line"]) for p in found if p["file"] == file] == sorted(p["line"] for p in found if p["file"] == file), \
        "problems are not sorted by position"
    for p in found:
        assert p["code"] in CODES


def test_every_corpus_file_has_an_expectation():
    for kind in ("submissions", "policies", "packs"):
        files = sorted(p.name for p in (BAD / kind).iterdir())
        assert files == sorted(EXPECT[kind]), f"{kind}: files and tests/bad/expect.yaml differ"


@pytest.mark.parametrize("name", sorted(EXPECT["submissions"]))
def test_bad_submission_validate(name, tmp_path, monkeypatch, capsys):
    want = EXPECT["submissions"][name]
    file = tmp_path / name
    shutil.copy(BAD / "submissions" / name, file)
    monkeypatch.chdir(tmp_path)
    before = tree(tmp_path)
    rc = main(["validate", name, "--lang", "en"])
    english = capsys.readouterr().err
    check_output(english, name, want, rc)
    rc = main(["validate", name])
    check_chinese(capsys.readouterr().err, english, rc, want)
    assert tree(tmp_path) == before, "validate wrote or changed something"
    assert not os.path.exists("/tmp/auditor-pwned"), "a YAML tag was executed"  # python-tag.yaml would write it


@pytest.mark.parametrize("name", sorted(EXPECT["policies"]))
def test_bad_policy_check(name, tmp_path, monkeypatch, capsys):
    want = EXPECT["policies"][name]
    folder = tmp_path / "policies"
    make_pack(folder)
    shutil.copy(BAD / "policies" / name, folder / name)
    monkeypatch.chdir(tmp_path)
    before = tree(tmp_path)
    rc = main(["check", "--policies", "policies", "--lang", "en"])
    english = capsys.readouterr().err
    check_output(english, f"policies/{name}", want, rc)
    rc = main(["check", "--policies", "policies"])
    check_chinese(capsys.readouterr().err, english, rc, want)
    assert tree(tmp_path) == before


@pytest.mark.parametrize("name", sorted(EXPECT["packs"]))
def test_bad_pack_check(name, tmp_path, monkeypatch, capsys):
    """A malformed pack.yaml: located errors, exit 2, for check as for audit (the same reading)."""
    want = EXPECT["packs"][name]
    folder = tmp_path / "policies"
    folder.mkdir()
    shutil.copy(BAD / "packs" / name, folder / "pack.yaml")
    shutil.copy(os.path.join(PLAN_PACK, "2-1-4-large-classes.yaml"), folder)
    monkeypatch.chdir(tmp_path)
    before = tree(tmp_path)
    rc = main(["check", "--policies", "policies", "--lang", "en"])
    check_output(capsys.readouterr().err, "policies/pack.yaml", want, rc)
    rc = main(["audit", os.path.join(FIXTURES, "01-hp.yaml"), "--districts", "和平区", "--as-of", "2022-12-31",
               "--out", "out", "--no-db", "--policies", "policies", "--lang", "en"])
    check_output(capsys.readouterr().err, "policies/pack.yaml", want, rc)
    assert tree(tmp_path) == before
    assert not os.path.exists("/tmp/auditor-pwned"), "a YAML tag was executed"


def test_two_packs_may_not_share_a_pack_id_or_a_check_id(tmp_path, capsys):
    for name in ("a", "b"):
        make_pack(tmp_path / "same" / name)
        shutil.copy(os.path.join(PLAN_PACK, "2-1-4-large-classes.yaml"), tmp_path / "same" / name)
    rc, found = run_cli(["check", "--policies", str(tmp_path / "same")], capsys)
    assert rc == 2 and [p["code"] for p in found] == ["P-DUPLICATE-ID"], found
    assert found[0]["file"].endswith("b/pack.yaml") and 'pack id "shenyang-2019-23" is already used by' in found[0]["text"]
    other = (tmp_path / "same" / "b" / "pack.yaml").read_text(encoding="utf-8").replace("id: shenyang-2019-23", "id: other-pack")
    (tmp_path / "same" / "b" / "pack.yaml").write_text(other, encoding="utf-8")
    rc, found = run_cli(["check", "--policies", str(tmp_path / "same")], capsys)
    assert rc == 2 and {p["code"] for p in found} == {"P-DUPLICATE-ID"}, found
    assert all("large-classes" in p["text"] or "large-classes" in p["file"] for p in found), found


AUDITED = sorted(n for n, w in EXPECT["submissions"].items() if w.get("audit"))


@pytest.mark.parametrize("name", AUDITED)
def test_bad_submission_audit_in_a_real_process(name, tmp_path):
    """The real command in its own process, beside good submissions: exit 2, nothing written."""
    want = EXPECT["submissions"][name]
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(os.path.join(FIXTURES, "01-hp.yaml"), subs / "01-hp.yaml")
    shutil.copy(BAD / "submissions" / name, subs / ("00-" + name))
    before = tree(tmp_path)
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "auditor.cli", "audit", str(subs), "--as-of", "2022-12-31",
                          "--out", str(out), "--policies", POLICIES, "--lang", "en"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    check_output(run.stderr, str(subs / ("00-" + name)), want, run.returncode)
    assert run.stdout == ""
    assert not out.exists(), "a failed audit created its output folder"
    assert tree(tmp_path) == before


def test_a_bad_policy_stops_an_audit(tmp_path, capsys):
    policies = tmp_path / "policies"
    shutil.copytree(PLAN_PACK, policies)
    shutil.copy(BAD / "policies" / "message-globals.yaml", policies / "zz.yaml")
    out = tmp_path / "out"
    rc = main(["audit", FIXTURES, "--as-of", "2022-12-31", "--out", str(out), "--policies", str(policies), "--lang", "en"])
    check_output(capsys.readouterr().err, str(policies / "zz.yaml"), EXPECT["policies"]["message-globals.yaml"], rc)
    assert not out.exists()


def test_every_problem_of_every_file_is_reported_together(tmp_path, capsys):
    for name in ("many-errors.yaml", "unknown-district.yaml", "truncated.json"):
        shutil.copy(BAD / "submissions" / name, tmp_path / name)
    rc = main(["validate", str(tmp_path)])
    found = problems(capsys.readouterr().err)
    assert rc == 2
    assert {Path(p["file"]).name for p in found} == {"many-errors.yaml", "unknown-district.yaml", "truncated.json"}
    assert len(found) == len(EXPECT["submissions"]["many-errors.yaml"]["all"]) + 2


# --------------------------------------------------------------------------- what is not a file
def run_cli(args, capsys):
    rc = main(args + ["--lang", "en"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return rc, problems(err)


@pytest.mark.parametrize("args, code, fragment", [
    (["validate", "{tmp}/empty"], "S-NONE", "holds no submission files"),
    (["validate", "{tmp}/nothing-here.yaml"], "E-READ", "no such file"),
    (["validate", "{tmp}/folder.yaml/.."], "E-READ", "is a folder"),
    (["audit", "{tmp}/empty", "--as-of", "2022-12-31", "--out", "{tmp}/out", "--policies", POLICIES], "S-NONE", "no submission"),
    (["audit", FIXTURES, "--as-of", "2019-02-30", "--out", "{tmp}/out", "--policies", POLICIES], "U-ARGS", "not a real date"),
    (["audit", FIXTURES, "--as-of", "31.12.2022", "--out", "{tmp}/out", "--policies", POLICIES], "U-ARGS", "YYYY-MM-DD"),
    (["audit", FIXTURES, "--as-of", "", "--out", "{tmp}/out", "--policies", POLICIES], "U-ARGS", "YYYY-MM-DD"),
    (["audit", FIXTURES, "--as-of", "2022-12-31", "--out", "{tmp}/out", "--districts", "和平", "--policies", POLICIES], "U-ARGS", "did you mean"),
    (["audit", FIXTURES, "--as-of", "2022-12-31", "--out", "{tmp}/out", "--districts", "和平区,和平区", "--policies", POLICIES], "U-ARGS", "named twice"),
    # an audit of one district over a round's folder audited, recorded and sent notices to all thirteen
    (["audit", FIXTURES, "--as-of", "2022-12-31", "--out", "{tmp}/out", "--districts", "和平区", "--policies", POLICIES], "U-ARGS",
     "also hold the submission of 沈河区, 大东区"),
    (["explain", FIXTURES, "--district", "和平区", "--check", "large-classes.56", "--as-of", "2022-12-31", "--districts", "和平区,大东区",
      "--policies", POLICIES], "U-ARGS", "also hold the submission of 沈河区"),
    (["audit", FIXTURES, "--as-of", "2022-12-31", "--out", "{tmp}/out", "--policies", "{tmp}/empty"], "P-NONE", "no .yaml policy files"),
    (["check", "--policies", "{tmp}/loose"], "P-PACK", "without a pack.yaml"),
    (["check", "--policies", "{tmp}/emptypack"], "P-NONE", "the pack holds no .yaml policy files"),
    (["audit", FIXTURES, "--as-of", "2022-12-31", "--out", "{tmp}/out", "--policies", "{tmp}/nope"], "P-NONE", "does not exist"),
    (["check", "--policies", "{tmp}/file.txt"], "P-NONE", "is a file, not a folder"),
    (["audit", FIXTURES + "/03-dd.yaml", "--districts", "大东区", "--as-of", "2022-12-31", "--out", "{tmp}/out", "--no-db",
      "--policies", POLICIES, "--waivers", "{tmp}/file.txt"], "W-SCHEMA", "is a file, not a folder"),
    (["audit", FIXTURES + "/03-dd.yaml", "--districts", "大东区", "--as-of", "2022-12-31", "--out", "{tmp}/out", "--no-db",
      "--policies", POLICIES, "--waivers", "{tmp}/nope"], "W-SCHEMA", "does not exist"),
    (["audit", FIXTURES, "--as-of", "2022-12-31", "--out", FIXTURES, "--policies", POLICIES], "U-OUT", "must not be a submission"),
    (["audit", FIXTURES + "/03-dd.yaml", "--districts", "大东区", "--as-of", "2022-12-31", "--out", "{tmp}/file.txt/out",
      "--policies", POLICIES], "U-OUT", "cannot create"),
    (["check", "--policies", "{tmp}/dirpolicy"], "E-READ", "is a folder"),
    (["check", "--policies", "{tmp}/pipepolicy"], "E-READ", "not a regular file"),
    (["validate", "{tmp}/folder.yaml"], "S-NONE", "holds no submission files"),
    (["validate", "/dev/zero"], "E-READ", "not a regular file"),
    (["validate", "{tmp}/pipe.yaml"], "E-READ", "not a regular file"),
])
def test_bad_arguments_and_folders(args, code, fragment, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    (tmp_path / "dirpolicy" / "x.yaml").mkdir(parents=True)
    make_pack(tmp_path / "dirpolicy")
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "file.txt").write_text("x")
    os.mkfifo(tmp_path / "pipe.yaml")  # reading it would block for ever
    make_pack(tmp_path / "pipepolicy")
    os.mkfifo(tmp_path / "pipepolicy" / "p.yaml")
    (tmp_path / "loose").mkdir()
    shutil.copy(os.path.join(PLAN_PACK, "2-1-4-large-classes.yaml"), tmp_path / "loose")
    make_pack(tmp_path / "emptypack")
    before = tree(tmp_path) | tree(Path(FIXTURES))
    rc, found = run_cli([a.replace("{tmp}", str(tmp_path)) for a in args], capsys)
    assert rc == 2
    assert any(p["code"] == code and fragment in p["text"] for p in found), found
    assert not (tmp_path / "out").exists()
    assert tree(tmp_path) | tree(Path(FIXTURES)) == before


# --------------------------------------------------------------------------- what sits in a folder of packs
def _folder_of_packs(root: Path) -> Path:
    """A folder of packs like the installed policies/: the plan's pack and the national one, and beside them what
    may legitimately sit there (hidden folders, a README, a folder of notes), none of it a pack."""
    folder = root / "pol"
    shutil.copytree(POLICIES, folder)
    (folder / ".git").mkdir()
    (folder / ".git" / "config.yaml").write_text("x: 1\n")
    (folder / "README.md").write_text("# policies\n")
    (folder / "notes").mkdir()
    (folder / "notes" / "reading.txt").write_text("how the clauses were read\n")
    return folder


def _plan(folder: Path) -> Path:
    return folder / os.path.basename(PLAN_PACK)


@pytest.mark.parametrize("change, file, code, fragment", [
    (lambda f: (_plan(f) / "pack.yaml").rename(_plan(f) / "pack.yml"), "{plan}/pack.yml", "P-PACK", "must be named pack.yaml"),
    (lambda f: (_plan(f) / "pack.yaml").unlink(), "{plan}", "P-PACK", "policy files without a pack.yaml"),
    (lambda f: shutil.copy(_plan(f) / "2-1-8-safety.yaml", f / "2-1-9-new.yaml"), "{pol}/2-1-9-new.yaml", "P-PACK",
     "loose in a folder of packs"),
    (lambda f: shutil.copy(_plan(f) / "2-1-8-safety.yaml", f / "2-1-9-new.yml"), "{pol}/2-1-9-new.yml", "P-PACK",
     "loose in a folder of packs"),
    (lambda f: shutil.move(str(_plan(f)), str(f / "city" / "plan")) if (f / "city").mkdir() is None else None,
     "{pol}/city", "P-PACK", "packs are read one level down"),
    (lambda f: (_plan(f) / "pack.yaml").unlink() or (_plan(f) / "pack.yaml").mkdir(), "{plan}/pack.yaml", "E-READ",
     "is a folder"),
    # a policy saved by Notepad (x.yaml.txt) or renamed in capitals: its clause went unaudited, check said ok, exit 0
    (lambda f: (_plan(f) / "2-2-15-internet.yaml").rename(_plan(f) / "2-2-15-internet.yaml.txt"),
     "{plan}/2-2-15-internet.yaml.txt", "P-PACK", "named 2-2-15-internet.yaml.txt, it would take no part in the audit"),
    (lambda f: (_plan(f) / "2-2-11-homework.yaml").rename(_plan(f) / "2-2-11-homework.YAML"),
     "{plan}/2-2-11-homework.YAML", "P-PACK", "a policy file's name ends in .yaml (lower case)"),
    (lambda f: shutil.copy(_plan(f) / "2-1-8-safety.yaml", f / "2-1-9-new.YML"), "{pol}/2-1-9-new.YML", "P-PACK",
     "loose in a folder of packs"),
])
def test_nothing_in_a_folder_of_packs_is_left_out_in_silence(change, file, code, fragment, tmp_path, capsys):
    """A pack whose pack.yaml is misnamed or gone, a policy file loose beside the packs, packs a level too deep:
    each used to be passed over, the audit ran on the national standard alone and exited 0."""
    folder = _folder_of_packs(tmp_path)
    change(folder)
    want = file.replace("{plan}", str(_plan(folder))).replace("{pol}", str(folder))
    before = tree(tmp_path)
    for args in (["check", "--policies", str(folder)],
                 ["audit", FIXTURES, "--as-of", "2022-12-31", "--out", str(tmp_path / "out"), "--no-db", "--policies", str(folder)]):
        rc, found = run_cli(args, capsys)
        assert rc == 2, found
        assert any(p["file"] == want and p["code"] == code and fragment in p["text"] for p in found), found
        rc = main(args)  # and in Chinese
        err = capsys.readouterr().err
        assert rc == 2 and "Traceback" not in err and f"{want}: {code}: " in err, err
        assert set(english_words(err.splitlines()[0])) <= {"policies"}, err  # the installed folder's name
    assert not (tmp_path / "out").exists()
    assert tree(tmp_path) == before


def test_a_folder_of_packs_keeps_its_readme_notes_and_hidden_folders(tmp_path, capsys):
    folder = _folder_of_packs(tmp_path)
    assert main(["check", "--policies", str(folder), "--lang", "en"]) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.count(": ok") == 2


def test_a_pack_folder_that_cannot_be_listed_is_not_left_out(tmp_path, capsys, monkeypatch):
    """An unreadable pack folder (chmod 0: root reads it anyway, so the listing is made to fail) is E-READ."""
    folder = _folder_of_packs(tmp_path)
    plan = str(_plan(folder))
    listdir, lexists = os.listdir, os.path.lexists

    def denied(path="."):
        if os.fspath(path) == plan:
            raise PermissionError(13, "Permission denied")
        return listdir(path)

    monkeypatch.setattr(os, "listdir", denied)
    monkeypatch.setattr(os.path, "lexists", lambda p: False if os.path.dirname(os.fspath(p)) == plan else lexists(p))
    rc, found = run_cli(["check", "--policies", str(folder)], capsys)
    assert rc == 2 and [(p["file"], p["code"]) for p in found] == [(plan, "E-READ")], found
    assert "cannot read the folder (list its files): Permission denied" in found[0]["text"]


# The output folder among the inputs. An audit of `subm/03-dd.yaml --out subm` wrote its reports into the submission
# folder, which then could not be audited (its own findings.json read as a submission); only --out equal to a path
# given as such was refused. The rule: --out may not be a folder the run reads files from (a folder given as a
# submission, a --policies path and every pack in it, the waivers folder) nor lie inside one, nor be the folder
# holding a file read where it is (a submission file, the --settings file). A folder above the inputs is allowed.
AUDIT = ["audit", "--as-of", "2022-12-31", "--engine", "reference", "--jobs", "1", "--no-db", "--policies", "{tmp}/packs"]
OUT_AMONG_INPUTS = [
    ("the folder of a submission file", ["{tmp}/subm/03-dd.yaml", "--districts", "大东区", "--out", "{tmp}/subm"],
     "must not be a submission, policy, waiver or settings folder ({tmp}/subm/03-dd.yaml)"),
    ("the folder of a submission file, spelt otherwise", ["{tmp}/subm/03-dd.yaml", "--districts", "大东区", "--out", "{tmp}/subm/../subm/"],
     "must not be a submission"),
    ("a link to the folder of a submission file", ["{tmp}/subm/03-dd.yaml", "--districts", "大东区", "--out", "{tmp}/link"],
     "must not be a submission"),
    ("a submission folder", ["{tmp}/subm", "--out", "{tmp}/subm"], "must not be a submission"),
    ("inside a submission folder", ["{tmp}/subm", "--out", "{tmp}/subm/reports"], "must not lie inside a submission, policy or waiver folder ({tmp}/subm)"),
    ("a pack of a folder of packs", ["{tmp}/subm", "--out", "{tmp}/packs/plan"], "must not be a submission"),
    ("inside a folder of packs", ["{tmp}/subm", "--out", "{tmp}/packs/new"], "must not lie inside"),
    ("the waivers folder", ["{tmp}/subm", "--waivers", "{tmp}/wv", "--out", "{tmp}/wv"], "({tmp}/wv)"),
    ("inside the waivers folder", ["{tmp}/subm", "--waivers", "{tmp}/wv", "--out", "{tmp}/wv/out"], "must not lie inside"),
    ("the settings file's folder", ["{tmp}/subm", "--settings", "{tmp}/office/settings.yaml", "--out", "{tmp}/office"],
     "({tmp}/office/settings.yaml)"),
]


def among_inputs(tmp_path: Path) -> None:
    (tmp_path / "subm").mkdir()
    shutil.copy(os.path.join(FIXTURES, "03-dd.yaml"), tmp_path / "subm")
    (tmp_path / "packs").mkdir()
    shutil.copytree(PLAN_PACK, tmp_path / "packs" / "plan")
    (tmp_path / "wv").mkdir()
    shutil.copy(Path(ROOT) / "fixtures" / "waivers" / "2022.yaml", tmp_path / "wv")
    (tmp_path / "office").mkdir()
    shutil.copy(Path(ROOT) / "auditor" / "data" / "settings.yaml", tmp_path / "office")
    (tmp_path / "link").symlink_to(tmp_path / "subm")


def every_path(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() and not p.is_symlink() else None for p in folder.rglob("*")}


@pytest.mark.parametrize("case, args, fragment", OUT_AMONG_INPUTS, ids=[c[0] for c in OUT_AMONG_INPUTS])
def test_the_output_folder_is_never_among_the_inputs(case, args, fragment, tmp_path, capsys):
    among_inputs(tmp_path)
    before = every_path(tmp_path)
    rc, found = run_cli([a.replace("{tmp}", str(tmp_path)) for a in [AUDIT[0], *args, *AUDIT[1:]]], capsys)
    assert rc == 2 and [p["code"] for p in found] == ["U-OUT"], found
    assert fragment.replace("{tmp}", str(tmp_path)) in found[0]["text"]
    assert every_path(tmp_path) == before  # nothing written, no folder created, the inputs as they were
    main([AUDIT[0], *[a.replace("{tmp}", str(tmp_path)) for a in args], *[a.replace("{tmp}", str(tmp_path)) for a in AUDIT[1:]]])
    assert "输出文件夹不能" in capsys.readouterr().err  # in Chinese by default


def test_a_template_never_lands_in_a_pack(tmp_path, capsys):
    among_inputs(tmp_path)
    before = every_path(tmp_path)
    rc, found = run_cli(["template", "--out", str(tmp_path / "packs" / "plan"), "--policies", str(tmp_path / "packs")], capsys)
    assert rc == 2 and [p["code"] for p in found] == ["U-OUT"] and "must not be a submission, policy" in found[0]["text"]
    assert every_path(tmp_path) == before


def test_an_output_folder_above_the_inputs_is_allowed(tmp_path, capsys):
    """Reports go into --out itself, never into its subfolders: a folder holding the submission folder is fine."""
    among_inputs(tmp_path)
    inputs = tree(tmp_path / "subm")
    rc = main(["audit", str(tmp_path / "subm" / "03-dd.yaml"), "--districts", "大东区", *[a.replace("{tmp}", str(tmp_path)) for a in AUDIT[1:]],
               "--out", str(tmp_path)])
    assert rc == 0 and (tmp_path / "findings.json").is_file() and tree(tmp_path / "subm") == inputs
    capsys.readouterr()


def test_a_file_over_the_size_limit(tmp_path, capsys):
    from auditor.intake.textfile import MAX_FILE_BYTES

    big = tmp_path / "big.yaml"
    with open(big, "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk
    rc, found = run_cli(["validate", str(big)], capsys)
    assert rc == 2 and found[0]["code"] == "E-SIZE" and "at most" in found[0]["text"]


@pytest.mark.parametrize("command", [["validate"], ["audit", "--as-of", "2022-12-31", "--engine", "reference", "--jobs", "2", "--policies", POLICIES]])
def test_a_district_submitted_twice(tmp_path, capsys, command):
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(os.path.join(FIXTURES, "01-hp.yaml"), inputs / "a.yaml")
    shutil.copy(os.path.join(FIXTURES, "01-hp.yaml"), inputs / "b.yaml")
    out = ["--out", str(tmp_path / "out")] if command[0] == "audit" else []
    rc, found = run_cli([command[0], str(inputs), *command[1:], *out], capsys)
    assert rc == 2 and len(found) == 1 and found[0]["code"] == "S-DUPLICATE-ID"
    assert found[0]["file"].endswith("b.yaml") and 'district "和平区" is already submitted in' in found[0]["text"]
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file(tmp_path, capsys):
    file = tmp_path / "locked.yaml"
    shutil.copy(os.path.join(FIXTURES, "01-hp.yaml"), file)
    file.chmod(0)
    try:
        rc, found = run_cli(["validate", str(file)], capsys)
    finally:
        file.chmod(0o644)
    assert rc == 2 and found[0]["code"] == "E-READ"


# folders that cannot be listed or looked into: E-READ at the folder (W-SCHEMA for the waiver folder), never I-BUG
WAIVERS = os.path.join(ROOT, "fixtures", "waivers")
UNREADABLE = [
    (["validate", "noread"], "noread", "E-READ"),
    (["validate", "noread", "{fixtures}/01-hp.yaml"], "noread", "E-READ"),
    (["check", "--policies", "pol"], "pol", "E-READ"),
    (["check", "--policies", "pol"], "pol/shenyang-2019-23", "E-READ"),
    (["audit", "{fixtures}/03-dd.yaml", "--districts", "大东区", "--as-of", "2022-12-31", "--out", "w", "--no-db",
      "--policies", "pol"], "pol/national-2017-6", "E-READ"),
    (["audit", "{fixtures}/03-dd.yaml", "--districts", "大东区", "--as-of", "2022-12-31", "--out", "w", "--no-db",
      "--waivers", "wv"], "wv", "W-SCHEMA"),
]


def _unreadable_inputs(tmp_path):
    (tmp_path / "noread").mkdir()
    shutil.copy(os.path.join(FIXTURES, "03-dd.yaml"), tmp_path / "noread")
    shutil.copytree(POLICIES, tmp_path / "pol")
    shutil.copytree(WAIVERS, tmp_path / "wv")


@pytest.mark.parametrize("args, folder, code", UNREADABLE)
def test_a_folder_that_cannot_be_listed(args, folder, code, tmp_path, monkeypatch, capsys):
    """os.listdir's PermissionError (and os.stat's, looking for a pack.yaml) was an I-BUG, exit 3."""
    _unreadable_inputs(tmp_path)
    monkeypatch.chdir(tmp_path)
    before = tree(tmp_path)
    listdir, stat_ = os.listdir, os.stat
    denied = {folder, str(tmp_path / folder)}  # as with mode 0o300 for others: neither listed nor looked into

    def deny(path):
        raise PermissionError(13, "Permission denied", os.fspath(path))

    monkeypatch.setattr(os, "listdir", lambda path=".": deny(path) if os.fspath(path) in denied else listdir(path))
    monkeypatch.setattr(os, "stat", lambda path, *a, **k: deny(path) if os.path.dirname(os.fspath(path)) in denied
                        else stat_(path, *a, **k))
    args = [a.replace("{fixtures}", FIXTURES) for a in args]
    rc, found = run_cli(args, capsys)
    assert rc == 2 and found, found
    assert (found[0]["file"], found[0]["code"]) == (folder, code), found
    assert "cannot read the folder (list its files): Permission denied" in found[0]["text"]
    rc = main(args)
    assert rc == 2 and f"{folder}: {code}: 无法读取文件夹（列出其中的文件）：没有访问权限" in capsys.readouterr().err
    monkeypatch.undo()
    assert tree(tmp_path) == before and not (tmp_path / "w").exists()


@pytest.mark.skipif(shutil.which("setpriv") is None and os.geteuid() == 0, reason="needs setpriv to drop root")
def test_folders_without_read_permission_in_a_real_process(tmp_path):
    """The reviewer's run: real permissions (as nobody when run as root), each command exit 2 at the folder."""
    _unreadable_inputs(tmp_path)
    tmp_path.chmod(0o777)
    for name in ("noread", "pol", "wv"):
        (tmp_path / name).chmod(0o300)
    as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
    try:
        for args, want in [(["validate", "noread"], "noread: E-READ: "), (["check", "--policies", "pol"], "pol: E-READ: "),
                           (["audit", "noread/03-dd.yaml", "--districts", "大东区", "--as-of", "2022-12-31", "--out", "w",
                             "--no-db", "--waivers", "wv"], "wv: W-SCHEMA: ")]:
            run = subprocess.run(as_nobody + [sys.executable, "-m", "auditor.cli", *args], capture_output=True, text=True,
                                 cwd=tmp_path, timeout=120, env={**os.environ, "PYTHONPATH": ROOT})
            assert run.returncode == 2 and "Traceback" not in run.stderr and "I-BUG" not in run.stderr, run.stderr
            assert want + "无法读取文件夹（列出其中的文件）：没有访问权限" in run.stderr, run.stderr
    finally:
        for name in ("noread", "pol", "wv"):
            (tmp_path / name).chmod(0o755)


def test_a_file_in_a_folder_that_cannot_be_searched_is_not_missing(tmp_path, monkeypatch, capsys):
    """A file named on the command line that cannot be looked at is E-READ for that reason, not "no such file"."""
    file = tmp_path / "hidden" / "03-dd.yaml"
    stat_ = os.stat

    def deny(path, *a, **k):
        if os.fspath(path) == str(file):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return stat_(path, *a, **k)

    monkeypatch.setattr(os, "stat", deny)
    rc, found = run_cli(["validate", str(file)], capsys)
    assert rc == 2 and found[0]["code"] == "E-READ" and "Permission denied" in found[0]["text"], found


def test_the_readme_lists_every_code_once():
    readme = (Path(ROOT) / "docs" / "error-codes.md").read_text(encoding="utf-8")  # moved out of the README
    table = re.findall(r"^\| `([A-Z]-[A-Z0-9-]+)` \|", readme, re.M)
    assert sorted(table) == sorted(CODES), "docs/error-codes.md table and errors.CODES differ"
    assert len(table) == len(set(table))
    used = set(re.findall(r'"([EPSUIW]-[A-Z0-9-]+)"', "".join(
        p.read_text(encoding="utf-8") for p in (Path(ROOT) / "auditor").rglob("*.py"))))
    assert used <= set(CODES), f"codes raised but not in errors.CODES: {used - set(CODES)}"


# --------------------------------------------------------------------------- what is accepted
GOOD = "district: 和平区\nfigures: {pupils_total: 10, disabled_enrolment_rate: 0.985}\n"


@pytest.mark.parametrize("name, data", [
    ("bom.yaml", b"\xef\xbb\xbf" + GOOD.encode()),
    ("bom.json", b'\xef\xbb\xbf{"district": "\xe5\x92\x8c\xe5\xb9\xb3\xe5\x8c\xba", "figures": {"pupils_total": 10}}'),
    ("crlf.yaml", GOOD.replace("\n", "\r\n").encode()),
    ("merge.yaml", "district: 和平区\nfigures:\n  <<: {pupils_total: 1, pupils_quality_covered: 1}\n  pupils_total: 2\n".encode()),
    ("exponent.json", '{"district": "和平区", "figures": {"disabled_enrolment_rate": 1e-05}}'.encode()),
    ("tab-in-text.yaml", "district: 和平区\nschools: [{id: S1, name: \"第一\\t小学\", stage: primary}]\n".encode()),
])
def test_accepted_variants(name, data, tmp_path, capsys):
    file = tmp_path / name
    file.write_bytes(data)
    assert main(["validate", str(file)]) == 0, capsys.readouterr().err
    assert file.read_bytes() == data



@pytest.mark.parametrize("old, new, line", [
    ("params: {target: 0.9}", "params: {target: 0.9}， x: 1", 62),  # a full-width comma: the file does not parse
    ("{due: 2020-12-31, params", "{due: 2020年12月31日, params", 62),  # a date the schema refuses
    ("    require: city_consolidation_rate >= 0.99", "    require: city_consolidation_rate >= 0.99\n    bogus: 1", 74),
])
def test_a_policy_file_refused_is_not_echoed_in_the_files_reading_its_measures(old, new, line, tmp_path, capsys):
    """1-overall-goals.yaml defines city_demo_schools, which 2-2-12-demo-schools.yaml reads: with the first
    refused, check said the second (untouched) read a field that does not exist, did you mean another."""
    folder = tmp_path / "policies"
    shutil.copytree(POLICIES, folder)
    file = folder / "shenyang-2019-23" / "1-overall-goals.yaml"
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new, 1), encoding="utf-8")
    rc, found = run_cli(["check", "--policies", str(folder)], capsys)
    assert rc == 2 and found, found
    assert {p["file"] for p in found} == {str(file)}, found
    assert found[0]["line"] == line, found


def test_a_misspelt_field_is_not_echoed_by_the_message_printing_the_field_meant(tmp_path, capsys):
    """require: sise <= 45 is P-FIELD (did you mean "size"); the message's {{ size }} is no second problem
    that proposes the misspelling ("did you mean sise")."""
    folder = tmp_path / "policies"
    shutil.copytree(POLICIES, folder)
    file = folder / "shenyang-2019-23" / "2-1-4-large-classes.yaml"
    text = file.read_text(encoding="utf-8")
    file.write_text(text.replace("require: size <= 45", "require: sise <= 45", 1), encoding="utf-8")
    rc, found = run_cli(["check", "--policies", str(folder)], capsys)
    assert rc == 2 and [p["code"] for p in found] == ["P-FIELD"], found
    assert 'did you mean "size"' in found[0]["text"], found


@pytest.mark.parametrize("old, new", [("03-dd.yaml", "03-dd.yaml.txt"), ("03-dd.yaml", "大东区.xlsm")])
def test_a_submission_named_so_that_it_would_not_be_read_is_not_passed_over(old, new, tmp_path, capsys):
    """A folder's 03-dd.yaml saved by Notepad as 03-dd.yaml.txt (or a workbook saved macro-enabled) was passed over:
    validate said every other file was fine, exit 0, and the audit gave 大东区 a notice for sending nothing."""
    folder = tmp_path / "round"
    shutil.copytree(FIXTURES, folder)
    (folder / old).rename(folder / new)
    before = tree(tmp_path)
    for args in (["validate", str(folder)],
                 ["audit", str(folder), "--as-of", "2022-12-31", "--out", str(tmp_path / "out"), "--no-db"]):
        rc, found = run_cli(args, capsys)
        assert rc == 2 and [(p["file"], p["code"]) for p in found] == [(str(folder / new), "E-READ")], found
        assert "would not be read under its name" in found[0]["text"], found
        rc = main(args)  # and in Chinese
        err = capsys.readouterr().err
        assert rc == 2 and "这个文件不会被读取" in err and not english_words(err.splitlines()[0]), err
    assert tree(tmp_path) == before
