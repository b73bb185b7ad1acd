"""The generated pages in a real browser (headless Chromium, Debian's ``chromium``; `make test` installs it as root).

Opened as a reader would open them from a folder (file:// URLs): no console errors, no request leaves the
folder, every link between pages resolves (file and #fragment), the matrix's texts and colours and the
reports' statuses match findings.json, hostile school names are shown and not executed, and printing gives
A4 pages. Skipped only where no Chromium can be found.
"""
from __future__ import annotations

import json
import os
import re
import urllib.parse

import pytest

from chromium import BrowserError, Chromium, find_chromium
from auditor.output.labels import STATUS_ZH
from auditor.output.palette import STATUS_COLOURS
from golden_audit import audit_into, golden_out  # noqa: F401  (golden_out: the hostile-names audit, a fixture)

BINARY = find_chromium()
pytestmark = pytest.mark.skipif(BINARY is None, reason="no chromium on this machine (make test installs it as root)")
WORST_FIRST = ["fail", "missing", "not_due", "waived", "pass", "not_applicable"]


def rgb(hex_colour: str) -> str:
    h = hex_colour.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(h[i:i + 2], 16) for i in (0, 2, 4)))


@pytest.fixture(scope="module")
def browser():
    b = Chromium(BINARY)
    yield b
    b.close()


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    """The bundled audit, as `make audit` writes it."""
    out = str(tmp_path_factory.mktemp("bundled"))
    assert audit_into(out, "fixtures/shenyang-2022", "--as-of", "2022-12-31", "--engine", "reference") == 0
    return out


def url(folder: str, name: str) -> str:
    return "file://" + urllib.parse.quote(os.path.join(folder, name))


PAGE_FACTS = """(() => ({
  ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id),
  links: Array.from(document.querySelectorAll('a[href]')).map(a => new URL(a.getAttribute('href'), document.baseURI).href),
  svgLinks: document.querySelectorAll('svg a[href]').length,
  scripts: document.scripts.length,
  images: document.images.length,
  text: document.body.innerText,
}))()"""


def open_all(browser, folder: str) -> dict:
    pages = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".html"):
            report = browser.open(url(folder, name))
            facts = browser.evaluate(PAGE_FACTS)
            pages[name] = {**report, **facts}
    return pages


@pytest.fixture(scope="module")
def bundled_pages(browser, bundled):
    return open_all(browser, bundled)


def test_pages_render_without_errors_or_outside_requests(bundled, bundled_pages):
    assert len(bundled_pages) >= 15
    for name, page in bundled_pages.items():
        assert page["errors"] == [], (name, page["errors"])
        assert page["requests"] == [url(bundled, name)], (name, page["requests"])  # nothing but the page itself
        assert page["scripts"] == 0 and page["images"] == 0, name


def test_every_link_between_pages_resolves(bundled, bundled_pages):
    checked = 0
    for name, page in bundled_pages.items():
        for href in page["links"]:
            parsed = urllib.parse.urlparse(href)
            assert parsed.scheme == "file", (name, href)
            target = urllib.parse.unquote(parsed.path)
            assert os.path.dirname(target) == bundled and os.path.exists(target), (name, href)
            if parsed.fragment:
                target_page = bundled_pages.get(os.path.basename(target))
                assert target_page is not None, (name, href)
                assert urllib.parse.unquote(parsed.fragment) in target_page["ids"], (name, href)
            checked += 1
    assert checked > 100
    assert bundled_pages["index.html"]["svgLinks"] > 0  # the charts' district labels link too, and were checked above


def test_matrix_texts_and_colours_match_the_findings(browser, bundled):
    with open(os.path.join(bundled, "findings.json"), encoding="utf-8") as handle:
        findings = json.load(handle)
    expected = {}
    for v in findings["verdicts"]:
        cell = expected.setdefault((v["district"], v["clause"]), [])
        cell.append(v["status"])
    browser.open(url(bundled, "index.html"))
    cells = browser.evaluate("""Array.from(document.querySelectorAll('td.cell')).map(td => ({
        district: td.dataset.district, clause: td.dataset.clause, status: td.dataset.status,
        text: td.innerText, bg: getComputedStyle(td).backgroundColor, fg: getComputedStyle(td.querySelector('a')).color}))""")
    assert len(cells) == len(expected)
    for c in cells:
        statuses = expected[(c["district"], c["clause"])]
        worst = min(statuses, key=WORST_FIRST.index)
        assert c["status"] == worst, c
        assert c["text"].startswith(STATUS_ZH[worst]), c
        assert c["bg"] == rgb(STATUS_COLOURS[worst][0]) and c["fg"] == rgb(STATUS_COLOURS[worst][1]), c
    boxes = browser.evaluate("Object.fromEntries(Array.from(document.querySelectorAll('.headline .box')).map(b => [b.dataset.status, b.innerText]))")
    for status, text in boxes.items():
        assert text.split()[0] == str(sum(1 for v in findings["verdicts"] if v["status"] == status))
    # the chart of each district's figure colours its bar by the district's status
    bars = browser.evaluate("""Array.from(document.querySelectorAll('.chartbox g.bar')).map(g => ({
        status: g.dataset.status, fill: g.querySelector('rect') && g.querySelector('rect').getAttribute('fill'),
        label: g.querySelector('text').textContent}))""")
    assert any(b["status"] == "fail" and b["label"] == "苏家屯区" for b in bars)
    assert all(b["fill"] is None or b["status"] in STATUS_COLOURS for b in bars)


def test_district_reports_show_each_verdict_with_its_colour(browser, bundled):
    with open(os.path.join(bundled, "findings.json"), encoding="utf-8") as handle:
        findings = json.load(handle)
    for district in ("大东区", "于洪区", "沈阳市"):
        mine = [v for v in findings["verdicts"] if v["district"] == district]
        browser.open(url(bundled, f"{district}.html"))
        shown = browser.evaluate("""Object.fromEntries(Array.from(document.querySelectorAll('[id^="v-"]')).map(e => [e.id.slice(2), e.dataset.status]))""")
        assert shown == {v["check"]: v["status"] for v in mine}, district
        badges = browser.evaluate("""Array.from(document.querySelectorAll('span.status')).map(s => [s.dataset.status, getComputedStyle(s).backgroundColor, s.innerText])""")
        for status, bg, text in badges:
            assert bg == rgb(STATUS_COLOURS[status][0]) and text == STATUS_ZH[status]
        text = browser.evaluate("document.body.innerText")
        for v in mine:
            for e in v["evidence"]:
                if e["problem"] == "fail" and "message" in e and v["status"] == "fail":
                    assert e["message"]["zh"] in text


def test_hostile_names_are_shown_not_executed(browser, golden_out):
    for name in ("大东区.html", "大东区-整改通知.html", "index.html"):
        report = browser.open(url(golden_out, name))
        assert report["errors"] == [], report
        assert browser.evaluate("typeof window.__pwned") == "undefined"
        assert browser.evaluate("document.scripts.length + document.images.length") == 0
    browser.open(url(golden_out, "大东区.html"))
    text = browser.evaluate("document.body.innerText")
    assert "<script>window.__pwned=1</script>大东区第1小学" in text
    assert '=HYPERLINK("http://example.invalid","x")<img src=x onerror="window.__pwned=2">' in text


def test_printing_gives_a4_pages_with_a_break_between_findings(browser, bundled):
    browser.open(url(bundled, "大东区.html"))
    pdf = browser.pdf()
    assert pdf.startswith(b"%PDF")
    pages = re.findall(rb"/Type\s*/Page(?!s)", pdf)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([0-9.]+)\s+([0-9.]+)", pdf)
    assert len(pages) >= 3  # two failed findings, each on its own page, then the rest
    assert all(abs(float(w) - 595.9) < 2 and abs(float(h) - 842.9) < 2 for w, h in boxes), boxes  # A4 in points
    browser.open(url(bundled, "大东区-整改通知.html"))
    assert browser.pdf().startswith(b"%PDF")


def test_the_client_reports_console_errors_and_requests(browser):
    """The harness itself: a page that errs and fetches is caught (so the tests above can pass for the right reason)."""
    report = browser.open("data:text/html,<script>console.error('boom'); undefinedName.x</script>")
    assert any("boom" in e for e in report["errors"]) and len(report["errors"]) >= 2
    with pytest.raises(BrowserError):
        browser.evaluate("(() => { throw new Error('x') })()")
