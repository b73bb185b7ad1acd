"""Policy packs' own problems (auditor/rules/packs.py: finding the packs, reading pack.yaml), worded per language."""
EN_PACKS = {
    "pack.loose-files": "policy files without a {pack_file}: a pack is a folder with a {pack_file} that names its document "
                        "(reference number, title, period, clauses); copy one from the installed {installed} and edit it",
    "pack.neither": "neither a policy pack (a folder with {pack_file}) nor a folder of packs: it holds no .yaml policy files",
    "pack.misnamed": "a pack's description must be named {pack_file}; under this name the folder would be left out of the audit",
    "pack.misnamed-policy": "a policy file's name ends in .yaml (lower case); named {name}, it would take no part in the audit: rename it",
    "pack.loose-policy": "a policy file loose in a folder of packs would be left out of the audit: move it into its pack "
                         "(the folder with the {pack_file} of its document)",
    "pack.nested": "a folder of packs inside a folder of packs would be left out of the audit: packs are read one level "
                   "down (a folder with a {pack_file}); name this folder with --policies, or move its packs up",
    "pack.empty": "the file is empty; a {pack_file} names its document: {keys}",
    "pack.no-files": "the pack holds no .yaml policy files",
    "pack.period": "the period ends ({end}) before it starts ({start})",
    "pack.assessment-clause": 'the assessment names clause "{clause}", which is not among the pack\'s clauses',
}
