"""Evidence from CSV or JSONL: columns ``stage, task, metric, value[, stderr, n_samples]``."""

from __future__ import annotations

from pathlib import Path

from scorecard.core.evidence import Evidence, SourceRef
from scorecard.errors import InputError
from scorecard.readers.records import Row, iter_records, read_text, require_columns, sniff_format

STAGES = ("pre", "post")


def read_evidence(path: Path, default_stage: str | None = None) -> list[Evidence]:
    """Read every row; one bad row fails the whole file so nothing half-read is scored.

    Rows without a stage take ``default_stage``; a row whose stage contradicts it is an error.
    """
    text = read_text(path)
    records = list(iter_records(path, text, sniff_format(path, text)))
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
            raise row.fail(f"stage {stage!r} contradicts --stage {default_stage}")
        value = row.number("value")
        assert value is not None
        evidence.append(
            Evidence(
                stage=stage,
                task=row.text("task") or "",
                metric=row.text("metric") or "",
                value=value,
                stderr=row.number("stderr", required=False, minimum=0),
                n_samples=row.count("n_samples"),
                source=SourceRef(file=str(path), row=line),
            )
        )
    return evidence
