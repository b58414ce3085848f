"""``scorecard init`` and ``scorecard db``: the database schema."""

from __future__ import annotations

from typing import Annotated

import typer

from scorecard.cli.options import Database, Json, settings
from scorecard.cli.output import echo_json, say

app = typer.Typer(
    help="Operate the database schema (upgrade, current, history) and its roles.",
    no_args_is_help=True,
)


def register(root: typer.Typer) -> None:
    root.command("init")(init)
    root.add_typer(app, name="db")


def init(database: Database = None) -> None:
    """Create the database, or upgrade its schema to this version of scorecard."""
    from scorecard.commands import db

    state = db.init(settings(database))
    if state.before == state.after:
        say(f"{state.database} is up to date (schema revision {state.after})")
    else:
        say(f"{state.database}: schema {state.before or 'none'} -> {state.after}")


@app.command("upgrade")
def upgrade(database: Database = None) -> None:
    """Upgrade the schema to the latest revision (same as `scorecard init`)."""
    init(database)


@app.command("current")
def current(database: Database = None, as_json: Json = False) -> None:
    """Show the schema revision the database is at."""
    from scorecard.commands import db

    state = db.current(settings(database))
    if as_json:
        echo_json({"database": state.database, "revision": state.after, "head": state.head})
        return
    status = "up to date" if state.after == state.head else f"needs upgrade to {state.head}"
    say(f"{state.database}: revision {state.after or 'none'} ({status})")


@app.command("history")
def history(database: Database = None, as_json: Json = False) -> None:
    """List the schema revisions this scorecard knows."""
    from scorecard.commands import db

    rows = db.history(settings(database))
    if as_json:
        echo_json([vars(r) for r in rows])
        return
    for r in rows:
        say(f"{r.revision}  {r.doc}{'  (head)' if r.is_head else ''}")


@app.command("roles")
def roles(
    prefix: Annotated[
        str,
        typer.Option(
            "--prefix", metavar="NAME", help="Role names are NAME_reviewer, NAME_evaluator, …"
        ),
    ] = "scorecard",
    database: Database = None,
    as_json: Json = False,
) -> None:
    """Create least-privilege PostgreSQL group roles and make the record append-only."""
    from dataclasses import asdict

    from scorecard.commands import db

    reports = db.roles(settings(database), prefix)
    if as_json:
        echo_json([asdict(r) for r in reports])
        return
    for r in reports:
        state = "created" if r.created else "exists, grants reset"
        inserts = ", ".join(r.insert) or "nothing"
        say(f"{r.role} ({state}): SELECT on all tables in {r.schema}; INSERT on {inserts}")
    if reports:
        tables = ", ".join(reports[0].append_only)
        say(f"append-only (UPDATE, DELETE, TRUNCATE refused by trigger): {tables}")
    say(f"give a login role a group with: GRANT {prefix}_evaluator TO alice;")
