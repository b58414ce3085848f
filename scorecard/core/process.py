"""The governance process: which decisions exist, who takes them, and in which order.

The Safety Advisory Group recommends, leadership decides after a recommendation, and the board
reviews leadership's decision and may reverse it. Deciding to deploy or to continue development
is governed by the framework's gates of the same name. These rules are pure: the record applies
them to what it has stored and refuses what they do not allow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

DECISIONS: tuple[str, ...] = (
    "deploy",
    "do-not-deploy",
    "continue-development",
    "pause-development",
)
ROLES: tuple[str, ...] = ("sag", "leadership", "board")
ROLE_LABELS: dict[str, str] = {
    "sag": "Safety Advisory Group",
    "leadership": "Leadership",
    "board": "Board",
}
ROLE_DUTIES: dict[str, str] = {
    "sag": "recommends",
    "leadership": "decides",
    "board": "reviews, may reverse",
}
SAFETY = "safety"
"""The role whose members sign judgments and mitigations (the safety team)."""
RECORD_ROLES: tuple[str, ...] = (*ROLES, SAFETY)
"""The roles a certificate can hold on the roster: the decision roles, and safety."""
GATED: dict[str, Literal["deploy", "develop"]] = {
    "deploy": "deploy",
    "continue-development": "develop",
}
"""The decisions a framework gate governs, and the gate that governs each."""


@dataclass(frozen=True)
class Prior:
    """A decision already recorded on the same scorecard."""

    id: int
    role: str
    decision: str


@dataclass(frozen=True)
class Step:
    """The outcome of checking a new decision against the process."""

    refusal: str | None = None
    reverses: int | None = None
    """The leadership decision a board decision reverses, if it differs from it."""


def check_step(role: str, decision: str, earlier: Sequence[Prior], scorecard: int) -> Step:
    """Whether ``role`` may record ``decision`` after ``earlier`` decisions on a scorecard."""
    if role == "leadership" and not any(d.role == "sag" for d in earlier):
        return Step(
            refusal=f"leadership decides after the SAG recommends; scorecard #{scorecard} has "
            "no SAG recommendation yet"
        )
    if role == "board":
        leadership = [d for d in earlier if d.role == "leadership"]
        if not leadership:
            return Step(
                refusal=f"the board reviews a leadership decision; scorecard #{scorecard} has "
                "none yet"
            )
        if leadership[-1].decision != decision:
            return Step(reverses=leadership[-1].id)
    return Step()
