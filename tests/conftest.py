"""Shared fixtures: the bundled frameworks, pack copies to break, and a CLI runner."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scorecard import packs
from scorecard.core.evidence import Evidence, Judgment
from scorecard.core.framework import Framework
from scorecard.resources import data_dir, example_dir
from scorecard.settings import Settings


def S(url: str, **changes: object) -> Settings:
    """Settings for a test database (and, given, a framework)."""
    return Settings(database_url=url).using(**changes)


@pytest.fixture(scope="session")
def v1() -> Framework:
    return packs.load("preparedness-v1")


@pytest.fixture(scope="session")
def v2() -> Framework:
    return packs.load("preparedness-v2")


@pytest.fixture
def pack_copy(tmp_path: Path) -> Callable[[str], Path]:
    """A writable copy of a bundled pack, to break on purpose."""

    def copy(pack_id: str = "preparedness-v1") -> Path:
        target = tmp_path / "packs" / pack_id
        shutil.copytree(data_dir("categories") / pack_id, target)
        return target

    return copy


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def ev(
    task: str,
    value: float,
    stage: str = "pre",
    metric: str = "accuracy",
    stderr: float | None = None,
) -> Evidence:
    return Evidence(stage=stage, task=task, metric=metric, value=value, stderr=stderr)


def judged(
    category: str,
    level: str,
    stage: str = "pre",
    *,
    override: bool = False,
    indicator: str | None = None,
    by: str = "Reviewer",
    kind: str = "level",
) -> Judgment:
    return Judgment(
        category=category,
        stage=stage,
        level=level,
        by=by,
        rationale="because",
        override=override,
        indicator=indicator,
        kind=kind,
    )  # type: ignore[arg-type]


# --- Databases: every test that touches one runs on SQLite and, when configured, PostgreSQL ---

PG_URL = os.environ.get("SCORECARD_TEST_POSTGRES_URL")
PG_SKIP = "SCORECARD_TEST_POSTGRES_URL is not set: PostgreSQL variant skipped"


def _pg_schema_url(schema: str) -> str:
    assert PG_URL is not None
    separator = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{separator}options=-csearch_path%3D{schema}"


def _pg_admin(sql: str) -> None:
    import psycopg

    assert PG_URL is not None
    plain = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL with nothing in it: a fresh SQLite file, or a fresh PostgreSQL schema."""
    from scorecard.db.engine import dispose, resolve_url

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'scorecard.db'}"
        yield url
        dispose(resolve_url(url))
        return
    if PG_URL is None:
        pytest.skip(PG_SKIP)
    schema = f"t_{uuid.uuid4().hex[:16]}"
    _pg_admin(f"CREATE SCHEMA {schema}")
    url = _pg_schema_url(schema)
    try:
        yield url
    finally:
        dispose(resolve_url(url))
        _pg_admin(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def db(empty_db: str) -> str:
    """A database URL at the current schema."""
    from scorecard.commands import init

    init(S(empty_db))
    return empty_db


@pytest.fixture
def kestrel(db: str) -> str:
    """A database holding the example model with its pre and post evidence (not yet scored)."""
    from scorecard.commands import ingest, models_add

    models_add(S(db), "Kestrel-2", "", "example", by="tester")
    ingest(S(db), [example_dir() / "evidence-pre.csv"], "Kestrel-2", "pre", by="tester")
    ingest(S(db), [example_dir() / "evidence-post.csv"], "Kestrel-2", "post", by="tester")
    return db
