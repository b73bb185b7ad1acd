"""Policy-authored message templates, rendered in Jinja's immutable sandbox.

Policy text is data: templates may only print the values handed to them
(``{{ size }}``, ``{{ school_name }}``) with simple filters. They cannot reach
Python internals (the sandbox refuses attribute access such as
``__class__``), cannot change anything, and their output is plain text that
the HTML templates escape like any other value.
"""
from __future__ import annotations

from functools import lru_cache

from jinja2 import StrictUndefined, Undefined
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_TEMPLATE = 2000


class _Blank(Undefined):
    """A value that is absent renders as an em dash, never as an error."""

    def __str__(self) -> str:
        return "—"


_ENV = ImmutableSandboxedEnvironment(autoescape=False, undefined=_Blank, keep_trailing_newline=False)


@lru_cache(maxsize=4096)
def compile_message(source: str):
    if len(source) > MAX_TEMPLATE:
        raise ValueError(f"a message template may hold at most {MAX_TEMPLATE} characters")
    return _ENV.from_string(source)


def render_message(source: str, values: dict) -> str:
    """Render one message; a template that misbehaves yields a marked fallback, never a crash."""
    try:
        text = compile_message(source).render(**values)
    except (SecurityError, TemplateError, ValueError, TypeError, ArithmeticError) as exc:
        return f"[消息模板错误 message template error: {type(exc).__name__}]"
    return text[:4000]
