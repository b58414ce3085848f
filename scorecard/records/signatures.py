"""Signed governance records: a person's signature over a judgment, mitigation or decision.

The record is inserted as any other; then the signer signs a canonical statement naming it
and its content hash (the sha256 the audit chain keeps of it) and a ``RecordSignature`` row is
stored in the same transaction::

    {"cert_sha256": F, "content_hash": H, "entity": "decision", "entity_id": N,
     "role": "leadership", "scorecard-record-signature": 1}

as compact JSON with sorted keys (``serialize.canonical``), UTF-8; ECDSA with SHA-256 or RSA
PKCS#1 v1.5 with SHA-256, stored in base64. The rules (:func:`authorize`):

- when the policy requires signed records for the role (a decision: its role; a judgment or
  a mitigation: ``safety``), an unsigned record is refused;
- a signed record whose certificate is not on the roster for the role (or was revoked) is
  refused when the roster has any active entry for the role, and always when the policy
  requires signing;
- one certificate (or key) cannot sign decisions in two roles on the same scorecard.

:func:`verify_all` checks every stored signature against the record as it is *now*, so a
record edited in SQL shows, and the rules above against the roster and policy as they stood.
"""

from __future__ import annotations

import base64
import binascii
import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from scorecard.core.process import SAFETY
from scorecard.db.schema import (
    Attestation,
    Base,
    Decision,
    JudgmentRow,
    Mitigation,
    PolicySetting,
    RecordSignature,
    RosterEntry,
)
from scorecard.errors import Refused, SigningError
from scorecard.records import audit, policy, roster, write
from scorecard.records.serialize import canonical, now, timestamp
from scorecard.sign.certificates import sign_statement, statement_verifies
from scorecard.sign.keys import certificate_info

if TYPE_CHECKING:
    from cryptography import x509

    from scorecard.sign.keys import CertificateInfo, Identity

FORMAT = 1
STATEMENT_KEY = "scorecard-record-signature"
SIGNED: dict[str, type[Base]] = {
    "judgment": JudgmentRow,
    "mitigation": Mitigation,
    "decision": Decision,
    "attestation": Attestation,
}
"""The audit entities a person signs, and their tables."""


def statement(entity: str, entity_id: int, role: str, content_hash: str, cert_sha256: str) -> bytes:
    """The bytes a signer signs for one record."""
    return canonical(
        {
            STATEMENT_KEY: FORMAT,
            "entity": entity,
            "entity_id": entity_id,
            "role": role,
            "content_hash": content_hash,
            "cert_sha256": cert_sha256,
        }
    ).encode()


def role_of(row: Base) -> str:
    """The roster role a record is signed in: a decision's own role; safety otherwise."""
    return row.role if isinstance(row, Decision) else SAFETY


def _check_key(signer: Identity) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    if not isinstance(signer.key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise SigningError(
            f"the key of {roster.who(signer.info)} cannot sign records: ECDSA or RSA expected"
        )


def authorize(
    session: Session, role: str, signer: Identity | None, *, scorecard_id: int | None = None
) -> None:
    """Refuse a record in ``role`` that the policy and the roster do not allow; before insert."""
    required = role in policy.signed_roles(session)
    if signer is None:
        if required:
            raise Refused(
                f"refused: the policy requires signed {role} records, and this one is not "
                f"signed; sign it with a key whose certificate is on the roster as {role}"
            )
        return
    _check_key(signer)
    reason = roster_refusal(roster.entries(session), role, signer.info, required=required)
    if reason is not None:
        raise Refused(f"refused: {reason}")
    if scorecard_id is not None:
        _check_one_role(session, role, signer.certificate, scorecard_id)


def roster_refusal(
    rows: list[RosterEntry],
    role: str,
    info: CertificateInfo,
    *,
    required: bool,
    at: datetime.datetime | None = None,
) -> str | None:
    """Why the roster (``rows``, as they stood at ``at``) does not let ``info`` sign in
    ``role``; None if it does.

    Refused: a certificate not on the roster for the role when the roster has anyone for it
    or the policy requires signing; and a certificate that was on the roster and has been
    revoked from every role it held, whatever the role and the policy.
    """
    if at is not None:
        rows = [r for r in rows if roster.utc(r.created_at) <= roster.utc(at)]
    active = roster.active_in(rows)
    listed = [e for e in active if e.role == role]
    if any(e.cert_sha256 == info.sha256 for e in listed):
        return None
    mine = [e.role for e in active if e.cert_sha256 == info.sha256]
    revoked = [e for e in rows if e.action == roster.REVOKE and e.cert_sha256 == info.sha256]
    if revoked and not mine:
        last = next((e for e in reversed(revoked) if e.role == role), revoked[-1])
        return (
            f"the certificate of {roster.who(info)} was revoked from the roster as {last.role} "
            f"(entry #{last.revokes_id}, revoked by entry #{last.id})"
        )
    if not (listed or required):
        return None
    also = f" (it is on the roster as {', '.join(sorted(set(mine)))})" if mine else ""
    return f"the certificate of {roster.who(info)} is not on the roster as {role}{also}"


def _check_one_role(
    session: Session, role: str, certificate: x509.Certificate, scorecard_id: int
) -> None:
    info = certificate_info(certificate)
    key = roster.key_fingerprint(certificate)
    for earlier, signature in _decision_signatures(session, scorecard_id):
        if earlier.role == role:
            continue
        if signature.cert_sha256 == info.sha256 or _key_of(signature) == key:
            raise Refused(
                f"refused: {roster.who(info)} signed the {earlier.role} decision "
                f"#{earlier.id} on scorecard #{scorecard_id}; one person cannot decide as "
                f"{earlier.role} and as {role}"
            )


def _decision_signatures(
    session: Session, scorecard_id: int
) -> list[tuple[Decision, RecordSignature]]:
    rows = session.execute(
        select(Decision, RecordSignature)
        .join(
            RecordSignature,
            (RecordSignature.entity == "decision") & (RecordSignature.entity_id == Decision.id),
        )
        .where(Decision.scorecard_id == scorecard_id)
        .order_by(RecordSignature.id)
    )
    return [(d, s) for d, s in rows]


def _key_of(signature: RecordSignature) -> str | None:
    try:
        return roster.key_fingerprint(_certificate(signature))
    except Refused:
        return None


def _certificate(signature: RecordSignature) -> x509.Certificate:
    return roster.read_certificate(signature.cert_pem.encode(), f"signature #{signature.id}")


def sign(session: Session, row: Base, signer: Identity, actor: str) -> RecordSignature:
    """Sign a record just inserted (flushed) and store the signature, in the same transaction."""
    entity = audit.entity_of(row)
    if entity not in SIGNED:
        raise SigningError(f"a {entity} is not a record people sign")
    role = role_of(row)
    entity_id: int = row.id  # type: ignore[attr-defined]
    content_hash = audit.record_hash(entity, row)
    info = signer.info
    data = statement(entity, entity_id, role, content_hash, info.sha256)
    signature = RecordSignature(
        model_id=getattr(row, "model_id", None),
        entity=entity,
        entity_id=entity_id,
        role=role,
        content_hash=content_hash,
        signature=base64.b64encode(sign_statement(signer.key, data)).decode(),
        cert_pem=roster.pem_of(signer.certificate),
        cert_sha256=info.sha256,
        created_at=now(),
    )
    return write.add(
        session,
        signature,
        action="record_signature.add",
        actor=actor,
        summary=f"{entity} #{entity_id} signed as {role} by {roster.who(info)}",
    )


def for_record(session: Session, entity: str, entity_id: int) -> list[RecordSignature]:
    return list(
        session.scalars(
            select(RecordSignature)
            .where(RecordSignature.entity == entity, RecordSignature.entity_id == entity_id)
            .order_by(RecordSignature.id)
        )
    )


# --- Verification -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """The roster and the policy's history, read once for a whole verification."""

    roster: list[RosterEntry]
    policy: list[PolicySetting]


def verify_all(session: Session) -> list[str]:
    """Every problem with the stored signatures and the records the policy required signed.

    Each signature must verify over the record's *current* content hash, by the certificate
    stored with it, in the role the record is in; the certificate must have been on the roster
    for that role when it signed (when the roster had anyone for it, or the policy required
    signing); records the policy required signed must be; and no certificate may have signed
    decisions in two roles on one scorecard. An empty list: all is well.
    """
    context = _Context(roster.entries(session), policy.history(session))
    problems: list[str] = []
    rows = list(session.scalars(select(RecordSignature).order_by(RecordSignature.id)))
    signed: set[tuple[str, int]] = set()
    for signature in rows:
        problems.extend(_check_signature(session, context, signature))
        signed.add((signature.entity, signature.entity_id))
    problems.extend(_check_unsigned(session, context, signed))
    problems.extend(_check_roles_per_scorecard(session, rows))
    return problems


def _check_signature(session: Session, context: _Context, signature: RecordSignature) -> list[str]:
    where = f"record signature #{signature.id} ({signature.entity} #{signature.entity_id})"
    table = SIGNED.get(signature.entity)
    if table is None:
        return [f"{where}: {signature.entity!r} is not a record people sign"]
    record = session.get(table, signature.entity_id)
    if record is None:
        return [f"{where}: the signed record was deleted"]
    try:
        certificate = _certificate(signature)
        raw = base64.b64decode(signature.signature, validate=True)
    except (Refused, binascii.Error, ValueError):
        return [f"{where}: the certificate or the signature cannot be read"]
    problems: list[str] = []
    info = certificate_info(certificate)
    if info.sha256 != signature.cert_sha256:
        problems.append(f"{where}: the stored certificate is not the one recorded as signing")
    role = role_of(record)
    if signature.role != role:
        problems.append(f"{where}: signed as {signature.role}, but it is a {role} record")
    if signature.model_id != getattr(record, "model_id", None):
        problems.append(f"{where}: filed under another model than the record")
    current = audit.record_hash(signature.entity, record)
    data = statement(
        signature.entity, signature.entity_id, str(signature.role), current, signature.cert_sha256
    )
    if not statement_verifies(certificate, raw, data):
        if current != signature.content_hash:
            problems.append(f"{where}: the record changed since it was signed")
        else:
            problems.append(f"{where}: the signature does not verify")
    elif current != signature.content_hash:
        problems.append(f"{where}: the stored content hash was altered")
    at = signature.created_at
    required = role in policy.signed_roles_in(context.policy, at)
    reason = roster_refusal(context.roster, role, info, required=required, at=at)
    if reason is not None:
        problems.append(f"{where}: when it signed ({timestamp(at)}), {reason}")
    return problems


def _check_unsigned(session: Session, context: _Context, signed: set[tuple[str, int]]) -> list[str]:
    requiring = [s for s in context.policy if policy.signed_roles_in([s])]
    if not requiring:
        return []
    since = roster.utc(requiring[0].created_at)
    problems: list[str] = []
    for entity, table in SIGNED.items():
        for record in session.scalars(_created_since(table, since)):
            record_id: int = record.id
            if (entity, record_id) in signed:
                continue
            role = role_of(record)
            at: datetime.datetime = record.created_at
            if role in policy.signed_roles_in(context.policy, at):
                problems.append(
                    f"{entity} #{record_id} ({role}) is not signed, though the policy required "
                    f"signed {role} records when it was recorded ({timestamp(at)})"
                )
    return problems


def _created_since(table: type[Base], since: datetime.datetime) -> Select[Any]:
    created = table.created_at  # type: ignore[attr-defined]
    return select(table).where(created >= since).order_by(table.id)  # type: ignore[attr-defined]


def _check_roles_per_scorecard(session: Session, rows: list[RecordSignature]) -> list[str]:
    ids = [s.entity_id for s in rows if s.entity == "decision"]
    if not ids:
        return []
    decisions = {d.id: d for d in session.scalars(select(Decision).where(Decision.id.in_(ids)))}
    seen: dict[tuple[int, str], tuple[str, int]] = {}
    problems: list[str] = []
    for signature in rows:
        decision = decisions.get(signature.entity_id) if signature.entity == "decision" else None
        if decision is None:
            continue
        mark = (decision.scorecard_id, _key_of(signature) or signature.cert_sha256)
        first = seen.setdefault(mark, (decision.role, decision.id))
        if first[0] != decision.role:
            problems.append(
                f"record signature #{signature.id}: the same signer decided as {first[0]} "
                f"(decision #{first[1]}) and as {decision.role} (decision #{decision.id}) on "
                f"scorecard #{decision.scorecard_id}"
            )
    return problems
