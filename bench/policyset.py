"""A large policy set for timing `auditor check` (load + lint), for the benchmark only.

    write_policy_set(folder, checks, seed=0) -> list of files

The plan's policies (``policies/shenyang-2019-23/``, 60 checks) are copied until the set holds
``checks`` checks: copy *i* of a policy gets the id ``<id>-c<i>`` (its checks
and measures ``<id>-c<i>.<...>``), and each integer threshold of a ``require``
is moved by ``i % 25`` in the lax direction (``size <= 45`` -> ``size <= 47``; thresholds above 10 of ``>=``/``>`` move down), so
the copies are distinct rules over the same fields and record kinds — the
hardest case for a linter that compares checks in pairs (every copy of a class
check overlaps every other copy). Examples are kept in copy 0 only. One file
per copy of a policy, with the plan's ``pack.yaml``; a set of 10,000 checks is 3,167 files. INVENTED rules:
they say nothing about the plan.
"""
from __future__ import annotations

import os
import re
import shutil

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
POLICIES = os.path.join(os.path.dirname(HERE), "policies", "shenyang-2019-23")  # the plan's pack

_THRESHOLD = re.compile(r"(<=|>=|<|>)\s*([0-9]+)(?![0-9.\"-])")


def _loosen(text: str, k: int) -> str:
    def move(match: re.Match) -> str:
        op, number = match.group(1), int(match.group(2))
        moved = number + k if op in ("<=", "<") else number - k if number > 10 else number
        return f"{op} {moved}"
    return _THRESHOLD.sub(move, text)


def _copy(policy: dict, i: int) -> dict:
    out = dict(policy)
    if i == 0:
        return out
    suffix = f"-c{i}"
    ids = {c["id"]: c["id"].replace(policy["id"], policy["id"] + suffix, 1) for c in policy["checks"]}
    ids.update({m["id"]: m["id"] + f"_c{i}" for m in policy.get("measures", [])})
    out["id"] = policy["id"] + suffix
    def renamed(text: str) -> str:  # measures are read by name
        for old, new in ids.items():
            if "." not in old:
                text = re.sub(rf"\b{re.escape(old)}\b", new, text)
        return text

    measures = []
    for m in policy.get("measures", []):
        m = dict(m, id=ids[m["id"]])
        for key in ("where", "that", "value", "per"):
            if key in m:
                m[key] = renamed(m[key])
        measures.append(m)
    if measures:
        out["measures"] = measures
    checks = []
    for c in policy["checks"]:
        c = dict(c, id=ids[c["id"]])
        for key in ("require", "where"):
            if key in c:
                text = renamed(c[key])
                c[key] = _loosen(text, i % 25) if key == "require" else text
        if "compare" in c:  # a discrepancy check compares a reported figure with a measure, read by name
            c["compare"] = {k: renamed(v) if isinstance(v, str) else v for k, v in c["compare"].items()}
        if "message" in c:  # a message prints the measures it names: renamed with them (else it names none given)
            c["message"] = {lang: renamed(text) for lang, text in c["message"].items()}
        checks.append(c)
    out["checks"] = checks
    out.pop("examples", None)
    out.pop("references", None)
    return out


def write_policy_set(folder: str, checks: int) -> list[str]:
    """Copies of the plan's policies in ``folder`` (a pack) until it holds ``checks`` checks (the last copy cut short)."""
    os.makedirs(folder, exist_ok=True)
    shutil.copy(os.path.join(POLICIES, "pack.yaml"), os.path.join(folder, "pack.yaml"))
    sources = []
    for name in sorted(os.listdir(POLICIES)):
        if name.endswith(".yaml") and name != "pack.yaml":
            with open(os.path.join(POLICIES, name), encoding="utf-8") as handle:
                sources.append((name, yaml.safe_load(handle)))
    files, total, i = [], 0, 0
    while total < checks:
        for name, policy in sources:
            if total >= checks:
                break
            copy = _copy(policy, i)
            room = checks - total
            if len(copy["checks"]) > room:
                copy["checks"] = copy["checks"][:room]
                copy.pop("examples", None)
            total += len(copy["checks"])
            path = os.path.join(folder, f"{i:04d}-{name}")
            with open(path, "w", encoding="utf-8") as handle:
                yaml.safe_dump(copy, handle, allow_unicode=True, sort_keys=False, width=200)
            files.append(path)
        i += 1
    return files
