"""The generated pages in a real browser (headless Chromium, Debian's ``chromium``; `make test` installs it as root).

Opened as a reader would open them from a folder (file:// URLs): no console errors, no request leaves the
folder, every link between pages resolves (file and #fragment), the matrix's texts and colours and the
reports' statuses match findings.json, hostile school names are shown and not executed, and printing gives
A4 pages. Skipped only where no Chromium can be found.
"""
from __future__ import annotations

import io
import json
import os
import urllib.parse

import pytest

pypdf = pytest.importorskip("pypdf")

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


def pdf_pages(pdf: bytes) -> list[tuple[float, float, str]]:
    """(width, height, text) of every printed page."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [(float(p.mediabox.width), float(p.mediabox.height), p.extract_text() or "") for p in reader.pages]


MARK = """(() => {  // ASCII markers (extractable whatever fonts the machine has), too small to move the layout
  const mark = (el, text) => { const s = document.createElement('span'); s.textContent = text;
    s.style.fontSize = '1px'; el.appendChild(s); };
  const items = document.querySelectorAll('.item h3');
  if (items.length) mark(items[items.length - 1], ' LASTITEMMARK ');
  mark(document.querySelector('.sign .block p:last-child'), ' SIGNATUREMARK ');
  return items.length;
})()"""


def test_printing_gives_compact_a4_pages(browser, bundled):
    """A4, and compact: a district's few findings do not each take a page of their own."""
    with open(os.path.join(bundled, "findings.json"), encoding="utf-8") as handle:
        findings = json.load(handle)
    browser.open(url(bundled, "皇姑区.html"))
    pages = pdf_pages(browser.pdf())
    assert all(abs(w - 595.9) < 2 and abs(h - 842.9) < 2 for w, h, _ in pages)  # A4 in points
    failed = sum(1 for v in findings["verdicts"] if v["district"] == "皇姑区" and v["status"] == "fail")
    # five findings with their 判定依据 (one line or two each; 7 pages before it), the passed and n/a tables: not nine pages
    assert failed == 5 and len(pages) <= 8, len(pages)
    assert all("样例数据" in text for _, _, text in pages)  # the sample-data mark on every printed page


def test_the_signature_stays_on_the_page_of_the_last_item(browser, bundled):
    checked = 0
    for name in sorted(os.listdir(bundled)):
        if not name.endswith("-整改通知.html"):
            continue
        browser.open(url(bundled, name))
        assert browser.evaluate(MARK) >= 1, name
        assert browser.evaluate("getComputedStyle(document.querySelector('.closing')).breakInside") == "avoid"
        assert browser.evaluate("document.querySelectorAll('.seal').length") == 0  # no placeholder circle
        pages = [text.replace(" ", "").replace("\n", "") for _, _, text in pdf_pages(browser.pdf())]
        last = [i for i, text in enumerate(pages) if "LASTITEMMARK" in text]
        sign = [i for i, text in enumerate(pages) if "SIGNATUREMARK" in text]
        assert len(last) == 1 and sign == last, (name, last, sign, len(pages))
        checked += 1
    assert checked >= 8


def test_no_page_is_wider_than_a_1280_pixel_screen(browser, bundled):
    browser.viewport(1280, 900)
    try:
        for name in sorted(os.listdir(bundled)):
            if name.endswith(".html"):
                browser.open(url(bundled, name))
                width = browser.evaluate("document.documentElement.scrollWidth")
                assert width <= 1280, (name, width)
        # the matrix itself fits, in the English pages too
        browser.open(url(bundled, "index.html"))
        assert browser.evaluate("document.querySelector('table.matrix').getBoundingClientRect().right") <= 1280
    finally:
        browser.viewport(1280, 900)


def test_clause_numbers_and_dates_do_not_wrap(browser, bundled):
    browser.viewport(1280, 900)
    for name in ("index.html", "皇姑区.html", "皇姑区-整改通知.html"):
        browser.open(url(bundled, name))
        broken = browser.evaluate("""Array.from(document.querySelectorAll('span.nw')).filter(s => s.getClientRects().length > 1)
            .map(s => s.textContent)""")
        assert broken == [], (name, broken)
        assert browser.evaluate("document.querySelectorAll('span.nw').length") > 10, name


def test_notices_name_no_check_id_or_file(browser, bundled):
    with open(os.path.join(bundled, "findings.json"), encoding="utf-8") as handle:
        findings = json.load(handle)
    checks = {v["check"] for v in findings["verdicts"]}
    for name in sorted(os.listdir(bundled)):
        if name.endswith(".html") and name != "index.html":
            browser.open(url(bundled, name))
            text = browser.evaluate("document.body.innerText")
            assert not [c for c in checks if c in text], name
            for internal in (".yaml", "policies/", "sha256", "durable", "auditor audit"):
                assert internal not in text, (name, internal)
    browser.open(url(bundled, "index.html"))
    technical = browser.evaluate("document.getElementById('technical').innerText")
    assert "sha256" in technical and "auditor audit" in technical


def test_the_matrix_prints_on_a4_landscape(browser, bundled):
    browser.open(url(bundled, "index.html"))
    pages = pdf_pages(browser.pdf())
    landscape = [i for i, (w, h, _) in enumerate(pages) if w > h]
    assert landscape and all(abs(pages[i][0] - 842.9) < 2 for i in landscape)
    assert any(abs(w - 595.9) < 2 for w, h, _ in pages)  # the rest stays portrait


def test_the_client_reports_console_errors_and_requests(browser):
    """The harness itself: a page that errs and fetches is caught (so the tests above can pass for the right reason)."""
    report = browser.open("data:text/html,<script>console.error('boom'); undefinedName.x</script>")
    assert any("boom" in e for e in report["errors"]) and len(report["errors"]) >= 2
    with pytest.raises(BrowserError):
        browser.evaluate("(() => { throw new Error('x') })()")
