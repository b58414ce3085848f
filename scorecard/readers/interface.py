"""What every evidence reader returns: the evidence of one file plus its provenance."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scorecard.core.evidence import Evidence


@dataclass(frozen=True)
class SourceFile:
    """One file's evidence, with what is needed to trace every value back to it."""

    path: Path
    format: str
    sha256: str
    size: int
    evidence: list[Evidence]
    log_model: str | None = None
    eval_run_id: str | None = None
    eval_id: str | None = None
    eval_created: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> str:
    """sha256 of a whole file, streamed (logs can be hundreds of megabytes)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
