"""Options several commands share."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

FrameworkPath = Annotated[
    list[Path] | None,
    typer.Option(
        "--framework-path",
        help="A folder of your own framework packs (or one pack), searched before the bundled "
        "ones. Repeatable; also SCORECARD_FRAMEWORK_PATH.",
        file_okay=False,
    ),
]
FrameworkId = Annotated[
    str, typer.Option("--framework", "-f", help="Framework pack id to score against.")
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON only, for scripts.")]
Database = Annotated[
    str | None,
    typer.Option(
        "--database",
        "-d",
        help="Database URL (sqlite:///file.db or postgresql://user@host/db). "
        "Default: SCORECARD_DATABASE_URL, else ./scorecard.db.",
        show_default=False,
    ),
]
ModelRef = Annotated[
    str, typer.Argument(metavar="MODEL", help="The model, as NAME or NAME@VERSION.")
]
By = Annotated[str, typer.Option("--by", help="Who does this (a named person).")]
Rationale = Annotated[str, typer.Option("--rationale", help="Why, in writing.")]
