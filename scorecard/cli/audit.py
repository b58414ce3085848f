"""``scorecard audit``: verify the tamper-evident chain, sign checkpoints of it, and read it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scorecard.cli.card import Cert, Key
from scorecard.cli.options import Database, Json, PassphraseFile, settings
from scorecard.cli.output import Column, echo_json, say, table, warn
from scorecard.errors import EXIT_FAILED

app = typer.Typer(
    help="Verify, checkpoint and read the tamper-evident audit trail.", no_args_is_help=True
)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="audit")


@app.command("verify")
def verify(
    trust: Annotated[
        list[Path] | None,
        typer.Option(
            "--trust",
            metavar="CERT",
            help="A certificate whose checkpoints anchor the chain (repeatable): every "
            "checkpoint must be signed by one of them (or a certificate they issued) and still "
            "match the chain.",
            dir_okay=False,
        ),
    ] = None,
    expect_head: Annotated[
        str | None,
        typer.Option(
            metavar="HASH",
            help="A head hash printed earlier (a card, a ticket): the chain must still contain "
            "it; catches a truncated or rebuilt chain.",
        ),
    ] = None,
    database: Database = None,
    as_json: Json = False,
) -> None:
    """Walk the hash chain and every record it covers (and, with --trust, the signed
    checkpoints); exit 1 on the first broken link."""
    from scorecard.commands.audit import verify as run

    report = run(settings(database), expect_head, trust or [])
    points = report.checkpoints
    if as_json:
        echo_json(
            {
                "ok": report.ok,
                "events": report.events,
                "records": report.records,
                "head": report.head,
                "checkpoints": None
                if points is None
                else {
                    "count": points.checkpoints,
                    "checked": bool(trust),
                    "trusted": points.trusted,
                    "anchored_event": points.anchored_event,
                    "unanchored_events": points.unanchored,
                },
                "problems": report.problems,
            }
        )
    elif report.ok:
        say(
            f"audit chain intact: {report.events} events, {report.records} records, "
            f"head {report.head}"
        )
        if points is not None and trust:
            say(
                f"checkpoints: {points.trusted} of {points.checkpoints} signed by a trusted "
                f"certificate; the latest signs event #{points.anchored_event}, "
                f"{points.unanchored} events after it not anchored yet"
            )
        elif points is not None and points.checkpoints:
            say(f"{points.checkpoints} signed checkpoints not checked: give --trust CERT")
    else:
        warn(f"audit chain BROKEN: {report.problems[0]}")
        for problem in report.problems[1:]:
            warn(f"  also: {problem}")
    if not report.ok:
        raise typer.Exit(EXIT_FAILED)


@app.command("checkpoint")
def checkpoint(
    key: Key,
    cert: Cert,
    passphrase_file: PassphraseFile = None,
    name: Annotated[
        str | None,
        typer.Option(
            metavar="NAME", help="The signer's name (default: the certificate's common name)."
        ),
    ] = None,
    database: Database = None,
    as_json: Json = False,
) -> None:
    """Sign the chain's head with your key and record the checkpoint, so a chain rebuilt
    behind scorecard's back fails `audit verify --trust CERT`."""
    from scorecard.cli.passphrase import read_passphrase
    from scorecard.commands.audit import checkpoint as run
    from scorecard.records.serialize import timestamp

    passphrase = read_passphrase(passphrase_file, prompt=True)
    row = run(settings(database), key, cert, passphrase, name)
    if as_json:
        echo_json(
            {
                "id": row.id,
                "event_id": row.event_id,
                "event_hash": row.event_hash,
                "signer": row.signer,
                "cert_sha256": row.cert_sha256,
                "created_by": row.created_by,
                "created_at": timestamp(row.created_at),
            }
        )
        return
    say(f"checkpoint #{row.id} signs event #{row.event_id} (hash {row.event_hash}) as {row.signer}")


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
