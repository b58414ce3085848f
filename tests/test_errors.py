"""Error messages and printed text cannot carry terminal controls or invisible reordering."""

from __future__ import annotations

import pytest

from scorecard.cli.output import terminal_safe
from scorecard.errors import ScorecardError, escape_controls


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a\x1b[2Jb", "a\\x1b[2Jb"),
        ("bell\x07", "bell\\x07"),
        ("c1\x9b31m", "c1\\x9b31m"),
        ("admin\u202egnp.exe", "admin\\u202egnp.exe"),  # right-to-left override
        ("C\u200bEO", "C\\u200bEO"),  # zero-width space
        ("\u2066isolate\u2069", "\\u2066isolate\\u2069"),
        ("Dr. Amara Osei (biosécurité)", "Dr. Amara Osei (biosécurité)"),  # letters stay
    ],
)
def test_controls_and_invisible_reordering_are_shown(text: str, shown: str) -> None:
    assert escape_controls(text) == shown
    assert str(ScorecardError(text)) == shown
    assert terminal_safe(f"{text}\n{text}") == f"{shown}\n{shown}"
