"""`auditor test`: run the examples each policy carries (facts, an audit date, expected statuses)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from auditor.audit import Auditor
from auditor.errors import SubmissionError
from auditor.intake.document import Document
from auditor.model import PolicySet, plan
from auditor.intake.submission import facts_from_document
from auditor.output.labels import STATUS_ZH
from auditor.texts import Both, Msg, Sentences, msg, render


@dataclass
class ExampleResult:
    policy: str
    name: str
    source: str
    failures: list  # (check, expected, got)
    error: Msg | str = ""  # why the example could not run (worded per language when printed)
    document: str = ""  # the reference number of the document whose policy carries the example

    @property
    def ok(self) -> bool:
        return not self.failures and not self.error


def run_examples(policy_set: PolicySet, engine: str = "durable") -> list[ExampleResult]:
    auditor = Auditor(policy_set, engine, whole_city=True)  # an example's districts are its city
    city = plan()["city"]
    results = []
    refs = {p.id: p.ref for p in policy_set.packs}
    for policy in policy_set.policies:
        document = refs.get(policy.document, "")
        for example in policy.examples:
            label = str(example.source)
            try:
                facts = [facts_from_document(Document(f"{label}[{i}]", dict(s))) for i, s in enumerate(example.submissions)]
            except SubmissionError as exc:
                results.append(ExampleResult(policy.id, example.name, label, [], refused_facts(exc), document))
                continue
            districts = list(example.districts) if example.districts else [f.district for f in facts]
            findings = auditor.audit(facts, example.as_of, districts)
            subject = facts[0].district if facts else districts[0]
            got = {}
            for verdict in findings["verdicts"]:
                if verdict["district"] in (subject, city):
                    got[verdict["check"]] = verdict["status"]
            failures = [(check, want, got.get(check)) for check, want in sorted(example.expect.items()) if got.get(check) != want]
            results.append(ExampleResult(policy.id, example.name, label, failures, "", document))
    return results


def refused_facts(exc: SubmissionError) -> Msg:
    """Why an example's facts could not run: the submission's problems, each with where it is."""
    return msg("test.invalid-facts", problems=Sentences(
        msg("test.problem", problem=p.text or p.message, at=msg("at.path", path=p.path) if p.path else "") for p in exc.problems))


def _status(status: str | None):
    """A status as `auditor test` names it: its code in English (what a policy's ``expect`` says), its label in Chinese."""
    if status is None:
        return msg("test.no-verdict")
    return Both(status, f"“{STATUS_ZH.get(status, status)}”")


def report_lines(results: list[ExampleResult], documents: list[dict], lang: str) -> tuple[list[str], list[str]]:
    """What `auditor test` prints: (one line per failing example or check for stderr, the counts for stdout)."""
    problems = []
    for r in results:
        where = {"source": r.source, "code": "P-EXAMPLE", "document": r.document, "policy": r.policy, "name": r.name}
        if r.error:
            problems.append(render(msg("test.error", error=r.error, **where), lang))
        for check, want, got in r.failures:
            problems.append(render(msg("test.failure", check=check, want=_status(want), got=_status(got), **where), lang))
    failed = sum(1 for r in results if not r.ok)
    counts = [render(msg("test.pack", **d), lang) for d in documents]
    counts.append(render(msg("test.total", passed=len(results) - failed, failed=failed), lang))
    return problems, counts


def junit_xml(results: list[ExampleResult], lang: str = "zh") -> str:
    """The examples as a JUnit XML report (one testsuite per policy, one testcase per example, its class named by the
    document the policy encodes, then the policy), for policy staff's CI; the failures and errors worded in ``lang``,
    as `auditor test` prints them (a check's id and a status's code stay as the policy writes them).

    Written with the standard library's ElementTree, which escapes text and attributes; a failing example has a
    <failure> naming each check with what was expected and what came, an example that could not run an <error>."""
    suites = ET.Element("testsuites", name="auditor test", tests=str(len(results)),
                        failures=str(sum(1 for r in results if r.failures and not r.error)),
                        errors=str(sum(1 for r in results if r.error)))
    by_policy: dict[str, list[ExampleResult]] = {}
    for r in results:
        by_policy.setdefault((r.document, r.policy), []).append(r)
    for (document, policy), items in by_policy.items():
        suite = ET.SubElement(suites, "testsuite", name=policy, tests=str(len(items)),
                              failures=str(sum(1 for r in items if r.failures and not r.error)),
                              errors=str(sum(1 for r in items if r.error)))
        for r in items:
            case = ET.SubElement(suite, "testcase", classname=f"{document}.{policy}" if document else policy, name=r.name, file=r.source)
            if r.error:
                error = render(r.error, lang)
                ET.SubElement(case, "error", message=error, type="P-EXAMPLE").text = f"{r.source}: {error}"
            elif r.failures:
                lines = [render(msg("test.check", check=check, want=_status(want), got=_status(got)), lang) for check, want, got in r.failures]
                ET.SubElement(case, "failure", message="; ".join(lines), type="P-EXAMPLE").text = "\n".join(f"{r.source}: {line}" for line in lines)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
