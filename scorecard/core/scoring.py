"""The scoring engine: evidence and judgments in, a level per category and stage out.

Rules, in the order they apply:

1. Each measured indicator reads the evidence whose task is one of its evaluations and whose
   metric is its metric (or an alias). With several matching rows the riskiest counts:
   evaluations are a lower bound on capability, so the worst known case is the one to rate.
2. The value rated is the point estimate, or under the precautionary ``upper-ci`` policy the end
   of its confidence interval in the risky direction. The indicator's level is the highest
   level whose threshold that value meets.
3. Judgments on an indicator, then on the category, may raise its level at any time; lowering a
   computed level needs ``override=True`` and is flagged. The last override wins. A judgment
   that would lower without an override is refused when recorded (:func:`lowering_refusal`).
4. A category with neither usable evidence nor a judgment is *not assessed*, never ``low``.
5. Coverage: an indicator is *evaluated* when it has usable evidence or a level judgment on it.
   Every stage result says how many of the category's indicators were evaluated and which
   were not. A pack may set a minimum per category (``min_indicators``, ``required_indicators``);
   below it the indicators alone do not rate the category, and without a person's judgment on
   the whole of it the category is *not assessed* (computed level None), its rationale saying
   what is missing. Such a judgment is one on the category, or on one of its judgment
   indicators (an expert assessment): a named person answers for the rating, which carries a
   ``coverage`` warning that it stands on thin evidence. Whatever evidence there is still
   counts as a lower bound, as everywhere (lowering it takes an override). A judgment on a
   measured indicator counts as coverage only.
6. Warnings of kind ``coverage`` are kept for what a reviewer must notice, not for every gap:
   a category left not assessed although something was evaluated (below the minimum), one
   rated by judgment below the minimum, and one rated from a single indicator (or from none,
   by a category judgment alone) out of several. Rated from two or more at or above the
   minimum, coverage is shown (``k of n``) but not warned about.
7. Units: a value its indicator's unit cannot hold (46 for a rate) is refused with a hint; a
   possible but suspicious one (0.85 for a percentile, or outside the indicator's plausible
   range) is a ``unit_suspect`` warning, for every matching row, whether it counts or not.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scorecard.core import governance, units
from scorecard.core.evidence import Evidence, Judgment, Policy
from scorecard.core.framework import UNIT_RANGES, Category, Framework, Indicator
from scorecard.core.levels import Scale
from scorecard.core.result import (
    CategoryResult,
    FrameworkRef,
    IndicatorResult,
    ScorecardResult,
    StageResult,
    Threshold,
    Warning,
)
from scorecard.errors import ScoringError


@dataclass(frozen=True)
class ScoringOptions:
    policy: Policy = "point"
    near_threshold_margin: float | None = None
    """Relative distance to the next threshold that raises a warning; None: the framework's."""


def score(
    framework: Framework,
    evidence: Sequence[Evidence],
    judgments: Sequence[Judgment] = (),
    options: ScoringOptions | None = None,
) -> ScorecardResult:
    """Rate every category of ``framework`` at every stage. Pure and deterministic."""
    options = options or ScoringOptions()
    margin = (
        options.near_threshold_margin
        if options.near_threshold_margin is not None
        else framework.header.near_threshold_margin
    )
    check_judgments(framework, judgments)
    warnings: list[Warning] = []
    stage_ids = framework.stage_ids
    usable = [item for item in evidence if item.stage in stage_ids]
    skipped_stages = sorted({item.stage for item in evidence if item.stage not in stage_ids})
    for stage in skipped_stages:
        warnings.append(
            Warning(
                kind="stage_ignored",
                stage=stage,
                message=f"evidence for stage {stage!r} ignored: {framework.id} rates only "
                f"{', '.join(stage_ids)}",
            )
        )
    index = _EvidenceIndex(usable)
    scorer = _CategoryScorer(framework, options.policy, margin, index, warnings)
    categories = [
        CategoryResult(
            id=category.id,
            name=category.name,
            tracked=category.tracked,
            stages={
                stage: scorer.rate(category, stage, _judgments_for(judgments, category.id, stage))
                for stage in stage_ids
            },
        )
        for category in framework.categories
    ]
    overall = governance.overall(framework, categories)
    eligibility = governance.eligibility(framework, categories, overall, judgments)
    return ScorecardResult(
        framework=FrameworkRef(
            id=framework.id,
            name=framework.header.name,
            version=framework.header.version,
            content_hash=framework.content_hash,
        ),
        policy=options.policy,
        stages=stage_ids,
        levels=list(framework.scale.levels),
        categories=categories,
        overall=overall,
        eligibility=eligibility,
        warnings=warnings,
        unmatched_evidence=index.unmatched(),
    )


def post_equals_pre(result: ScorecardResult, by: str, rationale: str) -> list[Judgment]:
    """The judgments that set every category's post-mitigation level to its pre level.

    This is the cautious choice a safety group may make when it does not credit mitigations
    (as the o1 card did). Where ``post`` would go down, the judgment is an explicit override.
    """
    if "pre" not in result.stages or "post" not in result.stages:
        raise ScoringError(f"{result.framework.id} has no pre/post pair of stages")
    scale = Scale(result.levels)
    judgments = []
    for category in result.categories:
        pre, post = category.stages["pre"].level, category.stages["post"].level
        if pre is None:
            continue
        lowers = post is not None and scale.rank(pre) < scale.rank(post)
        judgments.append(
            Judgment(
                category=category.id,
                stage="post",
                level=pre,
                by=by,
                rationale=rationale,
                override=lowers,
            )
        )
    return judgments


def check_judgments(framework: Framework, judgments: Iterable[Judgment]) -> None:
    for judgment in judgments:
        where = f"{judgment.source}: " if judgment.source else ""
        category = framework.category(judgment.category)
        if category is None:
            known = ", ".join(c.id for c in framework.categories)
            raise ScoringError(
                f"{where}unknown category {judgment.category!r} for {framework.id} (known: {known})"
            )
        if judgment.stage not in framework.stage_ids:
            raise ScoringError(
                f"{where}unknown stage {judgment.stage!r} for {framework.id} "
                f"(known: {', '.join(framework.stage_ids)})"
            )
        if judgment.level not in framework.scale:
            raise ScoringError(
                f"{where}unknown level {judgment.level!r} for {framework.id} "
                f"(known: {', '.join(framework.scale.levels)})"
            )
        if judgment.indicator is not None and category.indicator(judgment.indicator) is None:
            raise ScoringError(
                f"{where}category {category.id!r} has no indicator {judgment.indicator!r}"
            )


@dataclass(frozen=True)
class Coverage:
    """Which of a category's indicators were evaluated, and whether that meets its minimum."""

    indicator_count: int
    evaluated: list[str]
    not_evaluated: list[str]
    shortfall: str | None
    """Why the indicators cannot rate the category, or None when the minimum is met."""


def coverage(category: Category, evaluated: Iterable[str]) -> Coverage:
    """The coverage of ``category`` when the indicators ``evaluated`` (ids) were evaluated.

    An indicator is evaluated when it has usable evidence or a level judgment on it.
    """
    done = set(evaluated)
    ids = [indicator.id for indicator in category.indicators]
    have = [i for i in ids if i in done]
    lacking = [i for i in ids if i not in done]
    counted = f"{len(have)} of {len(ids)} indicators evaluated"
    below = category.min_indicators is not None and len(have) < category.min_indicators
    if below:
        counted += (
            f", fewer than the {category.min_indicators} this framework requires "
            f"(not evaluated: {', '.join(lacking)})"
        )
    missing = [i for i in category.required_indicators if i not in done]
    shortfall = None
    if below or missing:
        noun = "indicator" if len(missing) == 1 else "indicators"
        shortfall = counted + (
            f"; required {noun} {', '.join(missing)} not evaluated" if missing else ""
        )
    return Coverage(len(ids), have, lacking, shortfall)


def lowering_refusal(
    framework: Framework, result: ScorecardResult, judgment: Judgment
) -> str | None:
    """Why recording ``judgment`` is refused: a level judgment, not an override, below the
    level computed for its target; None when it may be recorded.

    ``result`` is the current scorecard, scored without ``judgment``. The target is the
    judgment's indicator (the level its evidence gives) or else its category (the level its
    indicators give, before category judgments; when coverage is short, the lower bound they
    set once a judgment assesses the category). Scoring would ignore such a judgment
    (``judgment_ignored``), so it is refused when recorded instead. Overrides and safeguards
    judgments are never refused. Raises :class:`ScoringError` when the judgment names a
    category, stage, level or indicator the framework lacks.
    """
    if judgment.kind != "level" or judgment.override:
        return None
    check_judgments(framework, [judgment])
    scale = framework.scale
    category = next((c for c in result.categories if c.id == judgment.category), None)
    stage = category.stages.get(judgment.stage) if category is not None else None
    if stage is None:
        return None
    if judgment.indicator is None:
        target = judgment.category
        computed = scale.max(
            i.level for i in stage.indicators if i.level is not None and i.level in scale
        )
    else:
        target = f"{judgment.category}/{judgment.indicator}"
        indicator = next((i for i in stage.indicators if i.id == judgment.indicator), None)
        computed = indicator.computed_level if indicator is not None else None
    if computed is None or computed not in scale:
        return None
    if scale.rank(judgment.level) >= scale.rank(computed):
        return None
    return (
        f"refused: {judgment.level} is below the level {computed} computed for {target} "
        f"({judgment.stage}); to lower it, record an override with its rationale"
    )


def _judgments_for(judgments: Iterable[Judgment], category: str, stage: str) -> list[Judgment]:
    return [
        j for j in judgments if j.kind == "level" and j.category == category and j.stage == stage
    ]


class _EvidenceIndex:
    """Evidence by (stage, task, metric), case-insensitive on task, remembering what was used."""

    def __init__(self, evidence: Sequence[Evidence]) -> None:
        self._rows: dict[tuple[str, str, str], list[Evidence]] = {}
        for item in evidence:
            self._rows.setdefault((item.stage, item.task.lower(), item.metric), []).append(item)
        self._used: set[tuple[str, str, str]] = set()

    def matching(self, indicator: Indicator, stage: str) -> list[Evidence]:
        found: list[Evidence] = []
        for task in indicator.evaluations:
            for metric in indicator.metric_names:
                key = (stage, task.lower(), metric)
                rows = self._rows.get(key)
                if rows:
                    self._used.add(key)
                    found.extend(rows)
        return found

    def unmatched(self) -> list[str]:
        return sorted({f"{task}/{metric}" for (_, task, metric) in self._rows.keys() - self._used})


class _CategoryScorer:
    def __init__(
        self,
        framework: Framework,
        policy: Policy,
        margin: float,
        index: _EvidenceIndex,
        warnings: list[Warning],
    ) -> None:
        self.scale = framework.scale
        self.z = framework.header.confidence_z
        self.policy = policy
        self.margin = margin
        self.index = index
        self.warnings = warnings

    def rate(self, category: Category, stage: str, judgments: list[Judgment]) -> StageResult:
        results = [
            self._rate_indicator(
                category, indicator, stage, [j for j in judgments if j.indicator == indicator.id]
            )
            for indicator in category.indicators
        ]
        # An indicator has a level exactly when it was evaluated (evidence, or a judgment on it).
        covered = coverage(category, [r.id for r in results if r.level is not None])
        # Below the pack's minimum the indicators do not rate the category; a person's judgment
        # on the whole of it (on the category, or on a judgment indicator) still does, because a
        # named person answers for it. The evidence then still counts as a lower bound.
        judged = any(j.indicator is None for j in judgments) or any(
            r.kind == "judgment" and r.level is not None for r in results
        )
        computed = None
        deciding = None
        if covered.shortfall is None or judged:
            computed = self.scale.max(r.level for r in results if r.level is not None)
            deciding = _deciding_indicator(self.scale, results)
        category_judgments = [j for j in judgments if j.indicator is None]
        outcome = _apply_judgments(self.scale, computed, category_judgments)
        for ignored in outcome.ignored:
            self._warn_ignored(category.id, stage, None, ignored, computed)
        # Who answers for the rating: the judgment that set it, else any that assessed it.
        judge = (
            outcome.override
            or outcome.raised_by
            or (category_judgments[-1] if category_judgments else None)
            or next((r.judgment for r in results if r.kind == "judgment" and r.judgment), None)
        )
        self._warn_coverage(category, stage, covered, outcome.level, judge)
        if outcome.overridden and outcome.override is not None:
            self.warnings.append(
                Warning(
                    kind="overridden",
                    category=category.id,
                    stage=stage,
                    message=f"{category.name} ({stage}) lowered from {computed} to "
                    f"{outcome.level} by override of {outcome.override.by}",
                )
            )
        basis = outcome.basis
        if basis == "evidence" and deciding is not None and deciding.kind == "judgment":
            basis = "judgment"
        return StageResult(
            level=outcome.level,
            computed_level=computed,
            basis=basis,
            deciding_indicator=deciding.id if deciding else None,
            rationale=_rationale(category, computed, outcome, deciding, covered),
            indicators=results,
            judgments=judgments,
            overridden=outcome.overridden,
            override=outcome.override,
            indicator_count=covered.indicator_count,
            evaluated=len(covered.evaluated),
            not_evaluated=covered.not_evaluated,
            coverage_shortfall=covered.shortfall,
        )

    def _warn_coverage(
        self,
        category: Category,
        stage: str,
        covered: Coverage,
        level: str | None,
        judge: Judgment | None,
    ) -> None:
        where = f"{category.id} ({stage})"
        count = covered.indicator_count
        by = f" by judgment of {judge.by}" if judge is not None else ""
        message = None
        if covered.shortfall is not None and level is None and covered.evaluated:
            message = f"{where} not assessed: {covered.shortfall}"
        elif covered.shortfall is not None and level is not None:
            message = f"{where} rated {level}{by} on thin evidence: {covered.shortfall}"
        elif level is not None and count > 1 and len(covered.evaluated) == 1:
            message = (
                f"{where} rated {level} from 1 of {count} indicators "
                f"({covered.evaluated[0]}); the other {count - 1} were not evaluated"
            )
        elif level is not None and count > 1 and not covered.evaluated:
            message = f"{where} rated {level}{by} with none of its {count} indicators evaluated"
        if message is not None:
            self.warnings.append(
                Warning(kind="coverage", category=category.id, stage=stage, message=message)
            )

    def _rate_indicator(
        self, category: Category, indicator: Indicator, stage: str, judgments: list[Judgment]
    ) -> IndicatorResult:
        measured = None
        if indicator.kind == "measured":
            rows = self.index.matching(indicator, stage)
            for row in rows:
                _check_range(indicator, row)
                self._warn_unit(category, indicator, stage, row)
            if rows:
                measured = self._measure(category, indicator, stage, rows)
        computed = measured.level if measured else None
        outcome = _apply_judgments(self.scale, computed, judgments)
        for ignored in outcome.ignored:
            self._warn_ignored(category.id, stage, indicator.id, ignored, computed)
        base = measured or IndicatorResult(
            id=indicator.id, name=indicator.name, kind=indicator.kind, level=None
        )
        deciding_judgment = outcome.override or outcome.raised_by
        return base.model_copy(
            update={
                "level": outcome.level,
                "computed_level": computed,
                "judgment": deciding_judgment,
                "overridden": outcome.overridden,
            }
        )

    def _measure(
        self, category: Category, indicator: Indicator, stage: str, rows: list[Evidence]
    ) -> IndicatorResult:
        rising = indicator.direction == "higher_is_riskier"
        low, high = UNIT_RANGES[indicator.unit]

        def interval(row: Evidence) -> tuple[float, float] | None:
            if row.stderr is None:
                return None
            half = self.z * row.stderr
            return (max(low, row.value - half), min(high, row.value + half))

        def rated(row: Evidence) -> float:
            bounds = interval(row)
            if self.policy == "upper-ci" and bounds is not None:
                return bounds[1] if rising else bounds[0]
            return row.value

        # The riskiest row counts; ties keep the first so rescoring is deterministic.
        row = max(rows, key=lambda r: rated(r) if rising else -rated(r))
        value = rated(row)
        level = self.scale.floor
        crossed: Threshold | None = None
        following: Threshold | None = None
        for threshold_level, threshold in indicator.ordered_thresholds(self.scale):
            meets = value >= threshold if rising else value <= threshold
            if meets:
                level, crossed = threshold_level, Threshold(level=threshold_level, value=threshold)
            else:
                following = Threshold(level=threshold_level, value=threshold)
                break
        distance = None
        if following is not None:
            distance = following.value - value if rising else value - following.value
            self._warn_near(category, indicator, stage, row, value, following, interval(row))
        if self.policy == "upper-ci" and row.stderr is None:
            self.warnings.append(
                Warning(
                    kind="no_stderr",
                    category=category.id,
                    stage=stage,
                    indicator=indicator.id,
                    message=f"{indicator.id} ({stage}) has no stderr: rated on its point "
                    "estimate under the upper-ci policy",
                )
            )
        return IndicatorResult(
            id=indicator.id,
            name=indicator.name,
            kind="measured",
            level=level,
            task=row.task,
            metric=row.metric,
            unit=indicator.unit,
            value=row.value,
            stderr=row.stderr,
            interval=interval(row),
            rated_value=value,
            threshold_crossed=crossed,
            next_threshold=following,
            distance_to_next=distance,
            source=row.source,
        )

    def _warn_near(
        self,
        category: Category,
        indicator: Indicator,
        stage: str,
        row: Evidence,
        value: float,
        following: Threshold,
        bounds: tuple[float, float] | None,
    ) -> None:
        rising = indicator.direction == "higher_is_riskier"
        gap = following.value - value if rising else value - following.value
        where = f"{indicator.id} ({category.id}, {stage})"
        if gap <= self.margin * abs(following.value):
            self.warnings.append(
                Warning(
                    kind="near_threshold",
                    category=category.id,
                    stage=stage,
                    indicator=indicator.id,
                    message=f"{where} at {_fmt(value)} is within {self.margin:.0%} of the "
                    f"{following.level} threshold {_fmt(following.value)}",
                )
            )
        elif bounds is not None and (
            bounds[1] >= following.value if rising else bounds[0] <= following.value
        ):
            self.warnings.append(
                Warning(
                    kind="interval_overlaps_threshold",
                    category=category.id,
                    stage=stage,
                    indicator=indicator.id,
                    message=f"{where}: the confidence interval {_fmt(bounds[0])}–"
                    f"{_fmt(bounds[1])} of {_fmt(row.value)} reaches the {following.level} "
                    f"threshold {_fmt(following.value)}",
                )
            )

    def _warn_unit(
        self, category: Category, indicator: Indicator, stage: str, row: Evidence
    ) -> None:
        # Every matching row is checked, not only the one that counts: a slipped row that does
        # not count today may be the riskiest once the others are corrected.
        problem = units.suspicious(indicator, row.value)
        if problem is None:
            return
        where = f"{row.source}: " if row.source else ""
        self.warnings.append(
            Warning(
                kind="unit_suspect",
                category=category.id,
                stage=stage,
                indicator=indicator.id,
                message=f"{where}{row.task}/{row.metric} ({category.id}/{indicator.id}, "
                f"{stage}): {problem}",
            )
        )

    def _warn_ignored(
        self,
        category: str,
        stage: str,
        indicator: str | None,
        judgment: Judgment,
        computed: str | None,
    ) -> None:
        self.warnings.append(
            Warning(
                kind="judgment_ignored",
                category=category,
                stage=stage,
                indicator=indicator,
                message=f"judgment by {judgment.by} ({judgment.level}) on "
                f"{indicator or category} ({stage}) is below the computed level {computed} "
                "and is not an override, so it does not lower it",
            )
        )


def _check_range(indicator: Indicator, row: Evidence) -> None:
    if units.impossible(indicator, row.value) is None:
        return
    low, high = UNIT_RANGES[indicator.unit]
    where = f"{row.source}: " if row.source else ""
    meant = units.hint(indicator, row.value)
    hint = f": {meant}" if meant else ""
    raise ScoringError(
        f"{where}{row.task}/{row.metric} = {row.value} is outside the {indicator.unit} "
        f"range [{_fmt(low)}, {_fmt(high)}] that indicator {indicator.id!r} reads{hint}"
    )


@dataclass(frozen=True)
class _Outcome:
    level: str | None
    basis: str
    overridden: bool
    override: Judgment | None
    ignored: list[Judgment]
    raised_by: Judgment | None = None


def _apply_judgments(scale: Scale, computed: str | None, judgments: list[Judgment]) -> _Outcome:
    raising = [j for j in judgments if not j.override]
    overrides = [j for j in judgments if j.override]
    raised = scale.max([*([computed] if computed else []), *(j.level for j in raising)])
    ignored = [j for j in raising if computed and scale.rank(j.level) < scale.rank(computed)]
    basis = "none" if raised is None else "evidence"
    raised_by = None
    if raised is not None and (computed is None or scale.rank(raised) > scale.rank(computed)):
        basis = "judgment"
        raised_by = [j for j in raising if j.level == raised][-1]
    if not overrides:
        return _Outcome(raised, basis, False, None, ignored, raised_by)
    last = overrides[-1]
    if raised is not None and scale.rank(last.level) < scale.rank(raised):
        return _Outcome(last.level, "override", True, last, ignored)
    # An "override" that does not lower anything is simply a raising judgment.
    level = scale.max([last.level, *([raised] if raised else [])])
    if level == computed:
        return _Outcome(level, "evidence", False, None, ignored)
    by = last if level == last.level else raised_by
    return _Outcome(level, "judgment", False, None, ignored, by)


def _deciding_indicator(scale: Scale, results: list[IndicatorResult]) -> IndicatorResult | None:
    rated = [r for r in results if r.level is not None]
    if not rated:
        return None
    top = scale.max(r.level for r in rated if r.level is not None)

    def closeness(result: IndicatorResult) -> float:
        # Among equals, the one nearest its next threshold says most about the category.
        if result.distance_to_next is None or result.next_threshold is None:
            return math.inf
        return result.distance_to_next / max(abs(result.next_threshold.value), 1e-9)

    return min((r for r in rated if r.level == top), key=closeness)


def _rationale(
    category: Category,
    computed: str | None,
    outcome: _Outcome,
    deciding: IndicatorResult | None,
    covered: Coverage,
) -> str:
    if outcome.level is None and covered.shortfall is not None and covered.evaluated:
        return f"Not assessed: {covered.shortfall}."
    if outcome.level is None:
        return (
            f"Not assessed: none of its {len(category.indicators)} indicators has evidence "
            "and there is no judgment."
        )
    parts: list[str] = []
    if deciding is not None and computed is not None:
        parts.append(_indicator_sentence(deciding, computed))
    if outcome.overridden and outcome.override is not None:
        o = outcome.override
        parts.append(f"Overridden from {computed} to {o.level} by {o.by}: {o.rationale}")
    elif outcome.raised_by is not None:
        j = outcome.raised_by
        verb = "Raised to" if computed is not None else "Rated"
        parts.append(f"{verb} {j.level} by judgment of {j.by}: {j.rationale}")
    if covered.shortfall is not None:
        parts.append(f"Thin coverage: {covered.shortfall}.")
    return " ".join(parts)


def _indicator_sentence(result: IndicatorResult, level: str) -> str:
    if result.kind == "judgment" or result.value is None:
        judgment = result.judgment
        who = f" by {judgment.by}: {judgment.rationale}" if judgment else ""
        return f"{level} set by expert judgment on {result.name}{who}"
    shown = _fmt(result.rated_value if result.rated_value is not None else result.value)
    text = f"{result.id} = {shown}"
    if result.threshold_crossed is not None:
        text += f" meets the {result.threshold_crossed.level} threshold " + _fmt(
            result.threshold_crossed.value
        )
    else:
        text += " is below every threshold"
    if result.next_threshold is not None and result.distance_to_next is not None:
        text += (
            f"; next: {result.next_threshold.level} at {_fmt(result.next_threshold.value)} "
            f"({_fmt(result.distance_to_next)} away)"
        )
    return text + "."


def _fmt(value: float) -> str:
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return f"{value:.4g}"
