"""``scorecard score --evidence``: score files against a framework, with no database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scorecard import packs
from scorecard.core.evidence import Evidence, Judgment, Policy
from scorecard.core.framework import Framework
from scorecard.core.result import ScorecardResult
from scorecard.core.scoring import ScoringOptions, post_equals_pre, score
from scorecard.readers import read, read_judgments
from scorecard.settings import Settings


@dataclass(frozen=True)
class Scored:
    framework: Framework
    result: ScorecardResult


def score_files(
    settings: Settings,
    evidence_files: Sequence[Path],
    judgment_files: Sequence[Path] = (),
    *,
    stage: str | None = None,
    policy: Policy = "point",
    margin: float | None = None,
    post_equals_pre_by: tuple[str, str] | None = None,
) -> Scored:
    """Score evidence files (any format ``ingest`` reads) and judgment files.

    ``stage`` is the stage of files that do not carry their own (evaluation logs); tabular
    rows may name theirs. ``post_equals_pre_by`` (who, why) sets every post level to its pre
    level.
    """
    framework = packs.selected(settings)
    evidence: list[Evidence] = []
    for path in evidence_files:
        evidence.extend(read(path, stage).evidence)
    judgments: list[Judgment] = []
    for path in judgment_files:
        judgments.extend(read_judgments(path))
    options = ScoringOptions(policy=policy, near_threshold_margin=margin)
    result = score(framework, evidence, judgments, options)
    if post_equals_pre_by is not None:
        by, rationale = post_equals_pre_by
        judgments.extend(post_equals_pre(result, by, rationale))
        result = score(framework, evidence, judgments, options)
    return Scored(framework, result)
