"""Which reader a file needs, decided by its content (the name is only a tie-breaker)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from scorecard.errors import InputError
from scorecard.readers.interface import Format, SourceFile, reader
from scorecard.readers.jsonhead import top_level_keys

_SNIFF_BYTES = 64 << 10
_KEEP_BYTES = 1 << 20
"""A log up to this size is read whole by detection and handed to its reader."""
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
    return _kind(path, head)


def _kind(path: Path, head: bytes) -> str:
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
    if fmt == "auto":
        kind, data = _sniff_small(path)
        if data is not None and kind in ("inspect-eval", "inspect-json"):
            # A small log read whole to tell its kind is not read a second time.
            from scorecard.readers import inspect_log

            return inspect_log.read_bytes(path, data, kind, stage, allow_incomplete)
    else:
        kind = fmt
    if kind == "inspect":
        kind = "inspect-eval" if sniff(path) == "inspect-eval" else "inspect-json"
    return reader(kind)(path, stage, allow_incomplete=allow_incomplete)


def _sniff_small(path: Path) -> tuple[str, bytes | None]:
    """The file's kind, and its bytes when it is small enough to keep (one read for both)."""
    try:
        # Plain descriptor calls: a buffered file object costs more than reading a small log.
        fd = os.open(path, os.O_RDONLY)
        try:
            # Read what the file holds (asking for a megabyte would allocate one, every time),
            # and one byte more, to know it has not grown: then these are all its bytes.
            wanted = min(os.fstat(fd).st_size, _KEEP_BYTES)
            chunks = []
            left = wanted + 1
            while left > 0 and (chunk := os.read(fd, left)):
                chunks.append(chunk)
                left -= len(chunk)
        finally:
            os.close(fd)
        head = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        whole = len(head) <= wanted
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    return _kind(path, head[:_SNIFF_BYTES]), head if whole else None
