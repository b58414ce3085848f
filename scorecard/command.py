"""One public function per CLI command: the CLI only parses arguments and calls these, so
code and the command line take the same path."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scorecard import packs
from scorecard.core.evidence import Evidence, Judgment, Policy
from scorecard.core.framework import Framework
from scorecard.core.result import ScorecardResult
from scorecard.core.scoring import ScoringOptions, post_equals_pre, score
from scorecard.errors import FrameworkError, ScorecardError
from scorecard.readers import read_evidence, read_judgments
from scorecard.resources import example_dir

DEFAULT_FRAMEWORK = "preparedness-v1"


@dataclass(frozen=True)
class Scored:
    framework: Framework
    result: ScorecardResult


@dataclass(frozen=True)
class PackReport:
    path: Path
    framework: Framework | None
    error: str | None


def validate_packs(paths: Sequence[Path], extra: Sequence[Path] = ()) -> list[PackReport]:
    """Validate the given pack folders, or every pack on the search path when none is given."""
    targets = list(paths) or list(packs.discover(extra).values())
    reports = []
    for path in targets:
        try:
            reports.append(PackReport(path, packs.load_folder(path), None))
        except FrameworkError as exc:
            reports.append(PackReport(path, None, str(exc)))
    return reports


def score_files(
    evidence_files: Sequence[Path],
    judgment_files: Sequence[Path] = (),
    *,
    framework_id: str = DEFAULT_FRAMEWORK,
    framework_path: Sequence[Path] = (),
    policy: Policy = "point",
    margin: float | None = None,
    post_equals_pre_by: tuple[str, str] | None = None,
) -> Scored:
    """Score evidence and judgment files against a framework, with no database."""
    framework = packs.load(framework_id, framework_path)
    evidence: list[Evidence] = []
    for path in evidence_files:
        evidence.extend(read_evidence(path))
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


def demo(out_dir: Path | None = None) -> Scored:
    """Score the bundled example model (a fictional model whose mitigations bring its
    cybersecurity risk from high to medium) and, when ``out_dir`` is given, save the JSON."""
    examples = example_dir()
    scored = score_files(
        [examples / "evidence-pre.csv", examples / "evidence-post.csv"],
        [examples / "judgments.csv"],
    )
    if out_dir is not None:
        import json

        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            target = out_dir / "scorecard.json"
            tmp = target.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(scored.result.to_json_dict(), indent=2) + "\n")
            tmp.replace(target)  # never leave a half-written file behind
        except OSError as exc:
            raise ScorecardError(
                f"{out_dir}: cannot write the demo output: {exc.strerror}"
            ) from None
    return scored
