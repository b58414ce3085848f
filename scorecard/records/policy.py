"""The team's record-keeping policy: which roles' records must be signed.

Each change is a new row; the newest row for a key is in force. With no row, nothing is
required, so unsigned judgments, mitigations and decisions are recorded as before.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from scorecard.core.process import RECORD_ROLES
from scorecard.db.schema import PolicySetting
from scorecard.errors import UsageError
from scorecard.records import write
from scorecard.records.roster import check_role, utc
from scorecard.records.serialize import now, timestamp

REQUIRE_SIGNED = "require-signed"
"""Key of the roles whose records must be signed (a JSON list of roles)."""


def _roles_of(row: PolicySetting) -> tuple[str, ...]:
    value = json.loads(row.value_json)
    return tuple(str(r) for r in value) if isinstance(value, list) else ()


def history(session: Session, key: str = REQUIRE_SIGNED) -> list[PolicySetting]:
    """Every setting of ``key``, oldest first."""
    return list(
        session.scalars(
            select(PolicySetting).where(PolicySetting.key == key).order_by(PolicySetting.id)
        )
    )


def in_force(
    session: Session, key: str = REQUIRE_SIGNED, at: datetime.datetime | None = None
) -> PolicySetting | None:
    """The newest setting of ``key`` (as it stood at ``at``, if given)."""
    return _newest(history(session, key), at)


def _newest(rows: list[PolicySetting], at: datetime.datetime | None) -> PolicySetting | None:
    if at is not None:
        rows = [r for r in rows if utc(r.created_at) <= utc(at)]
    return rows[-1] if rows else None


def signed_roles(session: Session, at: datetime.datetime | None = None) -> tuple[str, ...]:
    """The roles whose records must be signed (none without a setting)."""
    return signed_roles_in(history(session), at)


def signed_roles_in(
    rows: list[PolicySetting], at: datetime.datetime | None = None
) -> tuple[str, ...]:
    """:func:`signed_roles`, over the ``require-signed`` settings already read."""
    row = _newest(rows, at)
    return _roles_of(row) if row is not None else ()


def require_signed(
    session: Session, roles: Sequence[str], *, by: str, rationale: str, actor: str
) -> PolicySetting:
    """Require signed records for ``roles`` from now on (an empty list: for none)."""
    for role in roles:
        check_role(role)
    if not by.strip() or not rationale.strip():
        raise UsageError("a policy change needs who makes it and a written rationale")
    chosen = [r for r in RECORD_ROLES if r in set(roles)]
    row = PolicySetting(
        key=REQUIRE_SIGNED,
        value_json=json.dumps(chosen),
        by=by,
        rationale=rationale,
        created_at=now(),
    )
    what = ", ".join(chosen) if chosen else "no role"
    return write.add(
        session,
        row,
        action="policy.set",
        actor=actor,
        summary=f"signed records required for {what}, set by {by}",
    )


@dataclass(frozen=True)
class Shown:
    """The policy in force, as ``policy show`` prints it."""

    require_signed: list[str]
    set_by: str | None
    set_at: str | None
    rationale: str | None
    id: int | None


def show(session: Session) -> Shown:
    row = in_force(session)
    if row is None:
        return Shown([], None, None, None, None)
    return Shown(list(_roles_of(row)), row.by, timestamp(row.created_at), row.rationale, row.id)
