"""``scorecard judge``, ``mitigate``, ``decide`` and ``attest``: what people add to the record.

Each takes an optional ``signer`` (:func:`load_signer`): the record is then signed in the same
transaction, and the policy and the roster decide whether it must be and who may sign it
(``records.signatures``). Without ``by``, a signed record names the certificate's holder.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from scorecard.commands.scorecards import framework_for
from scorecard.core.evidence import Judgment
from scorecard.core.scoring import post_equals_pre
from scorecard.errors import UsageError
from scorecard.settings import Settings, actor_name

if TYPE_CHECKING:
    from scorecard.core.process import Flag
    from scorecard.db.schema import Attestation, Decision, JudgmentRow, Mitigation
    from scorecard.sign.keys import Identity


def load_signer(key: Path, cert: Path, passphrase: bytes | None) -> Identity:
    """A key and its certificate, checked (matching, within validity) and ready to sign."""
    from scorecard.sign.keys import load_identity

    return load_identity(key, cert, passphrase)


def signer_name(by: str | None, signer: Identity | None) -> str:
    """Who acts: the person named, else the signing certificate's common name."""
    if by and by.strip():
        return by.strip()
    if signer is None:
        return by or ""  # the record refuses a record without a name, as it always did
    if signer.info.common_name:
        return signer.info.common_name
    raise UsageError(f"name who signs: the certificate of {signer.info.subject} has no common name")


def judge(
    settings: Settings,
    model_ref: str,
    judgment: Judgment,
    *,
    corrects: int | None = None,
    signer: Identity | None = None,
) -> JudgmentRow:
    """Record one expert judgment or override (``corrects``: the judgment it replaces)."""
    from scorecard.records import judgments, models
    from scorecard.records.session import writing

    with writing(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        framework = framework_for(session, model, settings)
        return judgments.judge(
            session,
            model,
            framework,
            judgment,
            actor_name(settings, judgment.by),
            corrects,
            signer=signer,
        )


def judge_post_equals_pre(
    settings: Settings,
    model_ref: str,
    by: str | None,
    rationale: str,
    *,
    signer: Identity | None = None,
) -> list[JudgmentRow]:
    """Record, in one transaction, judgments setting every post level to the latest pre level."""
    from scorecard.records import judgments, models, scorecards
    from scorecard.records.session import writing

    name = signer_name(by, signer)
    with writing(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        framework = framework_for(session, model, settings)
        result = scorecards.result_of(scorecards.require_latest(session, model))
        return judgments.judge_all(
            session,
            model,
            framework,
            post_equals_pre(result, name, rationale),
            actor_name(settings, name),
            signer=signer,
        )


def judge_file(
    settings: Settings,
    model_ref: str,
    path: Path,
    by: str | None = None,
    *,
    signer: Identity | None = None,
) -> list[JudgmentRow]:
    """Record every judgment of a CSV or JSONL file in one transaction, in file order: each is
    checked as if the ones above it were recorded, and one refused refuses the file.

    ``by`` (else the signer, else the settings' actor) is who records them; each judgment
    names its own judge."""
    from scorecard.readers import read_judgments
    from scorecard.records import judgments, models
    from scorecard.records.session import writing

    items = read_judgments(path)
    actor = actor_name(settings, signer_name(by, signer) or None)
    with writing(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        framework = framework_for(session, model, settings)
        return judgments.judge_all(session, model, framework, items, actor, signer=signer)


def mitigate(
    settings: Settings,
    model_ref: str,
    category: str,
    by: str | None,
    description: str,
    *,
    signer: Identity | None = None,
) -> Mitigation:
    """Record a mitigation applied for a risk category."""
    from scorecard.records import mitigations, models
    from scorecard.records.session import writing

    name = signer_name(by, signer)
    with writing(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        framework = framework_for(session, model, settings)
        return mitigations.add(
            session,
            model,
            framework,
            category,
            name,
            description,
            actor_name(settings, name),
            signer=signer,
        )


def decide(
    settings: Settings,
    model_ref: str,
    decision: str,
    role: str,
    by: str | None,
    rationale: str,
    *,
    signer: Identity | None = None,
    scorecard_id: int | None = None,
) -> Decision:
    """Record a decision on the latest scorecard of a series; the gates and the order of roles
    apply (see :func:`decide_flagged`)."""
    row, _ = decide_flagged(
        settings,
        model_ref,
        decision,
        role,
        by,
        rationale,
        signer=signer,
        scorecard_id=scorecard_id,
    )
    return row


def decide_flagged(
    settings: Settings,
    model_ref: str,
    decision: str,
    role: str,
    by: str | None,
    rationale: str,
    *,
    signer: Identity | None = None,
    scorecard_id: int | None = None,
) -> tuple[Decision, list[Flag]]:
    """Record a decision and return it with what it raises for a reviewer (an overrule of the
    SAG, a disagreeing SAG recommendation, a board reversal).

    The series is the model's first framework unless the settings name one explicitly;
    ``scorecard_id`` pins the decision to that scorecard, which must be the series' latest and
    up to date. Deploying needs a security attestation when the scorecard requires hardened
    security."""
    from scorecard.commands.scorecards import series
    from scorecard.records import decisions, models
    from scorecard.records.session import writing

    name = signer_name(by, signer)
    with writing(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        return decisions.decide(
            session,
            model,
            decision,
            role,
            name,
            rationale,
            actor_name(settings, name),
            signer=signer,
            scorecard_id=scorecard_id,
            framework_id=series(settings),
        )


def attest(
    settings: Settings,
    model_ref: str,
    gate: str,
    by: str | None,
    rationale: str,
    *,
    signer: Identity | None = None,
) -> Attestation:
    """Record that a framework requirement is met (``security``: hardened security), naming
    the latest scorecard of the series; with ``signer`` signed in the safety role."""
    from scorecard.commands.scorecards import series
    from scorecard.records import attestations, models
    from scorecard.records.session import writing

    name = signer_name(by, signer)
    with writing(settings.database_url) as session:
        model = models.resolve(session, model_ref)
        return attestations.attest(
            session,
            model,
            gate,
            name,
            rationale,
            actor_name(settings, name),
            framework_id=series(settings),
            signer=signer,
        )
