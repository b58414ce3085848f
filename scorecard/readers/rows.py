"""Row-by-row reading of CSV and JSONL files, with the checks every tabular input needs.

Files come from other teams and pipelines, so nothing about them is trusted: size is bounded,
binary content and broken encodings are refused, and each row comes with the line it started
on so errors can point at it. Column names are matched ignoring case and surrounding spaces; a
column the reader does not know is refused by name rather than dropped, since what it held
(a source, a note) would otherwise vanish without anyone noticing.

CSV files may separate columns with commas, semicolons (what Excel writes where the decimal
mark is a comma) or tabs, decided from the header. In a semicolon file numbers are read with a
decimal comma (``0,46``), the convention that produced the file.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from scorecard.core.evidence import MAX_COUNT
from scorecard.errors import InputError

MAX_TABULAR_BYTES = 64 << 20
TabularFormat = Literal["csv", "jsonl"]

_SHOWN_NAMES = 10
_SHOWN_CHARS = 40
# 1.234 or 12.345.678: a thousands separator where ',' is the decimal mark, or a decimal point?
_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+")


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


class Columns:
    """The columns a kind of file may have (lower case), and those every row needs."""

    def __init__(self, known: tuple[str, ...], required: tuple[str, ...]) -> None:
        self.known, self.required = known, required
        self.known_set = frozenset(known)


@dataclass(frozen=True)
class Table:
    """A file's records with their line numbers, keyed by lower-case column name.

    ``header`` is the CSV header's column names (None for JSONL, whose objects each name
    their own); ``decimal_comma`` is True for a semicolon-separated CSV.
    """

    path: Path
    records: list[tuple[int, dict[str, Any]]]
    header: tuple[str, ...] | None = None
    header_line: int = 1
    decimal_comma: bool = False

    def rows(self) -> Iterator[Row]:
        for line, data in self.records:
            yield Row(self.path, line, data, decimal_comma=self.decimal_comma)


def read_table(path: Path, text: str, fmt: TabularFormat, columns: Columns) -> Table:
    """Every record, with unknown, duplicate and missing columns refused naming the line."""
    if fmt == "csv":
        return _csv_table(path, text, columns)
    return Table(path, list(_jsonl_records(path, text, columns)))


def _delimiter(path: Path, text: str) -> str:
    """The separator the header uses: no known column name contains ',', ';' or a tab."""
    start = len(text) - len(text.lstrip("\r\n"))
    end = text.find("\n", start)
    header = text[start : end if end >= 0 else len(text)]
    if "," in header and ";" in header:
        line = text.count("\n", 0, start) + 1
        raise InputError(
            f"{path}: line {line}: the header mixes ',' and ';' between column names: "
            "use one separator throughout"
        )
    if ";" in header:
        return ";"
    if "\t" in header and "," not in header:
        return "\t"
    return ","


def _csv_table(path: Path, text: str, columns: Columns) -> Table:
    delimiter = _delimiter(path, text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] = []
    try:
        while not any(name.strip() for name in header):  # blank lines before it carry nothing
            header = next(reader)
    except StopIteration:
        raise InputError(f"{path}: no header line naming the columns") from None
    except csv.Error as exc:
        raise InputError(f"{path}: line {reader.line_num or 1}: not valid CSV: {exc}") from None
    header_line = reader.line_num
    names = _fold(path, header_line, header, columns)
    missing = [name for name in columns.required if name not in names]
    if missing:
        raise InputError(f"{path}: line {header_line}: missing column {missing[0]!r}")
    unnamed = [i for i, name in enumerate(names) if name is None]
    keys = [name or "" for name in names]
    records = []
    line = header_line
    while True:
        start = line + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InputError(f"{path}: line {start}: not valid CSV: {exc}") from None
        line = reader.line_num
        if not values or all(not v.strip() for v in values):
            continue  # blank lines carry nothing
        if len(values) > len(keys):
            raise InputError(
                f"{path}: line {start}: {len(values)} fields but the header has {len(keys)}"
            )
        for i in unnamed:
            if i < len(values) and values[i].strip():
                raise InputError(
                    f"{path}: line {start}: value {_shown(values[i])} in column {i + 1}, which "
                    "has no name in the header: name the column or remove the value"
                )
        row = dict(zip(keys, values, strict=False))
        if unnamed:
            row.pop("", None)
        records.append((start, row))
    present = tuple(name for name in names if name is not None)
    return Table(path, records, present, header_line, decimal_comma=delimiter == ";")


def _fold(path: Path, line: int, header: list[str], columns: Columns) -> list[str | None]:
    """Each header name in lower case; None for a column with no name (its cells must be empty).

    A trailing separator, as spreadsheets leave after an emptied column, makes such a column:
    it carries nothing, so it is allowed as long as nothing is written under it.
    """
    names: list[str | None] = []
    seen: dict[str, str] = {}
    unknown = []
    for raw in header:
        given = raw.strip()
        name = given.lower()
        if not name:
            names.append(None)
            continue
        if name in seen:
            raise InputError(f"{path}: line {line}: {_duplicate(seen[name], given)}")
        seen[name] = given
        if name not in columns.known_set:
            unknown.append(given)
        names.append(name)
    if unknown:
        raise InputError(f"{path}: line {line}: {_unknown(unknown, columns)}")
    return names


def _jsonl_records(path: Path, text: str, columns: Columns) -> Iterator[tuple[int, dict[str, Any]]]:
    known = columns.known_set
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
        if not row.keys() <= known:  # the usual case, lower-case known keys, costs one test
            row = _fold_object(path, number, row, columns)
        for name in columns.required:
            if name not in row:
                raise InputError(f"{path}: line {number}: missing column {name!r}")
        yield number, row


def _fold_object(path: Path, line: int, row: dict[str, Any], columns: Columns) -> dict[str, Any]:
    folded: dict[str, Any] = {}
    seen: dict[str, str] = {}
    unknown = []
    for key, value in row.items():
        given = key.strip()
        name = given.lower()
        if name in seen:
            raise InputError(f"{path}: line {line}: {_duplicate(seen[name], given)}")
        seen[name] = given
        if name not in columns.known_set:
            unknown.append(given)
        folded[name] = value
    if unknown:
        raise InputError(f"{path}: line {line}: {_unknown(unknown, columns)}")
    return folded


def _duplicate(first: str, second: str) -> str:
    if first == second:
        return f"duplicate column {_shown(second)}"
    return f"duplicate column {_shown(second)} (same as {_shown(first)}: names ignore case)"


def _unknown(names: list[str], columns: Columns) -> str:
    shown = ", ".join(_shown(name) for name in names[:_SHOWN_NAMES])
    if len(names) > _SHOWN_NAMES:
        shown += f" and {len(names) - _SHOWN_NAMES} more"
    return f"unknown column(s) {shown} (known: {', '.join(columns.known)})"


def _shown(text: str) -> str:
    """A name or value quoted for a one-line message: escaped (repr) and cut short."""
    if len(text) > _SHOWN_CHARS:
        text = text[:_SHOWN_CHARS] + "…"
    return repr(text)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number scorecard accepts")


class Row:
    """Typed access to one record's fields, raising errors that name file, line and column."""

    def __init__(
        self, path: Path, line: int, data: Mapping[str, Any], *, decimal_comma: bool = False
    ) -> None:
        self.path, self.line, self.data = path, line, data
        self.decimal_comma = decimal_comma

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
            number = float(self._decimal_comma(name, value) if self.decimal_comma else value)
        except ValueError:
            raise self.fail(f"{name} {value!r} is not a number{_comma_hint(value)}") from None
        if not math.isfinite(number):
            raise self.fail(f"{name} {value!r} is not finite (NaN and infinity are refused)")
        if minimum is not None and number < minimum:
            raise self.fail(f"{name} {value!r} is below {minimum:g}")
        return number

    def _decimal_comma(self, name: str, value: int | float | str) -> int | float | str:
        """``0,46`` as 0.46; refuses what could be read two ways."""
        if not isinstance(value, str):
            return value
        if "," in value:
            if "." in value:
                raise self.fail(
                    f"{name} {value!r} mixes '.' and ',': write it with one decimal comma "
                    "and no thousands separator"
                )
            return value.replace(",", ".")
        if "." in value and _GROUPED.fullmatch(value):
            raise self.fail(
                f"{name} {value!r} is ambiguous in a semicolon-separated file, where ',' is the "
                "decimal mark ('.' a thousands separator or a decimal point?): write it "
                "without a thousands separator, with a decimal comma"
            )
        return value

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


def _comma_hint(value: Any) -> str:
    """For ``'0,46'`` in a file that is not semicolon-separated: say what would work."""
    if not isinstance(value, str) or "," not in value:
        return ""
    try:
        float(value.replace(",", "."))
    except ValueError:
        return ""
    return (
        f" (a decimal comma? write {value.replace(',', '.')}, or separate the columns "
        "with ';' as spreadsheets using decimal commas do)"
    )
