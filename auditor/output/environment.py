"""The Jinja environment the documents are rendered in: autoescaping, strict undefined names, every printed value
without bidirectional controls, the report's filters (``css_string``, ``zh_date``, ``keep``) and the words and
colours every template may use."""
from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from auditor.dates import zh_date
from auditor.intake.values import neutral
from auditor.output.labels import METHOD_EN, METHOD_ZH, SEVERITY_EN, SEVERITY_ZH, STATUS_EN, STATUS_ZH
from auditor.output.palette import LIFECYCLE_COLOURS, NOTICE_STATE_COLOURS, PROJECTION_COLOURS, STATUS_COLOURS, STATUS_ORDER

TEMPLATES = Path(__file__).resolve().parents[2] / "reports" / "templates"


def css_string(text: str) -> Markup:
    """``text`` as a CSS string literal in which only letters and digits stay literal (safe inside <style>)."""
    out = "".join(ch if ch.isalnum() or ch == " " else f"\\{ord(ch):06x}" for ch in str(text))
    return Markup(f'"{out}"')


# tokens that must not break across lines: dates, document numbers (沈教督〔2023〕5号), clause numbers (二（一）4)
_TOKENS = re.compile(r"[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日|[0-9]{4}-[0-9]{2}-[0-9]{2}|[\u4e00-\u9fff]{0,8}〔[0-9]{4}〕[0-9]+号"
                     r"|[一二三四五六七八九十]+（[一二三四五六七八九十]+）[0-9]*")


def keep_tokens(text) -> Markup:
    """``text`` escaped, with its dates, document numbers and clause numbers kept on one line."""
    out, last = [], 0
    text = str(text)
    for m in _TOKENS.finditer(text):
        out.append(escape(text[last:m.start()]))
        out.append(Markup('<span class="nw">') + escape(m.group()) + Markup("</span>"))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def _neutral(value):
    """Every value a page prints, without bidirectional controls (a U+202E in a name would reverse the line)."""
    if isinstance(value, Markup):
        return Markup(neutral(str(value)))
    return neutral(value) if isinstance(value, str) else value


def environment(templates: Path = TEMPLATES) -> Environment:
    env = Environment(loader=FileSystemLoader(str(templates)), autoescape=select_autoescape(["html", "xml", "svg"], default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, finalize=_neutral)
    env.globals.update(STATUS_ZH=STATUS_ZH, STATUS_EN=STATUS_EN, SEVERITY_ZH=SEVERITY_ZH, SEVERITY_EN=SEVERITY_EN,
                       METHOD_ZH=METHOD_ZH, METHOD_EN=METHOD_EN, STATUS_ORDER=STATUS_ORDER, STATUS_COLOURS=STATUS_COLOURS,
                       LIFECYCLE_COLOURS=LIFECYCLE_COLOURS, NOTICE_STATE_COLOURS=NOTICE_STATE_COLOURS,
                       PROJECTION_COLOURS=PROJECTION_COLOURS)
    env.filters["css_string"] = css_string
    env.filters["zh_date"] = zh_date
    env.filters["keep"] = keep_tokens
    return env
