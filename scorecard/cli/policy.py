"""``scorecard policy``: which roles' records must be signed."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from scorecard.cli.options import By, Database, Json, Rationale, settings
from scorecard.cli.output import echo_json, say, warn
from scorecard.core.process import RECORD_ROLES

app = typer.Typer(help="The team's record-keeping policy.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="policy")


@app.command("require-signed")
def require_signed(
    by: By,
    rationale: Rationale,
    roles: Annotated[
        list[str] | None,
        typer.Option(
            "--role",
            metavar="ROLE",
            help=f"A role whose records must be signed (repeatable): {', '.join(RECORD_ROLES)}.",
        ),
    ] = None,
    none: Annotated[
        bool, typer.Option("--none", help="Require signed records for no role.")
    ] = False,
    database: Database = None,
) -> None:
    """Require signed judgments, mitigations (role safety) or decisions for some roles."""
    from scorecard.commands import policy
    from scorecard.errors import UsageError

    if none == bool(roles):
        raise UsageError("require-signed needs --role (repeatable) or --none, not both")
    change = policy.require_signed(settings(database), roles or [], by, rationale)
    listed = ", ".join(change.require_signed) or "no role"
    say(f"policy #{change.id}: signed records required for {listed}")
    for role in change.unstaffed:
        warn(
            f"warning: nobody is on the roster as {role}: its records are refused until "
            f"`scorecard roster add --role {role}` names someone"
        )


@app.command("show")
def show(database: Database = None, as_json: Json = False) -> None:
    """Show the policy in force."""
    from scorecard.commands import policy

    shown = policy.show(settings(database))
    if as_json:
        echo_json(asdict(shown))
        return
    if shown.id is None:
        say("signed records required for: no role (no policy set)")
        return
    say(f"signed records required for: {', '.join(shown.require_signed) or 'no role'}")
    say(
        f"set by {shown.set_by} at {str(shown.set_at)[:19]} (policy #{shown.id}): {shown.rationale}"
    )
