"""The generated pages in a real browser (headless Chromium, Debian's ``chromium``; `make test` installs it as root).

Opened as a reader would open them from a folder (file:// URLs): no console errors, no request leaves the
folder, every link between pages resolves (file and #fragment), the matrix's texts and colours and the
reports' statuses match findings.json, hostile school names are shown and not executed, and printing gives
A4 pages. The bundled audit is the 2022 round as `make audit` renders it, with the earlier rounds in its audit
history: the history's sections (复查, comparison, items carried over, trends, projections) are checked against
the store. Skipped only where no Chromium can be found.
"""
from __future__ import annotations

import io
import json
import os
import re
import unicodedata
import urllib.parse

import pytest

pypdf = pytest.importorskip("pypdf")

from chromium import BrowserError, Chromium, find_chromium
from auditor.output.history import COMPARE_ROWS
from auditor.output.labels import STATUS_ZH, labels
from auditor.output.palette import LIFECYCLE_COLOURS, STATUS_COLOURS
from auditor.store import db, lifecycle, query, views
from golden_audit import golden_history_out, golden_out  # noqa: F401  (fixtures: the hostile-names audits)
from recorded_rounds import rounds_db, rounds_folder  # noqa: F401  (fixtures: the four rounds, as `make audit` records them)

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
def bundled(rounds_folder):
    """The bundled audit as `make audit` writes it: the 2022 round, with the rounds 2019-2021 before it in its
    audit history (复查, comparison, items carried over, trends)."""
    return os.path.join(rounds_folder, "out")


@pytest.fixture(scope="module")
def round_2021(rounds_folder):
    """The 2021 round (于洪区's correction), with 2019 and 2020 before it: checks not yet due, projected."""
    return os.path.join(rounds_folder, "2021-corrected")


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
    lead = findings["documents"][0]["ref"]  # the first document's clauses are shown bare, the others' with the document
    for v in findings["verdicts"]:
        clause = v["clause"] if v["document"] == lead else f"{v['document']} {v['clause']}"
        cell = expected.setdefault((v["district"], clause), [])
        cell.append(v["status"])
    browser.open(url(bundled, "index.html"))
    cells = browser.evaluate("""Array.from(document.querySelectorAll('table.matrix:not(.cv-matrix) td.cell')).map(td => ({
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
    assessed = {d["ref"] for d in findings["documents"] if d.get("assessment")}
    shown_js = """Object.fromEntries(Array.from(document.querySelectorAll('[id^="v-"]')).map(e => [e.id.slice(2), e.dataset.status]))"""
    for district in ("大东区", "于洪区", "沈阳市"):
        mine = [v for v in findings["verdicts"] if v["district"] == district]
        # a document with an assessment page (the national standard) has its passed items there, the rest here too
        assessment = os.path.join(bundled, f"{district}-优质均衡评估.html")
        if os.path.exists(assessment):
            browser.open(url(bundled, os.path.basename(assessment)))
            on_page = browser.evaluate(shown_js)
            assert on_page == {v["check"]: v["status"] for v in mine if v["document"] in assessed}, district
        browser.open(url(bundled, f"{district}.html"))
        shown = browser.evaluate(shown_js)
        assert shown == {v["check"]: v["status"] for v in mine if not (v["document"] in assessed and v["status"] == "pass")}, district
        badges = browser.evaluate("""Array.from(document.querySelectorAll('span.status[data-status]')).map(s => [s.dataset.status, getComputedStyle(s).backgroundColor, s.innerText])""")
        for status, bg, text in badges:
            assert bg == rgb(STATUS_COLOURS[status][0]) and text == STATUS_ZH[status]
        # the history's badges: each finding's state against the previous round, in its own colours
        states = browser.evaluate("""Array.from(document.querySelectorAll('span.lc')).map(s => [s.dataset.lifecycle, getComputedStyle(s).backgroundColor, s.innerText])""")
        assert states or district == "沈阳市", district
        for state, bg, text in states:
            assert bg == rgb(LIFECYCLE_COLOURS[state][0]) and text == lifecycle.LABELS["zh"][state]
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
    # the findings (five of the plan, three of the national standard, whose passed items are on its assessment
    # page), 复查 and the comparison with 2021, the plan's passed and the n/a tables: at most a page per finding and
    # four more
    assert failed == 8 and len(pages) <= failed + 4, len(pages)
    first = unicodedata.normalize("NFKC", pages[0][2]).replace(" ", "").replace("\n", "")  # Kangxi radicals as characters
    assert "复查情况" in first and "与上次督导比较" in first and "新发现" in first  # the history fits on the first page
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


# ----------------------------------------------------------------------------- the audit history on the pages
HISTORY_WORDS = labels("zh")["history"]


def test_the_review_and_comparison_show_what_the_history_holds(browser, bundled, rounds_db):
    """Each district's 复查情况 lists its previous notice's items with their states, 与上次督导比较 its counts."""
    with db.opened(rounds_db, write=False) as connection:
        audit = query.resolve(connection, "2022-12-31")
        data = views.report_views(connection, audit.id)
        checks = {c for (c,) in connection.execute("SELECT DISTINCT check_id FROM check_defs")}
    browser.viewport(1280, 900)
    checked = truncated = 0
    for district, view in data["districts"].items():
        browser.open(url(bundled, f"{district}.html"))
        shown = browser.evaluate("""(() => ({
            review: Array.from(document.querySelectorAll('table.review tr[data-review]')).map(r => [r.dataset.review, r.innerText]),
            compare: Array.from(document.querySelectorAll('table.compare tr[data-lifecycle]')).map(r => r.dataset.lifecycle),
            wide: Array.from(document.querySelectorAll('#history table')).map(t => t.getBoundingClientRect().right),
            text: (document.getElementById('history') || {innerText: ''}).innerText}))()""")
        items = (view.get("previous_notice") or {}).get("items", [])
        assert [s for s, _ in shown["review"]] == [i["state"] for i in items], district
        for (_, row), i in zip(shown["review"], items):
            assert i["title"]["zh"] in row and i["label"]["zh"] in row, (district, row)
        # every state's findings are counted in the introduction; the first COMPARE_ROWS are listed, the rest
        # are counted in a row under them (于洪区 has more new findings than that with both packs)
        counts = view["comparison"]["counts"]
        assert {s: shown["compare"].count(s) for s in counts} == {s: min(n, COMPARE_ROWS) for s, n in counts.items()}, district
        for state, n in counts.items():
            if n:
                assert HISTORY_WORDS["text"]["count_findings"].format(state=HISTORY_WORDS["state"][state], n=n) in shown["text"], (district, state)
            more = HISTORY_WORDS["text"]["more_rows"].format(n=n - COMPARE_ROWS, state=HISTORY_WORDS["state"][state])
            assert (more in shown["text"]) == (n > COMPARE_ROWS), (district, state)
            truncated += n > COMPARE_ROWS
        assert all(right <= 1280 for right in shown["wide"]), district
        assert shown["text"] and not [c for c in checks if c in shown["text"]], district  # titles, never check ids
        checked += bool(items)
    assert checked >= 8  # most districts had a notice in 2021
    assert truncated  # some list is longer than a page lists (the rows under it are exercised)


def test_notices_list_items_carried_over_first_with_the_earlier_notice(browser, bundled):
    found = 0
    for name in sorted(os.listdir(bundled)):
        if not name.endswith("-整改通知.html"):
            continue
        browser.open(url(bundled, name))
        items = browser.evaluate("""Array.from(document.querySelectorAll('.item')).map(i => ({
            state: (i.querySelector('h3 span.lc') || {dataset: {}}).dataset.lifecycle || null,
            carried: (i.querySelector('tr.carried td') || {innerText: ''}).innerText}))""")
        ranks = [0 if i["state"] == "overdue" else 1 if i["state"] else 2 for i in items]
        assert ranks == sorted(ranks), (name, ranks)  # overdue first, then other items named before, then the rest
        for i in items:
            if i["state"] == "overdue":
                assert re.search(r"沈教督〔20\d\d〕\d+号（限20\d\d年\d+月\d+日前整改）已提出", i["carried"]), (name, i)
                assert "逾期未整改" in i["carried"]
                found += 1
        if any(r == 0 for r in ranks):
            text = browser.evaluate("document.body.innerText")
            assert "为此前整改通知已提出、逾期仍未整改的问题" in text, name
    assert found >= 5


def test_the_city_summary_draws_the_trends_inside_their_boxes(browser, bundled, rounds_db):
    with db.opened(rounds_db, write=False) as connection:
        city = views.city_view(connection, query.resolve(connection, "2022-12-31"))
    browser.viewport(1280, 900)
    browser.open(url(bundled, "index.html"))
    figures = browser.evaluate("""Array.from(document.querySelectorAll('#trend-districts figure')).map(f => ({
        district: f.dataset.district, box: f.getBoundingClientRect().right, svg: f.querySelector('svg').getBoundingClientRect().right,
        values: Array.from(f.querySelectorAll('g.series')).map(g => Array.from(g.querySelectorAll('circle')).map(c => +c.dataset.value))}))""")
    assert [f["district"] for f in figures] == [d["district"] for d in city["districts"]]
    for f, d in zip(figures, city["districts"]):
        assert f["svg"] <= f["box"] + 0.5 and f["box"] <= 1280, f
        assert f["values"] == [[v for v in d["fail"] if v is not None], [v for v in d["missing"] if v is not None]], f
    overdue = browser.evaluate("document.querySelectorAll('table.overdue tbody tr').length")
    assert overdue == len(city["overdue"]) > 0
    assert browser.evaluate("document.querySelectorAll('#trend-clauses figure').length") == \
        sum(1 for c in city["clauses"] if any(c["districts_failing"]))


def test_the_projections_of_the_2021_round(browser, round_2021):
    browser.viewport(1280, 900)
    for name in ("和平区.html", "沈阳市.html"):
        report = browser.open(url(round_2021, name))
        assert report["errors"] == [], report
        rows = browser.evaluate("""Array.from(document.querySelectorAll('table.projection tbody tr')).map(r => ({
            on: r.dataset.onTrack, label: r.querySelector('span.pj').innerText, values: r.querySelector('td.values').innerText,
            right: r.getBoundingClientRect().right}))""")
        assert rows, name
        for r in rows:
            assert r["label"] == ("进度正常" if r["on"] == "true" else "进度滞后") and r["right"] <= 1280
            assert len(re.findall(r"\d{4}年\d+月\d+日", r["values"])) >= 2  # values per round
        assert browser.evaluate("document.documentElement.scrollWidth") <= 1280
        assert "直线" in browser.evaluate("document.getElementById('projection').nextElementSibling.innerText")
