"""Many rows of one table in one statement, with the ids they were given, in order.

The ORM's unit of work flushes row by row; a back-fill of thousands of files needs one
``executemany``. The ids are needed (evidence rows point at their source, audit events at their
record), and each backend gives them its own way:

- SQLite: the writer holds the database's write lock from ``BEGIN IMMEDIATE`` on, so the ids
  after the current largest are free; they are assigned here and inserted as given (an
  ``INTEGER PRIMARY KEY`` takes any free value, and later inserts continue after the largest).
  ``RETURNING`` in parameter order would mean one statement per row on SQLite.
- PostgreSQL: ids come from the table's sequence, read back with ``RETURNING`` in parameter
  order (SQLAlchemy's "insertmanyvalues": a few multi-row statements, not one per row).
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from scorecard.db.schema import Base


def table_of(entity: type[Base]) -> Table:
    return cast(Table, entity.__table__)


def insert_rows(session: Session, entity: type[Base], rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` (column values without ``id``) into the entity's table, with Core (no
    ORM objects), and return their ids, in order.

    Each dict gets its ``id`` set too, so the caller holds the rows exactly as stored.
    """
    if not rows:
        return []
    table = table_of(entity)
    if session.get_bind().dialect.name == "sqlite":
        first = (session.scalar(select(func.max(table.c.id))) or 0) + 1
        ids = list(range(first, first + len(rows)))
        for row_id, row in zip(ids, rows, strict=True):
            row["id"] = row_id
        session.execute(insert(table), rows)
        return ids
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    ids = list(session.scalars(statement, rows))
    for row_id, row in zip(ids, rows, strict=True):
        row["id"] = row_id
    return ids
