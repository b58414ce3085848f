"""Which files in the given paths are evidence: files as given, folders walked."""

from __future__ import annotations

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
        for candidate in sorted(path.rglob("*")):
            if candidate.is_symlink():
                target = candidate.resolve()
                if not target.is_relative_to(root):
                    raise InputError(
                        f"{candidate}: symlink points outside {path} (to {target}): refused"
                    )
            if (
                candidate.is_file()
                and candidate.suffix.lower() in EVIDENCE_SUFFIXES
                and candidate.name not in _NOT_EVIDENCE
            ):
                found.append(candidate)
    if not found:
        raise NotFound("no evidence files found in " + ", ".join(map(str, paths)))
    return found
