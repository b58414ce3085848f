"""``scorecard frameworks``: the packs on the search path, one pack, and validation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scorecard import packs
from scorecard.core.framework import Framework
from scorecard.errors import FrameworkError
from scorecard.settings import Settings


@dataclass(frozen=True)
class PackReport:
    path: Path
    framework: Framework | None
    error: str | None


def list_packs(settings: Settings) -> list[tuple[Path, Framework]]:
    """Every pack found, the team's own first, with the folder it was found in."""
    return [
        (path, packs.load_folder(path)) for path in packs.discover(settings.framework_path).values()
    ]


def show(settings: Settings, framework_id: str | None = None) -> Framework:
    """One pack, by id (default: the settings' framework)."""
    return packs.load(framework_id or settings.framework_id, settings.framework_path)


def validate(settings: Settings, paths: Sequence[Path] = ()) -> list[PackReport]:
    """Validate the given pack folders, or every pack on the search path when none is given."""
    targets = list(paths) or list(packs.discover(settings.framework_path).values())
    reports = []
    for path in targets:
        try:
            reports.append(PackReport(path, packs.load_folder(path), None))
        except FrameworkError as exc:
            reports.append(PackReport(path, None, str(exc)))
    return reports
