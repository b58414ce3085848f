"""Evidence from CSV or JSONL: columns ``stage, task, metric, value[, stderr, n_samples]``."""

from __future__ import annotations

from pathlib import Path

from scorecard.core.evidence import MAX_METRIC_LENGTH, MAX_TASK_LENGTH, Evidence, SourceRef
from scorecard.errors import InputError
from scorecard.readers.interface import SourceFile, digest
from scorecard.readers.rows import (
    Row,
    TabularFormat,
    decode_text,
    iter_records,
    read_bytes,
    require_columns,
    sniff_format,
)

STAGES = ("pre", "post")


def read_evidence(path: Path, default_stage: str | None = None) -> list[Evidence]:
    """Read every row; one bad row fails the whole file so nothing half-read is scored.

    Rows without a stage take ``default_stage``; a row whose stage contradicts it is an error.
    """
    return read_source(path, default_stage).evidence


def read_csv(path: Path, stage: str | None, *, allow_incomplete: bool = False) -> SourceFile:
    """A CSV evidence file (the reader contract; ``allow_incomplete`` has no meaning here)."""
    return read_source(path, stage, "csv")


def read_jsonl(path: Path, stage: str | None, *, allow_incomplete: bool = False) -> SourceFile:
    """A JSON Lines evidence file (the reader contract)."""
    return read_source(path, stage, "jsonl")


def read_source(
    path: Path, default_stage: str | None = None, fmt: TabularFormat | None = None
) -> SourceFile:
    """The file's evidence with its provenance (format, sha256, size); ``fmt`` None sniffs."""
    data = read_bytes(path)
    text = decode_text(path, data)
    fmt = fmt or sniff_format(path, text)
    evidence = _rows(path, text, fmt, default_stage)
    return SourceFile(path=path, format=fmt, sha256=digest(data), size=len(data), evidence=evidence)


def _rows(path: Path, text: str, fmt: TabularFormat, default_stage: str | None) -> list[Evidence]:
    records = list(iter_records(path, text, fmt))
    if not records:
        raise InputError(f"{path}: no data rows")
    needed = ([] if default_stage else ["stage"]) + ["task", "metric", "value"]
    require_columns(path, records, needed)
    evidence = []
    for line, data in records:
        row = Row(path, line, data)
        stage = row.text("stage", required=default_stage is None) or default_stage
        if stage not in STAGES:
            raise row.fail(f"unknown stage {stage!r} (expected pre or post)")
        if default_stage is not None and stage != default_stage:
            raise row.fail(f"stage {stage!r} contradicts the stage given ({default_stage})")
        value = row.number("value")
        assert value is not None
        evidence.append(
            Evidence(
                stage=stage,
                task=row.text("task", max_length=MAX_TASK_LENGTH) or "",
                metric=row.text("metric", max_length=MAX_METRIC_LENGTH) or "",
                value=value,
                stderr=row.number("stderr", required=False, minimum=0),
                n_samples=row.count("n_samples"),
                source=SourceRef(file=str(path), row=line),
            )
        )
    return evidence
