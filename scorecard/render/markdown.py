"""The card as a Markdown summary, for a model card on a hub."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scorecard.files import write_atomic


def escape(value: Any) -> str:
    """Text safe inside Markdown: no emphasis, links, code or table breaks from the input.

    HTML is left to autoescaping (on for every template), which makes it inert in Markdown too.
    """
    text = str(value).replace("\r", " ").replace("\n", " ")
    for char in "\\`*_{}[]()#+!|~":
        text = text.replace(char, "\\" + char)
    return text


def render_markdown(card: dict[str, Any]) -> str:
    from scorecard.render.html import environment, view

    return environment().get_template("card.md.j2").render(view(card))


class MarkdownFormat:
    """A summary: levels, gates, decisions and where the evidence came from."""

    name = "md"
    description = "Markdown summary"

    def write(self, card: dict[str, Any], target: Path) -> None:
        write_atomic(target, render_markdown(card))
