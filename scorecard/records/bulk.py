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

Every row gives every column: what is hashed for the audit chain is the row as given, so no
column may be left to a database default.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import count
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from scorecard.db.schema import Base


def table_of(entity: type[Base]) -> Table:
    return cast(Table, entity.__table__)


def insert_values(
    session: Session, entity: type[Base], columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (values of ``columns``, which must be every column but ``id``) and
    return them as stored: ``(id, *values)``, in order."""
    table = table_of(entity)
    if sorted(["id", *columns]) != sorted(column.key for column in table.c):
        raise ValueError(f"{table.name}: give every column but id, once each")
    if not rows:
        return []
    if _is_sqlite(session):
        first = (session.scalar(select(func.max(table.c.id))) or 0) + 1
        stored = [(row_id, *row) for row_id, row in zip(count(first), rows)]
        _sqlite_executemany(session, table, ["id", *columns], stored)
        return stored
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    params = [dict(zip(columns, row, strict=True)) for row in rows]
    ids = list(session.scalars(statement, params))
    return [(row_id, *row) for row_id, row in zip(ids, rows, strict=True)]


def insert_rows(session: Session, entity: type[Base], rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` (dicts of every column but ``id``) and return their ids, in order.

    Each dict gets its ``id`` set too, so the caller holds the rows exactly as stored.
    """
    if not rows:
        return []
    columns = [column.key for column in table_of(entity).c if column.key != "id"]
    values = itemgetter(*columns)
    stored = insert_values(session, entity, columns, [values(row) for row in rows])
    for (row_id, *_), row in zip(stored, rows, strict=True):
        row["id"] = row_id
    return [row["id"] for row in rows]


def insert_given(session: Session, entity: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` that carry their own ids (audit events: the chain numbers them)."""
    if not rows:
        return
    table = table_of(entity)
    if _is_sqlite(session):
        columns = [column.key for column in table.c]
        values = itemgetter(*columns)
        _sqlite_executemany(session, table, columns, [values(row) for row in rows])
    else:
        session.execute(insert(table), rows)


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _sqlite_executemany(
    session: Session, table: Table, columns: list[str], rows: list[tuple[Any, ...]]
) -> None:
    connection = session.connection()
    dialect = connection.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=columns)
    order = list(compiled.positiontup or ())  # qmark parameters: positional
    if order != columns:
        moved = itemgetter(*(columns.index(name) for name in order))
        rows = [moved(row) for row in rows]
    # The conversions SQLAlchemy would apply (a timestamp as the text it stores, a float as a
    # float), column by column: the dialect's own type, not the generic one, decides.
    convert = {
        i: fn
        for i, name in enumerate(order)
        if (fn := table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    }
    if convert and rows:
        columns_values = [
            list(map(convert[i], values)) if i in convert else values
            for i, values in enumerate(zip(*rows, strict=True))
        ]
        rows = list(zip(*columns_values, strict=True))
    connection.exec_driver_sql(str(compiled), rows)
