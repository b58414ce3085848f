"""``scorecard audit``: verify the chain, read the log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scorecard.settings import Settings

if TYPE_CHECKING:
    from scorecard.records.audit import VerifyReport


def verify(settings: Settings, expect_head: str | None = None) -> VerifyReport:
    """Walk the chain and every record it covers."""
    from scorecard.records import audit
    from scorecard.records.session import reading

    with reading(settings.database_url) as session:
        return audit.verify(session, expect_head)


def log(settings: Settings, model_ref: str | None = None) -> list[dict[str, Any]]:
    """The audit events, oldest first (only one model's, when named)."""
    from scorecard.records import audit, models
    from scorecard.records.session import reading

    with reading(settings.database_url) as session:
        model_id = models.resolve(session, model_ref).id if model_ref is not None else None
        return audit.events(session, model_id)
