"""The reference in docs/ is held to the code (issue 20 item 4): the command line's usage lines name every
subcommand and each of its options, and the table of error codes lists exactly the codes the code raises."""
from __future__ import annotations

import glob
import os
import re

from auditor.cli import _parser

from conftest import ROOT

DOCS = os.path.join(ROOT, "docs")


def _read(name: str) -> str:
    with open(os.path.join(DOCS, name), encoding="utf-8") as handle:
        return handle.read()


def test_every_command_and_option_is_in_the_usage_lines():
    text = _read("cli.md")
    block = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    usages = {}
    for usage in re.split(r"\n(?=\.venv/bin/auditor )", block):
        found = re.match(r"\.venv/bin/auditor (\S+)", usage)
        if found:
            usages[found.group(1)] = usage
    commands = next(a for a in _parser()._actions if a.__class__.__name__ == "_SubParsersAction").choices
    assert set(commands) <= set(usages), f"commands without a usage line: {sorted(set(commands) - set(usages))}"
    for name, parser in commands.items():
        options = [o for a in parser._actions for o in a.option_strings if o.startswith("--") and o != "--help"]
        missing = [o for o in options if not re.search(rf"{re.escape(o)}\b", usages[name])]
        assert not missing, f"auditor {name}: options missing from its usage line in docs/cli.md: {missing}"


def test_the_error_codes_are_the_codes_the_tool_raises():
    raised = set()
    for file in glob.glob(os.path.join(ROOT, "auditor", "**", "*.py"), recursive=True):
        with open(file, encoding="utf-8") as handle:
            raised |= set(re.findall(r'"([A-Z]-[A-Z]+(?:-[A-Z]+)*)"', handle.read()))
    listed = set(re.findall(r"^\| `([A-Z]-[A-Z-]+)` \|", _read("error-codes.md"), re.M))
    assert listed == raised, f"not in docs/error-codes.md: {sorted(raised - listed)}; not raised: {sorted(listed - raised)}"
