"""``scorecard withdraw``: evidence or a judgment taken out of scoring, never deleted."""

from __future__ import annotations

from typing import Annotated

import typer

from scorecard.cli.options import By, Database, Json, ModelRef, refuse_inapplicable, settings
from scorecard.cli.output import echo_json, say
from scorecard.errors import UsageError


def register(root: typer.Typer) -> None:
    root.command("withdraw")(withdraw)


def withdraw(
    model: ModelRef,
    by: By,
    reason: Annotated[
        str, typer.Option("--reason", metavar="TEXT", help="Why it is withdrawn, in writing.")
    ],
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            metavar="SHA256",
            help="Withdraw every row of an ingested file, named by the first 8 or more hex "
            "digits of its sha256 (shown by `scorecard evidence`).",
        ),
    ] = None,
    stage: Annotated[
        str | None,
        typer.Option(
            metavar="STAGE",
            help="With --source: the stage the file was ingested for, when it was ingested "
            "for several.",
        ),
    ] = None,
    row: Annotated[
        int | None,
        typer.Option("--row", metavar="ID", help="Withdraw one evidence row, by its id."),
    ] = None,
    judgment: Annotated[
        int | None,
        typer.Option("--judgment", metavar="ID", help="Withdraw one judgment, by its id."),
    ] = None,
    database: Database = None,
    as_json: Json = False,
) -> None:
    """Withdraw evidence (a source file or one row) or a judgment: it stays in the record,
    marked withdrawn with who and why, and no longer counts from the next score on.

    Nothing is deleted; the withdrawal is audited. A withdrawal is final: to use withdrawn
    numbers again, ingest a corrected file."""
    from scorecard.commands import withdraw as withdraw_command

    given = {"--source": source is not None, "--row": row is not None}
    given["--judgment"] = judgment is not None
    if sum(given.values()) != 1:
        raise UsageError("withdraw needs exactly one of --source, --row or --judgment")
    if source is None:
        refuse_inapplicable("without --source", {"--stage": stage is not None})
    done = withdraw_command(
        settings(database),
        model,
        by=by,
        reason=reason,
        source=source,
        stage=stage,
        row=row,
        judgment=judgment,
    )
    if as_json:
        echo_json(done)
        return
    say(f"withdrew {done['what']} of {done['model']} (withdrawal #{done['id']})")
    if done["restored"] is not None:
        say(f"judgment #{done['restored']}, which it corrected, is in force again")
    say(f"run `scorecard score {model}` to re-score without it")
