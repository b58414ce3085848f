"""Adapters that read evidence and judgments from files. Every error names the file and line.

The public surface: :func:`discover` (which files), :func:`read` (one evidence file, any
format, decided by content), :func:`read_judgments`. The reader contract and the registry of
readers are in ``interface``; everything else is private plumbing.

Names load on first use (PEP 562), so importing ``scorecard.readers.interface`` for its list of
formats (as the CLI's help does) loads no reader.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scorecard.readers.detect import read
    from scorecard.readers.discovery import discover
    from scorecard.readers.interface import FORMATS, Format, SourceFile
    from scorecard.readers.judgments import read_judgments

_PUBLIC = {
    "read": "scorecard.readers.detect",
    "discover": "scorecard.readers.discovery",
    "FORMATS": "scorecard.readers.interface",
    "Format": "scorecard.readers.interface",
    "SourceFile": "scorecard.readers.interface",
    "read_judgments": "scorecard.readers.judgments",
}

__all__ = ["FORMATS", "Format", "SourceFile", "discover", "read", "read_judgments"]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'scorecard.readers' has no attribute {name!r}")
