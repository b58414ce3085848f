"""Recomputing a card's levels from its own attachment: the framework files, the evidence and
the judgments it carries must give exactly the levels, overall levels and gate outcomes it
states. Evidence and judgments the card marks withdrawn were not scored and are skipped here
too (whether they were in fact withdrawn, ``card.binding`` checks against the database)."""

from __future__ import annotations

from typing import Any

EVIDENCE_FIELDS = ("stage", "task", "metric", "value", "stderr", "n_samples")
JUDGMENT_FIELDS = ("category", "stage", "level", "by", "rationale", "indicator", "override", "kind")


def recompute(card: dict[str, Any]) -> list[str]:
    """Differences between what the card states and what its own inputs give."""
    from scorecard import packs
    from scorecard.core.compare import compare
    from scorecard.core.evidence import Evidence, Judgment
    from scorecard.core.result import ScorecardResult
    from scorecard.core.scoring import ScoringOptions, score

    framework = packs.load_files(card["framework"]["files"], "attached framework")
    problems = []
    if framework.content_hash != card["framework"]["content_hash"]:
        problems.append("the attached framework files do not match their stated hash")
    evidence = [
        Evidence(**{k: e[k] for k in EVIDENCE_FIELDS})
        for e in card["evidence"]
        if not e.get("withdrawn")
    ]
    judgments = [
        Judgment(**{k: j[k] for k in JUDGMENT_FIELDS})
        for j in card["judgments"]
        if not j.get("withdrawn")
    ]
    fresh = score(framework, evidence, judgments, ScoringOptions(policy=card["policy"]))
    stated = ScorecardResult.from_json_dict(card["scorecard"]["result"])
    for change in compare(stated, fresh):
        if change.what in ("framework", "policy"):
            continue  # the framework's hash is checked above; the policy is the card's own
        problems.append(
            f"{change.what}: the card states {change.before}, its evidence gives {change.after}"
        )
    return problems
