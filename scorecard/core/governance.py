"""Governance: overall levels per stage, and what the framework's gates allow.

Fail closed: when a tracked category is not assessed at a stage, that stage's overall level is
unknown, every permission gate reading it fails and every requirement it could trigger holds.
"""

from __future__ import annotations

from collections.abc import Sequence

from scorecard.core.evidence import Judgment
from scorecard.core.framework import Framework, Gate
from scorecard.core.levels import Scale
from scorecard.core.result import CategoryResult, Eligibility, GateResult, OverallStage


def overall(framework: Framework, categories: Sequence[CategoryResult]) -> dict[str, OverallStage]:
    """The highest tracked category level per stage; research categories are watched, not gated."""
    scale = framework.scale
    result: dict[str, OverallStage] = {}
    for stage in framework.stage_ids:
        tracked = [c for c in categories if c.tracked]
        missing = [c.id for c in tracked if c.stages[stage].level is None]
        assessed_max = scale.max(
            level for c in tracked if (level := c.stages[stage].level) is not None
        )
        result[stage] = OverallStage(
            level=None if missing else assessed_max,
            assessed_max=assessed_max,
            complete=not missing,
            missing=missing,
        )
    return result


def eligibility(
    framework: Framework,
    categories: Sequence[CategoryResult],
    overall_levels: dict[str, OverallStage],
    judgments: Sequence[Judgment],
) -> Eligibility:
    """Evaluate every gate; deploy and develop need all their gates to pass."""
    gates = [
        _evaluate(framework, gate, categories, overall_levels, judgments)
        for gate in framework.header.gates
    ]

    def allowed(governs: str) -> bool:
        relevant = [g for g in gates if g.governs == governs]
        return bool(relevant) and all(g.passed for g in relevant)

    return Eligibility(
        deploy=allowed("deploy"),
        develop=allowed("develop"),
        security_hardening_required=any(
            not g.passed for g in gates if g.governs == "security_hardening"
        ),
        gates=gates,
    )


def _stage_label(framework: Framework, stage: str) -> str:
    return next(s.label for s in framework.header.stages if s.id == stage)


def _evaluate(
    framework: Framework,
    gate: Gate,
    categories: Sequence[CategoryResult],
    overall_levels: dict[str, OverallStage],
    judgments: Sequence[Judgment],
) -> GateResult:
    scale = framework.scale

    def result(applies: bool, passed: bool, reason: str) -> GateResult:
        return _gate_result(gate, applies, passed, reason)

    incomplete = {s: o.missing for s, o in overall_levels.items() if not o.complete}
    if incomplete:
        # An incomplete scorecard is unknown, not low: nothing is allowed, everything is required.
        missing = "; ".join(
            f"{_stage_label(framework, s)}: {', '.join(m)}" for s, m in incomplete.items()
        )
        if gate.governs == "security_hardening":
            return result(
                True,
                False,
                f"{gate.id}: required, since the scorecard is incomplete "
                f"(not assessed: {missing}) and {gate.at_least} cannot be ruled out",
            )
        return result(True, False, f"{gate.id}: fails closed: not assessed: {missing}")

    if gate.when is not None:
        condition = overall_levels[gate.when.stage]
        label = _stage_label(framework, gate.when.stage)
        assert condition.level is not None
        if not scale.at_least(condition.level, gate.when.at_least):
            return result(
                False,
                True,
                f"{gate.id}: does not apply ({label} level {condition.level} is below "
                f"{gate.when.at_least})",
            )

    stage = overall_levels[gate.stage]
    label = _stage_label(framework, gate.stage)
    assert stage.level is not None  # every stage is complete past the check above
    if gate.governs == "security_hardening":
        assert gate.at_least is not None  # guaranteed by Gate's validator
        if scale.at_least(stage.level, gate.at_least):
            return result(
                True,
                False,
                f"{gate.id}: required: {label} level {stage.level} is at least {gate.at_least}",
            )
        return result(
            True,
            True,
            f"{gate.id}: not required: {label} level {stage.level} is below {gate.at_least}",
        )

    assert gate.at_most is not None  # guaranteed by Gate's validator
    if scale.at_most(stage.level, gate.at_most):
        return result(
            True, True, f"{gate.id}: passes: {label} level {stage.level} is at most {gate.at_most}"
        )
    extend = gate.safeguards_extend_to
    if extend is not None and scale.at_most(stage.level, extend):
        return _with_safeguards(gate, scale, categories, judgments, label, stage.level)
    return result(
        True, False, f"{gate.id}: fails: {label} level {stage.level} is above {gate.at_most}"
    )


def _gate_result(gate: Gate, applies: bool, passed: bool, reason: str) -> GateResult:
    return GateResult(
        id=gate.id, governs=gate.governs, applies=applies, passed=passed, reason=reason
    )


def _with_safeguards(
    gate: Gate,
    scale: Scale,
    categories: Sequence[CategoryResult],
    judgments: Sequence[Judgment],
    label: str,
    level: str,
) -> GateResult:
    """A gate that safeguards can extend: each category above the bound needs safeguards
    judged sufficient at or above its level."""
    assert gate.at_most is not None
    uncovered: list[str] = []
    covered_by: list[str] = []
    for category in categories:
        category_level = category.stages[gate.stage].level
        if not category.tracked or category_level is None:
            continue
        if scale.at_most(category_level, gate.at_most):
            continue
        accepted = [
            j
            for j in judgments
            if j.kind == "safeguards"
            and j.category == category.id
            and j.stage == gate.stage
            and scale.at_least(j.level, category_level)
        ]
        if accepted:
            covered_by.append(f"{category.id} ({accepted[-1].by})")
        else:
            uncovered.append(category.id)
    if uncovered:
        return _gate_result(
            gate,
            True,
            False,
            f"{gate.id}: fails: {label} level {level} is above "
            f"{gate.at_most} and no sufficient safeguards are recorded for {', '.join(uncovered)}",
        )
    return _gate_result(
        gate,
        True,
        True,
        f"{gate.id}: passes with safeguards: {label} level {level} is above "
        f"{gate.at_most}, safeguards judged sufficient for {', '.join(covered_by)}",
    )
