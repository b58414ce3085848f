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


def list_packs(settings: Settings) -> list[PackReport]:
    """Every pack found, the team's own first, with the folder it was found in; a pack that is
    broken or refused is listed with why, and stops nothing else."""
    found = packs.discover(settings.framework_path, allow_shadow=settings.allow_shadow)
    reports = []
    for path in found.found.values():
        try:
            reports.append(PackReport(path, packs.load_folder(path), None))
        except FrameworkError as exc:
            reports.append(PackReport(path, None, str(exc)))
    reports.extend(PackReport(path, None, str(exc)) for path, exc in found.refused.values())
    reports.extend(PackReport(path, None, str(exc)) for path, exc in found.broken)
    return reports


def show(settings: Settings, framework_id: str | None = None) -> Framework:
    """One pack, by id (default: the settings' framework)."""
    return packs.selected(settings, framework_id)


def validate(settings: Settings, paths: Sequence[Path] = ()) -> list[PackReport]:
    """Validate the given pack folders, or every pack on the search path when none is given."""
    if not paths:
        return list_packs(settings)
    reports = []
    for path in paths:
        try:
            reports.append(PackReport(path, packs.load_folder(path), None))
        except FrameworkError as exc:
            reports.append(PackReport(path, None, str(exc)))
    return reports
