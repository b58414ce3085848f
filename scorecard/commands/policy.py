"""``scorecard policy require-signed`` and ``show``: the team's record-keeping policy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scorecard.settings import Settings, actor_name

if TYPE_CHECKING:
    from scorecard.records.policy import Shown


@dataclass(frozen=True)
class PolicyChange:
    id: int
    require_signed: list[str]
    unstaffed: list[str]
    """Required roles with nobody on the roster: their records are refused until someone is."""


def require_signed(
    settings: Settings, roles: Sequence[str], by: str, rationale: str
) -> PolicyChange:
    """Require signed records for ``roles`` from now on (none: nothing is required)."""
    from scorecard.records import policy, roster
    from scorecard.records.session import writing

    with writing(settings.database_url) as session:
        row = policy.require_signed(
            session, roles, by=by, rationale=rationale, actor=actor_name(settings, by)
        )
        chosen = list(policy.signed_roles(session))
        staffed = {e.role for e in roster.active(session)}
        return PolicyChange(row.id, chosen, [r for r in chosen if r not in staffed])


def show(settings: Settings) -> Shown:
    """The policy in force."""
    from scorecard.records import policy
    from scorecard.records.session import reading

    with reading(settings.database_url) as session:
        return policy.show(session)
