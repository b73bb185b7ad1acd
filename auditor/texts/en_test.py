"""What `auditor test` prints about the policies' examples (auditor/examples.py), worded per language."""
EN_TEST = {
    "test.error": "{source}: {code}: {document} {policy}: {name}: {error}",
    "test.failure": "{source}: {code}: {document} {policy}: {name}: {check} expected {want}, got {got}",
    "test.check": "{check}: expected {want}, got {got}",
    "test.invalid-facts": "the example's facts are not a valid submission: {problems}",
    "test.problem": "{problem}{at}",
    "test.no-verdict": "no verdict",
    "test.pack": "{document} ({pack}): {passed} passed, {failed} failed",
    "test.total": "{passed} passed, {failed} failed",
}
