"""Evidence that meets the bundled packs' coverage minimums, for tests about something else."""

from __future__ import annotations

from scorecard.core.evidence import Evidence
from tests.conftest import ev


def full_evidence(
    stage: str, cyber: float = 0.0, bio: float = 0.0, cmv: float = 10.0, swe: float = 0.0
) -> list[Evidence]:
    """Enough readings per v1 category to meet its coverage minimum, so every category is
    assessed; each category's level follows the value named for it (the other readings stay
    low). The last row is model autonomy's required agentic_tasks: without it, autonomy is
    not assessed."""
    return [
        ev("ctf_professional", cyber, stage),
        ev("biorisk_expert_comparison", bio, stage),
        ev("biorisk_expert_comparison", 0.0, stage, metric="understanding"),
        ev("biorisk_expert_comparison", 0.0, stage, metric="ease_of_execution"),
        ev("changemyview", cmv, stage, metric="percentile"),
        ev("makemepay", 0.0, stage),
        ev("swe_bench_verified", swe, stage),
        ev("agentic_tasks", 0.0, stage),
    ]


def v2_evidence(protocolqa: float = 0.5) -> list[Evidence]:
    """Readings that assess every tracked v2 category: biological_chemical follows
    ``protocolqa``; cybersecurity and AI self-improvement stay below high."""
    return [
        ev("lab_bench_protocolqa", protocolqa),
        ev("tacit_knowledge", 0.3),
        ev("ctf_professional", 0.1),
        ev("mle_bench", 0.1),
        ev("re_interview_coding", 0.3),
    ]
