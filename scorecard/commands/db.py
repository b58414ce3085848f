"""``scorecard init`` and ``scorecard db``: create, upgrade and inspect the schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from scorecard.settings import Settings

if TYPE_CHECKING:
    from scorecard.db.migrate import Revision
    from scorecard.db.roles import RoleReport


@dataclass(frozen=True)
class SchemaState:
    database: str
    """The URL with any password masked."""
    before: str | None
    after: str | None
    head: str


def init(settings: Settings) -> SchemaState:
    """Create the database, or upgrade its schema to this version's head."""
    from scorecard.db.engine import display_url, resolve_url
    from scorecard.db.migrate import HEAD, upgrade

    url = resolve_url(settings.database_url)
    before, after = upgrade(url)
    return SchemaState(display_url(url), before, after, HEAD)


def current(settings: Settings) -> SchemaState:
    """The revision the database is at (it is not changed, nor created)."""
    from scorecard.db.engine import display_url, require_existing, resolve_url
    from scorecard.db.migrate import HEAD
    from scorecard.db.migrate import current as revision

    url = resolve_url(settings.database_url)
    require_existing(url)
    at = revision(url)
    return SchemaState(display_url(url), at, at, HEAD)


def history(settings: Settings) -> list[Revision]:
    """The schema revisions this scorecard knows, oldest first."""
    from scorecard.db.engine import resolve_url
    from scorecard.db.migrate import history as revisions

    return revisions(resolve_url(settings.database_url))


def roles(settings: Settings, prefix: str = "scorecard") -> list[RoleReport]:
    """Create (or reset) least-privilege PostgreSQL group roles; make the record append-only."""
    from scorecard.db.roles import create_roles

    return create_roles(settings.database_url, prefix)
