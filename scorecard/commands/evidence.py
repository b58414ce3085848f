"""``scorecard ingest`` and ``scorecard evidence``: evidence in, and what is stored."""

from __future__ import annotations

import gc
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scorecard import packs
from scorecard.commands.scorecards import framework_for
from scorecard.errors import FrameworkNotFound, InputError, UsageError
from scorecard.readers import Format, SourceFile, discover, read
from scorecard.settings import Settings, actor_name

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scorecard.core.framework import Framework
    from scorecard.db.schema import FrameworkSnapshot
    from scorecard.records.evidence import Ingested

STAGES = ("pre", "post")


def ingest(
    settings: Settings,
    paths: Sequence[Path],
    model_ref: str,
    stage: str | None,
    by: str | None = None,
    on_file: Callable[[Path], None] | None = None,
    *,
    fmt: Format = "auto",
    allow_incomplete: bool = False,
    accept_models: Collection[str] = (),
) -> list[Ingested]:
    """Read and check every file, then store the batch in one transaction (all or nothing).

    ``stage`` None: the files' rows say their stage (a log cannot, and is refused). Each row is
    checked against the unit of the indicator it feeds, in the framework that will score the
    model, before the transaction opens; a log of another model than the one under
    assessment is refused unless its model is named in ``accept_models``.
    """
    from scorecard.records import evidence, intake, models
    from scorecard.records.session import reading, writing

    if stage is not None and stage not in STAGES:
        raise UsageError(f"unknown stage {stage!r} (expected {' or '.join(STAGES)})")
    with _no_cycle_collection():
        files = []
        for path in discover(paths):
            files.append(read(path, stage, fmt, allow_incomplete))
            if on_file is not None:
                on_file(path)
        with reading(settings.database_url) as session:
            model = models.resolve(session, model_ref)
            snapshot = intake.scored_snapshot(session, model)
            framework = _scoring_framework(settings, snapshot)
        refuse_impossible_values(framework, files)
        with writing(settings.database_url) as session:
            model = models.resolve(session, model_ref)
            results = evidence.store(
                session,
                model,
                files,
                actor_name(settings, by),
                stage=stage,
                accept_models=accept_models,
            )
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


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """A batch allocates objects by the hundred thousand and frees none until it is done: the
    cycle collector would only walk them again and again (three times the cost of making the
    evidence rows of a large back-fill). Reference counting still frees what it always frees."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _scoring_framework(settings: Settings, snapshot: FrameworkSnapshot | None) -> Framework:
    """The framework the model's scorecards use (the pack of that id on the search path, else
    the stored snapshot when the pack is no longer there), or the selected one if unscored."""
    from scorecard.records.scorecards import framework_of

    if snapshot is None:
        return packs.selected(settings)
    try:
        return packs.selected(settings, snapshot.framework_id)
    except FrameworkNotFound:
        return framework_of(snapshot)


def refuse_impossible_values(framework: Framework, files: Sequence[SourceFile]) -> None:
    """Refuse the batch when a row's value cannot be a value of its indicator's unit."""
    from scorecard.core.units import refusals

    found = refusals(framework, (e for file in files for e in file.evidence))
    if found:
        more = len(found) - 1
        tail = f" … and {more} more {'row' if more == 1 else 'rows'}" if more else ""
        raise InputError(found[0] + tail)


def listing(settings: Settings, model_ref: str, stage: str | None = None) -> dict[str, Any]:
    """Stored evidence with the indicators that read it, and the indicators still missing."""
    from scorecard.records import evidence, judgments, models
    from scorecard.records.session import reading

    with reading(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        framework = framework_for(session, model, settings)
        judged = {
            (j.category, j.stage, j.indicator)
            for j in judgments.active(session, model)
            if j.framework_id == framework.id and j.kind == "level"
        }
        return evidence.listing(session, model, framework, stage, judged)
