"""docs/policy-guide.md runs as written (issue 20 item 3).

The guide's blocks are executed in order on a scratch copy of policies/ (a git repository, so that
``HEAD:policies`` is the shipped rule set), from a folder where ``fixtures/`` is the repository's:

* ```` ```sh ````: each ``.venv/bin/auditor …`` line is run (in this process, as the installed command runs it);
  ``# 退出状态 N`` at the end of a line is its expected exit status (0 without);
* ```` ```text 输出 ````: lines the last command printed (stderr, then stdout), in this order; a line ``……``
  stands for any lines, ``……`` inside a line for any text;
* ```` ```yaml 修改前 FILE ```` then ```` ```yaml 修改后 FILE ````: the first text, found exactly once at the start
  of a line of FILE, is replaced by the second; ```` ```yaml 追加到 FILE ````: appended to FILE;
* ```` ```yaml 示例 ````: shown only, but it must be YAML.

Any other block fails the test, so that every example in the guide is one that runs. The guide's table of error
codes is held to the codes the code raises.
"""
from __future__ import annotations

import glob
import os
import re
import shlex
import shutil
import subprocess

import pytest
import yaml

from auditor.cli import main

from conftest import POLICIES, ROOT

GUIDE = os.path.join(ROOT, "docs", "policy-guide.md")
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.M | re.S)
EXIT = re.compile(r"\s+#\s*退出状态\s*(\d+)\s*$")


def blocks(path: str) -> list[tuple[str, str, int]]:
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    return [(m.group(1).strip(), m.group(2), text[:m.start()].count("\n") + 1) for m in FENCE.finditer(text)]


def _pattern(line: str) -> re.Pattern:
    return re.compile(".*".join(re.escape(part) for part in line.split("……")))


def shown_in(expected: str, actual: str) -> str | None:
    """None when the expected lines appear in ``actual`` in order, else the first line that does not."""
    lines = [line.rstrip() for line in actual.splitlines()]
    at = 0
    for want in (line.rstrip() for line in expected.splitlines()):
        if not want or want == "……":
            continue
        pattern = _pattern(want)
        while at < len(lines) and not pattern.fullmatch(lines[at]):
            at += 1
        if at == len(lines):
            return want
        at += 1
    return None


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    shutil.copytree(POLICIES, tmp_path / "policies")
    os.symlink(os.path.join(ROOT, "fixtures"), tmp_path / "fixtures")
    git = ["git", "-c", "user.name=guide", "-c", "user.email=guide@example.invalid", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "policies"], ["commit", "-qm", "the shipped policies"]):
        subprocess.run(git + args, cwd=tmp_path, check=True, capture_output=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _edit(file: str, before: str, after: str, where: str) -> None:
    with open(file, encoding="utf-8") as handle:
        text = handle.read()
    starts = [m.start() for m in re.finditer(re.escape(before), text) if m.start() == 0 or text[m.start() - 1] == "\n"]
    assert len(starts) == 1, f"{where}: the 修改前 text is found {len(starts)} times at a line's start in {file}"
    with open(file, "w", encoding="utf-8") as handle:
        handle.write(text[:starts[0]] + after + text[starts[0] + len(before):])


def test_the_guide_runs_as_written(scratch, capsys):
    output, pending, commands = None, None, 0
    for info, body, line in blocks(GUIDE):
        where = f"docs/policy-guide.md:{line}"
        words = info.split()
        if words == ["sh"]:
            for command in body.splitlines():
                if not command.strip() or command.lstrip().startswith("#"):
                    continue
                found = EXIT.search(command)
                expected = int(found.group(1)) if found else 0
                command = EXIT.sub("", command)
                argv = shlex.split(command)
                assert argv[0] == ".venv/bin/auditor", f"{where}: only auditor commands run in the guide: {command}"
                status = main(argv[1:])
                captured = capsys.readouterr()
                output = captured.err + captured.out
                assert status == expected, f"{where}: {command} exited {status}, the guide says {expected}:\n{output}"
                commands += 1
        elif words == ["text", "输出"]:
            assert output is not None, f"{where}: output shown before any command"
            missing = shown_in(body, output)
            assert missing is None, f"{where}: the guide shows {missing!r}, the command printed:\n{output}"
        elif words[:1] == ["yaml"] and words[1:2] == ["修改前"]:
            assert pending is None, f"{where}: two 修改前 blocks in a row"
            pending = (words[2], body)
        elif words[:1] == ["yaml"] and words[1:2] == ["修改后"]:
            assert pending is not None and pending[0] == words[2], f"{where}: 修改后 without its 修改前"
            _edit(pending[0], pending[1], body, where)
            pending = None
        elif words[:1] == ["yaml"] and words[1:2] == ["追加到"]:
            with open(words[2], encoding="utf-8") as handle:
                ends_with_newline = handle.read().endswith("\n")
            with open(words[2], "a", encoding="utf-8") as handle:
                handle.write(("" if ends_with_newline else "\n") + body)
        elif words == ["yaml", "示例"]:
            yaml.safe_load(body)
        else:
            pytest.fail(f"{where}: a block the test cannot run ({info!r}): mark it sh, text 输出, or yaml 修改前/修改后/追加到/示例")
    assert pending is None and commands >= 15


def test_the_error_codes_are_the_codes_the_tool_raises():
    """The guide's table lists exactly the file (E-), policy (P-) and rule (L-) codes found in auditor/."""
    raised = set()
    for file in glob.glob(os.path.join(ROOT, "auditor", "**", "*.py"), recursive=True):
        with open(file, encoding="utf-8") as handle:
            raised |= set(re.findall(r'"([EPL]-[A-Z]+(?:-[A-Z]+)*)"', handle.read()))
    with open(GUIDE, encoding="utf-8") as handle:
        listed = set(re.findall(r"^\| `([EPL]-[A-Z-]+)` \|", handle.read(), re.M))
    assert listed == raised, f"not in the guide: {sorted(raised - listed)}; not raised: {sorted(listed - raised)}"
