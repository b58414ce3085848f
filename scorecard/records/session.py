"""Sessions for commands: the schema is checked first, and each write is one transaction.

Neither kind creates a database: only ``init`` (``db.migrate.upgrade``) does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from scorecard.db.engine import read_session, require_existing, resolve_url, write_session
from scorecard.db.migrate import ensure_current


@contextmanager
def writing(url: str) -> Iterator[Session]:
    """A write transaction on a database at the current schema; rolled back on any error."""
    resolved = resolve_url(url)
    require_existing(resolved)
    with write_session(resolved) as session:
        ensure_current(session.connection(), resolved)
        yield session


@contextmanager
def reading(url: str) -> Iterator[Session]:
    resolved = resolve_url(url)
    with read_session(resolved) as session:
        ensure_current(session.connection(), resolved)
        yield session
