"""Which files in the given paths are evidence: files as given, folders walked."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from scorecard.errors import InputError, NotFound

EVIDENCE_SUFFIXES = frozenset({".csv", ".jsonl", ".ndjson", ".eval", ".json"})
# Files Inspect and eval-set runs keep beside their logs that hold no evidence.
_NOT_EVIDENCE = frozenset({"logs.json", "eval-set.json", "listing.json", ".eval-set-id"})


def discover(paths: Sequence[Path]) -> list[Path]:
    """Files to read: given files as they are, folders walked for evidence files.

    A symlink inside a folder that points outside it is refused: a log directory from another
    team must not be a way to read the rest of the machine.
    """
    found: list[Path] = []
    for path in paths:
        if not path.is_dir():
            found.append(path)
            continue
        root = path.resolve()
        files: list[Path] = []
        outside: list[tuple[Path, Path]] = []
        _walk(path, root, files, outside)
        if outside:
            candidate, target = min(outside)
            raise InputError(f"{candidate}: symlink points outside {path} (to {target}): refused")
        found.extend(sorted(files))
    if not found:
        raise NotFound("no evidence files found in " + ", ".join(map(str, paths)))
    return found


def _walk(folder: Path, root: Path, files: list[Path], outside: list[tuple[Path, Path]]) -> None:
    """The evidence files under ``folder`` (in no order), as ``Path.rglob`` walks: symlinked
    folders are not entered, unreadable ones are skipped. One ``scandir`` per folder, whose
    entries know their type without a ``stat`` per file."""
    try:
        with os.scandir(folder) as entries:
            listed = list(entries)
    except PermissionError:
        return
    for entry in listed:
        candidate = folder / entry.name
        if entry.is_symlink():
            target = candidate.resolve()
            if not target.is_relative_to(root):
                outside.append((candidate, target))
                continue
        try:
            is_folder = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_folder = False
        if is_folder:
            _walk(candidate, root, files, outside)
        elif (
            candidate.suffix.lower() in EVIDENCE_SUFFIXES
            and entry.name not in _NOT_EVIDENCE
            and entry.is_file()
        ):
            files.append(candidate)
