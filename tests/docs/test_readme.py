"""The README's five-minute tour runs as written on the fixtures (issue 20 item 4): its commands with the exit
status it states and the output it shows, its edit of a submission (tests/docs/runner.py), from a scratch folder
where ``fixtures/`` is the repository's. The two commands (`make audit`, `make test`) are the Makefile's: `make
audit`'s rounds are recorded by tests/recorded_rounds.py (held to the Makefile by tests/store/test_store_record.py),
and `make test` is this suite."""
from __future__ import annotations

import os
import re

from conftest import ROOT
from runner import blocks, run

README = os.path.join(ROOT, "README.md")
TOUR = "A five-minute tour"


def test_the_tour_runs_as_written(tmp_path, monkeypatch, capsys):
    os.symlink(os.path.join(ROOT, "fixtures"), tmp_path / "fixtures")
    monkeypatch.chdir(tmp_path)
    assert run(README, capsys, section=TOUR, shown="README.md") >= 4
    assert (tmp_path / "tour" / "index.html").is_file() and (tmp_path / "tour" / "大东区.html").is_file()


def test_the_two_commands_are_the_makefiles():
    with open(os.path.join(ROOT, "Makefile"), encoding="utf-8") as handle:
        targets = set(re.findall(r"^([a-z]+):", handle.read(), re.M))
    commands = [line.split()[1] for info, body, _ in blocks(README, "The two commands") if info == "sh"
                for line in body.splitlines() if line.startswith("make ")]
    assert commands == ["audit", "test"] and set(commands) <= targets
