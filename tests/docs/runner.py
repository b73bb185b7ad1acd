"""Run a document's examples as written: the blocks of a Markdown file (or of one of its sections), in order.

* ```` ```sh ````: each ``.venv/bin/auditor …`` line is run (in this process, as the installed command runs it),
  ``cp -r SRC DST`` copies a folder; ``# 退出状态 N`` (or ``# exit N``) at the end of a line is its expected exit
  status (0 without); other ``#`` text is a comment;
* ```` ```text 输出 ```` (or ``text output``): lines the last command printed (stderr, then stdout), in this order;
  a line ``……`` stands for any lines, ``……`` inside a line for any text;
* ```` ```yaml 修改前 FILE ```` then ```` ```yaml 修改后 FILE ```` (or ``before``/``after``): the first text, found
  exactly once at the start of a line of FILE, is replaced by the second; ```` ```yaml 追加到 FILE ```` (``append``):
  appended to FILE;
* ```` ```yaml 示例 ```` (``example``): shown only, but it must be YAML.

Any other block fails, so that every example in the document is one that runs.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil

import yaml

from auditor.cli import main

FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.M | re.S)
EXIT = re.compile(r"\s+#\s*(?:退出状态|exit)\s*(\d+)\s*$")
COMMENT = re.compile(r"\s+#\s.*$")
OUTPUT, BEFORE, AFTER, APPEND, EXAMPLE = ("输出", "output"), ("修改前", "before"), ("修改后", "after"), ("追加到", "append"), ("示例", "example")


def blocks(path: str, section: str | None = None) -> list[tuple[str, str, int]]:
    """(info string, body, line) of each fenced block, in the section headed ``section`` only when given."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    start, end = 0, len(text)
    if section is not None:
        heading = re.search(rf"^(#+) {re.escape(section)}[ \t]*$", text, re.M)
        assert heading, f"{path}: no section {section!r}"
        start = heading.end()
        following = re.compile(rf"^#{{1,{len(heading.group(1))}}} ", re.M).search(text, start)
        end = following.start() if following else len(text)
    return [(m.group(1).strip(), m.group(2), text[:m.start()].count("\n") + 1)
            for m in FENCE.finditer(text, start, end)]


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


def _edit(file: str, before: str, after: str, where: str) -> None:
    with open(file, encoding="utf-8") as handle:
        text = handle.read()
    starts = [m.start() for m in re.finditer(re.escape(before), text) if m.start() == 0 or text[m.start() - 1] == "\n"]
    assert len(starts) == 1, f"{where}: the text to replace is found {len(starts)} times at a line's start in {file}"
    with open(file, "w", encoding="utf-8") as handle:
        handle.write(text[:starts[0]] + after + text[starts[0] + len(before):])


def run(path: str, capsys, section: str | None = None, shown: str | None = None) -> int:
    """Run the blocks of ``path`` (from the current directory); the number of commands run."""
    shown = shown or os.path.basename(path)
    output, pending, commands = None, None, 0
    for info, body, line in blocks(path, section):
        where = f"{shown}:{line}"
        words = info.split()
        if words == ["sh"]:
            for command in body.splitlines():
                if not command.strip() or command.lstrip().startswith("#"):
                    continue
                found = EXIT.search(command)
                expected = int(found.group(1)) if found else 0
                argv = shlex.split(COMMENT.sub("", EXIT.sub("", command)))
                if argv[:2] == ["cp", "-r"] and len(argv) == 4:
                    shutil.copytree(argv[2], argv[3], symlinks=False)
                    status, output = 0, ""
                else:
                    assert argv[0] == ".venv/bin/auditor", f"{where}: only auditor commands and cp -r run: {command}"
                    status = main(argv[1:])
                    captured = capsys.readouterr()
                    output = captured.err + captured.out
                assert status == expected, f"{where}: {command} exited {status}, the document says {expected}:\n{output}"
                commands += 1
        elif words[:1] == ["text"] and words[1:2] and words[1] in OUTPUT:
            assert output is not None, f"{where}: output shown before any command"
            missing = shown_in(body, output)
            assert missing is None, f"{where}: the document shows {missing!r}, the command printed:\n{output}"
        elif words[:1] == ["yaml"] and words[1:2] and words[1] in BEFORE:
            assert pending is None, f"{where}: two 'before' blocks in a row"
            pending = (words[2], body)
        elif words[:1] == ["yaml"] and words[1:2] and words[1] in AFTER:
            assert pending is not None and pending[0] == words[2], f"{where}: an 'after' block without its 'before'"
            _edit(pending[0], pending[1], body, where)
            pending = None
        elif words[:1] == ["yaml"] and words[1:2] and words[1] in APPEND:
            with open(words[2], encoding="utf-8") as handle:
                ends_with_newline = handle.read().endswith("\n")
            with open(words[2], "a", encoding="utf-8") as handle:
                handle.write(("" if ends_with_newline else "\n") + body)
        elif words[:1] == ["yaml"] and words[1:2] and words[1] in EXAMPLE:
            yaml.safe_load(body)
        else:
            raise AssertionError(f"{where}: a block that cannot be run ({info!r}): mark it sh, text 输出/output, "
                                 "or yaml 修改前/修改后/追加到/示例 (before/after/append/example)")
    assert pending is None, f"{shown}: a 'before' block without its 'after'"
    return commands
