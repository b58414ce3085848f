"""``scorecard render``, ``sign``, ``verify`` and ``keys new``: the system card."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scorecard.cli.options import Database, Json, ModelRef, PassphraseFile, settings
from scorecard.cli.output import Column, console, echo_json, say, table
from scorecard.cli.scorecards import ScorecardId, Series
from scorecard.errors import EXIT_FAILED, UsageError
from scorecard.render.interface import FORMAT_NAMES

keys_app = typer.Typer(
    help="Make signing identities for teams without a PKI.", no_args_is_help=True
)

Key = Annotated[
    Path,
    typer.Option(metavar="FILE", help="Private key (PEM, or PKCS#12 .p12/.pfx).", dir_okay=False),
]
Cert = Annotated[
    Path, typer.Option(metavar="FILE", help="Signing certificate (PEM).", dir_okay=False)
]


def register(root: typer.Typer) -> None:
    root.command("render")(render)
    root.add_typer(keys_app, name="keys")
    root.command("sign")(sign)
    root.command("verify")(verify)


def render(
    model: ModelRef,
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Where to write the card.", dir_okay=False
        ),
    ],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="pdf (PDF/A-3b with the record attached), html (standalone) or md (summary).",
        ),
    ] = "pdf",
    signer: Annotated[
        list[str] | None,
        typer.Option(
            "--signer",
            metavar="ROLE=NAME",
            help="A person who will sign, listed in the card's signature block (repeatable, "
            "in signing order).",
        ),
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Sign the PDF with this key right away.", dir_okay=False),
    ] = None,
    cert: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="The certificate that goes with --key.", dir_okay=False),
    ] = None,
    role: Annotated[
        str | None, typer.Option(metavar="ROLE", help="The signer's role, with --key.")
    ] = None,
    name: Annotated[
        str | None, typer.Option(metavar="NAME", help="The signer's name, with --key.")
    ] = None,
    passphrase_file: PassphraseFile = None,
    scorecard_id: ScorecardId = None,
    framework: Series = None,
    database: Database = None,
) -> None:
    """Render the model's latest scorecard as a system card (PDF/A-3b, HTML or Markdown).

    With --scorecard, an earlier one (e.g. the one decided): the card carries the evidence and
    judgments it was computed from and says it is not the latest. With --key and --cert the
    PDF is signed right after rendering.
    """
    from scorecard.commands import card as commands

    if fmt not in FORMAT_NAMES:
        raise UsageError(f"unknown format {fmt!r} (expected {', '.join(FORMAT_NAMES)})")
    signatories = []
    for item in signer or []:
        who_role, sep, who = item.partition("=")
        if not sep or not who_role.strip() or not who.strip():
            raise UsageError(f"--signer {item!r}: expected ROLE=NAME")
        signatories.append((who_role.strip(), who.strip()))
    signing = key is not None or cert is not None or passphrase_file is not None
    if signing and (key is None or cert is None or not role or not name or fmt != "pdf"):
        raise UsageError(
            "signing while rendering needs --format pdf and --key, --cert, --role and --name"
        )
    if not signing and (role is not None or name is not None):
        raise UsageError("--role and --name apply only when signing (with --key and --cert)")
    chosen = settings(database, framework)
    passphrase = None
    if signing:
        from scorecard.cli.passphrase import read_passphrase

        passphrase = read_passphrase(passphrase_file, prompt=True)
        if not signatories:
            signatories = [(role or "", name or "")]
    with console(stderr=True).status("rendering the system card"):
        card = commands.render(chosen, model, output, fmt, signatories, scorecard_id=scorecard_id)
    if signing:
        assert key is not None
        assert cert is not None
        assert role
        assert name
        assert passphrase
        record = commands.sign(
            chosen,
            output,
            output,
            key=key,
            cert=cert,
            passphrase=passphrase,
            role=role,
            name=name,
        )
        say(f"signed as {role} ({name}), field {record.field_name}")
    latest = "" if card["is_latest"] else f" (not the latest: #{card['latest_id']} is)"
    say(
        f"wrote {output} ({fmt}) for {card['model']['ref']}, scorecard "
        f"#{card['scorecard']['id']}{latest}"
    )


@keys_app.command("new")
def keys_new(
    name: Annotated[
        str,
        typer.Option(metavar="NAME", help="The signer's name, as it appears on signatures."),
    ],
    email: Annotated[str, typer.Option(metavar="EMAIL", help="The signer's email address.")],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            metavar="DIR",
            help="Folder for signing-cert.pem and signing-key.pem.",
            file_okay=False,
        ),
    ],
    algorithm: Annotated[
        str, typer.Option(metavar="ALGORITHM", help="ecdsa-p256 (fast) or rsa-3072.")
    ] = "ecdsa-p256",
    passphrase_file: PassphraseFile = None,
) -> None:
    """Make a self-signed signing certificate and an encrypted private key."""
    from scorecard.cli.passphrase import read_passphrase
    from scorecard.commands.card import ALGORITHMS
    from scorecard.commands.card import keys_new as run

    if algorithm not in ALGORITHMS:  # before the passphrase prompt
        raise UsageError(f"unknown algorithm {algorithm!r} ({' or '.join(ALGORITHMS)})")
    passphrase = read_passphrase(passphrase_file, prompt=True, confirm=True)
    cert, key = run(name, email, output, passphrase, algorithm)
    say(f"wrote {cert} and {key} (encrypted; keep the passphrase safe)")


def sign(
    card: Annotated[
        Path,
        typer.Argument(metavar="FILE", help="The system card (PDF) to sign.", dir_okay=False),
    ],
    key: Key,
    cert: Cert,
    role: Annotated[
        str,
        typer.Option(
            metavar="ROLE",
            help="The signer's role, recorded as the reason (e.g. 'SAG chair', 'CEO').",
        ),
    ],
    name: Annotated[
        str | None,
        typer.Option(
            metavar="NAME", help="The signer's name (default: the certificate's common name)."
        ),
    ] = None,
    location: Annotated[
        str | None, typer.Option(metavar="TEXT", help="Where it is signed.")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write the signed card here (default: sign in place).",
            dir_okay=False,
        ),
    ] = None,
    passphrase_file: PassphraseFile = None,
    database: Database = None,
) -> None:
    """Sign a system card (PAdES) and record the signature in the database."""
    from scorecard.cli.passphrase import read_passphrase
    from scorecard.commands.card import sign as run

    passphrase = read_passphrase(passphrase_file, prompt=True)
    target = output or card
    record = run(
        settings(database),
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
    say(
        f"{what} {target} as {role} ({record.name}), field {record.field_name}, "
        f"sha256 {record.sha256[:16]}…"
    )


def verify(
    card: Annotated[
        Path,
        typer.Argument(metavar="FILE", help="The system card (PDF) to check.", dir_okay=False),
    ],
    trust: Annotated[
        list[Path] | None,
        typer.Option(
            "--trust", metavar="CERT", help="A certificate to trust (repeatable).", dir_okay=False
        ),
    ] = None,
    trust_role: Annotated[
        list[str] | None,
        typer.Option(
            "--trust-role",
            metavar="ROLE=CERT",
            help="This role (as the framework names it, e.g. 'SAG chair') must be signed with "
            "this certificate or one it issued (repeatable, one per role).",
        ),
    ] = None,
    database: Annotated[
        str | None,
        typer.Option(
            "--database", "-d", metavar="URL", help="Also compare with this database's record."
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """Check signatures and signers' roles, the attached record, that the levels follow from
    its evidence and that the pages show it; with --database, that the record there agrees.

    Exits 0 only when every check passes, 1 otherwise.
    """
    from scorecard.card.roles import parse_trust_role
    from scorecard.commands.card import verify as run

    roles = [parse_trust_role(item) for item in trust_role or []]
    report = run(card, trust or [], settings(database) if database else None, roles)
    if as_json:
        echo_json(
            {
                "ok": report.ok,
                "file": report.path,
                "checks": [vars(c) for c in report.checks],
                "signatures": report.signatures,
                "notes": report.notes,
            }
        )
    else:
        table(
            f"Verification of {card}",
            [Column("Check", key=True), Column("Result", key=True), Column("Detail")],
            [(c.name, "pass" if c.ok else "FAIL", c.detail) for c in report.checks],
        )
        for sig in report.signatures:
            say(
                f"  {sig['field_name']}: {sig['reason']} — {sig['signer']} at "
                f"{sig['signing_time']} (intact {sig['intact']}, trusted "
                f"{sig['trusted']}, {sig['coverage']})"
            )
        for note in report.notes:
            say(f"  {note}")
        say("verified" if report.ok else "NOT verified")
    if not report.ok:
        raise typer.Exit(EXIT_FAILED)
