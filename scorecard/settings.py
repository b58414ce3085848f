"""Settings: where the database is, which framework to use and where packs are found.

Read once, from explicit values first and the environment second, then passed down as one
object (as Alembic passes its ``Config``). Nothing below the CLI reads the environment.

- ``SCORECARD_DATABASE_URL``: the database (default ``sqlite:///scorecard.db``).
- ``SCORECARD_FRAMEWORK``: the framework pack id (default ``preparedness-v1``).
- ``SCORECARD_FRAMEWORK_PATH``: folders of a team's own packs, separated by ``os.pathsep``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///scorecard.db"
DEFAULT_FRAMEWORK = "preparedness-v1"
DATABASE_ENV = "SCORECARD_DATABASE_URL"
FRAMEWORK_ENV = "SCORECARD_FRAMEWORK"
FRAMEWORK_PATH_ENV = "SCORECARD_FRAMEWORK_PATH"


@dataclass(frozen=True)
class Settings:
    """What every command needs to know about its surroundings."""

    database_url: str = DEFAULT_DATABASE_URL
    framework_id: str = DEFAULT_FRAMEWORK
    framework_path: tuple[Path, ...] = field(default=())
    """A team's own pack folders, searched before the bundled packs."""
    actor: str | None = None
    """Who acts when a command is not told (None: the operating-system user)."""
    allow_shadow: bool = False
    """Let a team's pack reuse the id of a bundled pack (the card then says it is not the
    bundled one)."""
    framework_explicit: bool = False
    """True when the framework was named for this command (``--framework``): a model already
    scored under another framework then gets a separate scorecard series under this one.
    Otherwise a scored model keeps the framework it was first scored under."""

    @classmethod
    def load(
        cls,
        *,
        database: str | None = None,
        framework: str | None = None,
        framework_path: Sequence[Path] = (),
        actor: str | None = None,
        allow_shadow: bool = False,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """Explicit values first, then the environment, then the defaults."""
        env = os.environ if environ is None else environ
        from_env = [Path(p) for p in env.get(FRAMEWORK_PATH_ENV, "").split(os.pathsep) if p]
        return cls(
            database_url=database or env.get(DATABASE_ENV) or DEFAULT_DATABASE_URL,
            framework_id=framework or env.get(FRAMEWORK_ENV) or DEFAULT_FRAMEWORK,
            framework_path=(*framework_path, *from_env),
            actor=actor,
            allow_shadow=allow_shadow,
            framework_explicit=framework is not None,
        )

    def using(self, **changes: object) -> Settings:
        """A copy with some values changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


def os_user() -> str:
    """The operating-system account running this process, from its real uid.

    Never from ``LOGNAME`` or ``USER``: anyone can set those, and the audit trail records this
    name next to the person a command names.
    """
    import pwd

    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # no passwd entry (containers)
        return f"uid {uid}"


def actor_name(settings: Settings, by: str | None = None) -> str:
    """Who acts: the person named, else the settings' actor, else the operating-system user."""
    for name in (by, settings.actor):
        if name and name.strip():
            return name.strip()
    return os_user()
