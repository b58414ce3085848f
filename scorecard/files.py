"""Writing output files: all or nothing, through an unpredictable temporary name.

A temporary file is created (``mkstemp``: a new name, mode 0600, never following a planted
symlink) in the target's own folder, filled, flushed, and renamed over the target, so a reader
sees the old file or the whole new one and a failure leaves nothing behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from scorecard.errors import ScorecardError


def write_atomic(target: Path, data: bytes | str) -> None:
    """Replace ``target`` with ``data`` in one step."""
    content = data.encode() if isinstance(data, str) else data

    def produce(path: Path) -> None:
        path.write_bytes(content)

    write_with(target, produce)


def write_with(target: Path, produce: Callable[[Path], None]) -> None:
    """Let ``produce`` write a temporary file beside ``target``, then rename it over ``target``."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise ScorecardError(f"{target.parent}: cannot write: {exc.strerror}") from None
    os.close(handle)
    tmp = Path(name)
    try:
        produce(tmp)
        os.chmod(tmp, 0o644)
        tmp.replace(target)
    except OSError as exc:
        raise ScorecardError(f"{target}: cannot write: {exc.strerror}") from None
    finally:
        tmp.unlink(missing_ok=True)
