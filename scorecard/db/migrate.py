"""Schema migrations, run from code with the Alembic scripts shipped in the package.

Every command that touches the database first checks the schema revision: an empty database
says to run ``scorecard init``, an older one ``scorecard db upgrade``, and one written by a newer
scorecard is refused rather than misread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from scorecard.db.engine import DatabaseError, display_url, get_engine
from scorecard.resources import data_dir

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported only where migrations run: the schema check before every command asks
# the database directly, and importing Alembic costs a quarter of a second.

HEAD = "0004"
"""The revision this code is written for; a test checks it is the scripts' head."""


def alembic_config(url: str) -> Config:
    import io

    from alembic.config import Config

    # Alembic's own messages are not ours to print (and its default stream is whatever stdout
    # was when it was first imported, which a test runner may have closed since).
    config = Config(stdout=io.StringIO())
    config.set_main_option("script_location", str(data_dir("migrations")))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> tuple[str | None, str | None]:
    """Create or upgrade the schema; returns (revision before, revision after)."""
    from alembic import command

    before = current(url)
    _refuse_newer(url, before)
    engine = get_engine(url)
    config = alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return before, current(url)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    engine = get_engine(url)
    config = alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current(url: str) -> str | None:
    with get_engine(url).connect() as connection:
        return _revision(connection)


@dataclass(frozen=True)
class Revision:
    revision: str
    down_revision: str | None
    doc: str
    is_head: bool


def history(url: str) -> list[Revision]:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config(url))
    heads = set(scripts.get_heads())
    revisions = [
        Revision(
            revision=script.revision,
            down_revision=script.down_revision if isinstance(script.down_revision, str) else None,
            doc=script.doc or "",
            is_head=script.revision in heads,
        )
        for script in scripts.walk_revisions()
    ]
    return list(reversed(revisions))


def ensure_current(connection: Connection, url: str) -> None:
    """Raise a message saying what to run unless the schema is exactly at HEAD.

    Runs before every command, so it asks the database directly (two small queries) instead of
    setting up Alembic's migration context.
    """
    revision = _stamped_revision(connection)
    if revision == HEAD:
        return
    where = display_url(url)
    if revision is None:
        raise DatabaseError(f"{where} has no scorecard schema yet: run `scorecard init`")
    _refuse_newer(url, revision)
    raise DatabaseError(
        f"{where} is at schema revision {revision}, this scorecard needs {HEAD}: "
        "run `scorecard db upgrade`"
    )


def _refuse_newer(url: str, revision: str | None) -> None:
    if revision is None:
        return
    known = {r.revision for r in history(url)}
    if revision not in known:
        raise DatabaseError(
            f"{display_url(url)} was written by a newer scorecard (schema revision {revision} "
            "is unknown here): upgrade scorecard before using this database"
        )


def _stamped_revision(connection: Connection) -> str | None:
    if connection.dialect.name == "sqlite":
        exists = connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).first()
    else:  # PostgreSQL: resolved through the search path, like every other table
        exists = connection.exec_driver_sql("SELECT to_regclass('alembic_version')").scalar()
    if not exists:
        return None
    value = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    return str(value) if value is not None else None


def _revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(connection)
    return context.get_current_revision()
