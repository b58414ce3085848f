"""The roster: which certificate may act in which governance role.

An entry is never edited or deleted: it is revoked by a later entry (action ``revoke``) that
names it. A certificate holds one role at most, and so does its key and its subject: one
person cannot be on the roster as SAG and as leadership. Whether a role's records must be
signed is the policy's to say (``records.policy``); ``records.signatures`` applies both.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from scorecard.core.process import RECORD_ROLES
from scorecard.db.schema import RosterEntry
from scorecard.errors import NotFound, Refused, UsageError
from scorecard.records import write
from scorecard.records.serialize import now
from scorecard.sign.keys import CertificateInfo, certificate_info

if TYPE_CHECKING:
    from cryptography import x509

ADD = "add"
REVOKE = "revoke"


def check_role(role: str) -> None:
    if role not in RECORD_ROLES:
        raise UsageError(f"unknown role {role!r} (expected {', '.join(RECORD_ROLES)})")


def read_certificate(data: bytes, source: str) -> x509.Certificate:
    """A certificate from PEM or DER bytes; anything else (a key, a text file) is refused."""
    from scorecard.sign.certificates import parse_certificates

    try:
        return parse_certificates(data)[0]
    except (ValueError, IndexError):
        raise Refused(f"refused: {source} is not a certificate (PEM or DER expected)") from None


def pem_of(certificate: x509.Certificate) -> str:
    from cryptography.hazmat.primitives import serialization

    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def key_fingerprint(certificate: x509.Certificate) -> str:
    """sha256 of the certificate's public key (SubjectPublicKeyInfo, DER)."""
    from cryptography.hazmat.primitives import serialization

    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).hexdigest()


def who(info: CertificateInfo) -> str:
    """A certificate as messages name it: its common name (or subject) and fingerprint."""
    return f"{info.common_name or info.subject} ({info.sha256[:16]}…)"


def name_of(entry: RosterEntry) -> str:
    """A roster entry's holder as messages name it: common name (or subject) and fingerprint."""
    try:
        info = certificate_info(read_certificate(entry.cert_pem.encode(), f"entry #{entry.id}"))
    except Refused:
        return f"{entry.subject} ({entry.cert_sha256[:16]}…)"
    return who(info)


def utc(moment: datetime.datetime) -> datetime.datetime:
    """A stored time, aware and in UTC (SQLite hands back naive UTC times)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC)


def _when(moment: datetime.datetime) -> str:
    return utc(moment).strftime("%Y-%m-%d %H:%M:%S UTC")


def entries(session: Session) -> list[RosterEntry]:
    """Every roster row, additions and revocations, oldest first."""
    return list(session.scalars(select(RosterEntry).order_by(RosterEntry.id)))


def active(
    session: Session, role: str | None = None, at: datetime.datetime | None = None
) -> list[RosterEntry]:
    """The additions no revocation names (as they stood at ``at``, if given), oldest first."""
    return active_in(entries(session), role, at)


def active_in(
    rows: list[RosterEntry], role: str | None = None, at: datetime.datetime | None = None
) -> list[RosterEntry]:
    """:func:`active`, over roster rows already read."""
    if at is not None:
        rows = [r for r in rows if utc(r.created_at) <= utc(at)]
    revoked = {r.revokes_id for r in rows if r.action == REVOKE}
    return [
        r
        for r in rows
        if r.action == ADD and r.id not in revoked and (role is None or r.role == role)
    ]


def revocation_of(session: Session, entry_id: int) -> RosterEntry | None:
    return session.scalar(
        select(RosterEntry).where(RosterEntry.action == REVOKE, RosterEntry.revokes_id == entry_id)
    )


def add(
    session: Session,
    role: str,
    certificate: x509.Certificate,
    *,
    by: str,
    rationale: str,
    actor: str,
) -> RosterEntry:
    """Put a certificate on the roster for ``role``.

    Refused: a certificate outside its validity period, and a certificate whose fingerprint,
    key or subject already holds another role (revoke that entry first).
    """
    check_role(role)
    if not by.strip():
        raise UsageError("a roster entry needs who adds it")
    info = certificate_info(certificate)
    moment = now()
    if moment > info.not_after:
        raise Refused(f"refused: the certificate of {who(info)} expired on {_when(info.not_after)}")
    if moment < info.not_before:
        raise Refused(
            f"refused: the certificate of {who(info)} is not valid until {_when(info.not_before)}"
        )
    key = key_fingerprint(certificate)
    for entry in active(session):
        if entry.cert_sha256 == info.sha256:
            if entry.role == role:
                raise Refused(
                    f"refused: {who(info)} is already on the roster as {role} (entry #{entry.id})"
                )
            same = "this certificate"
        elif key_fingerprint(read_certificate(entry.cert_pem.encode(), "")) == key:
            same = "a certificate with the same key"
        elif entry.subject == info.subject:
            same = "a certificate of the same subject"
        else:
            continue
        if entry.role != role:
            raise Refused(
                f"refused: {same} is on the roster as {entry.role} (entry #{entry.id}); one "
                f"person may hold one role only, so {who(info)} cannot be added as {role}"
            )
    row = RosterEntry(
        role=role,
        action=ADD,
        cert_sha256=info.sha256,
        cert_pem=pem_of(certificate),
        subject=info.subject,
        revokes_id=None,
        by=by,
        rationale=rationale,
        created_at=moment,
    )
    return write.add(
        session,
        row,
        action="roster.add",
        actor=actor,
        summary=f"{who(info)} added to the roster as {role} by {by}",
    )


def revoke(
    session: Session,
    *,
    by: str,
    rationale: str,
    actor: str,
    entry_id: int | None = None,
    role: str | None = None,
    certificate: x509.Certificate | None = None,
) -> RosterEntry:
    """Revoke one active entry, named by its id or by its role and certificate."""
    by_id = entry_id is not None
    by_cert = role is not None or certificate is not None
    if by_id == by_cert or (by_cert and (role is None or certificate is None)):
        raise UsageError(
            "name the roster entry to revoke by its id, or by its role and certificate"
        )
    if not by.strip() or not rationale.strip():
        raise UsageError("a revocation needs who revokes and a written rationale")
    if entry_id is not None:
        target = session.get(RosterEntry, entry_id)
        if target is None or target.action != ADD:
            raise NotFound(f"the roster has no entry #{entry_id} to revoke")
        undone = revocation_of(session, target.id)
        if undone is not None:
            raise Refused(
                f"refused: roster entry #{target.id} was already revoked (entry #{undone.id})"
            )
    elif role is not None and certificate is not None:
        check_role(role)
        info = certificate_info(certificate)
        found = [e for e in active(session, role) if e.cert_sha256 == info.sha256]
        if not found:
            raise NotFound(f"{who(info)} is not on the roster as {role}")
        target = found[-1]
    else:  # pragma: no cover - refused above
        raise UsageError("name the roster entry to revoke")
    row = RosterEntry(
        role=target.role,
        action=REVOKE,
        cert_sha256=target.cert_sha256,
        cert_pem=target.cert_pem,
        subject=target.subject,
        revokes_id=target.id,
        by=by,
        rationale=rationale,
        created_at=now(),
    )
    return write.add(
        session,
        row,
        action="roster.revoke",
        actor=actor,
        summary=f"roster entry #{target.id} ({name_of(target)}, {target.role}) revoked by {by}",
    )


@dataclass(frozen=True)
class Listed:
    """An active roster entry as ``roster list`` shows it."""

    id: int
    role: str
    subject: str
    common_name: str | None
    fingerprint: str
    not_after: str
    added_by: str
    added_at: str
    rationale: str


def listing(session: Session) -> list[Listed]:
    from scorecard.records.serialize import timestamp

    shown = []
    for entry in active(session):
        info = certificate_info(read_certificate(entry.cert_pem.encode(), f"entry #{entry.id}"))
        shown.append(
            Listed(
                id=entry.id,
                role=entry.role,
                subject=entry.subject,
                common_name=info.common_name,
                fingerprint=entry.cert_sha256,
                not_after=timestamp(info.not_after),
                added_by=entry.by,
                added_at=timestamp(entry.created_at),
                rationale=entry.rationale,
            )
        )
    return shown
