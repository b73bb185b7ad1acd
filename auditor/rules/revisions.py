"""A rule set as it stood in a git revision (``auditor diff HEAD~1:policies HEAD:policies``).

``REV:path`` names a tree in the repository of the current folder; its files are written from git's objects into
a temporary folder (``git ls-tree`` and ``git cat-file``), so the work tree and the index are never touched.
Links and names that could lead out of the folder are not written. Problems found in the copy's files are named
by the revision (``HEAD~1:policies/…``), not by the temporary folder.
"""
from __future__ import annotations

import dataclasses
import os
import subprocess
import tempfile
from contextlib import contextmanager

from auditor.errors import AuditorError, Problem, UsageError
from auditor.texts import msg


def _git(args: list[str], what: str) -> bytes:
    try:
        done = subprocess.run(["git", *args], capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(Problem(what, 0, 0, "U-ARGS", msg("diff.git-missing", reason=str(exc)))) from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(Problem(what, 0, 0, "U-ARGS", msg("diff.git-failed", reason=message[-1] if message else "failed")))
    return done.stdout


def _checkout(spec: str, into: str) -> str:
    """The tree ``REV:path`` written under ``into`` from git's objects (the work tree and index untouched)."""
    rev, _, path = spec.partition(":")
    tree = f"{rev}:{path.strip('/')}" if path.strip("/") else f"{rev}:"
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", tree], spec).split(b"\0")
    root = os.path.join(into, "policies")
    os.makedirs(root)
    for entry in filter(None, listing):
        meta, name = entry.split(b"\t", 1)
        mode, kind, _ = meta.split(b" ")
        name_text = name.decode("utf-8", "replace")
        parts = name_text.split("/")
        if kind != b"blob" or mode == b"120000" or any(p in ("", ".", "..") for p in parts):
            continue  # links and anything that could point out of the folder are not written
        target = os.path.join(root, *parts)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(_git(["cat-file", "blob", meta.split(b" ")[2].decode()], spec))
    return root


@contextmanager
def opened(spec: str):
    """(shown name, folder) for a folder or a git revision of one; a revision lives as long as the context."""
    if os.path.exists(spec) or ":" not in spec:
        yield spec, spec
        return
    with tempfile.TemporaryDirectory(prefix="auditor-diff-") as scratch:
        folder = _checkout(spec, scratch)
        try:
            yield spec, folder
        except AuditorError as exc:  # problems in the revision's files are named by the revision, not the scratch copy
            exc.problems = [dataclasses.replace(p, file=spec.rstrip("/") + p.file[len(folder):]) if p.file.startswith(folder)
                            else p for p in exc.problems]
            raise
