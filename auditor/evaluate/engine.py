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
* every ruleset has one rule that matches every fact of its kind (``_all``): each
  fact the engine holds is accounted for, and no batch raises
  ``MessageNotHandledException`` for an unmatched fact (should one raise, its
  pending actions are drained). A fact whose 32-bit identity hash collides with a
  stored one is refused as "already observed": after every ruleset's facts are
  asserted, the facts ``_all`` did not see are re-asserted with a different
  ``_salt`` (which changes the hash), and a fact still unaccounted for after
  that stops the audit — without asking the reference evaluator anything;
* exceptions raised inside actions are swallowed into the state's
  ``exception`` field: we read it after every district and stop if it is set;
* floats that Python writes in exponent form (``1e-05``) are refused by the C
  parser, so facts are serialised here with positional floats;
* every rule hands its matches to its action ``CAP`` at a time.

The engine judges every outcome with rules of its own (``rules/outcomes.py``):
which records fail, which are not applicable, which lack data; every other
record it holds passes. It never decides a verdict: ``reconcile.py`` holds each
outcome set against the reference evaluator's, record by record.
"""
from __future__ import annotations

import decimal
import itertools
import json
import re
import threading
from dataclasses import replace

import durable_rules_engine as _core
from durable import engine as _durable

from dataclasses import dataclass

from auditor.rules.compiler import KEY_FIELD, KIND_FIELD, CompiledSet, engine_rules, paths
from auditor.errors import EngineError, Problem
from auditor.model import Record
from auditor.texts import Msg, msg

BATCH = 1000
CAP = 1000  # matches handed to one action call
MAX_SALT = 8
RESERVED = {"id", "sid", "$s"}
SENTINEL = "_sentinel"
ALL = "_all"  # per ruleset: the rule every fact of its kind matches
MAX_PATHS = 63  # matching tests one fact may have pending in a ruleset (64, less the _all rule)
# an action's message, as the C core writes it: {"rule": {"m": fact}} or, with a cap, {"rule": [{"m": fact}, ...]};
# a quote inside a JSON string is always escaped, so "_key": " cannot be matched inside a value
_RULE = re.compile(r'\{\s*"([A-Za-z0-9_:]+)"\s*:')
_KEY = re.compile(r'"%s"\s*:\s*"((?:[^"\\]|\\.)*)"' % KEY_FIELD)


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
    for rule in compiled.rules:  # more paths than one fact may have pending: error 303 at the first record
        family = engine_rules(rule)
        if paths(family) > MAX_PATHS:
            refused[next(iter(family))] = (f"error 303: its outcome rules take {paths(family)} paths in durable_rules' "
                                           f"network, at most {MAX_PATHS}")
    for name, rules in compiled.definitions().items():
        if _created(f"validate_{name}", rules) is None:
            continue
        alone = {}
        for rule_name, rule in rules.items():
            error = _created(f"validate_{name}_{rule_name}", {rule_name: rule})
            if error is not None:
                alone[rule_name] = error
        refused.update(alone)
        if not alone:  # only together: say so at the first rule of the ruleset
            refused[next(iter(rules))] = _created(f"validate_{name}", rules) or "refused"
    return refused


@dataclass
class Found:
    """What the engine judged for one district: per rule, the keys of the records in each outcome
    (``fail``, ``not_applicable``, ``missing``), and per record kind the keys of every record it holds."""

    outcomes: dict  # rule name -> {outcome: set of record keys}
    held: dict  # kind -> set of record keys


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
        for name, rules in definitions.items():
            rules[ALL] = {"all": [{"m": {KIND_FIELD: compiled.rulesets[name]["kind"]}}]}
            rules[SENTINEL] = {"all": [{"m": {KIND_FIELD: SENTINEL}}]}
            for rule_name, rule in rules.items():
                rule["cap"] = CAP
                rule["run"] = self._recorder(rule_name)
        with _LOCK:
            try:
                host().set_rulesets({self.prefix + name: rules for name, rules in definitions.items()})
            except Exception as exc:  # the C core raises plain errors with numeric codes (202, 204, ...)
                # (the commands call validate_rulesets first: a policy's rule the engine refuses is P-ENGINE there)
                raise EngineError(Problem("<policies>", 0, 0, "I-ENGINE", msg("engine.refused-rules", detail=str(exc)[:200]))) from None
        self._rulesets = {name: host().get_ruleset(self.prefix + name) for name in definitions}
        self._by_kind: dict[str, list[str]] = {}
        for name in definitions:
            self._by_kind.setdefault(compiled.rulesets[name]["kind"], []).append(name)
        self._projectors = {kind: projector(paths) for kind, paths in compiled.projection.items()}

    @staticmethod
    def _recorder(rule_name: str):
        """The action registered with durable_rules. It never runs: :meth:`_actions` reads each action's
        matches straight from the C core (no ``Closure``, no state written back)."""

        def record(c):  # pragma: no cover - the actions are driven by _actions
            raise EngineError(Problem("<engine>", 0, 0, "I-ENGINE", msg("engine.own-action", rule=rule_name)))

        return record

    # ------------------------------------------------------------------ internals
    def _actions(self, ruleset, first, handle) -> None:
        """Record every pending action of ``ruleset`` (``first``: the first action's message, ``handle``: its
        state handle): the rule's name and the keys of the up to ``CAP`` facts it matched."""
        hits = self._hits
        message = first
        while message:
            named = _RULE.match(message)
            if named is None:
                raise EngineError(Problem("<engine>", 0, 0, "I-ENGINE", msg("engine.unreadable-action")))
            keys = [json.loads(f'"{k}"') if "\\" in k else k for k in _KEY.findall(message, named.end())]
            if not keys:
                raise EngineError(Problem("<engine>", 0, 0, "I-ENGINE", msg("engine.action-no-facts")))
            found = hits.get(named.group(1))
            if found is None:
                found = hits[named.group(1)] = set()
            found.update(keys)
            message = _core.complete_and_start_action(ruleset._handle, handle)

    def _drain(self, ruleset) -> None:
        """Run actions left pending by a batch that raised."""
        while True:
            result = _core.start_action(ruleset._handle)
            if not result:
                break
            self._actions(ruleset, result[1], result[2])

    def _batches(self, kind: str, records: list[Record], sid: str) -> tuple[dict[str, dict], list[tuple[str, int]]]:
        """The facts of ``records`` by key, and their batches as JSON with their sizes (projected and encoded
        once for every ruleset of the kind)."""
        project = self._projectors[kind]
        facts: dict[str, dict] = {}
        batches: list[tuple[str, int]] = []
        batch: list[dict] = []
        plain = True
        for record in records:
            fact, plain_fact = project(record.data)
            plain = plain and plain_fact
            fact["sid"] = sid
            fact[KEY_FIELD] = record.key
            fact[KIND_FIELD] = kind
            facts[record.key] = fact
            batch.append(fact)
            if len(batch) >= BATCH:
                batches.append((encode(batch, plain), len(batch)))
                batch = []
                plain = True
        if batch:
            batches.append((encode(batch, plain), len(batch)))
        return facts, batches

    def _assert(self, ruleset, facts: list[dict], plain: bool = False) -> None:
        self._assert_text(ruleset, encode(facts, plain), len(facts))

    def _assert_text(self, ruleset, text: str, count: int) -> None:
        try:
            result = _core.assert_facts(ruleset._handle, text)
        except Exception as exc:  # the C core raises plain Exceptions with numeric codes (MemoryError when memory runs out)
            raise EngineError(Problem("<engine>", 0, 0, "I-ENGINE", msg("engine.refused-batch", count=count,
                                                                        reason=refusal_reason(exc)))) from None
        status = result[0]
        if status in (1, 2):  # not handled (some fact matched no rule) / already observed
            self._drain(ruleset)
            return
        if status == 0:
            pending = _core.start_action_for_state(ruleset._handle, result[1])
            if pending:
                self._actions(ruleset, pending[1], result[1])

    # ------------------------------------------------------------------ public
    def run(self, district: str, records: dict[str, list[Record]]) -> Found:
        """Assert one district's records into every ruleset of their kind and return what the engine judged.

        Nothing of the reference evaluator's is consulted: each ruleset's ``_all`` rule accounts for the
        facts it holds, and the facts it does not hold (refused as "already observed") are re-asserted.
        """
        self._hits.clear()
        sid = f"{self.prefix}{next(_SERIAL)}"
        touched = []
        held: dict[str, set] = {}
        kind = ""
        try:
            for kind, names in self._by_kind.items():
                facts, batches = self._batches(kind, records.get(kind, []), sid)
                for name in names:
                    ruleset = self._rulesets[name]
                    touched.append(ruleset)
                    for text, count in batches:
                        self._assert_text(ruleset, text, count)
                    self._account(ruleset, sid, facts)
                    self._sentinel(ruleset, sid)
                    self._hits.pop(ALL, None)  # each ruleset accounts for its own facts
                held[kind] = set(facts)
            judged: dict[str, dict] = {}
            for engine_rule, keys in self._hits.items():
                if engine_rule in (ALL, SENTINEL):
                    continue
                rule, outcome = self.compiled.outcome_of(engine_rule)
                judged.setdefault(rule, {}).setdefault(outcome, set()).update(keys)  # a split rule: its parts together
            return Found(judged, held)
        except EngineError as exc:  # which district, which records: the C core's own words name neither
            raise EngineError([replace(p, message=msg("engine.in-district", district=district, kind=kind,
                                                    problem=p.text if p.text is not None else p.message))
                               if p.file == "<engine>" else p for p in exc.problems]) from None
        finally:
            # delete_state on a sid whose facts matched no rule crashes the C core (segfault);
            # the sentinel fact asserted into every ruleset makes deletion safe.
            for ruleset in touched:
                if self._sentinel_seen.pop((id(ruleset), sid), False):
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

    def _account(self, ruleset, sid: str, facts: dict[str, dict]) -> None:
        """Every asserted fact held: those ``_all`` did not see were refused and are re-asserted with a new salt."""
        refused: list[str] = []
        for salt in range(1, MAX_SALT + 2):
            seen = self._hits.get(ALL, set())
            refused = sorted(k for k in facts if k not in seen) if len(seen) < len(facts) else []
            if not refused:
                return
            if salt > MAX_SALT:
                break
            self.refused += len(refused)
            batch = [dict(facts[k], _salt=salt) for k in refused]
            for start in range(0, len(batch), BATCH):
                self._assert(ruleset, batch[start:start + BATCH])
        raise EngineError(Problem("<engine>", 0, 0, "I-ENGINE", msg("engine.refused-records", count=len(refused), salts=MAX_SALT, example=refused[0])))
