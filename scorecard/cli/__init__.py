"""The ``scorecard`` command: a thin layer that calls the library and reports its errors.

Only ``typer`` is imported here; every command imports what it needs (pydantic, SQLAlchemy,
WeasyPrint...) inside its own function, so ``scorecard --help`` stays instant.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperArgument, TyperGroup

from scorecard import __version__


class _Group(TyperGroup):
    """Turns the library's typed errors into one line on stderr and their exit code."""

    def invoke(self, ctx: Any) -> Any:  # Click's Context; Typer vendors Click privately
        from scorecard.errors import EXIT_INTERRUPTED, ScorecardError

        try:
            return super().invoke(ctx)
        except ScorecardError as exc:
            sys.stderr.write(f"error: {exc}\n")
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            sys.stderr.write("interrupted\n")
            raise typer.Exit(EXIT_INTERRUPTED) from None


def _argument_type(self: TyperArgument, ctx: Any) -> str | None:
    # Typer prints the Python type after an argument's metavar (`PATH <list[Path]>`); every
    # argument here has a metavar that already says what to type.
    return None if self.metavar else _typer_argument_type(self, ctx)


_typer_argument_type = TyperArgument.display_type_rich
TyperArgument.display_type_rich = _argument_type  # type: ignore[method-assign,assignment]

EXIT_CODES_HELP = (
    "Exit codes: 0 ok; 1 a check failed or the input or action was refused; 2 usage; 3 a "
    "framework gate is closed; 4 not found (model, scorecard, framework, file, database); 5 the "
    "database cannot be used; 130 interrupted."
)

app = typer.Typer(
    name="scorecard",
    cls=_Group,
    help="Rate frontier models against a preparedness framework and record what may ship.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    # Locals can hold keys and passphrases: never print them in a traceback.
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"scorecard {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Rate frontier models against a preparedness framework and record what may ship."""


def _register() -> None:
    from scorecard.cli import (
        audit,
        card,
        corrections,
        db,
        demo,
        evidence,
        frameworks,
        models,
        policy,
        reviews,
        roster,
        scorecards,
        scoring,
    )

    for module in (db, models, evidence, scoring, scorecards, reviews, audit, card, frameworks):
        module.register(app)
    for module in (roster, policy):
        module.register(app)
    corrections.register(app)
    demo.register(app)


_register()


def main() -> None:
    """Console-script entry point."""
    app()
