"""``scorecard render``, ``sign``, ``verify`` and ``keys new``: the system card."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scorecard.errors import NotFound, UsageError
from scorecard.settings import Settings, actor_name

if TYPE_CHECKING:
    from scorecard.card.verify import CardReport
    from scorecard.sign.signer import SignatureRecord

ALGORITHMS = ("ecdsa-p256", "rsa-3072")


def render(
    settings: Settings,
    model_ref: str,
    out: Path,
    fmt: str = "pdf",
    signatories: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """Render the latest (up-to-date) scorecard as a system card; returns the card data.

    ``signatories`` (role, name) are listed in the card's signature block: the signatures come
    after rendering, so their times are in the signatures themselves.
    """
    from scorecard.card import data
    from scorecard.records import models
    from scorecard.records.session import reading
    from scorecard.render.interface import get_format

    writer = get_format(fmt)  # an unknown format fails before the database is read
    with reading(settings.database_url) as session:
        card = data.build(session, models.resolve(session, model_ref))
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
    from scorecard.records import documents, models
    from scorecard.records.session import writing
    from scorecard.sign.signer import sign_bytes

    _, card = read_card(pdf)
    try:
        source = pdf.read_bytes()
    except OSError as exc:
        raise NotFound(f"{pdf}: cannot read: {exc.strerror}") from None
    signed, record = sign_bytes(
        source,
        key=key,
        cert=cert,
        passphrase=passphrase,
        role=role,
        name=name,
        location=location,
    )
    with staged(out, signed), writing(settings.database_url) as session:
        model = models.resolve(session, card["model"]["ref"])
        documents.record(
            session,
            model,
            card["scorecard"]["id"],
            kind="signature",
            file_name=out.name,
            sha256=record.sha256,
            actor=actor_name(settings, record.name),
            signer=record.name,
            role=role,
            field_name=record.field_name,
        )
    return record


def verify(pdf: Path, trust: Sequence[Path] = (), settings: Settings | None = None) -> CardReport:
    """Check a card's signatures, its attached record, its levels and (with settings naming a
    database) the record there."""
    from scorecard.card.verify import verify_card

    return verify_card(pdf, trust, settings.database_url if settings is not None else None)
