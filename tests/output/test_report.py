"""The documents: golden HTML for a small fixed audit, escaping of hostile names, --rectify-days, English.

The goldens come from tests/golden/input/ (golden_audit.py). Regenerate them with

    .venv/bin/python -m pytest tests/output/test_report.py --update-golden

and review the diff.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import re

import pytest

from auditor.rules.policies import load_policies
from auditor.output.environment import css_string
from auditor.output.report import render
from auditor.output.files import safe_name

from golden_audit import GOLDEN, GOLDEN_ARGS, GOLDEN_FILES, INPUT, ROOT, audit_into, golden_out, read  # noqa: F401  (golden_out: a fixture)


@pytest.mark.parametrize("name", GOLDEN_FILES)
def test_golden_html(golden_out, update_golden, name):
    got = read(golden_out, name)
    path = os.path.join(ROOT, GOLDEN, name)
    if update_golden:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(got)
        return
    assert os.path.exists(path), f"no golden {path}: run pytest tests/output/test_report.py --update-golden"
    assert got == read(os.path.join(ROOT, GOLDEN), name), f"{name} differs from its golden: rerun with --update-golden and review"


def test_the_same_audit_gives_the_same_bytes(golden_out, tmp_path):
    assert audit_into(str(tmp_path), *GOLDEN_ARGS) == 0
    for name in sorted(os.listdir(golden_out)):
        with open(os.path.join(golden_out, name), "rb") as a, open(tmp_path / name, "rb") as b:
            assert a.read() == b.read(), name


def test_hostile_school_names_are_text(golden_out):
    for name in os.listdir(golden_out):
        if not name.endswith(".html"):
            continue
        html = read(golden_out, name)
        assert "<script" not in html.lower(), name
        assert "<img" not in html.lower(), name
        assert "onerror=" not in html.replace("onerror=&#34;", "").replace("onerror=&quot;", ""), name
    page = read(golden_out, "大东区.html")
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;大东区第1小学" in page
    assert "=HYPERLINK(&#34;http://example.invalid&#34;,&#34;x&#34;)&lt;img src=x onerror=&#34;window.__pwned=2&#34;&gt;" in page


def test_a_hostile_district_name_is_escaped_everywhere(tmp_path):
    policy_set = load_policies(os.path.join(ROOT, INPUT, "policies"))
    out = str(tmp_path)
    assert audit_into(out, *GOLDEN_ARGS) == 0
    findings = json.loads(read(out, "findings.json"))
    evil = '</style><script>alert(1)</script>"\\'
    for v in findings["verdicts"]:
        if v["district"] == "大东区":
            v["district"] = evil
    files = render(findings, policy_set, "zh")
    page = files[safe_name(evil) + ".html"]
    assert "/" not in safe_name(evil) and "<" not in safe_name(evil)
    assert "<script" not in page and "</style><" not in page
    assert "&lt;/style&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    style = page[page.index("<style>"):page.index("</style>")]
    assert "<" not in style.replace("<style>", "")  # the page header's CSS string is escaped
    assert str(css_string(evil))[1:-1] in style


def test_css_string_keeps_only_letters_literal():
    assert str(css_string("大东区 · x")) == '"大东区 \\0000b7 x"'
    assert "<" not in css_string("</style>") and '"' not in str(css_string('a"b'))[1:-1]


def visible(html: str) -> str:
    """A page's text as a reader sees it: no tags, no attributes, no style."""
    body = html.split("<body>", 1)[1]
    return re.sub(r"<[^>]+>", "", body)


def test_documents_for_districts_carry_no_internals_and_the_summary_a_technical_appendix(golden_out):
    findings = json.loads(read(golden_out, "findings.json"))
    digest = findings["policy_set"]["hash"]
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest)
    checks = {v["check"] for v in findings["verdicts"]}
    for name in ("大东区.html", "大东区-整改通知.html", "和平区.html", "和平区-整改通知.html"):
        text = visible(read(golden_out, name))
        assert "2022年12月31日" in text and "2023年1月10日" in text, name  # the base date and the date of issue
        for internal in [digest, "sha256", ".yaml", "policies/", "durable", "reference", "auditor audit", "当前：district"]:
            assert internal not in text, (name, internal)
        assert not [c for c in checks if c in text], name  # check titles, never ids
    index = read(golden_out, "index.html")
    technical = visible(index).split("技术信息")[-1]
    assert digest in technical and "auditor audit" in technical and "--issued 2023-01-10" in technical
    for f in findings["submissions"]:
        assert f in technical


def test_report_sections_follow_the_verdicts(golden_out):
    findings = json.loads(read(golden_out, "findings.json"))
    page = read(golden_out, "大东区.html")
    mine = [v for v in findings["verdicts"] if v["district"] == "大东区"]
    for v in mine:
        assert f'id="v-{v["check"]}" data-status="{v["status"]}"' in page
    for status in ("fail", "missing", "not_due", "pass"):
        n = sum(1 for v in mine if v["status"] == status)
        assert f'data-status="{status}" data-count="{n}"' in page
    # failed findings come first, the more severe first: the minor school-size check after the major ones
    order = [m.group(1) for m in re.finditer(r'<div class="finding fail" id="v-([^"]+)"', page)]
    assert order == ["golden-classes.56", "golden-classes.primary-45", "golden-classes.school-size"]
    # the not-yet-due rate shows its progress towards the target
    assert "95.1%" in page and "≥ 97%" in page


def test_notice_numbers_items_with_deadline_and_remedy(golden_out):
    notice = read(golden_out, "大东区-整改通知.html")
    items = re.findall(r'<div class="item" id="item-(\d+)" data-status="(\w+)"', notice)
    assert items == [("1", "fail"), ("2", "fail"), ("3", "fail")]
    assert "2023年2月9日" in notice  # 30 days after the date of issue, 2023-01-10 (not after the base date)
    assert "2022年12月31日为督导基准日" in notice
    assert "分流超额学生，将班额降至55人以内" in notice  # the policy's remedy
    assert "逐项整改上述问题，使其符合判定标准" in notice  # the default remedy, beside the standard
    assert "沈阳市人民政府教育督导室" in notice and "签发人" in notice and "大东区人民政府：" in notice
    # numbered per district in plan order: 和平区 first, then 大东区
    assert "沈教督〔2023〕2号" in notice and "沈教督〔2023〕1号" in read(golden_out, "和平区-整改通知.html")
    closing = notice.split('<div class="closing">')[1]
    assert 'id="item-3"' in closing and "签发人" in closing  # the last item and the signature are kept together
    assert 'class="seal"' not in notice
    missing = read(golden_out, "和平区-整改通知.html")
    assert re.findall(r'data-status="(\w+)"', missing.split('class="item"', 1)[1])[0] == "missing"
    assert "补报“基本消除大校额”所需数据（在校生数）" in missing


def test_rectify_days(tmp_path, capsys):
    assert audit_into(str(tmp_path), *GOLDEN_ARGS, "--rectify-days", "45") == 0
    deadline = _dt.date(2023, 1, 10) + _dt.timedelta(days=45)  # from the date of issue
    assert f"{deadline.year}年{deadline.month}月{deadline.day}日" in read(str(tmp_path), "大东区-整改通知.html")
    for bad in ("0", "x", "-3", "99999"):
        assert audit_into(str(tmp_path / "bad"), *GOLDEN_ARGS, "--rectify-days", bad) == 2
        assert "U-ARGS" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def test_english_documents(tmp_path):
    assert audit_into(str(tmp_path), *GOLDEN_ARGS, "--lang", "en") == 0
    names = sorted(os.listdir(tmp_path))
    assert "大东区-rectification-notice.html" in names and "大东区-整改通知.html" not in names
    page = read(str(tmp_path), "大东区.html")
    assert 'lang="en"' in page and "Findings" in page and "Rectification notice" in page
    assert "Rectify by" in read(str(tmp_path), "大东区-rectification-notice.html")


def test_long_evidence_is_summarised_with_the_full_list_in_the_appendix(tmp_path):
    classes = [{"id": f"1-{i}", "grade": 1, "size": 46 + i} for i in range(14)]
    school = {"id": "S1", "name": "一校", "stage": "primary", "rural": False, "pupils": sum(c["size"] for c in classes), "classes": classes}
    submission = tmp_path / "sh.json"
    submission.write_text(json.dumps({"district": "沈河区", "schools": [school]}, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    assert audit_into(str(out), str(submission), "--policies", os.path.join(INPUT, "policies"), "--districts", "沈河区",
                      "--as-of", "2022-12-31", "--engine", "reference") == 0
    page = read(str(out), "沈河区.html")
    finding = page.split('id="v-golden-classes.primary-45"')[1].split('<h2')[0]
    assert finding.count("<tr><td class=\"num\">") == 10 and 'href="#appendix-golden-classes.primary-45"' in finding
    assert "其余4条见附件" in finding
    appendix = page.split('id="appendix-golden-classes.primary-45"')[1].split("</table>")[0]
    assert appendix.count("<tr><td class=\"num\">") == 14 and 'href="#v-golden-classes.primary-45"' in appendix


def test_standards_on_the_bundled_documents_are_plain_words(tmp_path):
    """No code on the pages a district receives: the standards and filters are sentences, not expressions."""
    assert audit_into(str(tmp_path), "fixtures/shenyang-2022", "--as-of", "2022-12-31", "--engine", "reference") == 0
    standards = []
    for name in sorted(os.listdir(tmp_path)):
        if name.endswith(".html"):
            standards += [re.sub(r'<span class="nw">(.*?)</span>', r"\1", s)  # dates kept on one line
                          for s in re.findall(r"<tr><th>判定标准</th><td>(.*?)</td></tr>", read(str(tmp_path), name))]
    assert len(standards) > 50
    for text in standards:
        assert not re.search(r'[A-Za-z_=<>≤≥≠]|&#34;|&lt;|&gt;| 属于 | 且 | 或 ', text), text
    notice = read(str(tmp_path), "大东区-整改通知.html")
    assert "<td>班额不超过45人</td>" in notice
    assert "<td>经督导室人工复核：专项督导及督导结果公告落实情况（人工复核）</td>" in notice  # a review that concluded "not met"
