"""argparse's own complaints about a command line, worded per language (auditor/cli.py matches them)."""
EN_USAGE = {
    "usage.line": "{prog}: {code}: {message} (see {prog} {help})",
    "usage.required": "missing required argument(s): {names}",
    "usage.unrecognized": "unrecognized argument(s): {args}",
    "usage.invalid-choice": "{arg}: \"{value}\" is not one of {choices}{hint}",
    "usage.expected-one": "{arg} needs a value",
    "usage.expected-some": "{arg} needs at least one value",
    "usage.invalid-value": "{arg}: \"{value}\" is not a valid {type}",
    "usage.not-allowed": "{arg} cannot be used together with {other}",
    "usage.one-of": "one of {names} is required",
    "usage.ambiguous": "{option} is ambiguous: it could be {matches}",
    "usage.other": "{text}",
}
