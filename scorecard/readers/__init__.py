"""Adapters that read evidence and judgments from files. Every error names the file and line."""

from scorecard.readers.interface import SourceFile
from scorecard.readers.judgments import read_judgments
from scorecard.readers.tabular import read_evidence, read_source

__all__ = ["SourceFile", "read_evidence", "read_judgments", "read_source"]
