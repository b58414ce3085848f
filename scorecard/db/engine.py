"""Where the database is, and a session that writes safely when several processes share it.

SQLite runs in WAL mode with a busy timeout, and every transaction starts with ``BEGIN
IMMEDIATE`` so writers queue up at the start instead of failing half-way. PostgreSQL write
transactions take one advisory lock, so the audit chain is appended by one writer at a time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session

from scorecard.errors import DatabaseError, NoDatabase

BUSY_TIMEOUT_S = 30.0
_WRITE_LOCK_KEY = 0x5C0EC0D  # any constant: scorecard's one advisory lock
T = TypeVar("T")


__all__ = ["DatabaseError", "dispose", "get_engine", "read_session", "resolve_url"]


def resolve_url(chosen: str) -> str:
    """A database URL as SQLAlchemy wants it (psycopg for PostgreSQL), or a clear error."""
    try:
        parsed = make_url(chosen)
    except ArgumentError:
        raise DatabaseError(
            f"not a database URL: {chosen!r} (e.g. sqlite:///scorecard.db)"
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseError(f"unsupported database {parsed.drivername!r}: use sqlite or postgresql")
    return parsed.render_as_string(hide_password=False)


def display_url(url: str) -> str:
    """The URL with any password masked, for messages."""
    return make_url(url).render_as_string(hide_password=True)


_engines: dict[str, Engine] = {}


def get_engine(url: str) -> Engine:
    """One engine per URL per process."""
    if url not in _engines:
        _engines[url] = _create(url)
    return _engines[url]


def dispose(url: str) -> None:
    """Close the pooled connections of one URL's engine (tests, and long-lived callers)."""
    engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def _create(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, decide when transactions begin (see below).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            if parsed.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # Take the write lock up front: a reader that later writes would otherwise fail
            # with "database is locked" instead of waiting its turn.
            writes = connection.get_execution_options().get("scorecard_write", False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True)


@contextmanager
def write_session(url: str) -> Iterator[Session]:
    """One transaction for one command: committed on success, rolled back on any error."""
    engine = get_engine(url)
    writer = engine.execution_options(scorecard_write=True)
    with (
        _translate_errors(url),
        Session(writer, expire_on_commit=False) as session,
        session.begin(),
    ):
        if engine.dialect.name == "postgresql":
            lock = text("SELECT pg_advisory_xact_lock(:key)")
            session.execute(lock, {"key": _WRITE_LOCK_KEY})
        yield session


def require_existing(url: str) -> None:
    """Refuse to go on when a SQLite file does not exist: reads never create a database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    if not Path(parsed.database).exists():
        raise NoDatabase(
            f"no database at {parsed.database}: run `scorecard init` to create one, or say "
            "which database to use"
        )


@contextmanager
def read_session(url: str) -> Iterator[Session]:
    require_existing(url)
    engine = get_engine(url)
    with _translate_errors(url), Session(engine) as session:
        yield session


def with_retry(action: Callable[[], T], attempts: int = 5) -> T:
    """Retry a whole transaction that lost a race (serialisation failure or a busy SQLite)."""
    for attempt in range(attempts):
        try:
            return action()
        except DatabaseError as exc:
            if not getattr(exc, "retryable", False) or attempt == attempts - 1:
                raise
            time.sleep(0.05 * (2**attempt))
    raise AssertionError("unreachable")


@contextmanager
def _translate_errors(url: str) -> Iterator[None]:
    try:
        yield
    except OperationalError as exc:
        message = str(exc.orig) if exc.orig is not None else str(exc)
        if "locked" in message or "busy" in message:
            error = DatabaseError(
                f"the database is busy: another scorecard process held it for more than "
                f"{BUSY_TIMEOUT_S:.0f} s; try again"
            )
            error.retryable = True  # type: ignore[attr-defined]
            raise error from None
        if "unable to open database file" in message:
            raise DatabaseError(f"cannot open the database at {display_url(url)}") from None
        first = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
        raise DatabaseError(f"database error at {display_url(url)}: {first}") from None
    except DBAPIError as exc:
        message = str(exc.orig) if exc.orig is not None else str(exc)
        first = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
        raise DatabaseError(f"database error at {display_url(url)}: {first}") from None
