"""Rows as plain data: the one way records are turned into JSON, hashed and timestamped.

The audit chain, the card and every ``--json`` output go through these functions, so a value
is written the same way wherever it is shown or hashed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from scorecard.db.schema import Base


def now() -> datetime:
    return datetime.now(UTC)


def normal(value: Any) -> Any:
    if isinstance(value, datetime):
        # SQLite hands back naive datetimes: everything is stored in UTC, so compare as such.
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    return value


def timestamp(value: datetime) -> str:
    """A stored time as shown and hashed: UTC, ISO 8601, microseconds."""
    return str(normal(value))


def row_dict(row: Base) -> dict[str, Any]:
    return {column.key: normal(getattr(row, column.key)) for column in row.__table__.columns}


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
