"""``scorecard keys new``, ``scorecard sign`` and ``scorecard verify``."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from scorecard.cli.options import Database, Json

keys_app = typer.Typer(
    help="Make signing identities for teams without a PKI.", no_args_is_help=True
)

PassphraseFile = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        help="A file whose first line is the key passphrase "
        "(else SCORECARD_KEY_PASSPHRASE, else a prompt on a terminal).",
        dir_okay=False,
    ),
]


class Algorithm(StrEnum):
    ecdsa_p256 = "ecdsa-p256"
    rsa_3072 = "rsa-3072"


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
    app.command("sign")(sign)
    app.command("verify")(verify)


@keys_app.command("new")
def keys_new(
    name: Annotated[str, typer.Option(help="The signer's name, as it appears on signatures.")],
    email: Annotated[str, typer.Option(help="The signer's email address.")],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="Folder for signing-cert.pem and signing-key.pem.",
            file_okay=False,
        ),
    ],
    algorithm: Annotated[
        Algorithm, typer.Option(help="ECDSA P-256 (fast) or RSA-3072.")
    ] = Algorithm.ecdsa_p256,
    passphrase_file: PassphraseFile = None,
) -> None:
    """Make a self-signed signing certificate and an encrypted private key."""
    from scorecard.command import keys_new as run
    from scorecard.sign.keys import read_passphrase

    passphrase = read_passphrase(passphrase_file, prompt=True, confirm=True)
    cert, key = run(name, email, output, passphrase, algorithm.value)
    typer.echo(f"wrote {cert} and {key} (encrypted; keep the passphrase safe)")


def sign(
    card: Annotated[Path, typer.Argument(help="The system card (PDF) to sign.", dir_okay=False)],
    key: Annotated[
        Path, typer.Option(help="Private key (PEM, or PKCS#12 .p12/.pfx).", dir_okay=False)
    ],
    cert: Annotated[Path, typer.Option(help="Signing certificate (PEM).", dir_okay=False)],
    role: Annotated[
        str,
        typer.Option(help="The signer's role, recorded as the reason (e.g. 'SAG chair', 'CEO')."),
    ],
    name: Annotated[str, typer.Option(help="The signer's name.")],
    location: Annotated[str | None, typer.Option(help="Where it is signed.")] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the signed card here (default: sign in place).",
            dir_okay=False,
        ),
    ] = None,
    passphrase_file: PassphraseFile = None,
    database: Database = None,
) -> None:
    """Sign a system card (PAdES) and record the signature in the database."""
    from scorecard.command import sign as run
    from scorecard.sign.keys import read_passphrase

    passphrase = read_passphrase(passphrase_file, prompt=True)
    target = output or card
    record = run(
        database,
        card,
        target,
        key=key,
        cert=cert,
        passphrase=passphrase,
        role=role,
        name=name,
        location=location,
    )
    what = "certified" if record.certify else "signed"
    typer.echo(
        f"{what} {target} as {role} ({name}), field {record.field_name}, "
        f"sha256 {record.sha256[:16]}…"
    )


def verify(
    card: Annotated[Path, typer.Argument(help="The system card (PDF) to check.", dir_okay=False)],
    trust: Annotated[
        list[Path] | None,
        typer.Option("--trust", help="A certificate to trust (repeatable).", dir_okay=False),
    ] = None,
    database: Annotated[
        str | None,
        typer.Option("--database", "-d", help="Also compare with this database's record."),
    ] = None,
    as_json: Json = False,
) -> None:
    """Check signatures, the attached record and that the levels follow from its evidence.

    Exits 0 only when every check passes.
    """
    from scorecard.command import verify as run

    report = run(card, trust or [], database)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "file": report.path,
                    "checks": [vars(c) for c in report.checks],
                    "signatures": report.signatures,
                },
                indent=2,
                default=str,
            )
        )
    else:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        console = Console()
        table = Table(title=Text(f"Verification of {card}"))
        for column in ("Check", "Result", "Detail"):
            table.add_column(column, overflow="fold")
        for check in report.checks:
            table.add_row(
                check.name,
                Text(
                    "pass" if check.ok else "FAIL", style="bold green" if check.ok else "bold red"
                ),
                Text(check.detail),
            )
        console.print(table)
        for sig in report.signatures:
            console.print(
                Text(
                    f"  {sig['field_name']}: {sig['reason']} — {sig['signer']} at "
                    f"{sig['signing_time']} (intact {sig['intact']}, trusted "
                    f"{sig['trusted']}, {sig['coverage']})"
                )
            )
        console.print(
            Text(
                "verified" if report.ok else "NOT verified",
                style="bold green" if report.ok else "bold red",
            )
        )
    if not report.ok:
        raise typer.Exit(1)
