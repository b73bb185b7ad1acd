"""contracts.py: the field types the submission schema gives each record kind (what policies may read)."""
from __future__ import annotations

import pytest

from auditor.intake import contracts


@pytest.mark.parametrize("defname, field, kind", [
    ("school", "stage", contracts.STRING),  # an enum of text
    ("school", "rural", contracts.BOOL),
    ("class", "size", contracts.NUMBER),  # integer or number
    ("figures", "disabled_enrolment_rate", contracts.NUMBER),
    ("document", "filed_on", contracts.DATE),  # a string with format: date, through its $ref
])
def test_type_of_a_schema_field(defname, field, kind):
    root = contracts.schema("submission")
    node = root["$defs"][defname]["properties"][field]
    assert contracts.type_of(node, root) == kind
    assert "$ref" not in contracts.resolve(node, root)
    assert contracts.base_field_types()[{"figures": "district"}.get(defname, defname)][field] == kind


def test_containers_are_not_scalar_fields():
    root = contracts.schema("submission")
    assert contracts.type_of(root["$defs"]["school"]["properties"]["classes"], root) is None
    assert "classes" not in contracts.scalar_fields("school") and "size" in contracts.scalar_fields("class")
    assert contracts.base_field_types()["class"]["school.rural"] == contracts.BOOL  # a class reads its school's fields
