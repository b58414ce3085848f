"""``scorecard demo``: the whole story on the bundled example model, on a fresh database."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scorecard.card.roles import RoleTrust
from scorecard.commands import audit, card, evidence, models, reviews, scorecards
from scorecard.commands import db as database
from scorecard.errors import CheckFailed, Refused
from scorecard.files import write_atomic
from scorecard.readers import read_judgments
from scorecard.resources import example_dir
from scorecard.settings import Settings

DEMO_MODEL = "Kestrel-2@2026-11"
EVALUATOR = "Priya Raman (evaluation lead)"
SIGNERS = (
    ("SAG chair", "Dr. Jonas Berg", "jonas.berg@example.org"),
    ("CEO", "Alex Moreau", "alex.moreau@example.org"),
)


@dataclass(frozen=True)
class DemoOutcome:
    database: Path
    scorecard: dict[str, Any]
    card: Path
    trust: list[Path]
    audit_head: str
    audit_events: int


def demo(out_dir: Path, step: Callable[[str], None] | None = None) -> DemoOutcome:
    """Record, score, judge, mitigate, recommend, decide, render, sign and verify, on a fresh
    SQLite database in ``out_dir``. ``step(text)`` is told what happens as it happens."""
    db_file = out_dir / "scorecard.db"
    if db_file.exists():
        raise Refused(f"{db_file} already exists: give the demo an empty folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(database_url=f"sqlite:///{db_file}")
    examples = example_dir()
    say = step or (lambda _text: None)
    say(f"creating {db_file}")
    database.init(settings)
    name, _, version = DEMO_MODEL.partition("@")
    models.add(
        settings,
        name,
        version,
        "Fictional frontier model used to show scorecard end to end",
        by=EVALUATOR,
    )
    say(f"added model {DEMO_MODEL}")
    for stage in ("pre", "post"):
        evidence.ingest(
            settings, [examples / f"evidence-{stage}.csv"], DEMO_MODEL, stage, by=EVALUATOR
        )
        say(f"ingested {stage}-mitigation evidence")
    for judgment in read_judgments(examples / "judgments.csv"):
        reviews.judge(settings, DEMO_MODEL, judgment.model_copy(update={"source": None}))
        say(
            f"recorded judgment: {judgment.category} ({judgment.stage}) {judgment.level} by "
            f"{judgment.by}"
        )
    reviews.mitigate(
        settings,
        DEMO_MODEL,
        "cybersecurity",
        "Safety systems team",
        "Refusal training on exploit development, plus a classifier that blocks "
        "vulnerability-exploitation requests in production.",
    )
    say("recorded mitigation for cybersecurity")
    scored = scorecards.score_model(settings, DEMO_MODEL, by=EVALUATOR)
    say(f"scored: scorecard #{scored['id']}")
    reviews.attest(
        settings,
        DEMO_MODEL,
        "security",
        "Priya Natarajan (CISO)",
        "Weights held in the hardened enclave: two-person access, egress monitoring, and a "
        "red-team review of the serving stack.",
    )
    say("attested: hardened security")
    reviews.decide(
        settings,
        DEMO_MODEL,
        "deploy",
        "sag",
        "Dr. Jonas Berg (SAG chair)",
        "Post-mitigation risk is medium in every category; cybersecurity was high before "
        "mitigation, so the weights are held under hardened security.",
    )
    say("SAG recommendation: deploy")
    reviews.decide(
        settings,
        DEMO_MODEL,
        "deploy",
        "leadership",
        "Alex Moreau (CEO)",
        "Accepting the SAG recommendation; the security hardening is in place.",
    )
    say("leadership decision: deploy")
    report = audit.verify(settings)
    if not report.ok:
        raise CheckFailed(f"demo audit chain broken: {report.problems[0]}")
    say(f"audit chain verified: {report.events} events")
    shown = scorecards.show(settings, DEMO_MODEL)
    write_atomic(out_dir / "scorecard.json", json.dumps(shown, indent=2) + "\n")
    card_path = out_dir / "card.pdf"
    card.render(settings, DEMO_MODEL, card_path, signatories=[(r, n) for r, n, _ in SIGNERS])
    say(f"rendered the system card: {card_path}")
    # A throwaway identity per signer, as a team without a PKI would make with `keys new`.
    passphrase = os.urandom(24).hex().encode()
    trust = []
    for role, signer, email in SIGNERS:
        keys = out_dir / "keys" / signer.split()[-1].lower()
        cert, key = card.keys_new(signer, email, keys, passphrase)
        trust.append(cert)
        card.sign(
            settings,
            card_path,
            card_path,
            key=key,
            cert=cert,
            passphrase=passphrase,
            role=role,
            name=signer,
        )
        say(f"signed as {role}: {signer}")
    # Each role bound to its own signer's certificate, as a reader who knows them would check.
    bound = [RoleTrust(role, cert) for (role, _, _), cert in zip(SIGNERS, trust, strict=True)]
    checked = card.verify(card_path, [], settings, bound)
    if not checked.ok:
        failed = next(c for c in checked.checks if not c.ok)
        raise CheckFailed(f"demo card failed verification: {failed.name}: {failed.detail}")
    say(
        "verified: signatures, each signer in their role, the attached record, recomputed "
        "levels, the pages and the database agree"
    )
    return DemoOutcome(db_file, shown, card_path, trust, report.head, report.events)
