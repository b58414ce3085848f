"""PostgreSQL group roles: each may do what its commands need and nothing more, and the record
is append-only in the database itself once ``create_roles`` ran.

Each test gets a fresh schema and a unique role prefix (roles are global to the cluster), with a
LOGIN member of every group; roles, grants and schema are dropped afterwards. The SQLite refusal
runs always; the rest needs SCORECARD_TEST_POSTGRES_URL.
"""

from __future__ import annotations

import functools
import json
import secrets
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from scorecard.cli import app
from scorecard.commands import (
    attest,
    audit_verify,
    decide,
    history,
    ingest,
    init,
    judge,
    load_signer,
    mitigate,
    models_add,
    models_list,
    policy_require_signed,
    roster_add,
    score_model,
    show,
    withdraw,
)
from scorecard.core.evidence import Judgment
from scorecard.db.engine import DatabaseError, dispose, resolve_url
from scorecard.db.migrate import HEAD
from scorecard.db.roles import APPEND_ONLY, INSERTS, create_roles
from scorecard.db.schema import Base
from scorecard.errors import ScorecardError
from scorecard.records import checkpoints, documents, models, scorecards
from scorecard.records.session import writing
from scorecard.resources import example_dir
from scorecard.sign.keys import Identity, new_identity
from tests.conftest import PG_SKIP, PG_URL, S

PRE = example_dir() / "evidence-pre.csv"
POST = example_dir() / "evidence-post.csv"
TABLES = [*sorted(t.name for t in Base.metadata.sorted_tables), "alembic_version"]
# Tables _populate does not fill yet: their rows are refused all the same, by privilege; the
# triggers are checked on the filled ones.
UNFILLED: frozenset[str] = frozenset()
PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
MODEL = "Kestrel-2"


# --- Always: SQLite has no roles --------------------------------------------------------------


def test_sqlite_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'scorecard.db'}"
    init(S(url))
    try:
        with pytest.raises(ScorecardError, match="database roles need PostgreSQL"):
            create_roles(url)
        result = CliRunner().invoke(app, ["db", "roles", "--database", url])
        assert result.exit_code != 0
        assert "database roles need PostgreSQL" in result.stderr
    finally:
        dispose(resolve_url(url))


@pytest.mark.parametrize("prefix", ["", "Bad", "1st", "a-b", "x; DROP ROLE postgres", "a" * 42])
def test_bad_prefix_is_refused(prefix: str) -> None:
    with pytest.raises(ScorecardError, match="invalid role prefix"):
        create_roles("sqlite:///unused.db", prefix)


# --- PostgreSQL -------------------------------------------------------------------------------


def _libpq(url: str) -> str:
    """The URL as psycopg takes it (no SQLAlchemy driver suffix)."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def _admin(sql: str, url: str | None = None) -> None:
    assert PG_URL is not None
    with psycopg.connect(_libpq(url or PG_URL), autocommit=True) as connection:
        connection.execute(sql)  # type: ignore[arg-type]


def _in_schema(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


@dataclass
class Setup:
    admin: str
    """The schema as the superuser that owns the tables."""
    schema: str
    prefix: str
    login: dict[str, str]
    """Role suffix (reviewer, evaluator, ...) -> URL of a LOGIN member of that group."""

    def group(self, suffix: str) -> str:
        return f"{self.prefix}_{suffix}"


@pytest.fixture
def pg() -> Iterator[Setup]:
    """A fresh schema at HEAD with the roles created, and one login member per group."""
    if PG_URL is None:
        pytest.skip(PG_SKIP)
    schema = f"t_{uuid.uuid4().hex[:16]}"
    prefix = f"t{uuid.uuid4().hex[:12]}"
    _admin(f"CREATE SCHEMA {schema}")
    admin = _in_schema(PG_URL, schema)
    urls = [admin]
    try:
        init(S(admin))
        create_roles(admin, prefix)
        login: dict[str, str] = {}
        for suffix in INSERTS:
            name, password = f"{prefix}_{suffix}_login", secrets.token_hex(16)
            _admin(f"CREATE ROLE {name} LOGIN PASSWORD '{password}' IN ROLE {prefix}_{suffix}")
            base = make_url(_libpq(PG_URL)).set(username=name, password=password)
            login[suffix] = _in_schema(base.render_as_string(hide_password=False), schema)
            urls.append(login[suffix])
        yield Setup(admin, schema, prefix, login)
    finally:
        for url in urls:
            dispose(resolve_url(url))
        _admin(f"DROP SCHEMA {schema} CASCADE")
        _drop_roles(prefix)


def _drop_roles(prefix: str) -> None:
    assert PG_URL is not None
    with psycopg.connect(_libpq(PG_URL), autocommit=True) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT rolname FROM pg_roles WHERE starts_with(rolname, %s) "
                "ORDER BY rolname LIKE '%%_login' DESC",
                (prefix,),
            )
        ]
        for name in names:  # login members first, then the groups
            connection.execute(f"DROP OWNED BY {name}")  # type: ignore[arg-type]
            connection.execute(f"DROP ROLE {name}")  # type: ignore[arg-type]


def _judgment(category: str, stage: str, level: str, by: str = "Red team lead") -> Judgment:
    return Judgment(
        category=category,
        stage=stage,
        level=level,
        by=by,
        rationale="expert probing",
        indicator=None,
        override=False,
        kind="level",
    )


def _denied(table: str) -> str:
    return f"permission denied for table {table}"


def _refused(url: str, sql: str) -> str:
    """Run one statement that must fail; its error message."""
    with (
        psycopg.connect(_libpq(url), autocommit=True) as connection,
        pytest.raises(psycopg.Error) as info,
    ):
        connection.execute(sql)  # type: ignore[arg-type]
    return str(info.value)


@functools.cache
def _sag_chair() -> tuple[Identity, bytes]:
    """A signing identity (made once: keys cost a PBKDF2 run) and its certificate's PEM."""
    with tempfile.TemporaryDirectory() as folder:
        cert, key = new_identity("SAG chair", "sag@example.org", Path(folder), b"passphrase")
        return load_signer(key, cert, b"passphrase"), cert.read_bytes()


def _populate(url: str) -> None:
    """One model with evidence (one row withdrawn), a judgment, a mitigation, a scorecard, a
    security attestation, the SAG chair on the roster, a policy requiring signed SAG records,
    and a signed SAG decision."""
    models_add(S(url), MODEL, "", "example", by="tester")
    ingest(S(url), [PRE], MODEL, "pre", by="tester")
    withdraw(S(url), MODEL, row=18, by="Eval lead", reason="run on the wrong checkpoint")
    judge(S(url), MODEL, _judgment("persuasion", "pre", "medium"))
    mitigate(S(url), MODEL, "cybersecurity", "Safety systems", "Refusal training")
    score_model(S(url), MODEL, by="Eval lead")
    attest(S(url), MODEL, "security", "CISO", "Weights held in the enclave")
    signer, pem = _sag_chair()
    with tempfile.TemporaryDirectory() as folder:
        cert = Path(folder) / "sag.pem"
        cert.write_bytes(pem)
        roster_add(S(url), "sag", cert, by="Admin", rationale="chairs the SAG")
    policy_require_signed(S(url), ["sag"], "Admin", "SAG recommendations are signed")
    decide(S(url), MODEL, "do-not-deploy", "sag", None, "Not yet", signer=signer)
    _record_document(url)
    with writing(url) as session:
        checkpoints.create(
            session,
            private_key=signer.key,
            certificate=signer.certificate,
            signer_name="SAG chair",
            actor="SAG chair",
        )


def _record_document(url: str) -> None:
    """What `scorecard sign` stores, without rendering and signing a PDF."""
    with writing(url) as session:
        model = models.resolve(session, MODEL)
        documents.record(
            session,
            model,
            scorecards.require_latest(session, model).id,
            kind="signature",
            file_name="card.pdf",
            sha256="a" * 64,
            actor="CEO",
            signer="CEO",
            role="CEO",
            field_name="Signature1",
        )


def _privileges(admin: str, roles: list[str]) -> dict[tuple[str, str], set[str]]:
    """(role, table or sequence) -> the privileges it holds, asked of PostgreSQL."""
    held: dict[tuple[str, str], set[str]] = {}
    with psycopg.connect(_libpq(admin)) as connection:
        for role in roles:
            for table in TABLES:
                held[(role, table)] = {
                    p
                    for p in PRIVILEGES
                    if connection.execute(
                        "SELECT has_table_privilege(%s, %s, %s)", (role, table, p)
                    ).fetchone()
                    == (True,)
                }
            for table in TABLES:
                if table == "alembic_version":
                    continue
                sequence = f"{table}_id_seq"
                held[(role, sequence)] = {
                    p
                    for p in ("USAGE", "SELECT", "UPDATE")
                    if connection.execute(
                        "SELECT has_sequence_privilege(%s, %s, %s)", (role, sequence, p)
                    ).fetchone()
                    == (True,)
                }
    return held


def test_each_group_holds_exactly_its_grants(pg: Setup) -> None:
    groups = [pg.group(s) for s in INSERTS]
    held = _privileges(pg.admin, groups)
    for suffix, inserts in INSERTS.items():
        role = pg.group(suffix)
        for table in TABLES:
            expected = {"SELECT", "INSERT"} if table in inserts else {"SELECT"}
            assert held[(role, table)] == expected, (role, table)
            if table != "alembic_version":
                uses_sequence = table in inserts and table != "audit_events"
                assert held[(role, f"{table}_id_seq")] == ({"USAGE"} if uses_sequence else set())
    assert INSERTS["reviewer"] == ()
    assert set(INSERTS["evaluator"]) == {
        "models",
        "sources",
        "evidence",
        "withdrawals",
        "framework_snapshots",
        "scorecards",
        "audit_events",
    }
    with psycopg.connect(_libpq(pg.admin)) as connection:
        attributes = connection.execute(
            "SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles "
            "WHERE rolname = ANY(%s)",
            (groups,),
        ).fetchall()
        assert sorted(attributes) == sorted((g, False, False, False, False) for g in groups)
        may_create = connection.execute(
            "SELECT bool_or(has_schema_privilege(r, %s, 'CREATE')) FROM unnest(%s::text[]) r",
            (pg.schema, groups),
        ).fetchone()
        assert may_create == (False,)


def test_commands_as_each_role(pg: Setup, tmp_path: Path) -> None:
    reviewer, evaluator = pg.login["reviewer"], pg.login["evaluator"]
    safety, governance = pg.login["safety"], pg.login["governance"]
    extra = tmp_path / "more.csv"
    extra.write_text("task,metric,value\ncybench,accuracy,0.2\n")

    # The evaluator adds the model, ingests and scores; it may not judge, mitigate or decide.
    models_add(S(evaluator), MODEL, "", "example", by="Eval lead")
    ingest(S(evaluator), [PRE], MODEL, "pre", by="Eval lead")
    ingest(S(evaluator), [POST], MODEL, "post", by="Eval lead")
    first = score_model(S(evaluator), MODEL, by="Eval lead")
    with pytest.raises(DatabaseError, match=_denied("judgments")):
        judge(S(evaluator), MODEL, _judgment("persuasion", "post", "high"))
    with pytest.raises(DatabaseError, match=_denied("mitigations")):
        mitigate(S(evaluator), MODEL, "cybersecurity", "Safety systems", "Refusal training")
    with pytest.raises(DatabaseError, match=_denied("decisions")):
        decide(S(evaluator), MODEL, "do-not-deploy", "sag", "SAG chair", "Not yet")

    # Safety judges, mitigates and rescores (a separate series under a new framework's
    # snapshot too); it may not decide, add models or ingest.
    judge(S(safety), MODEL, _judgment("persuasion", "post", "high"))
    mitigate(S(safety), MODEL, "cybersecurity", "Safety systems", "Refusal training")
    v2 = S(safety, framework_id="preparedness-v2", framework_explicit=True)
    score_model(v2, MODEL, by="Safety lead")
    second = score_model(S(safety), MODEL, by="Safety lead")
    assert second["overall"]["post"] == "high" and second["id"] > first["id"]
    with pytest.raises(DatabaseError, match=_denied("decisions")):
        decide(S(safety), MODEL, "do-not-deploy", "sag", "SAG chair", "Not yet")
    with pytest.raises(DatabaseError, match=_denied("models")):
        models_add(S(safety), "Aster", "", "", by="Safety lead")
    with pytest.raises(DatabaseError, match=_denied("sources")):
        ingest(S(safety), [extra], MODEL, "post", by="Safety lead")

    # Governance decides and records signatures; it may not score, judge or ingest.
    decide(S(governance), MODEL, "do-not-deploy", "sag", "SAG chair", "Not yet")
    decide(S(governance), MODEL, "do-not-deploy", "leadership", "CEO", "Agree with the SAG")
    attest(S(governance), MODEL, "security", "CISO", "Weights held in the enclave")
    _record_document(governance)
    # Rescoring with nothing new stores nothing, so needs no grant; a new scorecard does.
    assert score_model(S(governance), MODEL, by="CEO")["stored"] is False
    with pytest.raises(DatabaseError, match=_denied("scorecards")):
        score_model(S(governance), MODEL, by="CEO", policy="upper-ci")
    with pytest.raises(DatabaseError, match=_denied("judgments")):
        judge(S(governance), MODEL, _judgment("cbrn", "pre", "high"))
    with pytest.raises(DatabaseError, match=_denied("withdrawals")):
        withdraw(S(governance), MODEL, row=1, by="CEO", reason="inconvenient")
    with pytest.raises(DatabaseError, match=_denied("sources")):
        ingest(S(governance), [extra], MODEL, "pre", by="CEO")

    # The reviewer reads everything and verifies the chain; it writes nothing.
    shown = show(S(reviewer), MODEL)
    assert shown["id"] == second["id"] and len(shown["decisions"]) == 2
    assert len(history(S(reviewer), MODEL)) == 2  # the first framework's series
    assert (
        len(history(S(reviewer, framework_id="preparedness-v2", framework_explicit=True), MODEL))
        == 1
    )
    assert models_list(S(reviewer))[0]["scorecards"] == 3
    report = audit_verify(S(reviewer))
    assert report.ok, report.problems
    events = report.events
    with pytest.raises(DatabaseError, match=_denied("models")):
        models_add(S(reviewer), "Aster", "", "", by="Reviewer")
    with pytest.raises(DatabaseError, match=_denied("scorecards")):
        score_model(S(reviewer), MODEL, by="Reviewer", policy="upper-ci")
    with pytest.raises(DatabaseError, match=_denied("decisions")):
        decide(S(reviewer), MODEL, "do-not-deploy", "board", "Board", "Agree")
    # Refused writes left nothing behind.
    after = audit_verify(S(reviewer))
    assert after.ok and after.events == events
    # 1 model + 2 sources + 2 snapshots + 3 scorecards + 1 judgment + 1 mitigation
    # + 2 decisions + 1 attestation + 1 document
    assert events == 14


@pytest.mark.parametrize("suffix", list(INSERTS))
def test_raw_sql_as_each_role(pg: Setup, suffix: str) -> None:
    _populate(pg.admin)
    url = pg.login[suffix]
    inserts = INSERTS[suffix]
    with psycopg.connect(_libpq(url), autocommit=True) as connection:
        for table in (t for t in TABLES if t not in UNFILLED):
            count = connection.execute(f"SELECT count(*) FROM {table}").fetchone()  # type: ignore[arg-type]
            assert count is not None and count[0] >= 1, table
    for table in APPEND_ONLY:
        assert _denied(table) in _refused(url, f"UPDATE {table} SET id = id")
        assert _denied(table) in _refused(url, f"DELETE FROM {table}")
        assert _denied(table) in _refused(url, f"TRUNCATE {table}")
        if table not in inserts:
            copy = f"INSERT INTO {table} SELECT * FROM {table} LIMIT 1"
            assert _denied(table) in _refused(url, copy)
    assert _denied("alembic_version") in _refused(
        url, "UPDATE alembic_version SET version_num = 'x'"
    )
    assert _denied("alembic_version") in _refused(url, "DELETE FROM alembic_version")
    assert "permission denied for schema" in _refused(url, "CREATE TABLE mine (id int)")
    assert audit_verify(S(pg.admin)).ok


@pytest.mark.parametrize("suffix", list(INSERTS))
def test_privileges_granted_by_hand_still_meet_the_triggers(pg: Setup, suffix: str) -> None:
    _populate(pg.admin)
    url = pg.login[suffix]
    listed = ", ".join(APPEND_ONLY)
    _admin(f"GRANT UPDATE, DELETE, TRUNCATE ON {listed} TO {pg.group(suffix)}", pg.admin)
    for table in (t for t in APPEND_ONLY if t not in UNFILLED):
        message = f"scorecard: {table} is append-only"
        assert message in _refused(url, f"UPDATE {table} SET id = id")
        assert message in _refused(url, f"DELETE FROM {table}")
        assert message in _refused(url, f"TRUNCATE {table} CASCADE")
    assert audit_verify(S(pg.admin)).ok
    # Rerunning resets the role to exactly its grants.
    create_roles(pg.admin, pg.prefix)
    held = _privileges(pg.admin, [pg.group(suffix)])
    assert all(held[(pg.group(suffix), t)] <= {"SELECT", "INSERT"} for t in TABLES)


def test_the_owner_is_refused_too(pg: Setup) -> None:
    _populate(pg.admin)
    for table in (t for t in APPEND_ONLY if t not in UNFILLED):
        message = f"scorecard: {table} is append-only"
        assert message in _refused(pg.admin, f"UPDATE {table} SET id = id")
        assert message in _refused(pg.admin, f"DELETE FROM {table}")
        assert message in _refused(pg.admin, f"TRUNCATE {table} CASCADE")
    assert audit_verify(S(pg.admin)).ok
    # Migrations still stamp their revision, and the schema check and commands still work.
    _admin("UPDATE alembic_version SET version_num = version_num", pg.admin)
    state = init(S(pg.admin))
    assert (state.before, state.after) == (HEAD, HEAD)
    judge(S(pg.admin), MODEL, _judgment("cbrn", "pre", "high"))
    assert score_model(S(pg.admin), MODEL)["id"] == 2
    assert audit_verify(S(pg.admin)).ok


def test_rerunning_changes_nothing(pg: Setup) -> None:
    groups = [pg.group(s) for s in INSERTS]
    before = _privileges(pg.admin, groups)
    again = create_roles(pg.admin, pg.prefix)
    assert [r.role for r in again] == groups and not any(r.created for r in again)
    assert _privileges(pg.admin, groups) == before
    with psycopg.connect(_libpq(pg.admin)) as connection:
        triggers = connection.execute(
            "SELECT c.relname, count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND NOT t.tgisinternal GROUP BY c.relname",
            (pg.schema,),
        ).fetchall()
    assert dict(triggers) == dict.fromkeys(APPEND_ONLY, 2)
    # The memberships survive, so the logins work as before.
    models_add(S(pg.login["evaluator"]), MODEL, "", "example", by="Eval lead")
    assert audit_verify(S(pg.login["reviewer"])).events == 1


def test_cli(pg: Setup) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["db", "roles", "--prefix", pg.prefix, "--database", pg.admin, "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [r["role"] for r in data] == [pg.group(s) for s in INSERTS]
    assert data[1]["insert"] == list(INSERTS["evaluator"]) and data[1]["created"] is False
    assert data[0]["select"] == TABLES and data[0]["append_only"] == list(APPEND_ONLY)
    human = runner.invoke(app, ["db", "roles", "--prefix", pg.prefix, "--database", pg.admin])
    assert human.exit_code == 0, human.output
    assert f"{pg.group('reviewer')} (exists, grants reset)" in human.output
    assert (
        "INSERT on decisions, attestations, documents, checkpoints, record_signatures, "
        "audit_events" in human.output
    )
    assert f"GRANT {pg.prefix}_evaluator TO alice;" in human.output


def test_needs_a_schema_and_a_role_that_may_create_roles(pg: Setup) -> None:
    assert PG_URL is not None
    empty = f"t_{uuid.uuid4().hex[:16]}"
    _admin(f"CREATE SCHEMA {empty}")
    url = _in_schema(PG_URL, empty)
    try:
        with pytest.raises(DatabaseError, match="no scorecard schema yet"):
            create_roles(url, pg.prefix)
    finally:
        dispose(resolve_url(url))
        _admin(f"DROP SCHEMA {empty} CASCADE")
    with pytest.raises(DatabaseError, match="cannot set up roles"):
        create_roles(pg.login["evaluator"], pg.prefix + "x")


def test_an_existing_login_role_becomes_a_group(pg: Setup) -> None:
    _admin(f"CREATE ROLE {pg.prefix}x_reviewer LOGIN")
    reports = create_roles(pg.admin, pg.prefix + "x")
    assert [r.created for r in reports] == [False, True, True, True]
    with psycopg.connect(_libpq(pg.admin)) as connection:
        row = connection.execute(
            "SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (f"{pg.prefix}x_reviewer",)
        ).fetchone()
    assert row == (False,)
