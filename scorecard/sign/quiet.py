"""pyHanko logs some failures with full tracebacks (to stderr, through Python's last-resort
handler, when nothing configures logging). Inside :func:`quiet` its loggers say nothing; the
caller turns the failure into one line instead."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

_LOGGERS = ("pyhanko", "pyhanko_certvalidator")


@contextmanager
def quiet() -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in _LOGGERS]
    saved = [(lg, lg.level, lg.propagate) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)
        lg.propagate = False
    try:
        yield
    finally:
        for lg, level, propagate in saved:
            lg.setLevel(level)
            lg.propagate = propagate


def first_line(exc: BaseException) -> str:
    """An exception's first line, for a one-line report."""
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
