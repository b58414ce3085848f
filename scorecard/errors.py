"""Every error the library raises, each with the exit code the command line turns it into.

The library raises these; only the CLI prints them (one line on stderr) and exits with
``exit_code``. Messages speak of what is wrong, never of command-line flags, so they read the
same when scorecard is used as a library.

Exit codes: 0 ok, 1 a check failed or an action was refused, 2 usage (options that do not fit
together, values out of range), 3 a framework gate is closed, 4 something named was not found,
5 the database cannot be used as it is.
"""

from __future__ import annotations

import re

# C0 and C1 controls, and the invisible characters that reorder or hide text on screen
# (bidirectional overrides and isolates, zero-width characters): "Trojan source" in a name.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_GATE_CLOSED = 3
EXIT_NOT_FOUND = 4
EXIT_DATABASE = 5
EXIT_INTERRUPTED = 130

EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "done"),
    (EXIT_FAILED, "a check failed, or the input or action was refused"),
    (EXIT_USAGE, "usage: options or arguments that do not fit"),
    (EXIT_GATE_CLOSED, "a framework gate is closed (score --check, decide)"),
    (EXIT_NOT_FOUND, "a model, scorecard, framework, file or database was not found"),
    (EXIT_DATABASE, "the database cannot be used (unreachable, busy, wrong schema)"),
)


def escape_controls(text: str) -> str:
    """Control characters shown as escapes: a message stays one line, and text from a log
    (a task name with a newline or a terminal escape sequence) cannot rewrite the screen."""
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], text)


class ScorecardError(Exception):
    """An expected failure with a message a user can act on (no traceback is shown)."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str) -> None:
        super().__init__(escape_controls(message))


class UsageError(ScorecardError):
    """Arguments that do not fit together or do not apply to what was asked."""

    exit_code = EXIT_USAGE


class NotFound(ScorecardError):
    """A model, scorecard, framework, file or database that does not exist."""

    exit_code = EXIT_NOT_FOUND


class Refused(ScorecardError):
    """An action the record's rules do not allow (an out-of-date scorecard, a duplicate)."""


class GateClosed(Refused):
    """A decision, or a check, that the framework's gates do not allow."""

    exit_code = EXIT_GATE_CLOSED


class CheckFailed(ScorecardError):
    """A verification (audit chain, signed card) found a problem."""


class FrameworkError(ScorecardError):
    """A framework pack is malformed or inconsistent."""


class FrameworkNotFound(FrameworkError, NotFound):
    """No framework pack with this id on the search path."""

    exit_code = EXIT_NOT_FOUND


class InputError(ScorecardError):
    """An input file (evidence, judgments) cannot be used; the message names file and row."""


class ScoringError(ScorecardError):
    """Evidence or judgments are inconsistent with the framework they are scored against."""


class DatabaseError(ScorecardError):
    """The database cannot be reached, is busy for too long, or is not at the right schema."""

    exit_code = EXIT_DATABASE


class NoDatabase(DatabaseError, NotFound):
    """A read found no database where one was expected (reads never create one)."""

    exit_code = EXIT_NOT_FOUND


class ModelNotFound(NotFound):
    """No model by that name (and version)."""


class SigningError(ScorecardError):
    """A key, certificate or PDF that cannot be used to sign."""
