"""auditor/output/writer.py: the one writer — claimed and locked folder, exclusive temporaries, every target
checked first, ordinary permissions, a manifest that replaces the previous set as a whole — and workers that
die with the audit. Issue 19 items 6, 8, 9, 10 and 13, and issue 17 item 13, each reproduced as it was found.
"""
from __future__ import annotations

import html
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.errors import UsageError
from auditor.output import claims, writer
from auditor.output.files import write_reports
from auditor.output.templates import write_templates
from auditor.rules.policies import load_policies

ROOT = Path(__file__).resolve().parents[2]
POLICIES = str(ROOT / "policies")
FIXTURES = ROOT / "fixtures" / "shenyang-2022"
DD = ["--districts", "大东区", "--as-of", "2022-12-31", "--policies", POLICIES]


def files(folder: Path) -> dict:
    """The folder's files, but the audit history an audit records into by default (inside --out; the writer never
    replaces or removes it) and SQLite's files beside it."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith("history.sqlite")}


# --------------------------------------------------------------------------- the folder
@pytest.mark.parametrize("out, fragment", [("", "is empty"), ("  ", "is empty"), ("/", "root folder"), ("/etc", "system folder (/etc)"),
                                           ("/etc/auditor", "system folder (/etc)"), ("/usr/share/x", "system folder (/usr)"),
                                           ("/proc/self", "system folder"), ("~", "home folder")])
def test_folders_no_report_belongs_in(out, fragment):
    with pytest.raises(UsageError) as info:
        claims.check_folder_name(os.path.expanduser(out) if out == "~" else out)
    assert info.value.codes == ["U-ARGS"] and fragment in info.value.problems[0].message


def test_a_second_writer_is_refused_while_the_first_holds_the_folder(tmp_path):
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from auditor.output import claims; "
                               f"claims.claim({str(out)!r}); print('held', flush=True); time.sleep(30)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(UsageError) as info:
            write_reports({"a.html": "a"}, str(out))
        assert info.value.codes == ["U-OUT"] and "another auditor run" in info.value.problems[0].message
        assert not (out / "a.html").exists()
    finally:
        holder.kill()
        holder.wait()
    write_reports({"a.html": "a"}, str(out))  # the kernel released the lock with the process
    assert (out / "a.html").read_text() == "a"


def test_concurrent_audits_do_not_mix(tmp_path, capsys):
    """Two audits into one folder at the same time ended with a mix of both; now the second is refused (U-OUT)
    and the first writes its whole set."""
    out = tmp_path / "out"
    script = ("import sys, time\nimport auditor.cli as cli, auditor.commands as commands\nreal = commands.render\n"
              "def slow(*a, **k):\n    print('auditing', flush=True)\n    time.sleep(3)\n    return real(*a, **k)\n"
              "commands.render = slow\nsys.exit(cli.main(sys.argv[1:]))\n")
    first = subprocess.Popen([sys.executable, "-c", script, "audit", str(FIXTURES), "--as-of", "2022-12-31", "--out", str(out),
                              "--policies", POLICIES], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert first.stdout.readline().strip() == "auditing"
        rc = main(["audit", str(FIXTURES / "03-dd.yaml"), "--out", str(out), *DD, "--lang", "en"])
    finally:
        assert first.wait(timeout=120) == 0
    assert rc == 2 and "another auditor run is writing to this output folder" in capsys.readouterr().err
    assert len(files(out)) == 40 + 1 and '"as_of": "2022-12-31"' in (out / "findings.json").read_text(encoding="utf-8")
    assert len(json.loads((out / writer.MANIFEST).read_text(encoding="utf-8"))["files"]) == 40


# --------------------------------------------------------------------------- temporaries (item 6)
def test_a_planted_link_at_the_old_temporary_name_is_never_followed(tmp_path, capsys):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(victim, out / "和平区.xlsx.tmp")  # the predictable name the template writer used
    assert main(["template", "--out", str(out), "--district", "和平区", "--policies", POLICIES]) == 0
    assert victim.read_text() == "precious"
    assert (out / "和平区.xlsx").is_file() and not (out / "和平区.xlsx").is_symlink()


def test_a_link_planted_at_a_target_is_replaced_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(victim, out / "index.html")
    write_reports({"index.html": "new"}, str(out))
    assert victim.read_text() == "precious" and not (out / "index.html").is_symlink()


def test_temporaries_are_exclusive_and_unpredictable(tmp_path, monkeypatch):
    seen = []
    original = writer.tempfile.mkstemp

    def spy(*args, **kwargs):
        fd, path = original(*args, **kwargs)
        seen.append((path, os.stat(path).st_mode & 0o777))
        return fd, path

    monkeypatch.setattr(writer.tempfile, "mkstemp", spy)
    write_reports({"a.html": "a", "b.html": "b"}, str(tmp_path / "out"))
    names = [os.path.basename(p) for p, _ in seen]
    assert len(set(names)) == len(names) and all(re.fullmatch(r"\.auditor-\w{8}\.part", n) for n in names)
    assert all(mode == 0o600 for _, mode in seen)  # unreadable by others while written


# --------------------------------------------------------------------------- permissions (issue 17 item 13)
@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_output_files_get_ordinary_permissions(tmp_path, umask):
    old = os.umask(umask)
    try:
        write_reports({"a.html": "a", "findings.json": "{}"}, str(tmp_path / "out"))
        write_templates(load_policies(POLICIES), str(tmp_path / "tpl"), ["和平区"])
    finally:
        os.umask(old)
    for path in [tmp_path / "out" / "a.html", tmp_path / "out" / "findings.json", tmp_path / "tpl" / "和平区.xlsx"]:
        assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask, path


# --------------------------------------------------------------------------- stale files and the manifest (item 9)
def test_a_second_audit_replaces_the_previous_set_as_a_whole(tmp_path):
    out = tmp_path / "out"
    assert main(["audit", str(FIXTURES), "--as-of", "2022-12-31", "--out", str(out), "--policies", POLICIES]) == 0
    assert len(files(out)) == 40 + 1  # and the manifest
    (out / "notes.txt").write_text("mine")  # not the tool's: never removed
    (out / "sub").mkdir()
    assert main(["audit", str(FIXTURES / "03-dd.yaml"), "--out", str(out), *DD]) == 0
    left = sorted(files(out))
    # one district's audit: no city pages (its city-wide targets are judged only by an audit of every district)
    assert left == sorted(["findings.json", "findings.xlsx", "index.html", "大东区.html", "大东区-整改通知.html",
                           "大东区-优质均衡评估.html", "notes.txt", writer.MANIFEST])
    assert (out / "sub").is_dir()
    manifest = json.loads((out / writer.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["files"] == sorted(n for n in left if n not in ("notes.txt", writer.MANIFEST))


def test_a_manifest_never_makes_the_tool_delete_anything_else(tmp_path):
    out = tmp_path / "out"
    outside = tmp_path / "outside.txt"
    outside.write_text("keep")
    write_reports({"a.html": "a"}, str(out))
    (out / "keep.html").write_text("keep")
    os.symlink(outside, out / "link.html")
    (out / "dir.html").mkdir()
    (out / writer.MANIFEST).write_text(json.dumps({"tool": "auditor", "files": [
        "a.html", "../outside.txt", "/etc/passwd", "link.html", "dir.html", ".", "..", ".hidden", "keep.html/../x"]}))
    write_reports({"b.html": "b"}, str(out))
    assert outside.read_text() == "keep" and (out / "dir.html").is_dir() and (out / "keep.html").exists()
    assert not (out / "a.html").exists()  # ours: gone
    assert os.path.islink(out / "link.html")  # the tool never writes links: one named in the manifest is not its own
    assert os.path.exists("/etc/passwd")


def test_an_input_listed_in_the_manifest_is_never_removed(tmp_path, capsys):
    out = tmp_path / "out"
    write_reports({"x.yaml": "district: 大东区\n"}, str(out))  # a previous run wrote this name
    sub = out / "x.yaml"
    sub.write_text((FIXTURES / "03-dd.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    write_reports({"b.html": "b"}, str(out), protect=(str(sub),))  # the writer's own rule: an input is kept
    assert sub.exists()
    # an audit of it into its own folder is refused before anything is written (the output folder may not hold a
    # submission file given), so the input stays as it was
    assert main(["audit", str(sub), "--out", str(out), *DD]) == 2
    assert sub.exists() and "U-OUT" in capsys.readouterr().err


def test_temporaries_left_by_a_killed_run_are_removed_by_the_next(tmp_path):
    """kill -9 while writing left 10-20 .tmp-*.part files holding report data for ever."""
    out = tmp_path / "out"
    script = ("import os, signal, sys\nreal = os.replace\n"
              "def kill(a, b, **k):\n    if str(a).endswith('.part'):\n        os.kill(os.getpid(), signal.SIGKILL)\n"
              "    return real(a, b, **k)\nos.replace = kill\nfrom auditor.cli import main\nsys.exit(main(sys.argv[1:]))\n")
    done = subprocess.run([sys.executable, "-c", script, "audit", str(FIXTURES / "03-dd.yaml"), "--out", str(out), *DD], cwd=ROOT)
    assert done.returncode == -signal.SIGKILL
    left = [p.name for p in out.iterdir() if not p.name.startswith("history.sqlite")]  # the history: rolled back, kept
    assert left and all(re.fullmatch(r"\.auditor-\w{8}\.part", n) for n in left)
    (out / ".tmp-abcd1234.part").write_text("an earlier version's")
    (out / "mine.part").write_text("not ours")
    assert main(["audit", str(FIXTURES / "03-dd.yaml"), "--out", str(out), *DD]) == 0
    assert not [p for p in out.iterdir() if p.name.startswith((".auditor-", ".tmp-")) and p.name.endswith(".part")]
    assert (out / "mine.part").exists()


# --------------------------------------------------------------------------- workers die with the audit (item 8)
def test_workers_die_when_the_audit_is_killed(tmp_path):
    script = ("import sys, time\nimport auditor.audit as audit\nreal = audit.audit_one\n"
              "def slow(*a, **k):\n    time.sleep(60)\n    return real(*a, **k)\naudit.audit_one = slow\n"
              "from auditor.cli import main\nsys.exit(main(sys.argv[1:]))\n")
    parent = subprocess.Popen([sys.executable, "-c", script, "audit", str(FIXTURES), "--as-of", "2022-12-31", "--jobs", "2",
                               "--out", str(tmp_path / "out"), "--policies", POLICIES], cwd=ROOT)
    children: list[int] = []
    for _ in range(100):  # the workers start once the policies are compiled
        time.sleep(0.1)
        try:
            children = [int(c) for c in Path(f"/proc/{parent.pid}/task/{parent.pid}/children").read_text().split()]
        except OSError:
            children = []
        if len(children) >= 2:
            break
    assert len(children) >= 2, "the audit did not start its workers"
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(c) for c in children):
        time.sleep(0.1)
    alive = [c for c in children if _alive(c)]
    for c in alive:  # do not leave them behind should the test fail
        os.kill(c, signal.SIGKILL)
    assert not alive, "workers outlived the killed audit"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


# --------------------------------------------------------------------------- the reproduce command (item 13)
def test_the_reproduce_command_is_quoted_for_the_shell(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    hostile = subs / "hp;touch PWNED;.yaml"
    hostile.write_text((FIXTURES / "01-hp.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["audit", str(hostile), "--districts", "和平区", "--as-of", "2022-12-31", "--out", str(out), "--policies", POLICIES]) == 0
    page = (out / "index.html").read_text(encoding="utf-8")  # the command is in the city summary's 技术信息 only
    commands = [html.unescape(c) for c in re.findall(r"<code>(auditor audit [^<]*)</code>", page)]
    assert commands
    paste = tmp_path / "paste"
    paste.mkdir()
    for command in commands:  # pasted into a shell where `auditor` does nothing
        subprocess.run(["bash", "-c", "auditor() { :; }; " + command], cwd=paste, check=True)
    assert not (paste / "PWNED").exists()


def test_a_failed_run_removes_every_folder_it_created(tmp_path, capsys):
    out = tmp_path / "a" / "b" / "out"
    rc = main(["audit", str(ROOT / "tests" / "bad" / "submissions" / "nan.yaml"), "--out", str(out), *DD])
    assert rc == 2 and "E-NUMBER" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()
