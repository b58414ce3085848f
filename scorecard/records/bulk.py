"""Many rows of one table in one statement, with the ids they were given, in order.

The ORM's unit of work flushes row by row; a back-fill of thousands of files needs one
``executemany``. The ids are needed (evidence rows point at their source, audit events at their
record), and each backend gives them its own way:

- SQLite: the writer holds the database's write lock from ``BEGIN IMMEDIATE`` on, so the ids
  after the current largest are free; they are assigned here and inserted as given (an
  ``INTEGER PRIMARY KEY`` takes any free value, and later inserts continue after the largest).
  ``RETURNING`` in parameter order would mean one statement per row on SQLite. The rows go to
  the driver's ``executemany`` as tuples, through the same type conversions SQLAlchemy applies
  (a timestamp is stored as SQLAlchemy stores it, so it reads back the same).
- PostgreSQL: ids come from the table's sequence, read back with ``RETURNING`` in parameter
  order (SQLAlchemy's "insertmanyvalues": a few multi-row statements, not one per row).

Every row must give every column: what is hashed for the audit chain is the row as given, so
no column may be left to a database default.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from scorecard.db.schema import Base


def table_of(entity: type[Base]) -> Table:
    return cast(Table, entity.__table__)


def insert_rows(session: Session, entity: type[Base], rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` (every column but ``id``) and return their ids, in order.

    Each dict gets its ``id`` set too, so the caller holds the rows exactly as stored.
    """
    if not rows:
        return []
    table = table_of(entity)
    if _is_sqlite(session):
        first = (session.scalar(select(func.max(table.c.id))) or 0) + 1
        ids = list(range(first, first + len(rows)))
        for row_id, row in zip(ids, rows, strict=True):
            row["id"] = row_id
        _sqlite_executemany(session, table, rows)
        return ids
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    ids = list(session.scalars(statement, rows))
    for row_id, row in zip(ids, rows, strict=True):
        row["id"] = row_id
    return ids


def insert_given(session: Session, entity: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` that carry their own ids (audit events: the chain numbers them)."""
    if not rows:
        return
    table = table_of(entity)
    if _is_sqlite(session):
        _sqlite_executemany(session, table, rows)
    else:
        session.execute(insert(table), rows)


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _sqlite_executemany(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    connection = session.connection()
    dialect = connection.dialect
    # Every column, in the statement's parameter order (qmark: positional).
    compiled = insert(table).compile(dialect=dialect)
    names = list(compiled.positiontup or ())
    convert: list[Callable[[Any], Any] | None] = [
        table.c[name].type.bind_processor(dialect) for name in names
    ]
    assert len(names) > 1  # itemgetter of one name gives a value, not a tuple
    values = itemgetter(*names)
    tuples: list[tuple[Any, ...]] = [values(row) for row in rows]
    converted = [(i, fn) for i, fn in enumerate(convert) if fn is not None]
    if converted:
        for n, row_values in enumerate(tuples):
            changed = list(row_values)
            for i, fn in converted:
                changed[i] = fn(changed[i])
            tuples[n] = tuple(changed)
    connection.exec_driver_sql(str(compiled), tuples)
