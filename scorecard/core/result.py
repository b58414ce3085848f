"""The outputs of scoring: per-indicator, per-category and overall results with rationale.

These models are what the CLI prints, what ``--json`` emits and what later gets stored and
rendered, so they carry every figure a reviewer needs to check a level by hand.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scorecard.core.evidence import Judgment, Policy, SourceRef
from scorecard.core.levels import NOT_ASSESSED


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Threshold(_Out):
    level: str
    value: float


class IndicatorResult(_Out):
    id: str
    name: str
    kind: Literal["measured", "judgment"]
    level: str | None
    """None when the indicator has no evidence or judgment for the stage."""
    computed_level: str | None = None
    task: str | None = None
    metric: str | None = None
    unit: str | None = None
    value: float | None = None
    stderr: float | None = None
    interval: tuple[float, float] | None = None
    rated_value: float | None = None
    """The value the level was read from: the point estimate, or the upper confidence bound."""
    threshold_crossed: Threshold | None = None
    next_threshold: Threshold | None = None
    distance_to_next: float | None = None
    source: SourceRef | None = None
    judgment: Judgment | None = None
    overridden: bool = False


class StageResult(_Out):
    level: str | None
    """None when the category is not assessed for this stage."""
    computed_level: str | None
    """The level the indicators give before category judgments and overrides."""
    basis: Literal["evidence", "judgment", "override", "none"]
    deciding_indicator: str | None
    rationale: str
    indicators: list[IndicatorResult]
    judgments: list[Judgment]
    overridden: bool = False
    override: Judgment | None = None
    indicator_count: int = 0
    """How many indicators the category has."""
    evaluated: int = 0
    """How many of them were evaluated: with usable evidence, or judged."""
    not_evaluated: list[str] = Field(default_factory=list)
    """The ids of the indicators that were not, in the pack's order."""
    coverage_shortfall: str | None = None
    """Why the indicators could not rate the category (fewer evaluated than the pack requires,
    or a required one missing); None when the pack's minimum is met."""

    @model_validator(mode="before")
    @classmethod
    def _coverage_of_older_results(cls, data: Any) -> Any:
        # Results stored before coverage was recorded lack the counts. Then an indicator had a
        # level exactly when it had evidence or a judgment, so the counts follow from the levels.
        if not isinstance(data, dict) or "indicator_count" in data:
            return data
        rows = data.get("indicators") or []
        ids = [_field(row, "id") for row in rows]
        missing = [i for i, row in zip(ids, rows, strict=True) if _field(row, "level") is None]
        return {
            **data,
            "indicator_count": len(rows),
            "evaluated": len(rows) - len(missing),
            "not_evaluated": missing,
        }

    @property
    def shown_level(self) -> str:
        return self.level if self.level is not None else NOT_ASSESSED

    @property
    def coverage(self) -> str:
        """``1 of 9``: how many of the category's indicators were evaluated."""
        return f"{self.evaluated} of {self.indicator_count}"


def _field(row: Any, name: str) -> Any:
    return row.get(name) if isinstance(row, dict) else getattr(row, name, None)


class CategoryResult(_Out):
    id: str
    name: str
    tracked: bool
    stages: dict[str, StageResult]


class OverallStage(_Out):
    level: str | None
    """The highest category level, or None when any tracked category is not assessed."""
    assessed_max: str | None
    """The highest level among the assessed categories (a floor when incomplete)."""
    complete: bool
    missing: list[str]


class GateResult(_Out):
    id: str
    governs: str
    applies: bool
    passed: bool
    reason: str


class Eligibility(_Out):
    deploy: bool
    develop: bool
    security_hardening_required: bool
    gates: list[GateResult]

    def reasons(self, governs: str) -> list[str]:
        return [g.reason for g in self.gates if g.governs == governs and g.applies]

    def blocking(self, governs: str) -> list[str]:
        """Why the gates governing ``governs`` do not pass (empty when they all do)."""
        return [g.reason for g in self.gates if g.governs == governs and not g.passed]


class Warning(_Out):
    kind: Literal[
        "near_threshold",
        "interval_overlaps_threshold",
        "judgment_ignored",
        "stage_ignored",
        "overridden",
        "no_stderr",
        "coverage",
        "unit_suspect",
    ]
    category: str | None = None
    stage: str | None = None
    indicator: str | None = None
    message: str


class FrameworkRef(_Out):
    id: str
    name: str
    version: str
    content_hash: str


class ScorecardResult(_Out):
    framework: FrameworkRef
    policy: Policy
    stages: list[str]
    levels: list[str]
    categories: list[CategoryResult]
    overall: dict[str, OverallStage]
    eligibility: Eligibility
    warnings: list[Warning]
    unmatched_evidence: list[str]

    def to_json_dict(self) -> dict[str, Any]:
        """The public JSON shape: each stage also appears as its own key (``pre``, ``post``)
        on categories and on ``overall``, with ``"not_assessed"`` in place of a missing level."""
        data = self.model_dump(mode="json")
        for category, raw in zip(self.categories, data["categories"], strict=True):
            for stage_id, stage in category.stages.items():
                raw[stage_id] = dict(raw["stages"][stage_id], level=stage.shown_level)
        overall: dict[str, Any] = {"detail": data["overall"]}
        for stage_id, summary in self.overall.items():
            overall[stage_id] = summary.level if summary.level is not None else NOT_ASSESSED
        data["overall"] = overall
        return data

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> ScorecardResult:
        """Rebuild a result from :meth:`to_json_dict` output (as stored in the database)."""
        fields = set(cls.model_fields)
        clean = {k: v for k, v in data.items() if k in fields}
        clean["overall"] = data["overall"]["detail"]
        clean["categories"] = [
            {k: v for k, v in category.items() if k not in data["stages"]}
            for category in data["categories"]
        ]
        return cls.model_validate(clean)
