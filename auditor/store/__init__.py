"""The audit history: every audit recorded in SQLite, so the next one can tell what was fixed.

``db`` opens a store safely (checks, WAL, migrations), ``schema`` holds its tables and migrations,
``record`` records an audit in one transaction, ``identity`` names findings stably across years,
``lifecycle`` gives each finding its state, ``query`` reads a district's history, ``history`` builds
what ``auditor audits/history/compare`` print (``text`` as tables), ``views`` the dicts the reports
read, ``projection`` the on-track projection of checks not yet due.
"""
