"""``scorecard roster add``, ``list`` and ``revoke``: who may act in which governance role."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from scorecard.errors import NotFound
from scorecard.settings import Settings, actor_name

if TYPE_CHECKING:
    from cryptography import x509

    from scorecard.db.schema import RosterEntry
    from scorecard.records.roster import Listed


def _certificate(cert: Path) -> x509.Certificate:
    from scorecard.records.roster import read_certificate

    try:
        data = cert.read_bytes()
    except OSError as exc:
        raise NotFound(f"{cert}: cannot read: {exc.strerror}") from None
    return read_certificate(data, str(cert))


def add(settings: Settings, role: str, cert: Path, by: str, rationale: str = "") -> RosterEntry:
    """Put the holder of ``cert`` on the roster for ``role`` (one role per person)."""
    from scorecard.records import roster
    from scorecard.records.session import writing

    roster.check_role(role)
    certificate = _certificate(cert)
    with writing(settings.database_url) as session:
        return roster.add(
            session,
            role,
            certificate,
            by=by,
            rationale=rationale,
            actor=actor_name(settings, by),
        )


def listing(settings: Settings) -> list[Listed]:
    """The active roster entries, oldest first."""
    from scorecard.records import roster
    from scorecard.records.session import reading

    with reading(settings.database_url) as session:
        return roster.listing(session)


def revoke(
    settings: Settings,
    *,
    by: str,
    rationale: str,
    entry_id: int | None = None,
    role: str | None = None,
    cert: Path | None = None,
) -> RosterEntry:
    """Revoke a roster entry, named by its id or by its role and certificate."""
    from scorecard.records import roster
    from scorecard.records.session import writing

    certificate = _certificate(cert) if cert is not None else None
    with writing(settings.database_url) as session:
        return roster.revoke(
            session,
            by=by,
            rationale=rationale,
            actor=actor_name(settings, by),
            entry_id=entry_id,
            role=role,
            certificate=certificate,
        )
