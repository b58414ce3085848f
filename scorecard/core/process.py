"""The governance process: which decisions exist, who takes them, and in which order.

The Safety Advisory Group recommends, leadership decides after a recommendation, and the board
reviews leadership's decision and may reverse it. Deciding to deploy or to continue development
is governed by the framework's gates of the same name. These rules are pure: the record applies
them to what it has stored and refuses what they do not allow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # the CLI lists the choices below without paying for the models
    from scorecard.core.framework import Framework
    from scorecard.core.result import ScorecardResult

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
QUESTIONS: dict[str, str] = {
    "deploy": "deployment",
    "do-not-deploy": "deployment",
    "continue-development": "development",
    "pause-development": "development",
}
"""The question each decision answers: two decisions disagree only when they answer the same
question differently (recommending not to deploy and to continue development agree)."""
ATTESTATION_GATES: dict[str, str] = {
    "security": "hardened security around the model's weights is in place (deploying needs it "
    "when the scorecard requires hardened security)",
}
"""What a person can attest, and what the attestation states."""
FlagKind = Literal["sag_disagreement", "overrule", "board_reversal"]


@dataclass(frozen=True)
class Prior:
    """A decision already recorded on the same scorecard."""

    id: int
    role: str
    decision: str
    rationale: str = ""
    reverses: int | None = None
    """The leadership decision a board decision reverses."""


@dataclass(frozen=True)
class Flag:
    """Something a reviewer must see in the decisions on one scorecard."""

    kind: FlagKind
    decision_id: int
    """The decision that raises it (the later SAG recommendation, the overruling leadership
    decision, the reversing board decision)."""
    message: str


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


def overruled(role: str, decision: str, earlier: Sequence[Prior]) -> Prior | None:
    """The SAG recommendation a leadership decision goes against: the latest one on the same
    question, when it recommends otherwise. Allowed, and recorded as an overrule."""
    if role != "leadership":
        return None
    question = QUESTIONS.get(decision, decision)
    same = [d for d in earlier if d.role == "sag" and QUESTIONS.get(d.decision) == question]
    if same and same[-1].decision != decision:
        return same[-1]
    return None


def flags(decisions: Sequence[Prior]) -> list[Flag]:
    """What a reviewer must see in the decisions on one scorecard, oldest first: SAG
    recommendations that disagree, leadership overruling the SAG, the board reversing
    leadership."""
    found: list[Flag] = []
    for index, decision in enumerate(decisions):
        earlier = decisions[:index]
        what = f"{decision.role} decision #{decision.id} ({decision.decision})"
        if decision.role == "sag":
            question = QUESTIONS.get(decision.decision, decision.decision)
            other = next(
                (
                    d
                    for d in reversed(earlier)
                    if d.role == "sag"
                    and QUESTIONS.get(d.decision) == question
                    and d.decision != decision.decision
                ),
                None,
            )
            if other is not None:
                found.append(
                    Flag(
                        "sag_disagreement",
                        decision.id,
                        f"SAG recommendation #{decision.id} ({decision.decision}) disagrees "
                        f"with SAG recommendation #{other.id} ({other.decision}) on the same "
                        "scorecard",
                    )
                )
        elif decision.role == "leadership":
            sag = overruled(decision.role, decision.decision, earlier)
            if sag is not None:
                found.append(
                    Flag(
                        "overrule",
                        decision.id,
                        f"{what} overrules SAG recommendation #{sag.id} ({sag.decision}): "
                        f"{decision.rationale}",
                    )
                )
        elif decision.role == "board" and decision.reverses is not None:
            reversed_one = next((d for d in earlier if d.id == decision.reverses), None)
            was = f" ({reversed_one.decision})" if reversed_one is not None else ""
            found.append(
                Flag(
                    "board_reversal",
                    decision.id,
                    f"{what} reverses leadership decision #{decision.reverses}{was}: "
                    f"{decision.rationale}",
                )
            )
    return found


def hardening_reason(framework: Framework, result: ScorecardResult) -> str:
    """Why a scorecard requires hardened security, in a reader's words: "pre-mitigation
    cybersecurity is high" (the categories at or above each triggered requirement's level)."""
    scale = framework.scale
    stages = {s.id: s.label.lower() for s in framework.header.stages}
    triggered = {
        g.id: g
        for g in result.eligibility.gates
        if g.governs == "security_hardening" and not g.passed
    }
    reasons: list[str] = []
    for gate in framework.header.gates:
        outcome = triggered.get(gate.id)
        if outcome is None or gate.at_least is None:
            continue
        by_level: dict[str, list[str]] = {}
        for category in result.categories:
            level = category.stages[gate.stage].level if gate.stage in category.stages else None
            if category.tracked and level is not None and scale.at_least(level, gate.at_least):
                by_level.setdefault(level, []).append(category.id)
        if not by_level:  # an incomplete scorecard: the gate's own words say why
            reasons.append(outcome.reason)
            continue
        parts = [
            f"{' and '.join(ids)} {'is' if len(ids) == 1 else 'are'} {level}"
            for level, ids in sorted(by_level.items(), key=lambda item: -scale.rank(item[0]))
        ]
        reasons.append(f"{stages.get(gate.stage, gate.stage)} {', '.join(parts)}")
    return "; ".join(reasons) or "the scorecard requires it"
