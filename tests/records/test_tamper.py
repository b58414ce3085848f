"""Tamper evidence: edits made in SQL, behind scorecard's back, are caught by `audit verify`.

A populated database is tampered with directly (a plain SQLAlchemy connection, foreign keys
off: SQLite without the pragma, PostgreSQL with ``session_replication_role = replica``) in
every audited table, five ways: a value edited, a row deleted, two rows' ids swapped, a row
renumbered, a row inserted by hand. Each test checks that verification fails with exactly
the problems that name the event and record touched. The populated database is built once
per backend and copied, ids and all, into each test's fresh database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, create_engine, func, select, text
from sqlalchemy.pool import NullPool

from scorecard.commands import (
    audit_log,
    audit_verify,
    decide,
    ingest,
    init,
    judge,
    mitigate,
    models_add,
    score_model,
)
from scorecard.core.evidence import Judgment
from scorecard.db.engine import dispose, resolve_url
from scorecard.db.schema import AuditEvent, Base, JudgmentRow, Model
from scorecard.resources import example_dir
from tests.conftest import S

PRE = example_dir() / "evidence-pre.csv"
POST = example_dir() / "evidence-post.csv"

# table name -> the audit entity that covers its rows ("evidence" is covered by its source)
ENTITY = {
    "models": "model",
    "framework_snapshots": "framework_snapshot",
    "sources": "source",
    "scorecards": "scorecard",
    "judgments": "judgment",
    "mitigations": "mitigation",
    "decisions": "decision",
}
TABLES = [*ENTITY, "evidence", "audit_events"]
KINDS = ["edit", "delete", "swap", "renumber", "insert"]

# A column each tamper edits, and its new value (SQL), differing from every stored value.
EDIT = {
    "models": ("description", "'tampered'"),
    "framework_snapshots": ("version", "'9.9'"),
    "sources": ("file_name", "'tampered.csv'"),
    "evidence": ("value", "value + 0.125"),
    "scorecards": ("deploy", "NOT deploy"),
    "judgments": ("level", "'low'"),
    "mitigations": ("by", "'mallory'"),
    "decisions": ("rationale", "'tampered'"),
    "audit_events": ("actor", "'mallory'"),
}
# Columns under a unique constraint, changed when a row is copied so the copy can be inserted.
UNIQUE_COPY = {
    "models": {"name": "Ghost"},
    "framework_snapshots": {"content_hash": "f" * 64},
    "sources": {"sha256": "f" * 64},
    "audit_events": {"hash": "f" * 64, "prev_hash": "e" * 64},
}


def _judgment(category: str, stage: str, level: str) -> Judgment:
    return Judgment(
        category=category,
        stage=stage,
        level=level,
        by="Reviewer",
        rationale="expert probing",
        indicator=None,
        override=False,
        kind="level",
    )


@dataclass
class Populated:
    url: str
    events: list[dict[str, Any]]
    """Every audit event as ``audit log --json`` shows it, oldest first."""
    source_rows: dict[int, int]
    """How many evidence rows each source holds."""

    def event(self, entity: str, entity_id: int) -> dict[str, Any]:
        found = [e for e in self.events if (e["entity"], e["entity_id"]) == (entity, entity_id)]
        assert len(found) == 1, (entity, entity_id, found)
        return found[0]

    def where(self, entity: str, entity_id: int) -> str:
        """How verify names the event that recorded a row."""
        e = self.event(entity, entity_id)
        return f"audit event #{e['id']} ({e['action']}, {entity} #{entity_id})"

    def where_event(self, event_id: int) -> str:
        e = next(e for e in self.events if e["id"] == event_id)
        return f"audit event #{event_id} ({e['action']}, {e['entity']} #{e['entity_id']})"


def _populate(url: str) -> None:
    """Two models, three sources, two of every other audited record, two decisions last."""
    models_add(S(url), "Kestrel-2", "", "example", by="tester")
    models_add(S(url), "Aster", "1", "second model", by="tester")
    ingest(S(url), [PRE], "Kestrel-2", "pre", by="tester")
    ingest(S(url), [POST], "Kestrel-2", "post", by="tester")
    ingest(S(url), [PRE], "Aster@1", "pre", by="tester")
    judge(S(url), "Kestrel-2", _judgment("cbrn", "pre", "medium"))
    judge(S(url), "Kestrel-2", _judgment("persuasion", "post", "medium"))
    mitigate(S(url), "Kestrel-2", "cybersecurity", "Safety systems", "Refusal training")
    mitigate(S(url), "Kestrel-2", "cbrn", "Safety systems", "Classifier on bio queries")
    score_model(S(url, framework_id="preparedness-v2"), "Aster@1", by="Eval lead")
    score_model(S(url), "Kestrel-2", by="Eval lead")
    decide(S(url), "Kestrel-2", "do-not-deploy", "sag", "SAG chair", "Not yet")
    decide(S(url), "Kestrel-2", "do-not-deploy", "leadership", "CEO", "Agree with the SAG")


def _copy_rows(source_url: str, target_url: str) -> None:
    """Copy every row of every table into a database at the current schema, ids and all."""
    engine = create_engine(resolve_url(source_url), poolclass=NullPool)
    try:
        with engine.connect() as source, tampering(target_url) as target:
            for table in Base.metadata.sorted_tables:
                rows = [dict(r) for r in source.execute(select(table)).mappings()]
                if rows:
                    target.execute(table.insert(), rows)
                if target.dialect.name == "postgresql":  # explicit ids leave sequences behind
                    target.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"(SELECT max(id) FROM {table.name}))"
                        )
                    )
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def templates() -> Iterator[dict[str, str]]:
    """One populated database per backend, built on first use and copied for each test."""
    built: dict[str, str] = {}
    yield built
    for url in built.values():
        dispose(resolve_url(url))
        if url.startswith("postgresql"):
            _pg_admin(f"DROP SCHEMA {_template_schema(url)} CASCADE")


def _template_schema(url: str) -> str:
    return url.rsplit("%3D", 1)[1]


def _pg_admin(statement: str) -> None:
    engine = create_engine(resolve_url(os.environ["SCORECARD_TEST_POSTGRES_URL"]))
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def _template(backend: str, built: dict[str, str], tmp: Path) -> str:
    if backend not in built:
        if backend == "sqlite":
            url = f"sqlite:///{tmp / f'template-{uuid.uuid4().hex[:8]}.db'}"
        else:
            schema = f"t_tmpl_{uuid.uuid4().hex[:12]}"
            _pg_admin(f"CREATE SCHEMA {schema}")
            base = os.environ["SCORECARD_TEST_POSTGRES_URL"]
            url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
        built[backend] = url
        init(S(url))
        _populate(url)
    return built[backend]


@pytest.fixture
def populated(
    db: str, templates: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Populated:
    """A copy of the populated template, verified intact before any test tampers with it."""
    backend = "sqlite" if db.startswith("sqlite") else "postgresql"
    _copy_rows(_template(backend, templates, tmp_path_factory.getbasetemp()), db)
    report = audit_verify(S(db))
    assert report.ok, report.problems
    assert report.events == 15
    events = audit_log(S(db))
    assert [e["id"] for e in events] == list(range(1, 16))
    assert (events[-1]["entity"], events[-1]["entity_id"]) == ("decision", 2)
    with tampering(db) as c:
        counts = c.execute(text("SELECT source_id, count(*) FROM evidence GROUP BY source_id"))
        source_rows = {int(k): int(n) for k, n in counts}
    assert sorted(source_rows) == [1, 2, 3]
    return Populated(db, events, source_rows)


@contextmanager
def tampering(url: str) -> Iterator[Connection]:
    """A connection of our own, foreign keys not enforced, committed at the end."""
    engine = create_engine(resolve_url(url), poolclass=NullPool)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SET LOCAL session_replication_role = replica"))
            yield connection
    finally:
        engine.dispose()


def sql(connection: Connection, statement: str, **params: Any) -> int:
    result = connection.execute(text(statement), params)
    return result.rowcount


def max_id(connection: Connection, table: str) -> int:
    return int(connection.execute(text(f"SELECT max(id) FROM {table}")).scalar_one())


def swap_ids(connection: Connection, table: str, a: int, b: int) -> None:
    assert sql(connection, f"UPDATE {table} SET id = -1 WHERE id = :a", a=a) == 1
    assert sql(connection, f"UPDATE {table} SET id = :a WHERE id = :b", a=a, b=b) == 1
    assert sql(connection, f"UPDATE {table} SET id = :b WHERE id = -1", b=b) == 1


def copy_row(connection: Connection, table: str, row_id: int, **changes: Any) -> int:
    """Insert a copy of a row under a new id; returns the id."""
    core = Base.metadata.tables[table]
    row = dict(connection.execute(select(core).where(core.c.id == row_id)).mappings().one())
    new_id = max_id(connection, table) + 1
    row.update(UNIQUE_COPY.get(table, {}), id=new_id, **changes)
    connection.execute(core.insert().values(**row))
    return new_id


def targets(p: Populated, table: str) -> tuple[int, int]:
    """Two rows of ``table`` to tamper with (for audit_events: two events mid-chain)."""
    if table == "evidence":
        with tampering(p.url) as c:
            ids = c.execute(text("SELECT id FROM evidence WHERE source_id = 1 ORDER BY id"))
            first, *_, last = ids.scalars().all()
        return first, last
    if table == "audit_events":
        judged = p.event("judgment", 1)["id"]
        return judged, judged + 1
    return 1, 2


def tamper(p: Populated, table: str, kind: str) -> list[str]:
    """Tamper with ``table`` one way; returns the problems verify must report, in order."""
    a, b = targets(p, table)
    new_id: int | None = None
    with tampering(p.url) as c:
        if kind == "edit":
            column, value = EDIT[table]
            assert sql(c, f"UPDATE {table} SET {column} = {value} WHERE id = :a", a=a) == 1
        elif kind == "delete":
            assert sql(c, f"DELETE FROM {table} WHERE id = :a", a=a) == 1
        elif kind == "swap":
            swap_ids(c, table, a, b)
        elif kind == "renumber":
            new_id = max_id(c, table) + 10
            assert sql(c, f"UPDATE {table} SET id = :n WHERE id = :a", n=new_id, a=a) == 1
        else:
            assert kind == "insert"
            # An event copy is appended at the head, correctly linked, with a made-up hash.
            link = {"prev_hash": p.events[-1]["hash"]} if table == "audit_events" else {}
            new_id = copy_row(c, table, a, **link)
    if table == "evidence":
        # Evidence rows are covered by the event of their source, whatever the tamper.
        return [f"{p.where('source', 1)}: the record changed since it was recorded"]
    if table == "audit_events":
        return _event_problems(p, kind, a, b, new_id)
    return _record_problems(p, table, kind, a, b, new_id)


def _record_problems(
    p: Populated, table: str, kind: str, a: int, b: int, new_id: int | None
) -> list[str]:
    entity = ENTITY[table]
    changed, deleted = "the record changed since it was recorded", "the record was deleted"
    stray = f"{entity} #{new_id} has no audit event: inserted outside scorecard"
    # A source's evidence rows still point at the id it no longer has.
    orphans = [f"{p.source_rows[a]} evidence rows belong to no recorded source"]
    return {
        "edit": [f"{p.where(entity, a)}: {changed}"],
        "delete": [f"{p.where(entity, a)}: {deleted}"] + (orphans if table == "sources" else []),
        "swap": [f"{p.where(entity, a)}: {changed}", f"{p.where(entity, b)}: {changed}"],
        "renumber": [f"{p.where(entity, a)}: {deleted}", stray]
        + (orphans if table == "sources" else []),
        "insert": [stray],
    }[kind]


def _event_problems(p: Populated, kind: str, a: int, b: int, new_id: int | None) -> list[str]:
    gone = p.events[a - 1]
    unlinked, altered = "does not link to the event before it", "the event itself was altered"
    after_gap = [
        f"{p.where_event(a + 1)}: follows event #{a - 1}: events are missing",
        f"{p.where_event(a + 1)}: {unlinked}",
    ]
    if kind == "edit":
        return [f"{p.where_event(a)}: {altered}"]
    if kind == "delete":
        return [
            *after_gap,
            f"{gone['entity']} #{gone['entity_id']} has no audit event: inserted outside scorecard",
        ]
    if kind == "swap":
        # Events a and b trade places: both links break, and so do their hashes (they cover
        # the id), and the event after them no longer links either.
        at_a = p.where_event(b).replace(f"#{b} ", f"#{a} ", 1)
        at_b = p.where_event(a).replace(f"#{a} ", f"#{b} ", 1)
        return [
            f"{at_a}: {unlinked}",
            f"{at_a}: {altered}",
            f"{at_b}: {unlinked}",
            f"{at_b}: {altered}",
            f"{p.where_event(b + 1)}: {unlinked}",
        ]
    moved = p.where_event(a).replace(f"#{a} ", f"#{new_id} ", 1)
    if kind == "renumber":
        last = p.events[-1]["id"]
        return [
            *after_gap,
            f"{moved}: follows event #{last}: events are missing",
            f"{moved}: {unlinked}",
            f"{moved}: {altered}",
        ]
    return [f"{moved}: {altered}", f"{moved}: a second event for the same record"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("table", TABLES)
def test_tampering_is_detected(populated: Populated, table: str, kind: str) -> None:
    expected = tamper(populated, table, kind)
    report = audit_verify(S(populated.url))
    assert not report.ok
    assert report.problems == expected


def test_evidence_of_no_source_is_detected(populated: Populated) -> None:
    with tampering(populated.url) as c:
        copy_row(c, "evidence", 1, source_id=999)
    report = audit_verify(S(populated.url))
    assert report.problems == ["1 evidence rows belong to no recorded source"]


def test_a_rewritten_record_with_a_patched_event_breaks_the_next_link(
    populated: Populated,
) -> None:
    """Fixing up the event's own hashes after an edit only moves the break to the next event."""
    from scorecard.records import audit
    from scorecard.records.session import reading

    event_id = populated.event("judgment", 1)["id"]
    with tampering(populated.url) as c:
        sql(c, "UPDATE judgments SET level = 'low' WHERE id = 1")
    with reading(populated.url) as session:
        row = session.get(JudgmentRow, 1)
        event = session.get(AuditEvent, event_id)
        assert row is not None and event is not None
        event.content_hash = audit.record_hash("judgment", row)
        event.hash = audit._event_hash(event)
        patched = (event.content_hash, event.hash)
        session.rollback()
    with tampering(populated.url) as c:
        sql(
            c,
            "UPDATE audit_events SET content_hash = :c, hash = :h WHERE id = :i",
            c=patched[0],
            h=patched[1],
            i=event_id,
        )
    report = audit_verify(S(populated.url))
    assert report.problems == [
        f"{populated.where_event(event_id + 1)}: does not link to the event before it"
    ]


def cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scorecard", *args, "--database", url],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )


@pytest.mark.parametrize(("table", "kind"), [("scorecards", "edit"), ("audit_events", "delete")])
def test_cli_verify_exits_1_and_says_broken(populated: Populated, table: str, kind: str) -> None:
    expected = tamper(populated, table, kind)
    broken = cli(populated.url, "audit", "verify")
    assert broken.returncode == 1, (broken.stdout, broken.stderr)
    assert broken.stdout == ""
    first, *also = expected
    assert broken.stderr.splitlines() == [
        f"audit chain BROKEN: {first}",
        *(f"  also: {problem}" for problem in also),
    ]


def _truncate(p: Populated) -> None:
    """Delete the newest event together with the record it describes (decision #2)."""
    with tampering(p.url) as c:
        assert sql(c, "DELETE FROM decisions WHERE id = 2") == 1
        assert sql(c, "DELETE FROM audit_events WHERE id = :i", i=p.events[-1]["id"]) == 1


def test_expect_head_catches_a_truncated_chain(populated: Populated) -> None:
    head = audit_verify(S(populated.url)).head
    assert head == populated.events[-1]["hash"]
    assert audit_verify(S(populated.url), expect_head=head).ok
    _truncate(populated)
    # The chain alone cannot tell (this is why the head is kept elsewhere)...
    truncated = audit_verify(S(populated.url))
    assert truncated.ok and truncated.events == 14
    assert truncated.head == populated.events[-2]["hash"]
    # ...the recorded head can.
    report = audit_verify(S(populated.url), expect_head=head)
    assert not report.ok
    assert report.problems == [
        f"the chain does not contain the expected head {head[:16]}…: "
        "it was truncated or rebuilt since"
    ]
    assert audit_verify(S(populated.url), expect_head=truncated.head).ok


def test_expect_head_does_not_catch_a_forged_append(populated: Populated) -> None:
    """A row and a well-formed event appended in SQL: the recorded head is still in the chain
    (it says "the chain held this", not "the chain ends here"), so only a checkpoint signed
    after the append could show it (see test_checkpoints)."""
    from scorecard.records import audit, serialize

    head = audit_verify(S(populated.url)).head
    with tampering(populated.url) as c:
        model_id = copy_row(c, "models", 2)
        models = Base.metadata.tables["models"]
        row = c.execute(select(models).where(models.c.id == model_id)).mappings().one()
        last = populated.events[-1]
        forged = AuditEvent(
            id=last["id"] + 1,
            at=serialize.now(),
            action="model.add",
            entity="model",
            entity_id=model_id,
            model_id=model_id,
            actor="mallory",
            os_user="mallory",
            summary="added model Ghost@1",
            content_hash=audit.record_hash("model", Model(**row)),
            prev_hash=head,
            hash="",
        )
        forged.hash = audit._event_hash(forged)
        table = Base.metadata.tables["audit_events"]
        c.execute(table.insert().values({col.key: getattr(forged, col.key) for col in table.c}))
        assert c.execute(select(func.count()).select_from(table)).scalar_one() == 16
    # Appending is what a chain alone cannot catch (see scorecard.records.audit)...
    forged_head = audit_verify(S(populated.url))
    assert forged_head.ok and forged_head.events == 16 and forged_head.head == forged.hash
    # ...and an earlier head is still in the chain: it anchors only what came before it.
    assert audit_verify(S(populated.url), expect_head=head).ok
    assert audit_verify(S(populated.url), expect_head=forged.hash).ok


def test_cli_expect_head(populated: Populated) -> None:
    head = audit_verify(S(populated.url)).head
    intact = cli(populated.url, "audit", "verify", "--expect-head", head)
    assert intact.returncode == 0, intact.stderr
    assert f"audit chain intact: 15 events, 15 records, head {head}" in intact.stdout
    _truncate(populated)
    new_head = audit_verify(S(populated.url)).head
    broken = cli(populated.url, "audit", "verify", "--expect-head", head)
    assert broken.returncode == 1
    assert broken.stderr == (
        f"audit chain BROKEN: the chain does not contain the expected head {head[:16]}…: "
        "it was truncated or rebuilt since\n"
    )
    assert cli(populated.url, "audit", "verify", "--expect-head", new_head).returncode == 0
