"""Verifying a system card: its signatures, its attached record, and that its levels follow.

Checks, each reported with a reason:
- every signature is intact, valid and trusted (against the roots given), and the last one
  covers the whole file; the revisions after the first signature only add signatures, and
  there is no active content (decided from the file's bytes: scorecard.sign.coverage);
- the attached ``scorecard.json`` can be read and is the record the signatures cover;
- the levels recomputed from the attached framework snapshot, evidence and judgments equal the
  levels the card states (a card cannot claim a level its own evidence does not support);
- with a database, the card's scorecard, model and decisions match the record there.
A damaged or foreign file is a failed check, never a crash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scorecard.card.attachment import ATTACHMENT, read_card, reason
from scorecard.errors import NotFound, ScorecardError


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class CardReport:
    path: str
    checks: list[Check] = field(default_factory=list)
    signatures: list[dict[str, Any]] = field(default_factory=list)
    card: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append(Check(name, ok, detail))


def verify_card(pdf: Path, trust: Sequence[Path] = (), database: str | None = None) -> CardReport:
    report = CardReport(path=str(pdf))
    if not pdf.is_file():
        raise NotFound(f"{pdf}: no such file")
    if not _check_coverage(report, pdf):
        return report
    _check_signatures(report, pdf, trust)
    try:
        raw, card = read_card(pdf)
    except ScorecardError as exc:
        report.add("record", False, str(exc))
        return report
    report.card = card
    report.add(
        "record",
        True,
        f"{ATTACHMENT} ({len(raw)} bytes, sha256 "
        f"{hashlib.sha256(raw).hexdigest()[:16]}…) for {card['model']['ref']}, scorecard "
        f"#{card['scorecard']['id']}",
    )
    try:
        problems = recompute(card)
    except (ScorecardError, KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        problems = [f"cannot recompute: {reason(exc)}"]
    report.add(
        "levels",
        not problems,
        "; ".join(problems)
        if problems
        else "every level recomputed from the attached evidence equals the stated one",
    )
    if database is not None:
        _check_database(report, card, database)
    return report


def _check_coverage(report: CardReport, pdf: Path) -> bool:
    """What the signatures cover, from the file's own bytes (pyHanko's verdict can be fooled),
    and no active content; first, so that nothing else reads a hostile file."""
    from scorecard.sign.coverage import check_file

    problems = check_file(pdf)
    if problems:
        report.add("signatures", False, "; ".join(problems[:4]))
    return not problems


def _check_signatures(report: CardReport, pdf: Path, trust: Sequence[Path]) -> None:
    from scorecard.sign.validate import validate_signatures

    try:
        checks = validate_signatures(pdf, trust)
    except ScorecardError as exc:
        report.add("signatures", False, str(exc))
        return
    if not checks:
        report.add("signatures", False, "the card is not signed")
        return
    for check in checks:
        data = {
            k: (str(v) if not isinstance(v, (bool, int, float, list, type(None))) else v)
            for k, v in vars(check).items()
        }
        report.signatures.append(data)
    bad = [c for c in checks if not c.ok]
    last = checks[-1]
    if bad:
        first = bad[0]
        report.add(
            "signatures",
            False,
            f"signature {first.field_name} ({first.signer}): "
            + "; ".join(first.problems or ["not valid"]),
        )
    elif "ENTIRE_FILE" not in str(last.coverage).upper():
        report.add("signatures", False, f"changes after the last signature ({last.coverage})")
    else:
        who = ", ".join(f"{c.reason or 'signed'}: {c.signer}" for c in checks)
        report.add(
            "signatures", True, f"{len(checks)} valid, trusted, covering the whole file ({who})"
        )


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
        Evidence(
            stage=e["stage"],
            task=e["task"],
            metric=e["metric"],
            value=e["value"],
            stderr=e["stderr"],
            n_samples=e["n_samples"],
        )
        for e in card["evidence"]
    ]
    judgments = [
        Judgment(
            category=j["category"],
            stage=j["stage"],
            level=j["level"],
            by=j["by"],
            rationale=j["rationale"],
            indicator=j["indicator"],
            override=j["override"],
            kind=j["kind"],
        )
        for j in card["judgments"]
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


def _check_database(report: CardReport, card: dict[str, Any], database: str) -> None:
    from scorecard.records import decisions, models
    from scorecard.records.session import reading

    try:
        with reading(database) as session:
            model = models.resolve(session, card["model"]["ref"])
            from scorecard.db.schema import ScorecardRow

            row = session.get(ScorecardRow, card["scorecard"]["id"])
            problems = []
            if row is None or row.model_id != model.id:
                problems.append(f"scorecard #{card['scorecard']['id']} is not in the database")
            elif row.content_hash != card["scorecard"]["hash"]:
                problems.append("the scorecard hash differs from the database's")
            stored = {d.id: d for d in decisions.on_scorecard(session, card["scorecard"]["id"])}
            for decision in card["decisions"]:
                match = stored.get(decision["id"])
                if match is None or (match.decision, match.role, match.by) != (
                    decision["decision"],
                    decision["role"],
                    decision["by"],
                ):
                    problems.append(f"decision #{decision['id']} differs from the database's")
    except ScorecardError as exc:
        problems = [str(exc)]
    report.add(
        "database",
        not problems,
        "; ".join(problems)
        if problems
        else "the scorecard, model and decisions match the database",
    )
