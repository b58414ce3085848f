"""Writing output files: all or nothing, through an unpredictable temporary name.

A temporary file is created (``mkstemp``: a new random name, never following a planted
symlink) in the target's own folder, filled, flushed to disk, and renamed over the target, so a
reader sees the old file or the whole new one and a failure leaves nothing behind. An existing
file keeps its permissions; a new one gets the usual ``0o666 & ~umask``.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from scorecard.errors import ScorecardError


def write_atomic(target: Path, data: bytes | str) -> None:
    """Replace ``target`` with ``data`` in one step."""
    with staged(target, data):
        pass


def write_with(target: Path, produce: Callable[[Path], None]) -> None:
    """Let ``produce`` write a temporary file beside ``target``, then rename it over ``target``."""
    tmp, mode = _temporary(target)
    try:
        produce(tmp)
        os.chmod(tmp, mode)
        tmp.replace(target)
    except OSError as exc:
        raise ScorecardError(f"{target}: cannot write: {exc.strerror}") from None
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def staged(target: Path, data: bytes | str) -> Iterator[None]:
    """Write ``data`` to disk beside ``target`` first, and rename it over ``target`` only when
    the ``with`` block succeeds: a record can be committed in between, so the file appears only
    once what describes it is stored, and neither exists without the other on a failure."""
    content = data.encode() if isinstance(data, str) else data
    tmp, mode = _temporary(target)
    try:
        try:
            with tmp.open("wb") as out:
                out.write(content)
                out.flush()
                os.fchmod(out.fileno(), mode)
                os.fsync(out.fileno())
        except OSError as exc:
            raise ScorecardError(f"{target}: cannot write: {exc.strerror}") from None
        yield
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise ScorecardError(f"{target}: cannot write: {exc.strerror}") from None
    finally:
        tmp.unlink(missing_ok=True)


def _temporary(target: Path) -> tuple[Path, int]:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            mode = stat.S_IMODE(target.stat().st_mode)
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise ScorecardError(f"{target.parent}: cannot write: {exc.strerror}") from None
    os.close(handle)
    return Path(name), mode


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
