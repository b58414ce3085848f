"""Judgments from CSV or JSONL.

Columns: ``category, stage, level, by, rationale`` and optionally ``indicator, override, kind``.
"""

from __future__ import annotations

from pathlib import Path

from scorecard.core.evidence import Judgment, SourceRef
from scorecard.core.vocabulary import JUDGMENT_KINDS
from scorecard.errors import InputError
from scorecard.readers.rows import Row, iter_records, read_text, require_columns, sniff_format


def read_judgments(path: Path) -> list[Judgment]:
    """Read every judgment; the framework checks categories, stages and levels when scoring."""
    text = read_text(path)
    records = list(iter_records(path, text, sniff_format(path, text)))
    if not records:
        raise InputError(f"{path}: no data rows")
    require_columns(path, records, ["category", "stage", "level", "by", "rationale"])
    judgments = []
    for line, data in records:
        row = Row(path, line, data)
        kind = row.text("kind", required=False) or "level"
        if kind not in JUDGMENT_KINDS:
            raise row.fail(f"unknown kind {kind!r} (expected level or safeguards)")
        judgments.append(
            Judgment(
                category=row.text("category") or "",
                stage=row.text("stage") or "",
                level=row.text("level") or "",
                by=row.text("by") or "",
                rationale=row.text("rationale") or "",
                indicator=row.text("indicator", required=False),
                override=row.flag("override"),
                kind="safeguards" if kind == "safeguards" else "level",
                source=SourceRef(file=str(path), row=line),
            )
        )
    return judgments
