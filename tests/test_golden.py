"""The bundled audit's verdicts are pinned: any change to a policy's threshold,
deadline or filter that changes a verdict on the fixtures shows up here as a
one-line diff of tests/golden/verdicts-2022-12-31.json.

After an intended change (new policies, new fixtures) regenerate and review:

    .venv/bin/pytest tests/test_golden.py --update-golden && git diff tests/golden/
"""
from __future__ import annotations

import os

from auditor.rules.policies import load_policies

from bundled import GOLDEN, bundled_summary, dump, read_golden
from conftest import ROOT



def test_bundled_verdicts_match_golden(update_golden):
    got = bundled_summary(load_policies(os.path.join(ROOT, "policies")))
    if update_golden or not os.path.exists(GOLDEN):
        os.makedirs(os.path.dirname(GOLDEN), exist_ok=True)
        with open(GOLDEN, "w", encoding="utf-8") as handle:
            handle.write(dump(got))
        if not update_golden:
            raise AssertionError(f"{GOLDEN} did not exist and was written; review and commit it")
    want = read_golden()
    changed = [(w, g) for w, g in zip(want, got) if w != g]
    assert got == want, f"{len(changed)} verdict(s) differ from {GOLDEN}, first: {changed[:5]} (regenerate with --update-golden after review)"
