"""``scorecard judge``, ``mitigate``, ``decide`` and ``attest``: what people add to the record."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scorecard.cli.options import (
    AllowShadow,
    Database,
    FrameworkId,
    FrameworkPath,
    ModelRef,
    PassphraseFile,
    Rationale,
    refuse_inapplicable,
    settings,
)
from scorecard.cli.output import say
from scorecard.cli.scorecards import Series
from scorecard.core.process import ATTESTATION_GATES, DECISIONS, ROLE_DUTIES, ROLES
from scorecard.core.vocabulary import JUDGMENT_KINDS
from scorecard.errors import UsageError

if TYPE_CHECKING:
    from scorecard.sign.keys import Identity

By = Annotated[
    str | None,
    typer.Option(
        "--by",
        metavar="NAME",
        help="Who does this (a named person; with --key, default: the certificate's common name).",
        show_default=False,
    ),
]
Key = Annotated[
    Path | None,
    typer.Option(
        "--key",
        metavar="FILE",
        help="Sign the record with this private key (PEM, or PKCS#12 .p12/.pfx).",
        dir_okay=False,
    ),
]
Cert = Annotated[
    Path | None,
    typer.Option(
        "--cert", metavar="FILE", help="The certificate that goes with --key.", dir_okay=False
    ),
]


def _signer(key: Path | None, cert: Path | None, passphrase_file: Path | None) -> Identity | None:
    """The checked key and certificate to sign with, or None for an unsigned record."""
    if key is None and cert is None:
        if passphrase_file is not None:
            raise UsageError("--passphrase-file applies only when signing (with --key and --cert)")
        return None
    if key is None or cert is None:
        raise UsageError("signing a record needs both --key and --cert")
    from scorecard.cli.passphrase import read_passphrase
    from scorecard.commands.reviews import load_signer

    return load_signer(key, cert, read_passphrase(passphrase_file, prompt=True))


def _who(by: str | None, signer: Identity | None) -> str:
    if signer is None and not (by and by.strip()):
        raise UsageError(
            "--by is required (or sign with --key and --cert: the certificate names you)"
        )
    from scorecard.commands.reviews import signer_name

    return signer_name(by, signer)


def _signed(signer: Identity | None) -> str:
    if signer is None:
        return ""
    info = signer.info
    return f", signed by {info.common_name or info.subject} ({info.sha256[:16]}…)"


def register(root: typer.Typer) -> None:
    root.command("judge")(judge)
    root.command("mitigate")(mitigate)
    root.command("decide")(decide)
    root.command("attest")(attest)


def judge(
    model: ModelRef,
    rationale: Annotated[
        str | None,
        typer.Option("--rationale", metavar="TEXT", help="Why, in writing (not with --file)."),
    ] = None,
    by: By = None,
    category: Annotated[
        str | None, typer.Option(metavar="CATEGORY", help="The risk category id.")
    ] = None,
    stage: Annotated[
        str | None, typer.Option(metavar="STAGE", help="The stage, e.g. pre or post.")
    ] = None,
    level: Annotated[str | None, typer.Option(metavar="LEVEL", help="The level you judge.")] = None,
    indicator: Annotated[
        str | None, typer.Option(metavar="INDICATOR", help="Judge one indicator only.")
    ] = None,
    override: Annotated[
        bool,
        typer.Option(
            "--override", help="Allow lowering a computed level (flagged wherever it is shown)."
        ),
    ] = False,
    kind: Annotated[
        str,
        typer.Option(
            metavar="KIND",
            help="level, or safeguards (judged sufficient up to LEVEL, for v2-style gates).",
        ),
    ] = "level",
    post_equals_pre: Annotated[
        bool,
        typer.Option("--post-equals-pre", help="Set every post level to the latest pre level."),
    ] = False,
    corrects: Annotated[
        int | None, typer.Option(metavar="ID", help="The judgment id this one corrects.")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            metavar="FILE",
            help="Record every judgment of a CSV or JSONL file (columns category, stage, level, "
            "by, rationale; optional indicator, override, kind) in one go: all or none. "
            "--by then names who records them.",
            dir_okay=False,
        ),
    ] = None,
    key: Key = None,
    cert: Cert = None,
    passphrase_file: PassphraseFile = None,
    framework: FrameworkId = None,
    framework_path: FrameworkPath = None,
    allow_shadow: AllowShadow = False,
    database: Database = None,
) -> None:
    """Record an expert judgment or a safety-group override, with who and why.

    A judgment below the level the evidence computes is refused unless it is an override.
    With --key and --cert the judgment is signed (role safety); the policy may require it."""
    from scorecard.commands import reviews

    chosen = settings(database, framework, framework_path, allow_shadow)
    if file is not None:
        refuse_inapplicable(
            "with --file (each row of the file is one judgment)",
            {
                "--rationale": rationale is not None,
                "--category": category is not None,
                "--stage": stage is not None,
                "--level": level is not None,
                "--indicator": indicator is not None,
                "--override": override,
                "--kind": kind != "level",
                "--post-equals-pre": post_equals_pre,
                "--corrects": corrects is not None,
            },
        )
        signer = _signer(key, cert, passphrase_file)
        rows = reviews.judge_file(chosen, model, file, by, signer=signer)
        span = f"#{rows[0].id}" if len(rows) == 1 else f"#{rows[0].id}–#{rows[-1].id}"
        say(
            f"recorded {len(rows)} judgments ({span}) from {file} for {model}{_signed(signer)}; "
            f"run `scorecard score {model}` to apply them"
        )
        return
    if rationale is None:
        raise UsageError("judge needs --rationale (or --file)")
    if post_equals_pre:
        refuse_inapplicable(
            "with --post-equals-pre (it judges every category's post level)",
            {
                "--category": category is not None,
                "--stage": stage is not None,
                "--level": level is not None,
                "--indicator": indicator is not None,
                "--override": override,
                "--kind": kind != "level",
                "--corrects": corrects is not None,
            },
        )
        signer = _signer(key, cert, passphrase_file)
        rows = reviews.judge_post_equals_pre(
            chosen, model, _who(by, signer), rationale, signer=signer
        )
        say(
            f"recorded {len(rows)} judgments setting post = pre for {model}{_signed(signer)}; "
            f"run `scorecard score {model}` to apply them"
        )
        return
    if category is None or stage is None or level is None:
        raise UsageError(
            "judge needs --category, --stage and --level (or --post-equals-pre, or --file)"
        )
    if kind not in JUDGMENT_KINDS:
        raise UsageError(f"unknown kind {kind!r} (expected {' or '.join(JUDGMENT_KINDS)})")
    signer = _signer(key, cert, passphrase_file)
    from pydantic import ValidationError

    from scorecard.core.evidence import Judgment

    try:
        judgment = Judgment(
            category=category,
            stage=stage,
            level=level,
            by=_who(by, signer),
            rationale=rationale,
            indicator=indicator,
            override=override,
            kind=kind,  # checked against JUDGMENT_KINDS above
        )
    except ValidationError as exc:
        problem = exc.errors()[0]
        raise UsageError(f"--{problem['loc'][0]}: {problem['msg'].lower()}") from None
    row = reviews.judge(chosen, model, judgment, corrects=corrects, signer=signer)
    say(f"recorded judgment #{row.id}{_signed(signer)}; run `scorecard score {model}` to apply it")


def mitigate(
    model: ModelRef,
    category: Annotated[str, typer.Option(metavar="CATEGORY", help="The risk category id.")],
    description: Annotated[str, typer.Option(metavar="TEXT", help="What was done.")],
    by: By = None,
    key: Key = None,
    cert: Cert = None,
    passphrase_file: PassphraseFile = None,
    framework: FrameworkId = None,
    framework_path: FrameworkPath = None,
    allow_shadow: AllowShadow = False,
    database: Database = None,
) -> None:
    """Record a mitigation applied for a risk category.

    With --key and --cert the mitigation is signed (role safety); the policy may require it."""
    from scorecard.commands import reviews

    signer = _signer(key, cert, passphrase_file)
    row = reviews.mitigate(
        settings(database, framework, framework_path, allow_shadow),
        model,
        category,
        _who(by, signer),
        description,
        signer=signer,
    )
    say(f"recorded mitigation #{row.id} for {category}{_signed(signer)}")


def decide(
    model: ModelRef,
    decision: Annotated[
        str, typer.Option(metavar="DECISION", help=f"What is decided: {', '.join(DECISIONS)}.")
    ],
    role: Annotated[
        str,
        typer.Option(
            metavar="ROLE",
            help="; ".join(f"{r} ({ROLE_DUTIES[r]})" for r in ROLES) + ".",
        ),
    ],
    rationale: Rationale,
    by: By = None,
    scorecard_id: Annotated[
        int | None,
        typer.Option(
            "--scorecard",
            metavar="ID",
            help="Decide on this scorecard: refused unless it is the latest of its series and "
            "up to date.",
            show_default=False,
        ),
    ] = None,
    key: Key = None,
    cert: Cert = None,
    passphrase_file: PassphraseFile = None,
    framework: Series = None,
    database: Database = None,
) -> None:
    """Record a decision on the latest scorecard; the framework's gates are enforced.

    Deploying needs a security attestation (`scorecard attest`) when the scorecard requires
    hardened security. Leadership may decide against the SAG's recommendation: it is recorded
    and shown as an overrule. With --key and --cert the decision is signed in its role; the
    policy may require it, and the roster says whose certificate may sign for the role."""
    from scorecard.commands import reviews

    signer = _signer(key, cert, passphrase_file)
    row, flags = reviews.decide_flagged(
        settings(database, framework),
        model,
        decision,
        role,
        _who(by, signer),
        rationale,
        signer=signer,
        scorecard_id=scorecard_id,
    )
    reverses = f", reversing decision #{row.reverses_id}" if row.reverses_id else ""
    say(
        f"recorded {role} decision #{row.id}: {decision} on scorecard #{row.scorecard_id}"
        f"{reverses}{_signed(signer)}"
    )
    for flag in flags:
        say(f"flag ({flag.kind.replace('_', ' ')}): {flag.message}")


def attest(
    model: ModelRef,
    gate: Annotated[
        str,
        typer.Option(
            metavar="GATE",
            help="What is attested: "
            + "; ".join(f"{g} ({what})" for g, what in ATTESTATION_GATES.items())
            + ".",
        ),
    ],
    rationale: Rationale,
    by: By = None,
    key: Key = None,
    cert: Cert = None,
    passphrase_file: PassphraseFile = None,
    framework: Series = None,
    database: Database = None,
) -> None:
    """Record that a framework requirement is met, with who and why (e.g. hardened security,
    which deploying needs when the scorecard requires it).

    With --key and --cert the attestation is signed (role safety); the policy may require it."""
    from scorecard.commands import reviews

    if gate not in ATTESTATION_GATES:  # before a passphrase prompt
        raise UsageError(f"unknown gate {gate!r} (expected {', '.join(ATTESTATION_GATES)})")
    signer = _signer(key, cert, passphrase_file)
    row = reviews.attest(
        settings(database, framework), model, gate, _who(by, signer), rationale, signer=signer
    )
    on = f" on scorecard #{row.scorecard_id}" if row.scorecard_id else ""
    say(f"recorded {gate} attestation #{row.id} for {model}{on}{_signed(signer)}")
