"""The English words of judging's messages: the rule engine's own errors and its disagreements with the
reference evaluator (I-ENGINE, I-DISAGREE), waivers (W-*, and what became of each) and ``auditor explain``'s
arguments. Joined to ``en.py``'s table in :mod:`auditor.texts`; the same ids and placeholders in both languages."""

EN_JUDGING = {
    # the program's own errors (I-ENGINE, I-DISAGREE; auditor/evaluate/engine.py, reconcile.py)
    "engine.reserved": "field \"{field}\" is reserved by durable_rules and cannot be read by a rule",
    "engine.refused-rules": "durable_rules refused the compiled rules: {detail}",
    "engine.action-failed": "an engine action failed: {kind}",
    "engine.no-sentinel": "durable_rules did not run the sentinel action; engine results cannot be trusted",
    "engine.own-action": "durable_rules ran action {rule} itself",
    "engine.unreadable-action": "durable_rules sent an action this engine cannot read",
    "engine.action-no-facts": "durable_rules sent an action without its facts",
    "engine.swallowed": "an engine action raised an exception, which durable_rules swallowed: {detail}",
    "engine.refused-records": "durable_rules refused {count} record(s) even after {salts} re-salts, e.g. {example}",
    "engine.disagree": "{district}: check {check} (step {step}): durable_rules and the reference evaluator disagree; {differences}",
    "engine.disagree-outcome": "{outcome}: only the engine says so of {engine}, only the reference of {reference}",
    "engine.disagree-pass": "pass: the engine passes {engine} record(s), the reference {reference}",
    "engine.refused-batch": "durable_rules refused a batch of {count} record(s): {reason}",
    "engine.out-of-memory": "out of memory (MemoryError): audit fewer districts at once (--jobs) or give the process more memory",
    "engine.no-message": "{kind} without a message",
    "engine.in-district": "{district}: {kind} records: {problem}",
    # waivers (auditor/rules/waivers.py)
    "waiver.not-folder": "is a file, not a folder: --waivers names a folder of waiver files",
    "waiver.no-folder": "the waiver folder does not exist",
    "waiver.file-empty": "the file is empty; a waiver file needs a list of waivers",
    "waiver.district": 'unknown district "{district}"{hint}',
    "waiver.check": 'no check "{check}" in the policies{hint}',
    "waiver.clause": 'no check of clause "{clause}" in the policies{hint}',
    "waiver.pack": 'no policy pack "{pack}" is audited (give its id or its 文号){hint}',
    "waiver.check-pack": 'check "{check}" is not in pack "{pack}" but in "{other}"',
    "waiver.clause-pack": 'no check of clause "{clause}" in pack "{pack}"; the clause is in {others}',
    "waiver.clause-packs": 'clause "{clause}" is in more than one pack ({packs}): name the one meant with scope.pack',
    "waiver.dates": "valid_until {until} is before valid_from {since}",
    "waiver.duplicate-id": 'waiver id "{id}" is used already at {source}',
    "waiver.overlap": 'waiver "{id}" covers what waiver "{other}" ({source}) covers, on some of the same days; merge them or narrow one\'s scope or dates',
    # what became of a waiver, on stderr after an audit (auditor/commands.py)
    "waiver.expired": "waiver EXPIRED (valid until {until}), not applied: {checks}",
    "waiver.not-yet-valid": "waiver not yet valid (from {since}), not applied",
    "waiver.unused": "waiver unused: nothing it covers fails or lacks data",
    "waiver.unused-records": "waiver unused: the records it names ({records}) pass or are not applicable; none of them fails or lacks data",
    "waiver.unused-not-submitted": "waiver unused: {district} sent no submission, so the records it names ({records}) cannot be checked",
    "waiver.unused-no-verdict": "waiver unused: the checks it covers give this district no verdict",
    "waiver.record-key": '"{record}" is not a record key: write it as findings.json does, e.g. class:SCHOOL/CLASS, school:SCHOOL, school_stage:SCHOOL/primary, document:N, district',
    "waiver.record-kind": 'record "{record}" is a {kind} record but the checks covered judge {kinds} records: the waiver would waive nothing',
    "waiver.record-absent": 'the record "{record}" is not in {district}\'s submission: the waiver would waive nothing; check the key',
    # auditor explain's arguments (auditor/explain.py)
    "explain.check": 'no check "{check}" in the policies{hint}',
    "explain.district": 'unknown district "{district}"{hint}',
    "explain.item-kind": 'check "{check}" judges {kinds} records; "{record}" is a {kind} record',
    "explain.city-check": 'check "{check}" is not judged for {district} (it is a city-wide check)',
    "explain.district-check": 'check "{check}" is not judged for {district} (it is a district check)',
}
