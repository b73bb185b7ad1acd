"""Recording an audit (auditor/store/record.py): whole or not at all, once, side by side, numbered."""
from __future__ import annotations

import datetime as _dt
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from auditor import dates
from auditor.audit import Auditor
from auditor.cli import main
from auditor.intake.submissions import expand_paths
from auditor.rules.policies import load_policies
from auditor.store import db, query, record

from auditor.dates import zh_date
from auditor.output.environment import date_span
from recorded_rounds import POLICIES, ROOT, ROUNDS, SHENYANG_2022, rounds_db  # noqa: F401 — the session fixture

AS_OF = _dt.date(2022, 12, 31)


@pytest.fixture(scope="module")
def policy_set():
    return load_policies(POLICIES)


@pytest.fixture(scope="module")
def audited(policy_set):
    inventory: dict = {}
    findings = Auditor(policy_set, "reference").audit_files(expand_paths([SHENYANG_2022]), AS_OF, None, 1, inventory=inventory)
    return findings, inventory


def rec(path, audited, policy_set, **options):
    findings, inventory = audited
    options.setdefault("issued", _dt.date(2023, 1, 16))
    options.setdefault("rectify_days", 30)
    return record.record(str(path), findings, policy_set, inventory, **options)


def counts(path) -> dict:
    with db.opened(str(path), write=False) as connection:
        return {t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("audits", "verdicts", "findings", "evidence", "notices", "notice_items", "submissions")}


def test_everything_an_audit_established_is_stored_and_reads_back(tmp_path, audited, policy_set):
    findings, inventory = audited
    done = rec(tmp_path / "h.sqlite", audited, policy_set)
    with db.opened(str(tmp_path / "h.sqlite"), write=False) as connection:
        assert query.findings_of(connection, done.audit) == json.loads(json.dumps(list(findings["verdicts"])))
        info = json.loads(connection.execute("SELECT info FROM audits WHERE id = ?", (done.audit,)).fetchone()[0])
        assert info == {k: v for k, v in findings.items() if k != "verdicts"}
        stored = dict(connection.execute("SELECT a.name, p.content FROM audit_policies a JOIN policy_files p USING (sha256)"))
        assert sorted(stored) == sorted(name for name, _ in policy_set.files)
        for name, file in policy_set.files:  # by pack-relative name: shenyang-2019-23/2-1-4-large-classes.yaml
            assert name == f"{os.path.basename(os.path.dirname(file))}/{os.path.basename(file)}"
            with open(file, "rb") as handle:
                assert stored[name] == handle.read()
        assert connection.execute("SELECT count(*) FROM check_defs").fetchone()[0] == len(policy_set.checks)
        rows = connection.execute("SELECT district, sha256, files, version FROM submissions ORDER BY id").fetchall()
        assert [r[0] for r in rows] == list(findings["submitted_by"]) and {r[3] for r in rows} == {1}
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", r[1]) for r in rows)
        h = query.DistrictHistory(connection, "大东区", query.audits_of(connection, "大东区"))
        assert h.items(done.audit) >= {"class:DD001/2-1", "school:DD001", "document:layout_plan", "district"}
        assert h.items(done.audit) == set(inventory["大东区"]) | {"submission"}


def test_the_same_audit_is_recorded_once(tmp_path, audited, policy_set):
    first = rec(tmp_path / "h.sqlite", audited, policy_set)
    before = counts(tmp_path / "h.sqlite")
    again = rec(tmp_path / "h.sqlite", audited, policy_set, issued=_dt.date(2023, 3, 1), rectify_days=60)
    assert (again.audit, again.new) == (first.audit, False)
    assert again.notices == first.notices  # the notices issued the first time
    assert counts(tmp_path / "h.sqlite") == before


def copy_tree(src, dst):
    shutil.copytree(src, dst)
    return str(dst)


@pytest.mark.parametrize("change, new", [
    ("nothing", False),
    ("engine", False),
    ("number", False),  # the numbers stay the recorded ones; another --issued is refused (test_a_rerun_...)
    ("as_of", True),
    ("districts", True),
    ("a submission", True),
    ("a policy's wording", True),
])
def test_what_makes_an_audit_a_different_one(tmp_path, capsys, change, new):
    subs = copy_tree(SHENYANG_2022, tmp_path / "subs")
    pols = copy_tree(POLICIES, tmp_path / "pols")
    base = ["audit", subs, "--as-of", "2022-12-31", "--policies", pols, "--engine", "reference", "--jobs", "1",
            "--db", str(tmp_path / "h.sqlite"), "--issued", "2023-01-16"]
    assert main(base + ["--out", str(tmp_path / "a")]) == 0
    argv = base + ["--out", str(tmp_path / "b")]
    if change == "engine":
        argv[argv.index("reference")] = "durable"
    elif change == "number":
        argv += ["--number", "督〔{year}〕N号"]
    elif change == "as_of":
        argv[argv.index("2022-12-31")] = "2022-12-30"
    elif change == "districts":
        argv += ["--districts", "和平区,沈河区,大东区,皇姑区,铁西区,苏家屯区,浑南区,沈北新区,于洪区,辽中区,新民市,康平县"]
        os.remove(os.path.join(subs, "13-fk.yaml"))
    elif change == "a submission":
        path = os.path.join(subs, "03-dd.yaml")
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        with open(path, "w", encoding="utf-8") as handle:
            assert "size: 57," in text
            handle.write(text.replace("size: 57,", "size: 50,"))
    elif change == "a policy's wording":
        path = os.path.join(pols, "shenyang-2019-23", "2-1-4-large-classes.yaml")
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        with open(path, "w", encoding="utf-8") as handle:
            assert "{zh: 消除56人以上大班额," in text
            handle.write(text.replace("{zh: 消除56人以上大班额,", "{zh: 消除56人及以上大班额,"))
    capsys.readouterr()
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert ("已记入督导历史" in out) is new and ("未重复记录" in out) is (not new)
    assert counts(tmp_path / "h.sqlite")["audits"] == (2 if new else 1)
    if change == "number":  # the documents carry the numbers the history issued, not the new pattern's
        assert "沈教督〔2023〕1号" in (tmp_path / "b" / "大东区-整改通知.html").read_text(encoding="utf-8")


DADONG = os.path.join(SHENYANG_2022, "03-dd.yaml")

# An audit already recorded, run again: (the first run's options besides --issued 2023-01-16, the re-run's, the
# re-run's exit status, the option refused, the (date of issue, deadline) the documents then carry). A notice number
# once issued keeps its dates: a date given that differs is refused, the dates left out follow the record.
RERUN = [
    ([], [], 0, None, ("2023-01-16", "2023-02-15")),
    ([], ["--issued", "2023-01-16"], 0, None, ("2023-01-16", "2023-02-15")),
    ([], ["--rectify-days", "30"], 0, None, ("2023-01-16", "2023-02-15")),
    ([], ["--issued", "2023-01-16", "--rectify-days", "30"], 0, None, ("2023-01-16", "2023-02-15")),
    (["--rectify-days", "60"], [], 0, None, ("2023-01-16", "2023-03-17")),  # not the default 30 days: the record's 60
    (["--rectify-days", "60"], ["--issued", "2023-01-16"], 0, None, ("2023-01-16", "2023-03-17")),
    (["--rectify-days", "60"], ["--rectify-days", "60"], 0, None, ("2023-01-16", "2023-03-17")),
    ([], ["--issued", "2023-01-20", "--rectify-days", "60"], 2, "--issued", None),  # the reviewer's reproduction
    ([], ["--issued", "2023-01-20"], 2, "--issued", None),
    ([], ["--rectify-days", "60"], 2, "--rectify-days", None),
    ([], ["--issued", "2023-01-20", "--rectify-days", "26"], 2, "--issued", None),  # the same deadline, another date of issue
    (["--rectify-days", "60"], ["--rectify-days", "30"], 2, "--rectify-days", None),  # the default, written out
]


def notice_rows(path) -> list:
    with db.opened(str(path), write=False) as connection:
        return connection.execute("SELECT district, number, issued, deadline FROM notices ORDER BY id").fetchall()


def files_of(folder) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("first, again, status, refused, dated", RERUN)
def test_a_rerun_of_a_recorded_audit_keeps_the_dates_its_notices_were_recorded_with(tmp_path, capsys, first, again,
                                                                                    status, refused, dated):
    base = ["audit", DADONG, "--districts", "大东区", "--as-of", "2022-12-31", "--engine", "reference", "--jobs", "1",
            "--db", str(tmp_path / "h.sqlite"), "--quiet"]
    assert main(base + ["--out", str(tmp_path / "a"), "--issued", "2023-01-16", *first]) == 0
    recorded = notice_rows(tmp_path / "h.sqlite")
    before = counts(tmp_path / "h.sqlite")
    capsys.readouterr()
    assert main(base + ["--out", str(tmp_path / "b"), *again]) == status
    out, err = capsys.readouterr()
    assert counts(tmp_path / "h.sqlite") == before and notice_rows(tmp_path / "h.sqlite") == recorded
    number, issued, deadline = next(row[1:] for row in recorded if row[0] == "大东区")
    assert {row[2:] for row in recorded} == {(issued, deadline)}  # the notices issued together (大东区's alone: one district's audit gives the city none)
    if status == 2:  # refused before anything is written, naming the recorded dates and how to go on
        assert not (tmp_path / "b").exists() and "Traceback" not in err
        days = (_dt.date.fromisoformat(deadline) - _dt.date.fromisoformat(issued)).days
        assert err.startswith(f"{refused}: U-ARGS: 督导历史 {tmp_path / 'h.sqlite'} 已记录同一审计（第1次）")
        assert f"（{number}" in err and f"的印发日期为 {issued}、整改期限为 {deadline}" in err
        assert f"请去掉“--issued”和“--rectify-days”，或写成“--issued {issued} --rectify-days {days}”" in err
        return
    assert (issued, deadline) == dated
    assert f"未重复记录；整改通知按记录的日期写出（印发日期 {issued}，整改期限 {deadline}）" in out
    notice = (tmp_path / "b" / "大东区-整改通知.html").read_text(encoding="utf-8")
    assert f"请你区于{zh_date(deadline)}前" in notice and f"<p>{date_span(issued, 'zh')}</p>" in notice
    assert files_of(tmp_path / "b") == files_of(tmp_path / "a")  # the documents as first issued, byte for byte


def test_the_refusal_is_worded_in_english_with_lang_en(tmp_path, capsys):
    base = ["audit", DADONG, "--districts", "大东区", "--as-of", "2022-12-31", "--engine", "reference", "--jobs", "1",
            "--db", str(tmp_path / "h.sqlite"), "--quiet", "--lang", "en"]
    assert main(base + ["--out", str(tmp_path / "a"), "--issued", "2023-01-16"]) == 0
    capsys.readouterr()
    assert main(base + ["--out", str(tmp_path / "b"), "--rectify-days", "60"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("--rectify-days: U-ARGS: the audit history ") and "already holds this audit (#1)" in err
    assert "were issued on 2023-01-16 with the deadline 2023-02-15" in err
    assert "leave out --issued and --rectify-days, or give --issued 2023-01-16 --rectify-days 30" in err


def test_a_notice_kept_from_an_earlier_audit_of_the_round_shows_the_dates_it_was_recorded_with(tmp_path, rounds_db):
    """The 2021 round audited again for 于洪区's correction (--issued 2022-02-08): the other districts keep their
    notices of 2022-01-14, numbers and dates; that audit run once more (no dates given) gives the same numbers."""
    with db.opened(rounds_db, write=False) as connection:
        kept = {d: (n, i, dl) for d, n, i, dl in connection.execute(
            "SELECT district, number, issued, deadline FROM notices n JOIN audits a ON a.id = n.audit_id"
            " WHERE a.as_of = '2021-12-31' ORDER BY n.id")}
    assert kept["大东区"] == ("沈教督〔2022〕2号", "2022-01-14", "2023-01-14")
    store = shutil.copy(rounds_db, tmp_path / "h.sqlite")
    submissions, as_of, policies, _, _, _ = ROUNDS[3]
    for name, dates in (("corrected", ["--issued", "2022-02-08", "--rectify-days", "300"]), ("again", [])):
        assert main(["audit", *submissions, "--as-of", as_of, "--policies", policies, *dates, "--out", str(tmp_path / name),
                     "--db", str(store), "--engine", "reference", "--jobs", "1", "--quiet"]) == 0
        for district, (number, issued, deadline) in kept.items():
            path = tmp_path / name / f"{district}-整改通知.html"
            if not path.exists():  # 于洪区's corrected submission has nothing to rectify
                continue
            notice = path.read_text(encoding="utf-8")
            assert number in notice and f"<p>{date_span(issued, 'zh')}</p>" in notice, (name, district)
            assert f"于{zh_date(deadline)}前完成整改" in notice, (name, district)
            assert zh_date("2022-02-08") not in notice and zh_date("2022-12-05") not in notice, (name, district)


def test_a_corrected_submission_is_kept_beside_the_first_and_only_its_district_is_notified_again(tmp_path, capsys):
    subs = copy_tree(SHENYANG_2022, tmp_path / "subs")
    base = ["audit", subs, "--as-of", "2022-12-31", "--engine", "reference", "--jobs", "1", "--db", str(tmp_path / "h.sqlite"),
            "--issued", "2023-01-16"]
    assert main(base + ["--out", str(tmp_path / "a")]) == 0
    path = os.path.join(subs, "03-dd.yaml")
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    with open(path, "w", encoding="utf-8") as handle:  # 大东区 corrects its grade-2 homework figure
        handle.write(text.replace("homework_minutes: 20}", "homework_minutes: 0}"))
    assert main(base + ["--out", str(tmp_path / "b"), "--issued", "2023-02-01"]) == 0
    with db.opened(str(tmp_path / "h.sqlite"), write=False) as connection:
        versions = connection.execute("SELECT district, version, first_audit FROM submissions WHERE district = '大东区' ORDER BY version").fetchall()
        assert versions == [("大东区", 1, 1), ("大东区", 2, 2)]
        second = connection.execute("SELECT district, number, issued FROM notices WHERE audit_id = 2").fetchall()
        assert second == [("大东区", "沈教督〔2023〕11号", "2023-02-01")]  # 1–10: nine districts and the city
        items = {c for (c,) in connection.execute("SELECT check_id FROM notice_items i JOIN notices n ON n.id = i.notice_id WHERE n.audit_id = 2")}
        assert "homework.grades-1-2-none" not in items and "large-classes.56" in items


def test_notices_are_numbered_per_district_continuing_the_year_and_name_the_districts_own_items(tmp_path, audited, policy_set):
    first = rec(tmp_path / "h.sqlite", audited, policy_set)
    districts = [n["district"] for n in first.notices]
    assert [n["number"] for n in first.notices] == [f"沈教督〔2023〕{i}号" for i in range(1, len(districts) + 1)]
    assert districts[:-1] == [d for d in audited[0]["districts"] if d in districts]  # plan order
    assert districts[-1] == "沈阳市" and "和平区" not in districts  # the city's notice (to 市教育局) last; 和平区 has nothing to rectify
    assert all(n["deadline"] == "2023-02-15" for n in first.notices)
    findings, inventory = audited
    later = {**findings, "as_of": "2023-06-30"}
    second = record.record(str(tmp_path / "h.sqlite"), later, policy_set, inventory, issued=_dt.date(2023, 7, 10), rectify_days=30)
    assert second.notices[0]["number"] == f"沈教督〔2023〕{len(districts) + 1}号"
    third = record.record(str(tmp_path / "h.sqlite"), {**findings, "as_of": "2023-12-31"}, policy_set, inventory,
                          issued=_dt.date(2024, 1, 5), rectify_days=30, number="{year}年第N号")
    assert third.notices[0]["number"] == "2024年第1号"
    with db.opened(str(tmp_path / "h.sqlite"), write=False) as connection:
        checks = {c for (c,) in connection.execute(
            "SELECT i.check_id FROM notice_items i JOIN notices n ON n.id = i.notice_id WHERE n.district = '于洪区' AND n.audit_id = 1")}
    manual = {c.id for c in policy_set.checks if c.method == "manual"}
    assert checks and not checks & manual  # 于洪区's missing reviews are the office's own work, not the district's
    assert "funding.per-pupil-paid" in checks  # its own missing figure is


@pytest.mark.parametrize("pattern, ok", [
    ("沈教督〔{year}〕N号", True), ("N", True), ("督-{year}-N", True), ("沈教督〔2023〕15号", False),
    ("沈教督〔{year}〕号", False), ("abc", False), ("{n}", False), ("{N}", False), ("沈教督〔{yaer}〕N号", False),
    ("沈教督〔{year}〕{bogus}N号", False), ("沈教督〔{year〕N号", False), ("No. N/{year}", True), ("x" * 61, False),
])
def test_number_patterns(pattern, ok):
    if ok:
        assert record.check_number_pattern(pattern) == pattern
    else:
        with pytest.raises(Exception) as caught:
            record.check_number_pattern(pattern)
        assert caught.value.codes == ["U-ARGS"]


@pytest.mark.parametrize("argv, fragment", [
    (["--issued", "2022-12-30"], "before the audit date"),
    (["--issued", "2023-02-30"], "not a real date"),
    (["--issued", "16.01.2023"], "YYYY-MM-DD"),
    (["--number", "沈教督〔2023〕号"], "no running number"),
    (["--number", "沈教督〔{yaer}〕N号"], 'holds "{yaer}": the only placeholder is {year}'),
])
def test_bad_notice_options_are_usage_errors(tmp_path, capsys, argv, fragment):
    assert main(["audit", SHENYANG_2022, "--as-of", "2022-12-31", "--out", str(tmp_path / "o"), *argv, "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert ": U-ARGS: " in err and fragment in err and not (tmp_path / "history.sqlite").exists()


def test_the_issue_date_defaults_to_today_or_the_audit_date(tmp_path, capsys, monkeypatch):
    # today in China Standard Time (auditor.dates; tests/test_dates.py for the machine's zone): the clock frozen at
    # 2023-01-15 17:00 UTC, already the 16th in Beijing
    monkeypatch.setattr(dates, "now", lambda: _dt.datetime(2023, 1, 15, 17, 0, tzinfo=_dt.timezone.utc))
    today = _dt.date(2023, 1, 16)
    future = (today + _dt.timedelta(days=400)).isoformat()
    for as_of, expected in (("2022-12-31", today), (future, _dt.date.fromisoformat(future))):
        db_path = tmp_path / f"{as_of}.sqlite"
        assert main(["audit", os.path.join(SHENYANG_2022, "03-dd.yaml"), "--districts", "大东区", "--as-of", as_of,
                     "--engine", "reference", "--jobs", "1", "--out", str(tmp_path / as_of), "--db", str(db_path)]) == 0
        with db.opened(str(db_path), write=False) as connection:
            assert connection.execute("SELECT issued, deadline FROM notices").fetchone() == (
                expected.isoformat(), (expected + _dt.timedelta(days=30)).isoformat())


CHILD = """
import datetime, sys, time
sys.path.insert(0, {root!r})
from auditor import dates
from auditor.audit import Auditor
from auditor.intake.submissions import expand_paths
from auditor.rules.policies import load_policies
from auditor.store import db, record
db.BUSY_SECONDS = {busy}
ps = load_policies({policies!r})
inventory = {{}}
findings = Auditor(ps, "reference").audit_files(expand_paths([{subs!r}]), datetime.date.fromisoformat({as_of!r}), None, 1, inventory=inventory)

def progress(stage):
    if stage == {stop!r}:
        print("inside", flush=True)
        time.sleep(120)

print("ready", flush=True)
sys.stdin.readline()  # go
started = time.monotonic()
done = record.record({db!r}, findings, ps, inventory, issued=datetime.date(2030, 1, 1), rectify_days=30, on_progress=progress)
print("recorded", done.audit, round(time.monotonic() - started, 2), flush=True)
"""


def child(tmp_path, name: str, as_of: str, stop: str = "", busy: float = 60.0) -> subprocess.Popen:
    script = tmp_path / f"{name}.py"
    script.write_text(CHILD.format(root=ROOT, policies=POLICIES, subs=SHENYANG_2022, as_of=as_of, stop=stop, busy=busy,
                                   db=str(tmp_path / "h.sqlite")), encoding="utf-8")
    process = subprocess.Popen([sys.executable, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stdout.readline().strip() == "ready", process.stderr.read()
    return process


@pytest.mark.parametrize("stage", ["verdicts", "evidence", "notices"])
def test_kill_9_in_the_middle_of_recording_leaves_the_store_as_it_was(tmp_path, audited, policy_set, stage):
    rec(tmp_path / "h.sqlite", audited, policy_set)  # an earlier audit
    before = counts(tmp_path / "h.sqlite")
    process = child(tmp_path, "killed", "2023-06-30", stop=stage)
    process.stdin.write("\n")
    process.stdin.flush()
    assert process.stdout.readline().strip() == "inside"  # the transaction is open, rows are written
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert db.inspect(str(tmp_path / "h.sqlite")) == 1
    db.preflight(str(tmp_path / "h.sqlite"))  # opens, quick_check passes
    assert counts(tmp_path / "h.sqlite") == before
    again = rec(tmp_path / "h.sqlite", audited, policy_set)
    assert (again.audit, again.new) == (1, False)
    later = record.record(str(tmp_path / "h.sqlite"), {**audited[0], "as_of": "2023-06-30"}, policy_set, audited[1],
                          issued=_dt.date(2030, 1, 1), rectify_days=30)
    assert (later.audit, later.new) == (2, True)


@pytest.mark.parametrize("existing", [True, False], ids=["into a store", "creating it"])
def test_two_recorders_at_once_both_land_one_after_the_other(tmp_path, audited, policy_set, existing):
    if existing:
        rec(tmp_path / "h.sqlite", audited, policy_set)
    processes = [child(tmp_path, f"writer{i}", as_of) for i, as_of in enumerate(("2023-06-30", "2023-12-31"))]
    for p in processes:
        p.stdin.write("\n")
        p.stdin.flush()
    for p in processes:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0 and "recorded" in out, err
    with db.opened(str(tmp_path / "h.sqlite"), write=False) as connection:
        assert sorted(a for (a,) in connection.execute("SELECT as_of FROM audits")) == ["2022-12-31"] * existing + ["2023-06-30", "2023-12-31"]
        numbers = [n for (n,) in connection.execute("SELECT number FROM notices")]
        assert len(numbers) == len(set(numbers)) == 10 * (2 + existing)  # nine districts and the city each time


def test_a_recorder_waits_for_another_writer(tmp_path, audited, policy_set):
    rec(tmp_path / "h.sqlite", audited, policy_set)
    holder = sqlite3.connect(tmp_path / "h.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    process = child(tmp_path, "waiter", "2023-06-30")
    process.stdin.write("\n")
    process.stdin.flush()
    time.sleep(1.5)
    holder.execute("COMMIT")
    holder.close()
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    _, audit, seconds = out.split()
    assert audit == "2" and float(seconds) >= 1.0


def test_the_makefile_records_the_rounds_the_tests_record():
    with open(os.path.join(ROOT, "Makefile"), encoding="utf-8") as handle:
        text = handle.read().replace("\\\n", " ")
    recipe = text[text.index("\naudit:"):text.index("\ntest:")]
    lines = [line for line in recipe.splitlines() if line.strip().startswith("$(AUDIT)")]
    found = [(re.search(r"--as-of (\S+)", line)[1].replace("$(AS_OF)", "2022-12-31"), re.search(r"--issued (\S+)", line)[1],
              (re.search(r"--rectify-days (\S+)", line) or [None, "30"])[1], "$(OLD)" in line) for line in lines]
    assert found == [(as_of, issued, days, policies.endswith("policies-2019-2021")) for _, as_of, policies, issued, days, _ in ROUNDS]
    assert "2021-corrected/09-yh.yaml" in recipe and "filter-out %/09-yh.yaml" in recipe
