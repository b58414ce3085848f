"""Output formats of the system card: each renders the card data to one file.

A new format is a class with ``name``, ``description`` and ``write(card, target)`` in its own
module, added to :data:`FORMATS`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from scorecard.errors import UsageError


class CardFormat(Protocol):
    name: str
    description: str

    def write(self, card: dict[str, Any], target: Path) -> None:
        """Write the whole document to ``target`` atomically, or raise and leave nothing."""


FORMAT_NAMES: tuple[str, ...] = ("pdf", "html", "md")


def get_format(name: str) -> CardFormat:
    """The format called ``name``; its module (and its heavy imports) load only now."""
    if name == "pdf":
        from scorecard.render.pdf import PdfFormat

        return PdfFormat()
    if name == "html":
        from scorecard.render.html import HtmlFormat

        return HtmlFormat()
    if name == "md":
        from scorecard.render.markdown import MarkdownFormat

        return MarkdownFormat()
    raise UsageError(f"unknown format {name!r} (expected {', '.join(FORMAT_NAMES)})")
