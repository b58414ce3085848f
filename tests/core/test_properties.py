"""Invariants of scoring, checked on generated evidence and judgments (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scorecard import packs
from scorecard.core.evidence import Evidence, Judgment
from scorecard.core.framework import Framework
from scorecard.core.scoring import ScoringOptions, score

V1: Framework = packs.load("preparedness-v1")
MEASURED = [(c.id, i) for c in V1.categories for i in c.indicators if i.kind == "measured"]
LEVELS = list(V1.scale.levels)


@st.composite
def evidence_rows(draw: st.DrawFn) -> Evidence:
    _, indicator = draw(st.sampled_from(MEASURED))
    high = 100.0 if indicator.unit in ("percent", "percentile") else 1.0
    return Evidence(
        stage=draw(st.sampled_from(["pre", "post"])),
        task=draw(st.sampled_from(indicator.evaluations)),
        metric=indicator.metric or "accuracy",
        value=draw(st.floats(0.0, high, allow_nan=False)),
        stderr=draw(st.none() | st.floats(0.0, high / 10, allow_nan=False)),
    )


@st.composite
def judgments(draw: st.DrawFn) -> Judgment:
    return Judgment(
        category=draw(st.sampled_from([c.id for c in V1.categories])),
        stage=draw(st.sampled_from(["pre", "post"])),
        level=draw(st.sampled_from(LEVELS)),
        by="Reviewer",
        rationale="generated",
        override=draw(st.booleans()),
    )


policies = st.sampled_from(["point", "upper-ci"])


def rank(level: str | None) -> int:
    return -1 if level is None else LEVELS.index(level)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(evidence_rows(), max_size=30),
    st.integers(0, 29),
    st.floats(0.0, 1.0, allow_nan=False),
    policies,
)
def test_raising_a_risk_value_never_lowers_a_level(
    rows: list[Evidence], pick: int, bump: float, policy: str
) -> None:
    options = ScoringOptions(policy=policy)  # type: ignore[arg-type]
    before = score(V1, rows, options=options)
    if not rows:
        return
    row = rows[pick % len(rows)]
    high = 100.0 if row.metric == "percentile" else 1.0
    raised = row.model_copy(update={"value": min(high, row.value + bump * high)})
    after = score(V1, [raised if r is row else r for r in rows], options=options)
    for b, a in zip(before.categories, after.categories, strict=True):
        for stage in ("pre", "post"):
            assert rank(a.stages[stage].level) >= rank(b.stages[stage].level)


@settings(max_examples=200, deadline=None)
@given(st.lists(evidence_rows(), max_size=30), st.lists(judgments(), max_size=6), policies)
def test_overall_is_the_maximum_and_unassessed_blocks_every_gate(
    rows: list[Evidence], judged: list[Judgment], policy: str
) -> None:
    result = score(V1, rows, judged, ScoringOptions(policy=policy))  # type: ignore[arg-type]
    for stage in ("pre", "post"):
        levels = [c.stages[stage].level for c in result.categories]
        overall = result.overall[stage]
        if None in levels:
            assert overall.level is None and not overall.complete
        else:
            assert overall.level == max(levels, key=rank)
    if any(result.overall[s].level is None for s in ("pre", "post")):
        assert not result.eligibility.deploy
        assert not result.eligibility.develop
        assert result.eligibility.security_hardening_required
        assert all(not g.passed for g in result.eligibility.gates)


@settings(max_examples=100, deadline=None)
@given(st.lists(evidence_rows(), max_size=30), st.lists(judgments(), max_size=6), policies)
def test_rescoring_is_deterministic(
    rows: list[Evidence], judged: list[Judgment], policy: str
) -> None:
    options = ScoringOptions(policy=policy)  # type: ignore[arg-type]
    assert score(V1, rows, judged, options) == score(V1, rows, judged, options)


@settings(max_examples=100, deadline=None)
@given(st.lists(evidence_rows(), max_size=30), st.lists(judgments(), max_size=6))
def test_only_overrides_lower_a_computed_level(
    rows: list[Evidence], judged: list[Judgment]
) -> None:
    result = score(V1, rows, judged)
    for category in result.categories:
        for stage in category.stages.values():
            if (
                stage.level is not None
                and stage.computed_level is not None
                and (rank(stage.level) < rank(stage.computed_level))
            ):
                assert stage.overridden and stage.override is not None and stage.override.override


@settings(max_examples=100, deadline=None)
@given(st.lists(evidence_rows(), max_size=30))
def test_upper_ci_is_never_below_point(rows: list[Evidence]) -> None:
    point = score(V1, rows)
    cautious = score(V1, rows, options=ScoringOptions(policy="upper-ci"))
    for p, c in zip(point.categories, cautious.categories, strict=True):
        for stage in ("pre", "post"):
            assert rank(c.stages[stage].level) >= rank(p.stages[stage].level)
