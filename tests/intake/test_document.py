"""document.py: paths written for people, positions looked up at the nearest ancestor (and found lazily),
and problems about a value the loader already refused left out."""
from __future__ import annotations

import pytest

from auditor.errors import Problem
from auditor.intake.document import Document, path_text, unshadowed


@pytest.mark.parametrize("path, text", [
    ((), ""), (("district",), "district"), (("schools", 3, "classes", 0, "size"), "schools[3].classes[0].size"),
    ((0, "a"), "[0].a"), (("checks", 1, "require"), "checks[1].require"),
])
def test_path_text(path, text):
    assert path_text(path) == text


def test_where_is_the_nearest_ancestor_with_a_position():
    document = Document("f", {}, {(): (1, 1), ("schools",): (3, 1), ("schools", 0): (4, 3)})
    assert document.where(("schools", 0, "classes", 2)) == (4, 3)
    assert document.where(["schools", 5]) == (3, 1)
    assert document.where(("figures",)) == (1, 1)
    assert Document("f", {}).where(("a",)) == (0, 0)


def test_positions_are_found_once_and_only_when_asked():
    calls = []
    document = Document("f", {}, locate=lambda: calls.append(1) or {("a",): (2, 5)})
    assert calls == []
    assert document.where(("a", 0)) == (2, 5) and document.where(("a",)) == (2, 5)
    assert calls == [1] and document.locate is None


def test_unshadowed_leaves_out_problems_under_a_refused_value():
    refused = [Problem("f", 3, 1, "E-NUMBER", "x", "schools[0].pupils"), Problem("f", 2, 1, "E-DUPLICATE-KEY", "x", "figures")]
    later = [Problem("f", 3, 1, "S-SCHEMA", "a", "schools[0].pupils"), Problem("f", 3, 1, "S-SCHEMA", "b", "schools[0].pupils.x"),
             Problem("f", 3, 1, "S-SCHEMA", "c", "schools[0].pupils_total"), Problem("f", 2, 1, "S-SCHEMA", "d", "figures.rate")]
    assert [p.message for p in unshadowed(refused, later)] == ["c", "d"]  # a duplicate key keeps its first value
