"""Row-by-row reading of CSV and JSONL files, with the checks every tabular input needs.

Files come from other teams and pipelines, so nothing about them is trusted: size is bounded,
binary content and broken encodings are refused, and each row comes with the line it started
on so errors can point at it.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from scorecard.core.evidence import MAX_COUNT
from scorecard.errors import InputError

MAX_TABULAR_BYTES = 64 << 20
TabularFormat = Literal["csv", "jsonl"]


def read_bytes(path: Path, limit: int = MAX_TABULAR_BYTES) -> bytes:
    """The file's bytes, refusing a folder, an unreadable file or one over ``limit``."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if len(data) > limit:
        raise InputError(f"{path}: larger than the {limit >> 20} MiB limit for tabular files")
    return data


def decode_text(path: Path, data: bytes) -> str:
    """UTF-8 text, refusing binary content, broken encodings and empty files."""
    if b"\0" in data:
        raise InputError(f"{path}: binary file (contains NUL bytes), expected CSV or JSONL text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise InputError(f"{path}: empty file")
    return text


def read_text(path: Path, limit: int = MAX_TABULAR_BYTES) -> str:
    """The file's text, refusing what is too large, binary or not UTF-8."""
    return decode_text(path, read_bytes(path, limit))


def sniff_format(path: Path, text: str) -> TabularFormat:
    """JSONL when the content starts with an object, CSV otherwise; the suffix breaks no tie."""
    return "jsonl" if text.lstrip().startswith("{") else "csv"


def iter_records(path: Path, text: str, fmt: TabularFormat) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, row) pairs; CSV values are strings, JSONL values as parsed."""
    if fmt == "csv":
        yield from _csv_records(path, text)
    else:
        yield from _jsonl_records(path, text)


def _csv_records(path: Path, text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as exc:
        raise InputError(f"{path}: line 1: not valid CSV: {exc}") from None
    columns = [name.strip() for name in header]
    if len(set(columns)) != len(columns):
        raise InputError(f"{path}: line 1: duplicate column names in the header")
    line = reader.line_num
    while True:
        start = line + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(f"{path}: line {start}: not valid CSV: {exc}") from None
        line = reader.line_num
        if not values or all(not v.strip() for v in values):
            continue  # blank lines carry nothing
        if len(values) > len(columns):
            raise InputError(
                f"{path}: line {start}: {len(values)} fields but the header has {len(columns)}"
            )
        yield start, dict(zip(columns, values, strict=False))


def _jsonl_records(path: Path, text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw, parse_constant=_reject_constant)
        except (json.JSONDecodeError, RecursionError, ValueError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc) or "too deep"
            raise InputError(f"{path}: line {number}: not valid JSON: {reason}") from None
        if not isinstance(row, dict):
            raise InputError(f"{path}: line {number}: expected a JSON object per line")
        yield number, row


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number scorecard accepts")


class Row:
    """Typed access to one record's fields, raising errors that name file, line and column."""

    def __init__(self, path: Path, line: int, data: Mapping[str, Any]) -> None:
        self.path, self.line, self.data = path, line, data

    def fail(self, message: str) -> InputError:
        return InputError(f"{self.path}: line {self.line}: {message}")

    def _raw(self, name: str) -> Any:
        value = self.data.get(name)
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def text(
        self, name: str, *, required: bool = True, max_length: int | None = None
    ) -> str | None:
        value = self._raw(name)
        if value is None:
            if required:
                raise self.fail(f"missing value for column {name!r}")
            return None
        if isinstance(value, (dict, list, bool)):
            raise self.fail(f"{name} must be text, got {type(value).__name__}")
        text = str(value)
        if max_length is not None and len(text) > max_length:
            raise self.fail(f"{name} is longer than {max_length} characters")
        return text

    def number(
        self, name: str, *, required: bool = True, minimum: float | None = None
    ) -> float | None:
        value = self._raw(name)
        if value is None:
            if required:
                raise self.fail(f"missing value for column {name!r}")
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise self.fail(f"{name} {value!r} is not a number")
        try:
            number = float(value)
        except ValueError:
            raise self.fail(f"{name} {value!r} is not a number") from None
        if not math.isfinite(number):
            raise self.fail(f"{name} {value!r} is not finite (NaN and infinity are refused)")
        if minimum is not None and number < minimum:
            raise self.fail(f"{name} {value!r} is below {minimum:g}")
        return number

    def count(self, name: str) -> int | None:
        number = self.number(name, required=False, minimum=0)
        if number is None:
            return None
        if not number.is_integer():
            raise self.fail(f"{name} {self.data.get(name)!r} is not a whole number")
        if number > MAX_COUNT:
            raise self.fail(f"{name} {self.data.get(name)!r} is implausibly large")
        return int(number)

    def flag(self, name: str) -> bool:
        value = self._raw(name)
        if value is None:
            return False
        if isinstance(value, bool):
            return value
        text = str(value).lower()
        if text in {"true", "yes", "1"}:
            return True
        if text in {"false", "no", "0"}:
            return False
        raise self.fail(f"{name} {value!r} is not true or false")


def require_columns(path: Path, rows: list[tuple[int, dict[str, Any]]], needed: list[str]) -> None:
    """Every needed column is present (in the CSV header, or in each JSONL object)."""
    for line, data in rows:
        missing = [name for name in needed if name not in data]
        if missing:
            raise InputError(f"{path}: line {line}: missing column {missing[0]!r}")
