"""Typed errors. The library raises them; only the CLI turns them into a message and exit code."""

from __future__ import annotations


class ScorecardError(Exception):
    """An expected failure with a message a user can act on (no traceback is shown)."""

    exit_code = 1


class FrameworkError(ScorecardError):
    """A framework pack is missing, malformed or inconsistent."""


class InputError(ScorecardError):
    """An input file (evidence, judgments) cannot be used; the message names file and row."""


class ScoringError(ScorecardError):
    """Evidence or judgments are inconsistent with the framework they are scored against."""
