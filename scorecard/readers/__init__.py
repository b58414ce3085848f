"""Adapters that read evidence and judgments from files. Every error names the file and line."""

from scorecard.readers.judgments import read_judgments
from scorecard.readers.tabular import read_evidence

__all__ = ["read_evidence", "read_judgments"]
