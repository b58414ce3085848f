"""The typed schema of a framework pack: levels, stages, gates, categories and indicators.

Packs are data (TOML under ``categories/``); these models are the contract that data must meet.
Every model forbids unknown keys so a typo is an error, not a silently ignored setting.
Cross-references (a threshold naming a level, a gate naming a stage) are checked against the
scale passed in the validation context, so a category file is checked on its own and its
errors can name that file.
"""

from __future__ import annotations

import itertools
import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from scorecard.core.levels import Scale

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_\-]*$", max_length=64)]
Unit = Literal["rate", "percent", "percentile", "count", "seconds", "score"]
Direction = Literal["higher_is_riskier", "lower_is_riskier"]

UNIT_RANGES: dict[str, tuple[float, float]] = {
    "rate": (0.0, 1.0),
    "percent": (0.0, 100.0),
    "percentile": (0.0, 100.0),
    "count": (0.0, math.inf),
    "seconds": (0.0, math.inf),
    "score": (-math.inf, math.inf),
}
"""The values each unit admits; evidence outside them is refused rather than clamped."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LevelDef(_Strict):
    id: Identifier
    label: str
    color: str = Field(default="#777777", pattern=r"^#[0-9a-fA-F]{6}$")


class StageDef(_Strict):
    id: Identifier
    label: str
    description: str = ""


class CardSigner(_Strict):
    """A role that must sign the system card, by the name signers give (``--role``)."""

    role: str = Field(min_length=1, max_length=100)
    aliases: list[str] = Field(default_factory=list)
    description: str = ""

    @property
    def names(self) -> list[str]:
        return [self.role, *self.aliases]


class GateCondition(_Strict):
    """A precondition: the gate applies only when ``stage``'s overall level is ``at_least``."""

    stage: Identifier
    at_least: Identifier


class Gate(_Strict):
    """A governance rule over the overall level of one stage.

    A *permission* gate (``governs`` deploy or develop) passes when the level is ``at_most`` its
    bound. A *requirement* (``governs`` security_hardening) is triggered when the level is
    ``at_least`` its bound. ``safeguards_extend_to`` lets categories above ``at_most`` pass up to
    that level when their safeguards were judged sufficient (how v2 gates deployment).
    """

    id: Identifier
    governs: Literal["deploy", "develop", "security_hardening"]
    stage: Identifier
    at_most: Identifier | None = None
    at_least: Identifier | None = None
    when: GateCondition | None = None
    safeguards_extend_to: Identifier | None = None
    description: str

    @model_validator(mode="after")
    def _bound_matches_kind(self) -> Gate:
        if self.governs == "security_hardening":
            if self.at_least is None or self.at_most is not None:
                raise ValueError("a security_hardening gate needs at_least (and no at_most)")
        elif self.at_most is None or self.at_least is not None:
            raise ValueError(f"a {self.governs} gate needs at_most (and no at_least)")
        return self


class Indicator(_Strict):
    """One signal a category is rated on: an evaluation metric with thresholds, or a judgment."""

    id: Identifier
    name: str
    description: str = ""
    kind: Literal["measured", "judgment"] = "measured"
    evaluations: list[str] = Field(default_factory=list)
    metric: str | None = None
    metric_aliases: list[str] = Field(default_factory=list)
    unit: Unit = "rate"
    plausible: tuple[float, float] | None = Field(
        default=None,
        description="values a correct result falls in; one outside is a warning, not an error",
    )
    direction: Direction = "higher_is_riskier"
    thresholds: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Indicator:
        if self.kind == "judgment":
            if self.evaluations or self.metric or self.thresholds:
                raise ValueError("a judgment indicator takes no evaluations, metric or thresholds")
            return self
        if not self.evaluations:
            raise ValueError("a measured indicator needs at least one evaluation")
        if not self.metric:
            raise ValueError("a measured indicator needs a metric")
        if not self.thresholds:
            raise ValueError("a measured indicator needs at least one threshold")
        scale: Scale | None = (info.context or {}).get("scale")
        if scale is not None:
            _check_thresholds(self, scale)
        low, high = UNIT_RANGES[self.unit]
        if self.plausible is not None:
            lo, hi = self.plausible
            if not (math.isfinite(lo) and math.isfinite(hi) and low <= lo < hi <= high):
                raise ValueError(
                    f"plausible range {list(self.plausible)} is not within the {self.unit} range"
                )
        for level, value in self.thresholds.items():
            if not math.isfinite(value) or not low <= value <= high:
                raise ValueError(f"threshold {level}={value} is outside the {self.unit} range")
        return self

    @property
    def metric_names(self) -> tuple[str, ...]:
        return ((self.metric,) if self.metric else ()) + tuple(self.metric_aliases)

    def ordered_thresholds(self, scale: Scale) -> list[tuple[str, float]]:
        """The thresholds in level order, lowest level first."""
        return sorted(self.thresholds.items(), key=lambda item: scale.rank(item[0]))


def _check_thresholds(indicator: Indicator, scale: Scale) -> None:
    for level in indicator.thresholds:
        if level not in scale:
            raise ValueError(f"thresholds name the unknown level {level!r}")
        if level == scale.floor:
            raise ValueError(
                f"{level!r} is the lowest level: it is what falls below the first threshold "
                "and takes no threshold of its own"
            )
    ordered = indicator.ordered_thresholds(scale)
    rising = indicator.direction == "higher_is_riskier"
    for (lower_level, lower), (upper_level, upper) in itertools.pairwise(ordered):
        if (rising and not lower < upper) or (not rising and not lower > upper):
            relation = "below" if rising else "above"
            raise ValueError(
                f"thresholds out of order: {lower_level} ({lower}) must be {relation} "
                f"{upper_level} ({upper}) when {indicator.direction.replace('_', ' ')}"
            )


class Category(_Strict):
    """A tracked (gated) or research (watched, not gated) risk category, from its own file.

    ``min_indicators`` and ``required_indicators`` set the coverage below which the indicators
    alone do not rate the category (see :mod:`scorecard.core.scoring`, rule 5).
    """

    id: Identifier
    name: str
    description: str
    tracked: bool = True
    levels: dict[str, str] = Field(description="what each level means for this category")
    thresholds_rationale: str = Field(min_length=1)
    indicators: list[Indicator] = Field(min_length=1)
    min_indicators: int | None = Field(
        default=None,
        ge=1,
        description="fewest indicators that must be evaluated for the indicators to rate the "
        "category; below it the category is not assessed",
    )
    required_indicators: list[Identifier] = Field(
        default_factory=list,
        description="indicators that must each be evaluated for the indicators to rate the "
        "category (a judgment indicator is evaluated when someone judged it)",
    )

    @field_validator("levels")
    @classmethod
    def _levels_cover_scale(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        scale: Scale | None = (info.context or {}).get("scale")
        if scale is not None:
            unknown = [level for level in value if level not in scale]
            if unknown:
                raise ValueError(f"unknown level {unknown[0]!r}; the scale is {list(scale.levels)}")
            missing = [level for level in scale.levels if level not in value]
            if missing:
                raise ValueError(f"no definition for level {missing[0]!r}")
        return value

    @field_validator("indicators")
    @classmethod
    def _unique_indicators(cls, value: list[Indicator]) -> list[Indicator]:
        seen: set[str] = set()
        for indicator in value:
            if indicator.id in seen:
                raise ValueError(f"duplicate indicator id {indicator.id!r}")
            seen.add(indicator.id)
        return value

    @field_validator("min_indicators")
    @classmethod
    def _minimum_is_reachable(cls, value: int | None, info: ValidationInfo) -> int | None:
        indicators: list[Indicator] | None = info.data.get("indicators")
        if value is not None and indicators is not None and value > len(indicators):
            raise ValueError(
                f"min_indicators is {value} but the category has only {len(indicators)} indicators"
            )
        return value

    @field_validator("required_indicators")
    @classmethod
    def _required_exist(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("an indicator is listed twice")
        indicators: list[Indicator] | None = info.data.get("indicators")
        if indicators is not None:
            known = [indicator.id for indicator in indicators]
            for required in value:
                if required not in known:
                    raise ValueError(
                        f"names the unknown indicator {required!r} (known: {', '.join(known)})"
                    )
        return value

    def indicator(self, indicator_id: str) -> Indicator | None:
        return next((i for i in self.indicators if i.id == indicator_id), None)


class FrameworkHeader(_Strict):
    """The contents of ``framework.toml``: everything but the categories."""

    id: Identifier
    name: str
    version: str
    description: str
    source: str = ""
    levels: list[LevelDef] = Field(min_length=2)
    stages: list[StageDef] = Field(min_length=1)
    near_threshold_margin: float = Field(default=0.1, ge=0.0, lt=1.0)
    confidence_z: float = Field(default=1.96, gt=0.0, le=5.0)
    gates: list[Gate] = Field(min_length=1)
    categories: list[Identifier] = Field(
        min_length=1, description="category ids in display order; each has its own file"
    )
    card_signers: list[CardSigner] = Field(
        default_factory=list,
        description="roles that must each sign the system card, with a different certificate",
    )

    @model_validator(mode="after")
    def _references_resolve(self) -> FrameworkHeader:
        level_ids = [level.id for level in self.levels]
        if len(set(level_ids)) != len(level_ids):
            raise ValueError("duplicate level id")
        stage_ids = [stage.id for stage in self.stages]
        if len(set(stage_ids)) != len(stage_ids):
            raise ValueError("duplicate stage id")
        if len(set(self.categories)) != len(self.categories):
            raise ValueError("duplicate category id")
        for governs in ("deploy", "develop"):
            if not any(gate.governs == governs for gate in self.gates):
                raise ValueError(f"no gate governs {governs!r}: every framework needs one")
        signer_names = [n.casefold() for s in self.card_signers for n in s.names]
        if len(set(signer_names)) != len(signer_names):
            raise ValueError("card_signers: a role name or alias is given twice")
        gate_ids = [gate.id for gate in self.gates]
        if len(set(gate_ids)) != len(gate_ids):
            raise ValueError("duplicate gate id")
        for gate in self.gates:
            for field, level in (
                ("at_most", gate.at_most),
                ("at_least", gate.at_least),
                ("safeguards_extend_to", gate.safeguards_extend_to),
                ("when.at_least", gate.when.at_least if gate.when else None),
            ):
                if level is not None and level not in level_ids:
                    raise ValueError(f"gate {gate.id!r}: {field} names the unknown level {level!r}")
            for stage in (gate.stage, gate.when.stage if gate.when else None):
                if stage is not None and stage not in stage_ids:
                    raise ValueError(f"gate {gate.id!r} names the unknown stage {stage!r}")
        return self

    @property
    def scale(self) -> Scale:
        return Scale([level.id for level in self.levels])

    def card_signer(self, role: str) -> CardSigner | None:
        """The required signing role ``role`` names (its name or an alias, any case)."""
        wanted = role.strip().casefold()
        return next(
            (s for s in self.card_signers if wanted in (n.casefold() for n in s.names)), None
        )


class Framework(_Strict):
    """A whole framework: its header plus its categories, in display order."""

    header: FrameworkHeader
    categories: list[Category]
    content_hash: str = Field(description="sha256 over the pack's files, for snapshots")

    @model_validator(mode="after")
    def _categories_match_header(self) -> Framework:
        ids = [category.id for category in self.categories]
        if ids != list(self.header.categories):
            raise ValueError(
                f"categories {ids} do not match framework.toml's list {self.header.categories}"
            )
        return self

    @property
    def id(self) -> str:
        return self.header.id

    @property
    def scale(self) -> Scale:
        return self.header.scale

    @property
    def stage_ids(self) -> list[str]:
        return [stage.id for stage in self.header.stages]

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def readers(self) -> dict[tuple[str, str], list[tuple[str, str]]]:
        """(task in lower case, metric) -> the (category, indicator) pairs that read it."""
        index: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for category in self.categories:
            for indicator in category.indicators:
                for task in indicator.evaluations:
                    for metric in indicator.metric_names:
                        index.setdefault((task.lower(), metric), []).append(
                            (category.id, indicator.id)
                        )
        return index

    def level_def(self, level_id: str) -> LevelDef:
        return next(level for level in self.header.levels if level.id == level_id)


def validation_context(header: FrameworkHeader) -> dict[str, Any]:
    """The context category files are validated in: the framework's level scale."""
    return {"scale": header.scale}
