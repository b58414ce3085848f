"""Migrations: every revision up and down, models and migrations agree, version checks."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from scorecard.commands import init, models_list
from scorecard.db.engine import DatabaseError, get_engine, resolve_url
from scorecard.db.migrate import HEAD, alembic_config, current, downgrade, upgrade
from scorecard.db.schema import Base
from tests.conftest import S


def tables(url: str) -> set[str]:
    return set(inspect(get_engine(resolve_url(url))).get_table_names())


def test_head_constant_matches_the_scripts(empty_db: str) -> None:
    scripts = ScriptDirectory.from_config(alembic_config(resolve_url(empty_db)))
    assert scripts.get_heads() == [HEAD]


def test_every_revision_up_and_down(empty_db: str) -> None:
    url = resolve_url(empty_db)
    scripts = ScriptDirectory.from_config(alembic_config(url))
    revisions = list(reversed(list(scripts.walk_revisions())))
    for revision in revisions:
        upgrade(url, revision.revision)
        assert current(url) == revision.revision
    assert set(Base.metadata.tables) <= tables(url)
    for revision in reversed(revisions):
        downgrade(url, revision.down_revision or "base")  # type: ignore[arg-type]
    assert current(url) is None
    assert not (set(Base.metadata.tables) & tables(url))
    upgrade(url)
    assert current(url) == HEAD


def test_models_and_migrations_agree(db: str) -> None:
    """`alembic check`: autogenerate finds nothing to add, drop or alter."""
    url = resolve_url(db)
    config = alembic_config(url)
    with get_engine(url).begin() as connection:
        config.attributes["connection"] = connection
        command.check(config)


def test_init_is_idempotent(db: str) -> None:
    state = init(S(db))
    assert state.before == state.after == HEAD
    assert "password" not in state.database


def test_uninitialised_database_says_what_to_run(empty_db: str) -> None:
    # An empty PostgreSQL schema has no tables; a SQLite file that is not there is not created.
    with pytest.raises(
        DatabaseError,
        match=r"(has no scorecard schema yet|no database at .*): run `scorecard init`",
    ):
        models_list(S(empty_db))


def test_newer_database_is_refused(db: str) -> None:
    url = resolve_url(db)
    with get_engine(url).begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed'"))
    with pytest.raises(DatabaseError, match=r"written by a newer scorecard .*f00dfeed"):
        models_list(S(db))
    with pytest.raises(DatabaseError, match=r"newer scorecard"):
        init(S(db))


def test_older_database_says_upgrade(empty_db: str) -> None:
    url = resolve_url(empty_db)
    upgrade(url, "0001")
    with pytest.raises(
        DatabaseError,
        match=rf"is at schema revision 0001, this scorecard needs "
        rf"{HEAD}: run `scorecard db upgrade`",
    ):
        models_list(S(empty_db))
    state = init(S(empty_db))
    assert (state.before, state.after) == ("0001", HEAD)
    assert models_list(S(empty_db)) == []


def test_bad_urls_are_one_line_errors() -> None:
    with pytest.raises(DatabaseError, match="not a database URL"):
        resolve_url("::nonsense::")
    with pytest.raises(DatabaseError, match="unsupported database 'mysql'"):
        resolve_url("mysql://root@localhost/test")
    assert resolve_url("postgresql://u@h/db").startswith("postgresql+psycopg://")
