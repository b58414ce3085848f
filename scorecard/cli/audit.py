"""``scorecard audit``: verify the tamper-evident chain, and read it."""

from __future__ import annotations

from typing import Annotated

import typer

from scorecard.cli.options import Database, Json, settings
from scorecard.cli.output import Column, echo_json, say, table, warn
from scorecard.errors import EXIT_FAILED

app = typer.Typer(help="Verify and read the tamper-evident audit trail.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="audit")


@app.command("verify")
def verify(
    expect_head: Annotated[
        str | None,
        typer.Option(
            metavar="HASH", help="The head hash recorded earlier; catches a truncated chain."
        ),
    ] = None,
    database: Database = None,
    as_json: Json = False,
) -> None:
    """Walk the hash chain and every record it covers; exit 1 on the first broken link."""
    from scorecard.commands.audit import verify as run

    report = run(settings(database), expect_head)
    if as_json:
        echo_json(
            {
                "ok": report.ok,
                "events": report.events,
                "records": report.records,
                "head": report.head,
                "problems": report.problems,
            }
        )
    elif report.ok:
        say(
            f"audit chain intact: {report.events} events, {report.records} records, "
            f"head {report.head}"
        )
    else:
        warn(f"audit chain BROKEN: {report.problems[0]}")
        for problem in report.problems[1:]:
            warn(f"  also: {problem}")
    if not report.ok:
        raise typer.Exit(EXIT_FAILED)


@app.command("log")
def log(
    model: Annotated[
        str | None,
        typer.Argument(metavar="NAME[@VERSION]", help="Only this model's events."),
    ] = None,
    database: Database = None,
    as_json: Json = False,
) -> None:
    """Show the audit events, oldest first."""
    from scorecard.commands.audit import log as run

    rows = run(settings(database), model)
    if as_json:
        echo_json(rows)
        return
    table(
        "Audit log",
        [
            Column("#", key=True, justify="right"),
            Column("When (UTC)", key=True),
            Column("Action", key=True),
            Column("Actor"),
            Column("OS user"),
            Column("Summary"),
        ],
        [
            (r["id"], r["at"][:19], r["action"], r["actor"], r["os_user"], r["summary"])
            for r in rows
        ],
    )
