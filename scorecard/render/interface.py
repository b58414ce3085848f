"""Output formats of the system card: each renders the card data to one file.

A new format is a class with ``name``, ``description`` and ``write(card, target)`` in its own
module, registered in :data:`FORMATS`.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Any, Protocol

from scorecard.errors import UsageError


class CardFormat(Protocol):
    name: str
    description: str

    def write(self, card: dict[str, Any], target: Path) -> None:
        """Write the whole document to ``target`` atomically, or raise and leave nothing."""


FORMATS: dict[str, str] = {
    "pdf": "scorecard.render.pdf:PdfFormat",
    "html": "scorecard.render.html:HtmlFormat",
    "md": "scorecard.render.markdown:MarkdownFormat",
}
"""Each format's name and its class; a module (and its heavy imports) loads only when used."""
FORMAT_NAMES: tuple[str, ...] = tuple(FORMATS)


def get_format(name: str) -> CardFormat:
    """The format called ``name``."""
    if name not in FORMATS:
        raise UsageError(f"unknown format {name!r} (expected {', '.join(FORMAT_NAMES)})")
    module, _, cls = FORMATS[name].partition(":")
    format_class: type[CardFormat] = getattr(import_module(module), cls)
    return format_class()
