"""``scorecard ingest`` and ``scorecard evidence``: evidence in, and what is stored."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scorecard import packs
from scorecard.errors import UsageError
from scorecard.readers import Format, discover, read
from scorecard.settings import Settings, actor_name

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scorecard.records.evidence import Ingested

STAGES = ("pre", "post")


def ingest(
    settings: Settings,
    paths: Sequence[Path],
    model_ref: str,
    stage: str,
    by: str | None = None,
    on_file: Callable[[Path], None] | None = None,
    *,
    fmt: Format = "auto",
    allow_incomplete: bool = False,
) -> list[Ingested]:
    """Read every file, then store the batch in one transaction (all or nothing)."""
    from scorecard.records import evidence, models
    from scorecard.records.session import writing

    if stage not in STAGES:
        raise UsageError(f"unknown stage {stage!r} (expected {' or '.join(STAGES)})")
    files = []
    for path in discover(paths):
        files.append(read(path, stage, fmt, allow_incomplete))
        if on_file is not None:
            on_file(path)
    with writing(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        results = evidence.store(session, model, stage, files, actor_name(settings, by))
        return [_unless_withdrawn(session, r) for r in results]


def _unless_withdrawn(session: Session, result: Ingested) -> Ingested:
    """A file skipped as already ingested whose source was withdrawn says so: its rows stay
    out of scoring (the same bytes cannot come back as a new source)."""
    from dataclasses import replace

    from scorecard.records import withdrawals

    if result.stored:
        return result
    note = withdrawals.note_on_reingest(session, result.source_id)
    return result if note is None else replace(result, note=note)


def listing(settings: Settings, model_ref: str, stage: str | None = None) -> dict[str, Any]:
    """Stored evidence with the indicators that read it, and the indicators still missing."""
    from scorecard.records import evidence, judgments, models
    from scorecard.records.session import reading

    framework = packs.selected(settings)
    with reading(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        judged = {
            (j.category, j.stage, j.indicator)
            for j in judgments.active(session, model)
            if j.framework_id == framework.id and j.kind == "level"
        }
        return evidence.listing(session, model, framework, stage, judged)
