"""A finding's lifecycle across audits, and the state of a notice's items at the next audit.

Pure functions over observations; the store reads them (``query.py``).

Each audit observes a finding as one of:

| observation | when |
|---|---|
| ``fail`` / ``missing`` | the finding's item is in the verdict's evidence, as a violation / as missing data (*open*) |
| ``waived`` | the finding's item is in the evidence of a verdict an approved waiver (暂缓执行) in force covers — the verdict is ``waived``, or the record is marked ``waived`` — (*deferred*: still failing or lacking underneath, but not the district's to rectify by then) |
| ``clear`` | the check was judged, the item's record was submitted, and it is not in the evidence |
| ``unknown`` | the check was not due, the check is no longer in the policies, the district sent nothing, or the record was not submitted again — a fix cannot be told from an absence |

and the finding then is in exactly one state (none before it was first open):

| state | 中文 | when |
|---|---|---|
| ``new`` | 新发现 | open, and never open before |
| ``persisting`` | 持续存在 | open, and open at the last audit that could tell (since the first audit of this run, so many rounds) |
| ``overdue`` | 逾期未整改 | persisting, and a notice issued during this run named it with a deadline before this audit's date |
| ``rectified`` | 已整改 | clear after being open (and stays so while clear) |
| ``reopened`` | 再次出现 | open again after being rectified |
| ``rule_changed`` | 规则变更 | the check's definition differs from the last audit that could tell, and the finding went from fail to clear or from clear to fail: the policy changed, not the district (data that went missing, or was supplied, is not explained by a rule: it stays new / rectified) |
| ``unknown`` | 无法判断 | this audit cannot tell (see above) |
| ``waived`` | 已豁免 | deferred by a waiver in force: never overdue, and it does not break the run (open before it and after it is one run; clear after it is rectified) |
"""
from __future__ import annotations

from dataclasses import dataclass, field

OPEN = ("fail", "missing")
WAIVED = "waived"
STATES = ("new", "persisting", "overdue", "rectified", "reopened", "rule_changed", "unknown", "waived")
LABELS = {
    "zh": {"new": "新发现", "persisting": "持续存在", "overdue": "逾期未整改", "rectified": "已整改", "reopened": "再次出现",
           "rule_changed": "规则变更", "unknown": "无法判断", "waived": "已豁免"},
    "en": {"new": "new", "persisting": "persisting", "overdue": "overdue", "rectified": "rectified", "reopened": "reopened",
           "rule_changed": "rule changed", "unknown": "cannot tell", "waived": "waived"},
}
NOTICE_STATES = ("rectified", "partly_rectified", "not_rectified", "unknown", "rule_changed", "waived")
NOTICE_LABELS = {
    "zh": {"rectified": "已整改", "partly_rectified": "部分整改", "not_rectified": "未整改", "unknown": "无法判断",
           "rule_changed": "规则变更", "waived": "已豁免"},
    "en": {"rectified": "rectified", "partly_rectified": "partly rectified", "not_rectified": "not rectified",
           "unknown": "cannot tell", "rule_changed": "rule changed", "waived": "waived"},
}


@dataclass(frozen=True)
class Obs:
    """One audit's view of one finding."""

    audit: int
    as_of: str  # YYYY-MM-DD
    status: str  # fail | missing | clear | unknown | waived
    definition: str | None = None  # the check's definition in that audit (None: not in its policies)
    why: str = ""  # for unknown: not_due | no_rule | not_submitted | not_reported | not_audited
    underlying: str = ""  # for waived: fail | missing, what the waiver defers
    instead: tuple = ()  # for a placeholder for missing data that is gone while the check is open on the records
    #                      it stood for (``query.DistrictHistory.stood_for``): those findings (open, not rectified)

    @property
    def effective(self) -> str:
        """The status a rule change is judged on: a waived finding's underlying one."""
        return (self.underlying or "fail") if self.status == WAIVED else self.status


@dataclass(frozen=True)
class Notice:
    number: str
    as_of: str  # the audit date of the audit that issued it
    issued: str
    deadline: str
    audit: int = 0


@dataclass(frozen=True)
class State:
    state: str
    since: str  # as_of of the audit this state (or this run of open audits) began
    rounds: int = 0  # audit dates (rounds) in the current run of open observations (new: 1)
    overdue: tuple = ()  # the notices of this run whose deadline passed
    notices: tuple = ()  # every notice of this run that named the finding
    rule_changed: bool = False  # the definition differs from the last audit that could tell


def states(observations: list[Obs], notices: list[Notice] = ()) -> list[State | None]:
    """The state after each observation (in audit order); None until the finding was first open (or waived)."""
    out: list[State | None] = []
    previous: Obs | None = None  # the last observation that could tell (open, waived or clear)
    last: State | None = None  # the state at ``previous``
    ever_open = False
    start: Obs | None = None  # the first observation of the current run of open ones
    rounds: set[str] = set()  # the audit dates of the current run of open observations
    unknown_since = waived_since = ""
    for obs in observations:
        changed = (previous is not None and previous.definition != obs.definition
                   and "missing" not in (previous.effective, obs.effective))
        if obs.status == WAIVED:  # deferred, not rectified: the run of open observations goes on, never overdue
            if previous is None or previous.status == "clear":
                start, rounds = obs, {obs.as_of}
            else:
                rounds.add(obs.as_of)
            if not (out and out[-1] is not None and out[-1].state == WAIVED):
                waived_since = obs.as_of
            named = tuple(n for n in notices if start.as_of <= n.as_of < obs.as_of)
            state = State(WAIVED, waived_since, len(rounds), (), named, changed)
            ever_open = True
            previous, last = obs, state
        elif obs.status in OPEN:
            if previous is None or previous.status == "clear":
                start, rounds = obs, {obs.as_of}
                kind = "rule_changed" if changed else "reopened" if ever_open else "new"
                state = State(kind, obs.as_of, 1, rule_changed=changed)
            else:
                rounds.add(obs.as_of)
                named = tuple(n for n in notices if start.as_of <= n.as_of < obs.as_of)
                late = tuple(n for n in named if n.deadline < obs.as_of)
                state = State("overdue" if late else "persisting", start.as_of, len(rounds), late, named, changed)
            ever_open = True
            previous, last = obs, state
        elif obs.status == "clear":
            if previous is not None and (previous.status in OPEN or previous.status == WAIVED):
                state = State("rule_changed" if changed else "rectified", obs.as_of, 0, rule_changed=changed)
            elif last is not None:
                state = State(last.state, last.since, 0, rule_changed=last.rule_changed)
            else:
                state = None  # clear before the finding ever appeared
            previous = obs
            last = state if state is not None else last
        elif not ever_open:
            state = None
        else:
            if not (out and out[-1] is not None and out[-1].state == "unknown"):
                unknown_since = obs.as_of
            state = State("unknown", unknown_since, 0)
        out.append(state)
    return out


@dataclass(frozen=True)
class ItemCheck:
    """How a notice item (one check of a notice, with the findings it named) stands at a later audit."""

    state: str
    fixed: int  # rectified: clear now (a failure cleared under a changed rule is not among them: ``by_rule``)
    not_fixed: int  # still open (fail or missing)
    unknown: int
    rule_changed: bool = False
    total: int = field(default=0)
    by_rule: int = 0  # failures that are clear now under a changed rule: not counted as rectified
    waived: int = 0  # deferred now by an approved waiver in force: neither rectified nor overdue


def notice_item(now: list[str], rule_changed: bool = False, then: list[str] | None = None) -> ItemCheck:
    """``now``: the observation, at the later audit, of each finding the notice named for one check
    (fail | missing | clear | unknown | waived); ``then``: the problem each was named with (fail | missing;
    all fail when not given).

    已整改 every named finding is clear; 部分整改 some are; 未整改 none is and some are still open;
    已豁免 none is, none is open, and some are deferred by a waiver in force; 无法判断 none can be told.
    A changed rule never counts as a rectification — 规则变更 when failures cleared under it and nothing was
    rectified — but it explains only a failure that cleared: missing data supplied is rectified whatever the rule
    (as in the lifecycle)."""
    then = list(then) if then is not None else ["fail"] * len(now)
    by_rule = sum(1 for s, t in zip(now, then) if s == "clear" and rule_changed and t != "missing")
    fixed = sum(1 for s in now if s == "clear") - by_rule
    open_ = sum(1 for s in now if s in OPEN)
    waived = sum(1 for s in now if s == WAIVED)
    unknown = len(now) - fixed - by_rule - open_ - waived
    if by_rule and not fixed:
        state = "rule_changed"
    elif fixed == len(now) and now:
        state = "rectified"
    elif fixed:
        state = "partly_rectified"
    elif open_:
        state = "not_rectified"
    elif waived:
        state = "waived"
    else:
        state = "unknown"
    return ItemCheck(state, fixed, open_, unknown, rule_changed, len(now), by_rule, waived)
