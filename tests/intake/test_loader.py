"""loader.py: one data file loaded by its suffix; value-level problems returned with the rest of the data
(load_partial) or raised together (load_document); problems that leave no data raised at once."""
from __future__ import annotations

import pytest

from auditor.errors import SubmissionError
from auditor.intake.loader import load_document, load_partial


@pytest.mark.parametrize("name, data", [("a.json", {"a": "NaN"}), ("a.yaml", {"a": "NaN"}), ("a.yml", {"a": "NaN"})])
def test_the_suffix_chooses_the_parser(tmp_path, name, data):
    file = tmp_path / name
    file.write_text('{"a": "NaN"}', encoding="utf-8")
    assert load_document(str(file), SubmissionError).data == data
    file.write_text('{"a": NaN}', encoding="utf-8")  # JSON's NaN is a refused number; in YAML it is text
    if name.endswith(".json"):
        with pytest.raises(SubmissionError, match="E-NUMBER"):
            load_document(str(file), SubmissionError)
    else:
        assert load_document(str(file), SubmissionError).data == {"a": "NaN"}


def test_a_refused_value_is_left_out_and_the_rest_kept(tmp_path):
    file = tmp_path / "s.yaml"
    file.write_text("district: 和平区\nreported_on: 2019-02-30\nfigures: {pupils_total: 045}\nnote: !foo x\n", encoding="utf-8")
    document, problems = load_partial(str(file), SubmissionError)
    assert document.data == {"district": "和平区", "reported_on": None, "figures": {"pupils_total": None}, "note": None}
    assert [(p.code, p.line, p.path) for p in problems] == [("E-DATE", 2, "reported_on"), ("E-NUMBER", 3, "figures.pupils_total"),
                                                         ("E-YAML-TAG", 4, "note")]
    with pytest.raises(SubmissionError) as info:
        load_document(str(file), SubmissionError)
    assert info.value.codes == ["E-DATE", "E-NUMBER", "E-YAML-TAG"]


@pytest.mark.parametrize("text, code", [
    ("a: [1\n", "E-SYNTAX"), ("a: &a [*a]\n", "E-DEPTH"), ("- " * 70 + "x\n", "E-DEPTH"), ("!!python/object:os.system {}\n", "E-YAML-TAG"),
])
def test_a_file_that_leaves_no_data_is_raised_at_once(tmp_path, text, code):
    file = tmp_path / "s.yaml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(SubmissionError) as info:
        load_partial(str(file), SubmissionError)
    assert info.value.codes[0] == code
