"""``scorecard render``, ``sign``, ``verify`` and ``keys new``: the system card."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scorecard.errors import NotFound, UsageError
from scorecard.settings import Settings, actor_name

if TYPE_CHECKING:
    from scorecard.card.roles import RoleTrust
    from scorecard.card.verify import CardReport
    from scorecard.sign.signer import SignatureRecord

ALGORITHMS = ("ecdsa-p256", "rsa-3072")


def render(
    settings: Settings,
    model_ref: str,
    out: Path,
    fmt: str = "pdf",
    signatories: Sequence[tuple[str, str]] = (),
    *,
    scorecard_id: int | None = None,
) -> dict[str, Any]:
    """Render a scorecard as a system card; returns the card data.

    The scorecard is ``scorecard_id``, else the latest (up-to-date) one of the series: the
    model's first framework, unless the settings name one explicitly. An earlier scorecard's
    card carries the evidence and judgments it was computed from and says it is not the latest.
    ``signatories`` (role, name) are listed in the card's signature block: the signatures come
    after rendering, so their times are in the signatures themselves.
    """
    from scorecard.card import data
    from scorecard.commands.scorecards import series
    from scorecard.records import models
    from scorecard.records.session import reading
    from scorecard.render.interface import get_format

    writer = get_format(fmt)  # an unknown format fails before the database is read
    with reading(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        card = data.build(session, model, scorecard_id, series(settings))
    card["signatures"] = [
        {"role": role, "name": name, "when": "see the digital signature"}
        for role, name in signatories
    ]
    writer.write(card, out)
    return card


def keys_new(
    name: str, email: str, out_dir: Path, passphrase: bytes, algorithm: str = "ecdsa-p256"
) -> tuple[Path, Path]:
    """A self-signed signing certificate and an encrypted private key, for teams with no PKI."""
    from scorecard.sign.keys import new_identity

    if algorithm not in ALGORITHMS:
        raise UsageError(f"unknown algorithm {algorithm!r} ({' or '.join(ALGORITHMS)})")
    return new_identity(name, email, out_dir, passphrase, algorithm)  # type: ignore[arg-type]


def sign(
    settings: Settings,
    pdf: Path,
    out: Path,
    *,
    key: Path,
    cert: Path,
    passphrase: bytes,
    role: str,
    name: str | None = None,
    location: str | None = None,
) -> SignatureRecord:
    """Sign a system card and record the signature as a document of the scorecard it carries.

    One unit: the key and certificate are checked before anything is written; the signed bytes
    are staged beside ``out`` and take its place only after the record is committed, so a
    failure on either side leaves both the file and the database as they were. ``name``
    defaults to the certificate's common name.
    """
    from scorecard.card.attachment import read_card
    from scorecard.files import staged
    from scorecard.records import checkpoints, documents, models
    from scorecard.records.session import writing
    from scorecard.sign.keys import load_identity
    from scorecard.sign.signer import sign_with

    _, card = read_card(pdf)
    model_ref, scorecard_id = _card_identity(card, role)
    try:
        source = pdf.read_bytes()
    except OSError as exc:
        raise NotFound(f"{pdf}: cannot read: {exc.strerror}") from None
    if not role.strip():
        raise UsageError("a signature needs a role")
    identity = load_identity(key, cert, passphrase)
    signed, record = sign_with(identity, source, str(pdf), role, name, location)
    with staged(out, signed), writing(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        documents.record(
            session,
            model,
            scorecard_id,
            kind="signature",
            file_name=out.name,
            sha256=record.sha256,
            actor=actor_name(settings, record.name),
            signer=record.name,
            role=role,
            field_name=record.field_name,
            certificate=documents.CertificateFacts(
                record.cert_sha256,
                record.cert_subject,
                record.cert_not_before,
                record.cert_not_after,
            ),
        )
        # The signer also signs the audit chain's head: a signed card always leaves a
        # checkpoint that a rebuilt chain cannot match.
        checkpoints.create(
            session,
            private_key=identity.key,
            certificate=identity.certificate,
            signer_name=record.name,
            actor=actor_name(settings, record.name),
        )
    return record


def _card_identity(card: dict[str, Any], role: str) -> tuple[str, int]:
    """The model and scorecard a card is for; and the role, which its framework must know."""
    from scorecard import packs
    from scorecard.errors import CheckFailed, FrameworkError, ScorecardError

    try:
        model_ref, scorecard_id = str(card["model"]["ref"]), int(card["scorecard"]["id"])
        header = packs.load_files(card["framework"]["files"], "attached framework").header
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError, FrameworkError):
        raise CheckFailed("the attached record is malformed: not a scorecard system card") from None
    if header.card_signers and header.card_signer(role) is None:
        names = ", ".join(n for s in header.card_signers for n in s.names)
        raise UsageError(f"role {role!r} is not a signing role of {header.id} ({names})")
    # Never sign what `verify` would refuse: the record must give the levels it states.
    from scorecard.card.recompute import recompute

    try:
        problems = recompute(card)
    except (ScorecardError, KeyError, TypeError, ValueError, AttributeError, RecursionError):
        problems = ["its record cannot be recomputed"]
    if problems:
        raise CheckFailed(f"refusing to sign: the card does not hold together: {problems[0]}")
    return model_ref, scorecard_id


def verify(
    pdf: Path,
    trust: Sequence[Path] = (),
    settings: Settings | None = None,
    trust_roles: Sequence[RoleTrust] = (),
) -> CardReport:
    """Check a card's signatures and signers' roles, its attached record, its levels, its pages
    and (with settings naming a database) the record there."""
    from scorecard.card.verify import verify_card

    database = settings.database_url if settings is not None else None
    return verify_card(pdf, trust, database, trust_roles)
