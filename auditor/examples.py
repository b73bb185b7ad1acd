"""`auditor test`: run the examples each policy carries (facts, an audit date, expected statuses)."""
from __future__ import annotations

from dataclasses import dataclass

from auditor.audit import Auditor
from auditor.errors import SubmissionError
from auditor.intake.document import Document
from auditor.model import PolicySet, plan
from auditor.intake.submission import facts_from_document


@dataclass
class ExampleResult:
    policy: str
    name: str
    source: str
    failures: list  # (check, expected, got)
    error: str = ""
    document: str = ""  # the reference number of the document whose policy carries the example

    @property
    def ok(self) -> bool:
        return not self.failures and not self.error


def run_examples(policy_set: PolicySet, engine: str = "durable") -> list[ExampleResult]:
    auditor = Auditor(policy_set, engine)
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
                results.append(ExampleResult(policy.id, example.name, label, [], "the example's facts are not a valid submission: " + "; ".join(p.message + (f" (at {p.path})" if p.path else "") for p in exc.problems), document))
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
