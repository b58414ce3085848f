"""Least-privilege PostgreSQL group roles, and append-only triggers on the record.

``create_roles`` makes four NOLOGIN group roles (``<prefix>_reviewer``, ``_evaluator``,
``_safety``, ``_governance``) and grants each exactly what its commands need: SELECT on every
table (the schema check reads ``alembic_version``), INSERT on the tables its commands write,
and USAGE on those tables' id sequences. Nobody gets UPDATE, DELETE or TRUNCATE, and every
audited table (plus ``evidence`` and ``audit_events``) gets triggers that refuse them anyway,
even to the table owner: the record is append-only in the database itself.

The triggers are installed here, not by migrations, so a database only becomes append-only
when its operator asks for it. Rerunning is safe: roles are created once, each role's grants
in the schema are reset to exactly the list below, and the triggers are replaced. Run it again
after ``scorecard db upgrade`` so new tables get their grants and triggers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from scorecard.db.engine import DatabaseError, display_url, get_engine, resolve_url
from scorecard.db.migrate import ensure_current
from scorecard.db.schema import Base
from scorecard.errors import ScorecardError, UsageError

# What each command inserts: models add -> models; ingest -> sources, evidence; score ->
# framework_snapshots (first use of a pack), scorecards; judge -> judgments; mitigate ->
# mitigations; decide -> decisions; sign -> documents, checkpoints; a signed judgment or
# decision -> record_signatures; withdraw -> withdrawals; attest -> attestations. The roster
# and the policies are the tables owner's to change.
# Every one of them appends to
# audit_events (whose ids the chain assigns itself, so it needs no sequence).
INSERTS: dict[str, tuple[str, ...]] = {
    "reviewer": (),
    "evaluator": (
        "models",
        "sources",
        "evidence",
        "withdrawals",
        "framework_snapshots",
        "scorecards",
        "audit_events",
    ),
    "safety": (
        "judgments",
        "withdrawals",
        "mitigations",
        "record_signatures",
        "framework_snapshots",
        "scorecards",
        "audit_events",
    ),
    "governance": (
        "decisions",
        "attestations",
        "documents",
        "checkpoints",
        "record_signatures",
        "audit_events",
    ),
}
"""Role suffix -> the tables it may INSERT into (every role may SELECT from every table)."""

APPEND_ONLY: tuple[str, ...] = (
    "models",
    "framework_snapshots",
    "sources",
    "evidence",
    "scorecards",
    "judgments",
    "mitigations",
    "decisions",
    "documents",
    "checkpoints",
    "roster",
    "policies",
    "record_signatures",
    "withdrawals",
    "attestations",
    "audit_events",
)
"""Tables whose rows are never updated or deleted: triggers refuse it, whoever asks."""

_NO_SEQUENCE = frozenset({"audit_events"})  # event ids are the chain's own numbering
_FUNCTION = "scorecard_append_only"
_ROW_TRIGGER = "scorecard_append_only"
_TRUNCATE_TRIGGER = "scorecard_append_only_truncate"
_PREFIX = re.compile(r"[a-z_][a-z0-9_]{0,40}")
_LOCK_KEY = 0x5C0EC0E  # serialises concurrent runs (not the writers' lock)


@dataclass(frozen=True)
class RoleReport:
    role: str
    created: bool
    """False when the role already existed (its grants were reset all the same)."""
    schema: str
    select: list[str] = field(default_factory=list)
    insert: list[str] = field(default_factory=list)
    sequences: list[str] = field(default_factory=list)
    """Sequences granted USAGE (the ids of the rows it inserts)."""
    append_only: list[str] = field(default_factory=list)
    """Tables with the append-only triggers (the same for every role)."""


def create_roles(url: str, prefix: str = "scorecard") -> list[RoleReport]:
    """Create (or reset) the group roles and their grants, and install the append-only triggers.

    Runs as one transaction, as a user that owns the tables and may create roles.
    """
    _check_prefix(prefix)
    resolved = resolve_url(url)
    if make_url(resolved).get_backend_name() != "postgresql":
        raise UsageError(
            "database roles need PostgreSQL: SQLite has no users or grants "
            f"({display_url(resolved)})"
        )
    engine = get_engine(resolved)
    try:
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            ensure_current(connection, resolved)
            return _create(connection, prefix)
    except DBAPIError as exc:
        message = str(exc.orig) if exc.orig is not None else str(exc)
        first = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
        hint = (
            " (run this as the owner of the scorecard tables, with the CREATEROLE privilege)"
            if "permission denied" in first or "must be owner" in first
            else ""
        )
        raise DatabaseError(
            f"cannot set up roles at {display_url(resolved)}: {first}{hint}"
        ) from None


def _check_prefix(prefix: str) -> None:
    if not _PREFIX.fullmatch(prefix):
        raise ScorecardError(
            f"invalid role prefix {prefix!r}: lower-case letters, digits and _, "
            "at most 41 characters, not starting with a digit"
        )


def _create(connection: Connection, prefix: str) -> list[RoleReport]:
    quote = connection.dialect.identifier_preparer.quote
    schema = connection.execute(
        text(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.oid = to_regclass('alembic_version')"
        )
    ).scalar_one()
    present = set(
        connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :schema"), {"schema": schema}
        ).scalars()
    )
    tables = [*sorted(t.name for t in Base.metadata.sorted_tables), "alembic_version"]
    missing = [t for t in tables if t not in present]
    if missing:  # cannot happen at HEAD, unless someone dropped a table by hand
        raise DatabaseError(f"schema {schema!r} lacks tables {', '.join(missing)}")

    def qualified(table: str) -> str:
        return f"{quote(schema)}.{quote(table)}"

    sequences: dict[str, str] = {}
    for table in sorted({t for inserts in INSERTS.values() for t in inserts} - _NO_SEQUENCE):
        sequence = connection.execute(
            text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": qualified(table)}
        ).scalar()
        if sequence is not None:  # None if the id were assigned some other way
            sequences[table] = str(sequence)

    _install_triggers(connection, schema, qualified)
    listed = ", ".join(qualified(t) for t in APPEND_ONLY)
    connection.exec_driver_sql(f"REVOKE UPDATE, DELETE, TRUNCATE ON {listed} FROM PUBLIC")

    reports = []
    for suffix, inserts in INSERTS.items():
        role = f"{prefix}_{suffix}"
        created = _ensure_role(connection, role)
        grantee = quote(role)
        # Reset, then grant exactly the list: a rerun removes anything granted by hand since.
        for kind in ("TABLES", "SEQUENCES", "FUNCTIONS"):
            connection.exec_driver_sql(
                f"REVOKE ALL ON ALL {kind} IN SCHEMA {quote(schema)} FROM {grantee}"
            )
        connection.exec_driver_sql(f"REVOKE ALL ON SCHEMA {quote(schema)} FROM {grantee}")
        connection.exec_driver_sql(f"GRANT USAGE ON SCHEMA {quote(schema)} TO {grantee}")
        connection.exec_driver_sql(
            f"GRANT SELECT ON {', '.join(qualified(t) for t in tables)} TO {grantee}"
        )
        if inserts:
            connection.exec_driver_sql(
                f"GRANT INSERT ON {', '.join(qualified(t) for t in inserts)} TO {grantee}"
            )
        granted = [sequences[t] for t in inserts if t in sequences]
        if granted:
            connection.exec_driver_sql(f"GRANT USAGE ON SEQUENCE {', '.join(granted)} TO {grantee}")
        reports.append(
            RoleReport(
                role=role,
                created=created,
                schema=schema,
                select=list(tables),
                insert=list(inserts),
                sequences=granted,
                append_only=list(APPEND_ONLY),
            )
        )
    return reports


def _ensure_role(connection: Connection, role: str) -> bool:
    """Create the NOLOGIN group role unless it exists; an existing one is made NOLOGIN."""
    quote = connection.dialect.identifier_preparer.quote
    found = connection.execute(
        text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :role"), {"role": role}
    ).first()
    if found is None:
        connection.exec_driver_sql(
            f"CREATE ROLE {quote(role)} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
        )
        return True
    if found.rolsuper or found.rolbypassrls:
        raise ScorecardError(
            f"role {role} already exists as a superuser or with BYPASSRLS: its grants would "
            "mean nothing; drop it or choose another --prefix"
        )
    connection.exec_driver_sql(f"ALTER ROLE {quote(role)} NOLOGIN")
    return False


def _install_triggers(connection: Connection, schema: str, qualified: Callable[[str], str]) -> None:
    quote = connection.dialect.identifier_preparer.quote
    function = f"{quote(schema)}.{quote(_FUNCTION)}"
    connection.exec_driver_sql(
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $body$\n"
        "BEGIN\n"
        "  RAISE EXCEPTION USING\n"
        "    MESSAGE = 'scorecard: ' || TG_TABLE_NAME || ' is append-only',\n"
        "    ERRCODE = 'insufficient_privilege',\n"
        "          HINT = 'a correction is a new row that points at the one it corrects';\n"
        "END\n"
        "$body$"
    )
    for table in APPEND_ONLY:
        target = qualified(table)
        for name, timing in (
            (_ROW_TRIGGER, "BEFORE UPDATE OR DELETE ON {t} FOR EACH ROW"),
            (_TRUNCATE_TRIGGER, "BEFORE TRUNCATE ON {t} FOR EACH STATEMENT"),
        ):
            # DROP + CREATE rather than CREATE OR REPLACE TRIGGER, which needs PostgreSQL 14.
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {quote(name)} ON {target}")
            connection.exec_driver_sql(
                f"CREATE TRIGGER {quote(name)} {timing.format(t=target)} "
                f"EXECUTE FUNCTION {function}()"
            )
