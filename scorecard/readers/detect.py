"""Which reader a file needs, decided by its content (the name is only a tie-breaker)."""

from __future__ import annotations

import json
from pathlib import Path

from scorecard.errors import InputError
from scorecard.readers.interface import Format, SourceFile, reader
from scorecard.readers.jsonhead import top_level_keys

_SNIFF_BYTES = 64 << 10
_ROW_BYTES = 16 << 10
_LM_EVAL_KEYS = {
    "configs",
    "versions",
    "n-shot",
    "n-samples",
    "config",
    "group_subtasks",
    "groups",
    "higher_is_better",
    "lm_eval_version",
}


def sniff(path: Path) -> str:
    """inspect-eval, inspect-json, lm-eval, jsonl or csv."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "inspect-eval"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"{"):
        return "csv"
    newline = text.find(b"\n", 0, _ROW_BYTES)
    if newline >= 0 or len(text) < _ROW_BYTES:  # evidence rows are short; logs are not
        try:
            row = json.loads(text[: newline if newline >= 0 else len(text)])
            # Evidence rows name their columns in any case, as CSV headers may.
            names = {str(k).strip().lower() for k in row} if isinstance(row, dict) else set()
            if {"task", "value"} <= names:
                return "jsonl"
        except (ValueError, RecursionError):
            pass
    # The first keys decide: Inspect logs open with version, status and eval; lm-eval results
    # open with results and its companions. Scanning further would cost time on large logs.
    keys, samples_at = top_level_keys(text, enough=3)
    found = set(keys)
    if "eval" in found and ("status" in found or "version" in found or samples_at is not None):
        return "inspect-json"
    if "results" in found and found & _LM_EVAL_KEYS:
        return "lm-eval"
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return "jsonl"
    raise InputError(
        f"{path}: JSON that is neither an Inspect log nor lm-eval results nor evidence rows "
        "(pass --format to say which)"
    )


def read(
    path: Path, stage: str | None = None, fmt: Format = "auto", allow_incomplete: bool = False
) -> SourceFile:
    """Read one evidence file with the reader its content (or ``fmt``) calls for.

    ``stage`` is the stage its evidence belongs to; None for tabular files whose rows say it.
    """
    kind = sniff(path) if fmt == "auto" else fmt
    if kind == "inspect":
        kind = "inspect-eval" if sniff(path) == "inspect-eval" else "inspect-json"
    return reader(kind)(path, stage, allow_incomplete=allow_incomplete)
