"""Reading the head of a large JSON document without parsing all of it.

Inspect's ``.json`` logs put every header key before the ``samples`` array, which can run to
hundreds of megabytes of model output. Scanning tokens (strings and brackets) at the top level
finds where ``samples`` starts; the text before it, closed with ``}``, is the header.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from scorecard.errors import InputError
from scorecard.readers.checks import json_object

_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[{}\[\]]')
_FIRST_READ = 256 << 10


def top_level_keys(data: bytes, enough: int | None = None) -> tuple[list[str], int | None]:
    """Keys at depth 1 found in ``data`` (possibly a truncated document), and the offset where
    a ``"samples"`` key starts, if one was seen. With ``enough``, stop after that many keys."""
    keys: list[str] = []
    depth = 0
    for match in _TOKEN.finditer(data):
        token = match.group()
        first = token[:1]
        if first in b"{[":
            depth += 1
        elif first in b"}]":
            depth -= 1
        elif depth == 1:
            rest = data[match.end() : match.end() + 64].lstrip()
            if rest[:1] == b":":
                try:
                    key = json.loads(token)
                except ValueError:
                    continue
                if key == "samples":
                    return keys, match.start()
                keys.append(key)
                if enough is not None and len(keys) >= enough:
                    return keys, None
    return keys, None


def read_head(path: Path, limit: int, parse_constant: Any) -> dict[str, Any]:
    """The document's top-level object without its ``samples`` (read no further than needed)."""
    size = _FIRST_READ
    with path.open("rb") as handle:
        data = b""
        while True:
            chunk = handle.read(size - len(data))
            data += chunk
            eof = not chunk or len(data) < size
            head = _head_before_samples(data, parse_constant)
            if head is not None:
                return head
            if eof:
                return json_object(path, data)
            if size >= limit:
                raise InputError(
                    f"{path}: no header found in the first {limit >> 20} MiB of the log"
                )
            size = min(size * 4, limit)


def head_of(path: Path, data: bytes, limit: int, parse_constant: Any) -> dict[str, Any]:
    """:func:`read_head` of a whole document already in memory (the same limit applies)."""
    if len(data) > limit:
        head = _head_before_samples(data[:limit], parse_constant)
        if head is None:
            raise InputError(f"{path}: no header found in the first {limit >> 20} MiB of the log")
        return head
    head = _head_before_samples(data, parse_constant)
    return head if head is not None else json_object(path, data)


_MAX_TRIES = 32


def _head_before_samples(data: bytes, parse_constant: Any) -> dict[str, Any] | None:
    """Cut before the top-level ``"samples"`` key and close the object.

    Each occurrence of ``"samples"`` is tried (``bytes.find`` and ``json.loads`` run in C, a
    Python token scan does not): only a cut at depth 1 parses, since a nested one or one inside
    a string leaves brackets or quotes open. After a few failed tries the token scan decides,
    so a document full of the word cannot make this quadratic.
    """
    start = 0
    for _ in range(_MAX_TRIES):
        at = data.find(b'"samples"', start)
        if at < 0:
            return None
        candidate = data[:at].rstrip().rstrip(b",") + b"}"
        try:
            value = json.loads(candidate, parse_constant=parse_constant)
        except (ValueError, RecursionError):
            start = at + 1
            continue
        if isinstance(value, dict):
            return value
        start = at + 1
    _, cut = top_level_keys(data)
    if cut is None:
        return None
    try:
        value = json.loads(data[:cut].rstrip().rstrip(b",") + b"}", parse_constant=parse_constant)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None
