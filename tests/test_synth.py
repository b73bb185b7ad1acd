"""The benchmark's synthetic submissions (``bench/synth.py``) are seeded, valid and faulty.
(Moved from tests/test_perf.py.)
"""
from __future__ import annotations

import sys

from conftest import ROOT


# ----------------------------------------------------------------------------- the benchmark's data
def test_synthetic_submissions_are_seeded_valid_and_faulty():
    sys.path.insert(0, ROOT)
    from bench import synth
    from auditor.intake.document import Document
    from auditor.intake.submission import facts_from_document

    names = synth.district_names(15)
    assert len(set(names)) == 15 and names[:13] == list(synth.plan()["districts"])[:13]
    known = synth.plan()["districts"]
    saved = list(known)
    synth.register_districts(names)
    try:
        data = synth.submission(names[14], 700, seed=3)
        assert data == synth.submission(names[14], 700, seed=3)
        facts = facts_from_document(Document("synthetic.yaml", data))
        assert len(facts.of("class")) == 700
        assert any(r.data["size"] > 45 for r in facts.of("class"))
        # plausible, not mostly failures: a few schools fall short of each standard, most meet it
        schools = facts.of("school")
        meets = {"monitoring_coverage": lambda v: v >= 1, "pe_minutes_daily": lambda v: v >= 60, "full_curriculum": lambda v: v is True}
        for name, ok in meets.items():
            assert sum(1 for r in schools if not ok(r.data[name])) < 0.1 * len(schools), name
        assert all(r.data["homework_minutes"] <= 30 for r in facts.of("class") if r.data["grade"] <= 2)
        assert synth.split(10, 3) == [4, 3, 3]
    finally:
        known[:] = saved  # the plan's district list is shared by every later test in this process
