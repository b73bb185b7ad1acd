"""auditor.verdicts: an audit's verdicts kept encoded, one block per district, read as the list they stand for."""
from __future__ import annotations

import io
import json
from collections import Counter

import pytest
from hypothesis import given, settings, strategies as st

from auditor.output.findings import findings_json, write_findings_json
from auditor.verdicts import Verdicts, as_verdicts, decode, default, encode

DISTRICTS = ["和平区", "大东区", "沈河区", "沈阳市"]
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8)
scalar = st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=False, allow_infinity=False) | text
verdict = st.fixed_dictionaries({"district": st.sampled_from(DISTRICTS), "check": text, "status": st.sampled_from(["pass", "fail", "missing"]),
                                 "evidence": st.lists(st.dictionaries(text, scalar, max_size=3), max_size=3)})
# findings' verdicts are together by district, as the audit sorts them
by_district = st.lists(st.lists(verdict, max_size=4), min_size=len(DISTRICTS), max_size=len(DISTRICTS)).map(
    lambda groups: [{**v, "district": d} for d, vs in zip(DISTRICTS, groups) for v in vs])


def blocks_of(verdicts: list[dict]) -> Verdicts:
    names = list(dict.fromkeys(v["district"] for v in verdicts))
    return Verdicts.encoded([(d, [v for v in verdicts if v["district"] == d], None) for d in names])


@settings(max_examples=60, deadline=None)
@given(by_district)
def test_blocks_read_as_the_list_they_stand_for(verdicts):
    kept = blocks_of(verdicts)
    assert len(kept) == len(verdicts)
    assert list(kept) == verdicts and kept == verdicts and verdicts == kept
    assert [kept[i] for i in range(len(kept))] == verdicts
    if verdicts:
        assert kept[-1] == verdicts[-1]
    assert kept.districts() == list(dict.fromkeys(v["district"] for v in verdicts))
    for d in DISTRICTS:
        assert kept.of(d) == [v for v in verdicts if v["district"] == d]
        assert kept.size(d) == len(kept.of(d))
        assert kept.statuses(d) == Counter((v["status"], v.get("method") or "") for v in kept.of(d))
    assert kept.statuses() == Counter((v["status"], "") for v in verdicts)
    assert dict(kept.by_district()) == {d: kept.of(d) for d in kept.districts()}
    assert as_verdicts(verdicts) == verdicts and as_verdicts(verdicts).districts() == kept.districts()


@settings(max_examples=60, deadline=None)
@given(by_district)
def test_findings_json_is_the_same_bytes_from_blocks_and_from_the_list(verdicts):
    findings = {"as_of": "2022-12-31", "verdicts": verdicts, "z": [1]}
    kept = {**findings, "verdicts": blocks_of(verdicts)}
    assert findings_json(kept) == findings_json(findings)
    streamed = io.BytesIO()
    write_findings_json(kept, streamed)
    assert streamed.getvalue().decode("utf-8") == findings_json(findings)
    assert json.loads(json.dumps(kept, default=default)) == json.loads(findings_json(findings))


def test_a_verdict_read_is_a_copy_and_changes_nothing():
    kept = blocks_of([{"district": "和平区", "check": "a", "status": "fail", "evidence": []}])
    kept[0]["status"] = "pass"
    for v in kept:
        v["status"] = "pass"
    kept.of("和平区")[0]["status"] = "pass"
    assert [v["status"] for v in kept] == ["fail"]


def test_a_mapped_view_transforms_as_it_reads_and_shares_the_blocks():
    kept = blocks_of([{"district": "和平区", "check": "a", "status": "fail", "evidence": []}])
    cited = kept.mapped(lambda v: {**v, "clause": "第五条"})
    assert cited.of("和平区")[0]["clause"] == "第五条" and "clause" not in kept[0]
    assert len(cited) == 1 and cited.districts() == ["和平区"]


def test_out_of_range_and_unknown_district():
    kept = blocks_of([])
    with pytest.raises(IndexError):
        kept[0]
    assert kept.of("和平区") == [] and len(kept) == 0 and list(kept) == []
    with pytest.raises(KeyError):
        kept.by_district()["和平区"]
    assert findings_json({"verdicts": kept}) == findings_json({"verdicts": []})


def test_encoded_blocks_keep_non_string_keys_as_findings_json_writes_them():
    assert decode(encode([{1: "a"}])) == [{"1": "a"}]
