"""auditor — a rules-engine compliance auditor for 沈政办发〔2019〕23号."""

__version__ = "0.1.0"
