"""README.md and docs/ stay true to the repository (issue 20 item 4): every relative link resolves (a file, and the
heading an anchor names), and every repository path written in backticks exists."""
from __future__ import annotations

import glob
import os
import re

import pytest

from conftest import ROOT

DOCUMENTS = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "**", "*.md"), recursive=True))
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE_BLOCK = re.compile(r"^```.*?^```", re.M | re.S)
PATH = re.compile(r"`((?:auditor|tests|fixtures|bench|policies|docs|reports)/[^`\s]*)`")
GENERATED = ("bench/out/",)  # written by the benchmark, not in the repository


def _ids(document: str) -> list[str]:
    return [os.path.relpath(d, ROOT) for d in document]


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped (letters of any script, digits, _ and -
    kept), spaces as hyphens."""
    text = re.sub(r"[`*_]{1,2}(?=\S)|(?<=\S)[`*_]{1,2}", "", heading.strip()).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(file: str) -> set[str]:
    with open(file, encoding="utf-8") as handle:
        text = CODE_BLOCK.sub("", handle.read())
    out, seen = set(), {}
    for heading in re.findall(r"^#{1,6} (.+?)\s*$", text, re.M):
        base = slug(heading)
        n = seen.get(base, 0)
        out.add(base if n == 0 else f"{base}-{n}")
        seen[base] = n + 1
    return out


def _text(document: str) -> str:
    with open(document, encoding="utf-8") as handle:
        return handle.read()


@pytest.mark.parametrize("document", DOCUMENTS, ids=_ids(DOCUMENTS))
def test_every_relative_link_resolves(document):
    text = CODE_BLOCK.sub("", _text(document))
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        file = os.path.normpath(os.path.join(os.path.dirname(document), path)) if path else document
        if not os.path.exists(file):
            broken.append(f"{target}: no such file")
        elif anchor and file.endswith(".md") and anchor not in anchors(file):
            broken.append(f"{target}: no heading with that anchor in {os.path.relpath(file, ROOT)}")
    assert not broken, f"{os.path.relpath(document, ROOT)}: " + "; ".join(broken)


@pytest.mark.parametrize("document", DOCUMENTS, ids=_ids(DOCUMENTS))
def test_every_repository_path_named_exists(document):
    missing = []
    for path in PATH.findall(_text(document)):
        path = path.rstrip(".,;:)")
        if re.search(r"[*<>{}…]|\.\.\.", path) or path.startswith(GENERATED):  # a pattern, a placeholder, output
            continue
        if not os.path.exists(os.path.join(ROOT, path.split("::")[0].split(":")[0])):
            missing.append(path)
    assert not missing, f"{os.path.relpath(document, ROOT)} names paths that do not exist: {sorted(set(missing))}"
