"""Everything the CLI prints goes through here: JSON for scripts, tables for people.

- ``--json`` prints JSON and nothing else.
- Tables on a terminal are rich tables whose identifier columns (ids, hashes, paths, model
  names) never wrap; on a pipe or a file they are plain tab-separated lines with a header, so
  ``scorecard frameworks list | grep preparedness-v1`` finds what it looks for.
- Stored text (names, rationales, task names from logs) has its control characters escaped
  everywhere it is printed: a name cannot move the cursor or recolour the screen.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer

from scorecard.errors import escape_controls

if TYPE_CHECKING:
    from rich.console import Console


PIPE_WIDTH = 160


def echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


def say(message: str) -> None:
    """One line of plain output, stored text escaped."""
    typer.echo(escape_controls(message))


def warn(message: str) -> None:
    typer.echo(escape_controls(message), err=True)


def console(*, stderr: bool = False) -> Console:
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # On a pipe, rich's 80-column default would fold long identifiers; panels still need a
    # width to fill, so a wide page rather than an unbounded one.
    return Console(file=stream, width=None if stream.isatty() else PIPE_WIDTH)


@dataclass(frozen=True)
class Column:
    title: str
    key: bool = False
    """An identifier (id, hash, path, model name): never wrapped."""
    justify: str = "left"


def table(title: str, columns: Sequence[Column], rows: Sequence[Sequence[object]]) -> None:
    """A table for people on a terminal; tab-separated lines anywhere else."""
    cells = [[escape_controls("" if v is None else str(v)) for v in row] for row in rows]
    out = console()
    if not out.is_terminal:
        typer.echo("\t".join(c.title for c in columns))
        for row in cells:
            typer.echo("\t".join(cell.replace("\t", " ") for cell in row))
        return
    from rich.table import Table
    from rich.text import Text

    widths = [
        max([len(column.title), *(len(row[i]) for row in cells)])
        for i, column in enumerate(columns)
    ]
    needed = sum(w + 3 for w, c in zip(widths, columns, strict=True) if c.key) + 1
    if needed > out.width:
        # Too narrow for the identifiers side by side: one record after another instead, so
        # no id, hash or path is cropped or folded.
        out.print(Text(escape_controls(title), style="bold"))  # text, never markup
        label = max(len(c.title) for c in columns)
        for row in cells:
            for column, cell in zip(columns, row, strict=True):
                out.print(Text(f"{column.title:>{label}}  {cell}"), crop=False, soft_wrap=True)
            out.print()
        return
    shown = Table(title=Text(escape_controls(title)))  # a title is text, never rich markup
    for column, widest in zip(columns, widths, strict=True):
        if column.key:
            shown.add_column(
                column.title,
                no_wrap=True,
                min_width=widest,
                justify=column.justify,  # type: ignore[arg-type]
            )
        else:
            shown.add_column(column.title, overflow="fold", justify=column.justify)  # type: ignore[arg-type]
    for row in cells:
        shown.add_row(*(Text(cell) for cell in row))
    out.print(shown)


def terminal_safe(text: str) -> str:
    """Control characters (escape sequences, bells, carriage returns) shown as escapes; line
    breaks kept, since the CLI's own layout uses them."""
    return "\n".join(escape_controls(line) for line in text.split("\n"))
