"""Judgments from CSV or JSONL.

Columns: ``category, stage, level, by, rationale`` and optionally ``indicator, override, kind``.
Names ignore case; any other column is refused by name.
"""

from __future__ import annotations

from pathlib import Path

from scorecard.core.evidence import Judgment, SourceRef
from scorecard.core.vocabulary import JUDGMENT_KINDS
from scorecard.errors import InputError
from scorecard.readers.rows import Columns, read_table, read_text, sniff_format

JUDGMENT_COLUMNS = Columns(
    known=("category", "stage", "level", "by", "rationale", "indicator", "override", "kind"),
    required=("category", "stage", "level", "by", "rationale"),
)


def read_judgments(path: Path) -> list[Judgment]:
    """Read every judgment; the framework checks categories, stages and levels when scoring."""
    text = read_text(path)
    table = read_table(path, text, sniff_format(path, text), JUDGMENT_COLUMNS)
    if not table.records:
        raise InputError(f"{path}: no data rows")
    judgments = []
    for row in table.rows():
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
                source=SourceRef(file=str(path), row=row.line),
            )
        )
    return judgments
