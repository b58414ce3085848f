"""Evidence from CSV or JSONL.

Columns: ``stage, task, metric, value`` and optionally ``stderr``, ``n_samples`` and ``source``
or ``citation`` (where a number taken from a publication comes from). Names ignore case.
"""

from __future__ import annotations

from pathlib import Path

from scorecard.core.evidence import (
    MAX_CITATION_LENGTH,
    MAX_METRIC_LENGTH,
    MAX_TASK_LENGTH,
    Evidence,
    SourceRef,
)
from scorecard.errors import InputError
from scorecard.readers.interface import SourceFile, digest
from scorecard.readers.rows import (
    Columns,
    Row,
    Table,
    TabularFormat,
    decode_text,
    read_bytes,
    read_table,
    sniff_format,
)

STAGES = ("pre", "post")
EVIDENCE_COLUMNS = Columns(
    known=("stage", "task", "metric", "value", "stderr", "n_samples", "source", "citation"),
    required=("task", "metric", "value"),
)
"""``stage`` may be left out when the caller gives one; ``source`` and ``citation`` are one
column under two names (a file may use either, not both)."""


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
    evidence = _evidence(read_table(path, text, fmt, EVIDENCE_COLUMNS), default_stage)
    return SourceFile(path=path, format=fmt, sha256=digest(data), size=len(data), evidence=evidence)


def _evidence(table: Table, default_stage: str | None) -> list[Evidence]:
    path = table.path
    if not table.records:
        raise InputError(f"{path}: no data rows")
    header = table.header
    if header is not None:  # CSV: what the header lacks or doubles is said once, at its line
        at = f"{path}: line {table.header_line}"
        if default_stage is None and "stage" not in header:
            raise InputError(f"{at}: no stage column: give each row a stage or pass --stage")
        if "source" in header and "citation" in header:
            raise InputError(f"{at}: {_BOTH_CITATIONS}")
    evidence = []
    for row in table.rows():
        data = row.data
        cited = "citation" if "citation" in data else "source" if "source" in data else None
        if cited == "citation" and "source" in data:  # JSONL; a CSV header was checked above
            raise row.fail(_BOTH_CITATIONS)
        evidence.append(
            Evidence(
                stage=_stage(row, default_stage),
                task=row.text("task", max_length=MAX_TASK_LENGTH) or "",
                metric=row.text("metric", max_length=MAX_METRIC_LENGTH) or "",
                value=row.number("value") or 0.0,
                stderr=row.number("stderr", required=False, minimum=0),
                n_samples=row.count("n_samples"),
                source=SourceRef(file=str(path), row=row.line),
                citation=cited and row.text(cited, required=False, max_length=MAX_CITATION_LENGTH),
            )
        )
    return evidence


_BOTH_CITATIONS = "both a 'source' and a 'citation' column: they mean the same, keep one"


def _stage(row: Row, default_stage: str | None) -> str:
    own = row.text("stage", required=False)
    stage = own or default_stage
    if stage is None:
        raise row.fail("no stage: give the row a stage or pass --stage")
    if stage not in STAGES:
        raise row.fail(f"unknown stage {stage!r} (expected pre or post)")
    if own is not None and default_stage is not None and own != default_stage:
        raise row.fail(f"stage {own!r} contradicts the stage given ({default_stage})")
    return stage
