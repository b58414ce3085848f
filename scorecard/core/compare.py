"""What differs between two scorecard results: levels, overall levels and gate outcomes.

Used by ``diff`` (what moved between two stored scorecards, and why) and by card verification
(what a card states against what its own evidence gives).
"""

from __future__ import annotations

from dataclasses import dataclass

from scorecard.core.levels import NOT_ASSESSED
from scorecard.core.result import ScorecardResult

ELIGIBILITY_KEYS = ("deploy", "develop", "security_hardening_required")


@dataclass(frozen=True)
class Change:
    what: str
    before: str
    after: str
    why: str


def compare(before: ScorecardResult, after: ScorecardResult) -> list[Change]:
    """Every difference from ``before`` to ``after``, with ``after``'s reason for each."""
    changes: list[Change] = []
    if before.framework.content_hash != after.framework.content_hash:
        changes.append(
            Change(
                "framework",
                before.framework.version,
                after.framework.version,
                "the framework pack changed",
            )
        )
    if before.policy != after.policy:
        changes.append(Change("policy", before.policy, after.policy, "scoring policy"))
    old = {c.id: c for c in before.categories}
    for category in after.categories:
        prior = old.get(category.id)
        for stage in after.stages:
            now = category.stages[stage]
            then = prior.stages.get(stage) if prior else None
            new_level = now.shown_level
            old_level = then.shown_level if then else NOT_ASSESSED
            if new_level != old_level:
                changes.append(
                    Change(f"{category.id} ({stage})", old_level, new_level, now.rationale)
                )
    for stage in after.stages:
        then_overall = before.overall.get(stage)
        old_overall = then_overall.level if then_overall else None
        if old_overall != after.overall[stage].level:
            changes.append(
                Change(
                    f"overall ({stage})",
                    str(old_overall or NOT_ASSESSED),
                    str(after.overall[stage].level or NOT_ASSESSED),
                    "highest tracked category",
                )
            )
    for key in ELIGIBILITY_KEYS:
        old_value, new_value = getattr(before.eligibility, key), getattr(after.eligibility, key)
        if old_value != new_value:
            governs = key.replace("_required", "")
            changes.append(
                Change(
                    key,
                    str(old_value),
                    str(new_value),
                    "; ".join(after.eligibility.reasons(governs)),
                )
            )
    return changes
