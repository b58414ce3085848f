"""``scorecard roster``: which certificate may act in which governance role."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from scorecard.cli.options import Database, Json, settings
from scorecard.cli.output import Column, echo_json, say, table
from scorecard.core.process import RECORD_ROLES

app = typer.Typer(
    help="Who may act in which role: the certificates on the roster.", no_args_is_help=True
)

Role = Annotated[
    str,
    typer.Option("--role", metavar="ROLE", help=f"The role: {', '.join(RECORD_ROLES)}."),
]
CertFile = Annotated[
    Path,
    typer.Option(
        "--cert", metavar="FILE", help="The person's certificate (PEM or DER).", dir_okay=False
    ),
]
By = Annotated[str, typer.Option("--by", metavar="NAME", help="Who changes the roster.")]


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="roster")


@app.command("add")
def add(
    role: Role,
    cert: CertFile,
    by: By,
    rationale: Annotated[
        str, typer.Option("--rationale", metavar="TEXT", help="Why, in writing.")
    ] = "",
    database: Database = None,
) -> None:
    """Put a certificate on the roster for one role (a person holds one role only)."""
    from scorecard.commands import roster
    from scorecard.records.roster import name_of

    entry = roster.add(settings(database), role, cert, by, rationale)
    say(f"roster entry #{entry.id}: {name_of(entry)} as {role}")


@app.command("list")
def list_(database: Database = None, as_json: Json = False) -> None:
    """List the active roster entries: role, subject, fingerprint, who added them and when."""
    from scorecard.commands import roster

    rows = roster.listing(settings(database))
    if as_json:
        echo_json([asdict(r) for r in rows])
        return
    table(
        "Roster",
        [
            Column("Id", key=True, justify="right"),
            Column("Role", key=True),
            Column("Name"),
            Column("Subject"),
            Column("Fingerprint (sha256)", key=True),
            Column("Valid until (UTC)", key=True),
            Column("Added by"),
            Column("Added (UTC)", key=True),
        ],
        [
            (
                r.id,
                r.role,
                r.common_name,
                r.subject,
                r.fingerprint,
                r.not_after[:19],
                r.added_by,
                r.added_at[:19],
            )
            for r in rows
        ],
    )


@app.command("revoke")
def revoke(
    by: By,
    rationale: Annotated[str, typer.Option("--rationale", metavar="TEXT", help="Why, in writing.")],
    entry_id: Annotated[
        int | None, typer.Option("--id", metavar="ID", help="The roster entry to revoke.")
    ] = None,
    role: Annotated[
        str | None,
        typer.Option("--role", metavar="ROLE", help="With --cert: the role to revoke it from."),
    ] = None,
    cert: Annotated[
        Path | None,
        typer.Option(
            "--cert", metavar="FILE", help="With --role: the certificate to revoke.", dir_okay=False
        ),
    ] = None,
    database: Database = None,
) -> None:
    """Revoke a roster entry (by --id, or by --role and --cert); the entry is kept."""
    from scorecard.commands import roster
    from scorecard.errors import UsageError
    from scorecard.records.roster import name_of

    if (entry_id is None) == (role is None and cert is None) or (
        entry_id is None and (role is None or cert is None)
    ):
        raise UsageError("revoke needs --id, or --role and --cert")
    entry = roster.revoke(
        settings(database), by=by, rationale=rationale, entry_id=entry_id, role=role, cert=cert
    )
    say(
        f"roster entry #{entry.revokes_id} ({name_of(entry)} as {entry.role}) revoked "
        f"by entry #{entry.id}"
    )
