"""Options several commands share, and the one place the CLI builds its Settings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scorecard.errors import UsageError
from scorecard.settings import Settings

FrameworkPath = Annotated[
    list[Path] | None,
    typer.Option(
        "--framework-path",
        metavar="DIR",
        help="A folder of your own framework packs (or one pack), searched before the bundled "
        "ones. Repeatable; also SCORECARD_FRAMEWORK_PATH.",
        file_okay=False,
    ),
]
FrameworkId = Annotated[
    str | None,
    typer.Option(
        "--framework",
        "-f",
        metavar="ID",
        help="Framework pack id (default: SCORECARD_FRAMEWORK, else preparedness-v1).",
        show_default=False,
    ),
]
AllowShadow = Annotated[
    bool,
    typer.Option(
        "--allow-shadow",
        help="Let a pack on --framework-path reuse a bundled pack's id (cards then show that "
        "it is not the bundled pack).",
    ),
]
PassphraseFile = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        metavar="FILE",
        help="A file whose first line is the key passphrase "
        "(else SCORECARD_KEY_PASSPHRASE, else a prompt on a terminal).",
        dir_okay=False,
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON only, for scripts.")]
Database = Annotated[
    str | None,
    typer.Option(
        "--database",
        "-d",
        metavar="URL",
        help="Database URL (sqlite:///file.db or postgresql://user@host/db). "
        "Default: SCORECARD_DATABASE_URL, else ./scorecard.db.",
        show_default=False,
    ),
]
ModelRef = Annotated[
    str, typer.Argument(metavar="NAME[@VERSION]", help="The model, as NAME or NAME@VERSION.")
]
By = Annotated[str, typer.Option("--by", metavar="NAME", help="Who does this (a named person).")]
Rationale = Annotated[str, typer.Option("--rationale", metavar="TEXT", help="Why, in writing.")]


def settings(
    database: str | None = None,
    framework: str | None = None,
    framework_path: list[Path] | None = None,
    allow_shadow: bool = False,
) -> Settings:
    """Settings from the command line's options, then the environment, then the defaults."""
    return Settings.load(
        database=database,
        framework=framework,
        framework_path=framework_path or (),
        allow_shadow=allow_shadow,
    )


def refuse_inapplicable(mode: str, given: dict[str, bool]) -> None:
    """Options that do nothing in this mode are refused, never silently ignored."""
    extra = [name for name, present in given.items() if present]
    if extra:
        raise UsageError(f"{', '.join(extra)} do(es) not apply {mode}")
