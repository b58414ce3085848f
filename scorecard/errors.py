"""Typed errors. The library raises them; only the CLI turns them into a message and exit code."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def escape_controls(text: str) -> str:
    """Control characters shown as escapes: a message stays one line, and text from a log
    (a task name with a newline or a terminal escape sequence) cannot rewrite the screen."""
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], text)


class ScorecardError(Exception):
    """An expected failure with a message a user can act on (no traceback is shown)."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(escape_controls(message))


class FrameworkError(ScorecardError):
    """A framework pack is missing, malformed or inconsistent."""


class InputError(ScorecardError):
    """An input file (evidence, judgments) cannot be used; the message names file and row."""


class ScoringError(ScorecardError):
    """Evidence or judgments are inconsistent with the framework they are scored against."""
