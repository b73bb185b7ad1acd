"""The only module that imports durable_rules.

durable_rules is a Rete engine with a C core, unmaintained since 2020. What we
rely on, and what we guard against (see ../shared/notes/durable-rules.md and
tests/evaluate/test_engine.py, which provokes each fault):

* one ``Host`` per process, with its timer threads disabled (``_run`` does
  nothing): every action runs synchronously inside ``assert_facts``;
* rulesets are plain dicts from ``compiler.py``, deep-copied before
  registration (durable_rules mutates them), registered once per compiled set
  under a unique name; each audit of a district uses its own ``sid`` and
  deletes that state afterwards, so audits never see each other's facts;
* a batch containing a fact that no rule matches raises
  ``MessageNotHandledException`` and *leaves the other facts' actions pending*;
  a fact whose 32-bit identity hash collides with a stored one is refused as
  "already observed". After every batch that raised we drain the pending
  actions, and after every district we compare the stored facts with what we
  asserted: refused facts are re-asserted with a different ``_salt`` (which
  changes the hash), and a fact still missing after that stops the audit;
* exceptions raised inside actions are swallowed into the state's
  ``exception`` field: we read it after every district and stop if it is set;
* floats that Python writes in exponent form (``1e-05``) are refused by the C
  parser, so facts are serialised here with positional floats.

The engine only reports which records violate which rule. It never decides a
verdict: ``reconcile.py`` holds these hits against the reference evaluator.
"""
from __future__ import annotations

import decimal
import itertools
import json
import threading
from dataclasses import replace

import durable_rules_engine as _core
from durable import engine as _durable

from auditor.rules.compiler import KEY_FIELD, KIND_FIELD, CompiledSet
from auditor.errors import EngineError, Problem
from auditor.model import Record
from auditor.texts import Msg, msg

BATCH = 1000
MAX_SALT = 8
RESERVED = {"id", "sid", "$s"}
SENTINEL = "_sentinel"


class _QuietHost(_durable.Host):
    """A host without its two never-ending timer threads: we dispatch ourselves."""

    def _run(self):  # noqa: D401 - overriding durable_rules
        return None


_HOST: _QuietHost | None = None
_LOCK = threading.RLock()
_SERIAL = itertools.count(1)


def host() -> _QuietHost:
    global _HOST
    with _LOCK:
        if _HOST is None:
            _HOST = _QuietHost()
        return _HOST


def _number(value: float) -> str:
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(decimal.Decimal(text), "f")
    return text


def dumps(value) -> str:
    """JSON with positional floats (durable_rules rejects exponent form)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(str(k), ensure_ascii=False) + ":" + dumps(v) for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    if value is None:
        return "null"
    return json.dumps(value, ensure_ascii=False)


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def _plain(value) -> bool:
    """True when the standard encoder writes ``value`` as durable_rules reads it (no exponent-form float)."""
    kind = type(value)
    if kind is int or kind is str or kind is bool:
        return True
    return kind is float and "e" not in repr(value) and "n" not in repr(value)


def encode(facts: list[dict], plain: bool) -> str:
    """A batch as JSON: the C encoder when every value is ``_plain``, else :func:`dumps`."""
    return _ENCODE(facts) if plain else dumps(facts)


def projector(paths: list[str]):
    """``_project`` specialised for ``paths``: a closure ``data -> (fact, plain)``."""
    simple = tuple(p for p in paths if "." not in p)
    nested = [p for p in paths if "." in p]

    def project(data: dict) -> tuple[dict, bool]:
        out = {}
        plain = True
        for name in simple:
            value = data.get(name)
            if value is not None:  # absent stays absent: the compiled rules guard with $ex
                out[name] = value
                if plain and not _plain(value):
                    plain = False
        if nested:
            for key, value in _project(data, nested).items():
                out[key] = value
                if plain and not (isinstance(value, dict) and all(_plain(v) for v in value.values())):
                    plain = False
        return out, plain
    return project


def _project(data: dict, paths: list[str]) -> dict:
    out: dict = {}
    for path in paths:
        parts = path.split(".")
        value = data
        for part in parts:
            value = value.get(part) if isinstance(value, dict) else None
            if value is None:
                break
        if value is None:
            continue  # absent stays absent: the compiled rules guard with $ex
        target = out
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return out


def refusal_reason(exc: BaseException) -> Msg | str:
    """The C core's words for a refusal, or what the exception was when it says nothing (a MemoryError has no text)."""
    if isinstance(exc, MemoryError):
        return msg("engine.out-of-memory")
    text = str(exc).strip()
    return text[:200] if text else msg("engine.no-message", kind=type(exc).__name__)


def _created(name: str, rules: dict) -> str | None:
    """None when durable_rules' own ruleset creation accepts ``rules``; else its error. Nothing is kept."""
    try:
        handle = _core.create_ruleset(name, json.dumps(rules, ensure_ascii=False))
    except Exception as exc:  # the C core raises plain errors with numeric codes (113, 202, 204, ...)
        return str(exc)[:200]
    _core.delete_ruleset(handle)
    return None


def validate_rulesets(compiled: CompiledSet) -> dict[str, str]:
    """{rule name: durable_rules' error} for every rule its own ruleset creation refuses ({} when all are
    accepted). Each compiled ruleset is created and deleted again (nothing is registered with the host);
    a refused ruleset is tried rule by rule to name the rules at fault. `auditor check` calls this
    (through the command layer: the rules stage does not import the engine), so that a rule durable_rules
    cannot build — error 113 for fourteen ANDed ``(a or b)`` terms — is a P-ENGINE at its policy, not an
    I-ENGINE mid-audit."""
    refused: dict[str, str] = {}
    for name, rules in compiled.definitions().items():
        if _created(f"validate_{name}", rules) is None:
            continue
        for rule_name, rule in rules.items():
            error = _created(f"validate_{name}_{rule_name}", {rule_name: rule})
            if error is not None:
                refused[rule_name] = error
        if not refused:  # only together: say so at the first rule of the ruleset
            refused[next(iter(rules))] = _created(f"validate_{name}", rules) or "refused"
    return refused


class Engine:
    """A compiled policy set registered with durable_rules, ready to audit districts."""

    def __init__(self, compiled: CompiledSet):
        self.compiled = compiled
        for kind, paths in compiled.projection.items():
            for path in paths:
                if path.split(".")[0] in RESERVED:
                    raise EngineError(Problem("<policies>", 0, 0, "I-ENGINE", msg("engine.reserved", field=path)))
        self.prefix = f"audit{next(_SERIAL)}_"
        self._hits: dict[str, set] = {}
        self._sentinel_seen: dict = {}
        self.refused = 0  # facts refused as "already observed" and re-asserted, over this engine's life
        definitions = compiled.definitions()
        for rules in definitions.values():
            rules[SENTINEL] = {"all": [{"m": {KIND_FIELD: SENTINEL}}]}
        for rules in definitions.values():
            for rule_name, rule in rules.items():
                rule["run"] = self._recorder(rule_name)
        with _LOCK:
            try:
                host().set_rulesets({self.prefix + name: rules for name, rules in definitions.items()})
            except Exception as exc:  # the C core raises plain errors with numeric codes (202, 204, ...)
                # (the commands call validate_rulesets first: a policy's rule the engine refuses is P-ENGINE there)
                raise EngineError(Problem("<policies>", 0, 0, "I-ENGINE", msg("engine.refused-rules", detail=str(exc)[:200]))) from None
        self._rulesets = {name: host().get_ruleset(self.prefix + name) for name in definitions}
        self._projectors = {kind: projector(paths) for kind, paths in compiled.projection.items()}

    def _recorder(self, rule_name: str):
        hits = self._hits

        def record(c):
            hits.setdefault(rule_name, set()).add(c.m[KEY_FIELD])

        return record

    # ------------------------------------------------------------------ internals
    @staticmethod
    def _drain(ruleset) -> None:
        """Run actions left pending by a batch that raised."""
        errors = []

        def complete(error, _state):
            if error:
                errors.append(error)

        while True:
            result = _core.start_action(ruleset._handle)
            if not result:
                break
            ruleset._flush_actions(json.loads(result[0]), {"message": json.loads(result[1])}, result[2], complete)
        if errors:
            raise EngineError(Problem("<engine>", 0, 0, "I-ENGINE", msg("engine.action-failed", kind=type(errors[0]).__name__)))

    def _assert(self, ruleset, facts: list[dict], plain: bool = False) -> None:
        text = encode(facts, plain)
        try:
            result = _core.assert_facts(ruleset._handle, text)
        except Exception as exc:  # the C core raises plain Exceptions with numeric codes (MemoryError when memory runs out)
            raise EngineError(Problem("<engine>", 0, 0, "I-ENGINE", msg("engine.refused-batch", count=len(facts),
                                                                        reason=refusal_reason(exc)))) from None
        status = result[0]
        if status in (1, 2):  # not handled (some fact matched no rule) / already observed
            self._drain(ruleset)
            return
        errors = []
        ruleset.do_actions(result[1] if status == 0 else 0, lambda error, _s: errors.append(error) if error else None)
        if errors:
            raise EngineError(Problem("<engine>", 0, 0, "I-ENGINE", msg("engine.action-failed", kind=type(errors[0]).__name__)))

    # ------------------------------------------------------------------ public
    def run(self, district: str, records: dict[str, list[Record]], expected: dict[str, set]) -> dict[str, set]:
        """Assert one district's records; return {rule name: keys of violating records}.

        ``expected`` is the reference evaluator's violations per rule. durable_rules stores
        only facts that match a rule, so a violating record the engine did not report is
        looked up among the stored facts: if it is not stored, it was refused ("already
        observed" through a hash collision) and is re-asserted with a new ``_salt``; if it
        is stored, the engine mis-evaluated it, and the reconciliation will say so.
        """
        self._hits.clear()
        sid = f"{self.prefix}{next(_SERIAL)}"
        touched = []
        kind = ""
        try:
            for name, ruleset in self._rulesets.items():
                kind = self.compiled.rulesets[name]["kind"]
                rules = self.compiled.rulesets[name]["rules"]
                project = self._projectors[kind]
                facts: dict[str, dict] = {}
                batch: list[dict] = []
                plain = True
                touched.append(ruleset)
                for record in records.get(kind, []):
                    fact, plain_fact = project(record.data)
                    plain = plain and plain_fact
                    fact["sid"] = sid
                    fact[KEY_FIELD] = record.key
                    fact[KIND_FIELD] = kind
                    facts[record.key] = fact
                    batch.append(fact)
                    if len(batch) >= BATCH:
                        self._assert(ruleset, batch, plain)
                        batch = []
                        plain = True
                if batch:
                    self._assert(ruleset, batch, plain)
                self._resalt(ruleset, sid, facts, {r: expected.get(r, set()) for r in rules})
                self._sentinel(ruleset, sid)
            return {rule: set(keys) for rule, keys in self._hits.items() if rule != SENTINEL}
        except EngineError as exc:  # which district, which records: the C core's own words name neither
            raise EngineError([replace(p, message=msg("engine.in-district", district=district, kind=kind,
                                                    problem=p.text if p.text is not None else p.message))
                               if p.file == "<engine>" else p for p in exc.problems]) from None
        finally:
            # delete_state on a sid whose facts matched no rule crashes the C core (segfault);
            # the sentinel fact asserted into every ruleset makes deletion safe.
            for ruleset in touched:
                if self._sentinel_seen.get((id(ruleset), sid)):
                    ruleset.delete_state(sid)

    def _sentinel(self, ruleset, sid: str) -> None:
        """One fact that must match: proves actions ran, and that the state can be deleted."""
        before = len(self._hits.get(SENTINEL, ()))
        self._assert(ruleset, [{"sid": sid, KEY_FIELD: f"_sentinel:{id(ruleset)}:{sid}", KIND_FIELD: SENTINEL}])
        self._sentinel_seen[(id(ruleset), sid)] = True
        if len(self._hits.get(SENTINEL, ())) != before + 1:
            raise EngineError(Problem("<engine>", 0, 0, "I-ENGINE", msg("engine.no-sentinel")))
        state = json.loads(_core.get_state(ruleset._handle, sid))
        if state.get("exception"):
            raise EngineError(Problem("<engine>", 0, 0, "I-ENGINE", msg("engine.swallowed", detail=str(state["exception"]).splitlines()[0][:200])))

    def _resalt(self, ruleset, sid: str, facts: dict[str, dict], expected: dict[str, set]) -> None:
        for salt in range(1, MAX_SALT + 1):
            unreported = set()
            for rule, keys in expected.items():
                unreported |= keys - self._hits.get(rule, set())
            if not unreported:
                return
            stored = {f.get(KEY_FIELD) for f in json.loads(_core.get_facts(ruleset._handle, sid))}
            refused = sorted(k for k in unreported if k not in stored and k in facts)
            if not refused:
                return  # stored but not reported: a real disagreement, for the reconciliation
            self.refused += len(refused)
            batch = [dict(facts[k], _salt=salt) for k in refused]
            for start in range(0, len(batch), BATCH):
                self._assert(ruleset, batch[start:start + BATCH])
        raise EngineError(Problem("<engine>", 0, 0, "I-ENGINE", msg("engine.refused-records", count=len(refused), salts=MAX_SALT, example=refused[0])))
