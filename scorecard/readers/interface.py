"""The reader contract: what every evidence reader takes and returns, and which readers exist.

A reader is a function ``(path, stage, *, allow_incomplete) -> SourceFile``. ``stage`` is the
stage the file's evidence belongs to, or None when the file carries its own (CSV/JSONL rows
with a ``stage`` column). A new reader is a module with such a function, registered in
:data:`READERS` and recognised in ``detect.sniff``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
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


class Reader(Protocol):
    def __call__(
        self, path: Path, stage: str | None, *, allow_incomplete: bool = False
    ) -> SourceFile: ...


Format = Literal["auto", "inspect", "lm-eval", "csv", "jsonl"]
FORMATS: tuple[str, ...] = ("auto", "inspect", "lm-eval", "csv", "jsonl")
"""What a user may name with ``--format``; ``auto`` decides by content."""

READERS: dict[str, str] = {
    "inspect-eval": "scorecard.readers.inspect_log:read_eval",
    "inspect-json": "scorecard.readers.inspect_log:read_json",
    "lm-eval": "scorecard.readers.lm_eval:read",
    "csv": "scorecard.readers.tabular:read_csv",
    "jsonl": "scorecard.readers.tabular:read_jsonl",
}
"""Each kind of file ``detect.sniff`` tells apart, and the reader for it."""


def reader(kind: str) -> Reader:
    module, _, name = READERS[kind].partition(":")
    function: Reader = getattr(import_module(module), name)
    return function


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> str:
    """sha256 of a whole file, streamed (logs can be hundreds of megabytes)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
