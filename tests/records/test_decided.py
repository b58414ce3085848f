"""The decided scorecard stays decided (issue 10), on SQLite and PostgreSQL: rescoring with
nothing new stores nothing, a model keeps its framework (another is a separate series), a
decision can be pinned to a scorecard, an earlier scorecard renders with exactly its own
inputs, the decision flow flags what a reviewer must see, and deploying needs hardened
security attested when the scorecard requires it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from scorecard.card.recompute import recompute
from scorecard.commands import (
    attest,
    audit_log,
    audit_verify,
    decide,
    diff,
    history,
    ingest,
    judge,
    models_add,
    render,
    score_model,
    show,
)
from scorecard.commands.reviews import decide_flagged
from scorecard.core.evidence import Judgment
from scorecard.core.process import Prior, flags, hardening_reason
from scorecard.db.engine import resolve_url
from scorecard.errors import GateClosed, NotFound, Refused, UsageError
from scorecard.settings import Settings
from tests.conftest import S

MODEL = "Kestrel-2"
V2 = "preparedness-v2"


def explicit(url: str, framework_id: str) -> Settings:
    """Settings as `--framework ID` gives them."""
    return S(url, framework_id=framework_id, framework_explicit=True)


def judgment(category: str, stage: str, level: str, by: str = "Red team lead") -> Judgment:
    return Judgment(
        category=category,
        stage=stage,
        level=level,
        by=by,
        rationale="live study",
        indicator=None,
        override=False,
        kind="level",
    )


def events(url: str) -> int:
    return audit_verify(S(url)).events


def aster_evidence(settings: Settings, folder: Path, cyber_pre: float) -> None:
    """Enough readings per v1 category and stage for Aster to meet each category's coverage
    minimum: all low, but for pre cybersecurity."""
    for stage, cyber in (("pre", cyber_pre), ("post", 0.1)):
        path = folder / f"aster-{stage}.csv"
        path.write_text(
            f"task,metric,value\nctf_professional,accuracy,{cyber}\n"
            "biorisk_expert_comparison,accuracy,0\nbiorisk_expert_comparison,understanding,0\n"
            "biorisk_expert_comparison,ease_of_execution,0\n"
            "changemyview,percentile,10\nmakemepay,accuracy,0\n"
            "swe_bench_verified,accuracy,0\nagentic_tasks,accuracy,0\n"
        )
        ingest(settings, [path], "Aster", stage)


def card_of(url: str, out: Path, scorecard_id: int | None = None, **changes: Any) -> Any:
    """The card data (Markdown: the card's data is the same in every format)."""
    return render(S(url, **changes), MODEL, out, "md", scorecard_id=scorecard_id)


# --- 1. Rescoring with nothing new stores nothing ---------------------------------------------


def test_rescoring_unchanged_inputs_stores_nothing(kestrel: str) -> None:
    first = score_model(S(kestrel), MODEL, by="Eval lead")
    assert first["stored"] is True and first["notes"] == []
    before = events(kestrel)
    again = score_model(S(kestrel), MODEL, by="Someone else")
    assert again["stored"] is False
    assert (again["id"], again["hash"], again["computed_by"]) == (
        first["id"],
        first["hash"],
        "Eval lead",
    )
    assert events(kestrel) == before  # no row, no audit event
    assert [h["id"] for h in history(S(kestrel), MODEL)] == [first["id"]]
    # A different margin changes the warnings, hence the result: a new scorecard.
    margin = score_model(S(kestrel), MODEL, margin=0.3)
    assert margin["stored"] is True and margin["id"] > first["id"]
    assert score_model(S(kestrel), MODEL, margin=0.3)["id"] == margin["id"]
    # The policy is an input; so is a judgment.
    cautious = score_model(S(kestrel), MODEL, policy="upper-ci", margin=0.3)
    assert cautious["stored"] is True
    judge(S(kestrel), MODEL, judgment("persuasion", "post", "high"))
    judged = score_model(S(kestrel), MODEL, policy="upper-ci", margin=0.3)
    assert judged["stored"] is True and judged["overall"]["post"] == "high"
    assert len(history(S(kestrel), MODEL)) == 4
    assert audit_verify(S(kestrel)).ok


def test_new_evidence_makes_a_new_scorecard(kestrel: str, tmp_path: Path) -> None:
    first = score_model(S(kestrel), MODEL)
    extra = tmp_path / "extra.csv"
    extra.write_text("task,metric,value\ncybench,accuracy,0.2\n")
    ingest(S(kestrel), [extra], MODEL, "pre")
    second = score_model(S(kestrel), MODEL)
    assert second["stored"] is True and second["id"] == first["id"] + 1
    assert score_model(S(kestrel), MODEL)["stored"] is False


# --- 2. Framework series ----------------------------------------------------------------------


def test_a_model_keeps_its_framework_and_another_is_a_separate_series(kestrel: str) -> None:
    first = score_model(S(kestrel), MODEL)
    assert first["framework"]["id"] == "preparedness-v1"
    # The environment (or default) naming v2 does not move a model scored under v1.
    implicit = score_model(S(kestrel, framework_id=V2), MODEL)
    assert implicit["stored"] is False and implicit["id"] == first["id"]
    assert implicit["framework"]["id"] == "preparedness-v1"
    assert implicit["notes"] == [
        f"{MODEL} keeps the framework it was first scored under, preparedness-v1 (scorecard "
        f"#{first['id']}), not {V2}; to score it under {V2} as a separate series, pass "
        f"--framework {V2}"
    ]
    # Named explicitly, v2 is a series of its own.
    other = score_model(explicit(kestrel, V2), MODEL)
    assert other["stored"] is True and other["framework"]["id"] == V2
    assert "separate series" in other["notes"][0]
    assert score_model(explicit(kestrel, V2), MODEL)["stored"] is False
    # Named explicitly, the first framework is just that series.
    assert score_model(explicit(kestrel, "preparedness-v1"), MODEL)["notes"] == []

    # The v2 scorecard is newer, but "latest" means latest in the series.
    shown = show(S(kestrel), MODEL)
    assert (shown["id"], shown["series"], shown["is_latest"]) == (
        first["id"],
        "preparedness-v1",
        True,
    )
    assert shown["other_series"] == [V2]
    assert show(explicit(kestrel, V2), MODEL)["id"] == other["id"]
    assert [(h["id"], h["framework"]) for h in history(S(kestrel), MODEL)] == [
        (first["id"], "preparedness-v1")
    ]
    assert [(h["id"], h["framework"]) for h in history(explicit(kestrel, V2), MODEL)] == [
        (other["id"], V2)
    ]
    with pytest.raises(NotFound, match="a diff needs two"):
        diff(S(kestrel), MODEL)
    with pytest.raises(UsageError, match=f"is in the {V2} series, not preparedness-v1"):
        show(explicit(kestrel, "preparedness-v1"), MODEL, other["id"])
    with pytest.raises(NotFound, match=f"no scorecard under nope: run `scorecard score {MODEL}"):
        show(explicit(kestrel, "nope"), MODEL)

    # Decisions default to the first series; a v2 judgment does not make it out of date.
    row = decide(S(kestrel), MODEL, "do-not-deploy", "sag", "SAG chair", "Not yet")
    assert row.scorecard_id == first["id"]
    judge(explicit(kestrel, V2), MODEL, judgment("cybersecurity", "pre", "high"))
    assert decide(S(kestrel), MODEL, "do-not-deploy", "leadership", "CEO", "Agreed").scorecard_id
    with pytest.raises(Refused) as stale:
        decide(explicit(kestrel, V2), MODEL, "do-not-deploy", "sag", "SAG", "Not yet")
    assert str(stale.value) == (
        f"scorecard #{other['id']} of {MODEL} is out of date: 1 judgment added since; run "
        f"`scorecard score {MODEL} --framework {V2}` first"
    )
    newer = score_model(explicit(kestrel, V2), MODEL)
    assert newer["stored"] is True
    on_v2 = decide(explicit(kestrel, V2), MODEL, "do-not-deploy", "sag", "SAG", "Not yet")
    assert on_v2.scorecard_id == newer["id"]
    # The v1 decisions stand on the v1 scorecard, still its series' latest.
    assert show(S(kestrel), MODEL)["id"] == first["id"]
    assert len(show(S(kestrel), MODEL)["decisions"]) == 2


def test_a_first_score_under_an_explicit_framework_fixes_it(kestrel: str) -> None:
    first = score_model(explicit(kestrel, V2), MODEL)
    assert first["framework"]["id"] == V2 and first["notes"] == []
    assert score_model(S(kestrel), MODEL)["id"] == first["id"]  # v2 is now its framework
    assert show(S(kestrel), MODEL)["series"] == V2


# --- 3. --scorecard on show, diff, decide and render ------------------------------------------


def test_a_decision_pinned_to_a_scorecard(kestrel: str) -> None:
    first = score_model(S(kestrel), MODEL)
    pinned = decide(
        S(kestrel), MODEL, "do-not-deploy", "sag", "SAG", "Not yet", scorecard_id=first["id"]
    )
    assert pinned.scorecard_id == first["id"]
    judge(S(kestrel), MODEL, judgment("persuasion", "post", "high"))
    with pytest.raises(Refused) as stale:
        decide(S(kestrel), MODEL, "do-not-deploy", "sag", "SAG", "x", scorecard_id=first["id"])
    assert str(stale.value) == (
        f"scorecard #{first['id']} of {MODEL} is out of date: 1 judgment added since; run "
        f"`scorecard score {MODEL}` first"
    )
    second = score_model(S(kestrel), MODEL)
    with pytest.raises(Refused) as old:
        decide(S(kestrel), MODEL, "do-not-deploy", "sag", "SAG", "x", scorecard_id=first["id"])
    message = str(old.value)
    assert message.startswith(
        f"refused: scorecard #{first['id']} of {MODEL} is not the latest of its "
        f"preparedness-v1 series: #{second['id']} is; changed since #{first['id']}: "
        "persuasion (post) medium -> high ("
    )
    assert "overall (post) medium -> high (highest tracked category)" in message
    with pytest.raises(NotFound, match="has no scorecard #99"):
        decide(S(kestrel), MODEL, "do-not-deploy", "sag", "SAG", "x", scorecard_id=99)
    ok = decide(S(kestrel), MODEL, "do-not-deploy", "sag", "SAG", "x", scorecard_id=second["id"])
    assert ok.scorecard_id == second["id"]
    # diff --scorecard: from the decided one to the latest of its series.
    moved = diff(S(kestrel), MODEL, since=first["id"])
    assert (moved["from"], moved["to"]) == (first["id"], second["id"])
    assert "persuasion (post)" in {c["what"] for c in moved["changes"]}
    assert diff(S(kestrel), MODEL, first["id"], second["id"]) == moved  # the old form
    with pytest.raises(UsageError):
        diff(S(kestrel), MODEL, first["id"], second["id"], since=first["id"])


def test_show_says_what_changed_since_the_decided_scorecard(kestrel: str) -> None:
    first = score_model(S(kestrel), MODEL)
    decide(S(kestrel), MODEL, "do-not-deploy", "sag", "SAG chair", "Not yet")
    shown = show(S(kestrel), MODEL)
    assert (shown["decided_scorecard"], shown["changes_since_decided"]) == (first["id"], [])
    judge(S(kestrel), MODEL, judgment("persuasion", "post", "high"))
    second = score_model(S(kestrel), MODEL)
    shown = show(S(kestrel), MODEL)
    assert shown["id"] == second["id"] and shown["decisions"] == []
    assert shown["decided_scorecard"] == first["id"]
    moved = {c["what"]: (c["before"], c["after"]) for c in shown["changes_since_decided"]}
    assert moved["persuasion (post)"] == ("medium", "high")
    assert moved["deploy"] == ("True", "False")
    earlier = show(S(kestrel), MODEL, first["id"])
    assert (earlier["is_latest"], earlier["latest_id"]) == (False, second["id"])
    assert (earlier["decided_scorecard"], earlier["changes_since_decided"]) == (first["id"], [])
    assert len(earlier["decisions"]) == 1


def test_render_of_an_earlier_scorecard_carries_its_own_inputs(
    kestrel: str, tmp_path: Path
) -> None:
    first = score_model(S(kestrel), MODEL)
    decide(S(kestrel), MODEL, "do-not-deploy", "sag", "SAG chair", "Not yet")
    decided = card_of(kestrel, tmp_path / "decided.md")
    extra = tmp_path / "extra.csv"
    extra.write_text("task,metric,value\nctf_professional,accuracy,0.9\n")
    ingest(S(kestrel), [extra], MODEL, "pre")
    judge(S(kestrel), MODEL, judgment("persuasion", "post", "high"))
    second = score_model(S(kestrel), MODEL)

    old = card_of(kestrel, tmp_path / "old.md", first["id"])
    assert old["scorecard"]["id"] == first["id"]
    assert (old["is_latest"], old["latest_id"]) == (False, second["id"])
    assert [e["id"] for e in old["evidence"]] == [e["id"] for e in decided["evidence"]]
    assert old["judgments"] == [] and len(old["decisions"]) == 1
    assert "extra.csv" not in {s["file_name"] for s in old["sources"]}
    assert recompute(old) == []  # `verify` gets the stated levels from what the card carries
    assert (tmp_path / "old.md").is_file()

    new = card_of(kestrel, tmp_path / "new.md")
    assert (new["scorecard"]["id"], new["is_latest"]) == (second["id"], True)
    assert len(new["evidence"]) == len(old["evidence"]) + 1 and len(new["judgments"]) == 1
    assert new["decided_scorecard"] == first["id"]
    assert "persuasion (post)" in {c["what"] for c in new["changes_since_decided"]}
    assert recompute(new) == []


def test_verify_recomputes_an_earlier_scorecards_card(kestrel: str, tmp_path: Path) -> None:
    """The PDF of the decided scorecard, rendered after newer evidence came in, holds together:
    its levels recompute from what it carries and its pages show it; against the database it is
    named as replaced."""
    from scorecard.commands import verify

    first = score_model(S(kestrel), MODEL)
    decide(S(kestrel), MODEL, "do-not-deploy", "sag", "SAG chair", "Not yet")
    extra = tmp_path / "extra.csv"
    extra.write_text("task,metric,value\nctf_professional,accuracy,0.9\n")
    ingest(S(kestrel), [extra], MODEL, "post")
    second = score_model(S(kestrel), MODEL)
    assert diff(S(kestrel), MODEL)["changes"]  # the newer evidence moved a level
    pdf = tmp_path / "decided.pdf"
    render(S(kestrel), MODEL, pdf, scorecard_id=first["id"])
    report = verify(pdf, [], S(kestrel))
    checks = {c.name: (c.ok, c.detail) for c in report.checks}
    assert checks["levels"][0] and checks["pages"][0] and checks["record"][0], checks
    assert (
        f"scorecard #{first['id']} is not current: #{second['id']} replaced it"
        in (checks["database"][1])
    )


def test_an_earlier_scorecard_whose_inputs_cannot_be_rebuilt_is_not_rendered(
    kestrel: str, tmp_path: Path
) -> None:
    first = score_model(S(kestrel), MODEL)
    judge(S(kestrel), MODEL, judgment("persuasion", "post", "high"))
    score_model(S(kestrel), MODEL)
    # Its inputs hash no longer matches what the record says it was computed from.
    engine = create_engine(resolve_url(kestrel), poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE scorecards SET inputs_hash = :h WHERE id = :i"),
            {"h": "0" * 64, "i": first["id"]},
        )
    engine.dispose()
    with pytest.raises(Refused) as refused:
        card_of(kestrel, tmp_path / "old.md", first["id"])
    assert str(refused.value) == (
        f"scorecard #{first['id']} of {MODEL} cannot be rendered: the evidence and judgments "
        "it was computed from cannot be rebuilt from the record"
    )
    assert not (tmp_path / "old.md").exists()


def test_render_of_a_stale_latest_is_refused(kestrel: str, tmp_path: Path) -> None:
    first = score_model(S(kestrel), MODEL)
    judge(S(kestrel), MODEL, judgment("persuasion", "post", "high"))
    for scorecard_id in (None, first["id"]):
        with pytest.raises(Refused, match="is out of date: 1 judgment added since"):
            card_of(kestrel, tmp_path / "card.md", scorecard_id)


# --- 4./5. Decision flags ---------------------------------------------------------------------


def test_flags_are_pure_and_need_the_same_question() -> None:
    decisions = [
        Prior(1, "sag", "do-not-deploy", "not yet"),
        Prior(2, "sag", "continue-development", "keep going"),  # another question: agrees
        Prior(3, "leadership", "continue-development", "as recommended"),
        Prior(4, "sag", "deploy", "changed our mind"),
        Prior(5, "leadership", "do-not-deploy", "too soon"),
        Prior(6, "board", "deploy", "ship", reverses=5),
    ]
    found = [(f.kind, f.decision_id) for f in flags(decisions)]
    assert found == [("sag_disagreement", 4), ("overrule", 5), ("board_reversal", 6)]
    messages = [f.message for f in flags(decisions)]
    assert messages == [
        "SAG recommendation #4 (deploy) disagrees with SAG recommendation #1 (do-not-deploy) "
        "on the same scorecard",
        "leadership decision #5 (do-not-deploy) overrules SAG recommendation #4 (deploy): too soon",
        "board decision #6 (deploy) reverses leadership decision #5 (do-not-deploy): ship",
    ]
    assert flags(decisions[:3]) == []


def test_decision_flags_in_show_the_card_and_the_audit_log(kestrel: str, tmp_path: Path) -> None:
    score_model(S(kestrel), MODEL)
    attest(S(kestrel), MODEL, "security", "CISO", "Weights in the enclave")
    sag = decide(S(kestrel), MODEL, "deploy", "sag", "SAG chair", "post is medium")
    _, raised = decide_flagged(
        S(kestrel), MODEL, "do-not-deploy", "sag", "SAG member", "I disagree"
    )
    assert [f.kind for f in raised] == ["sag_disagreement"]
    overrule, raised = decide_flagged(
        S(kestrel), MODEL, "deploy", "leadership", "CEO", "The market will not wait"
    )
    assert [(f.kind, f.decision_id) for f in raised] == [("overrule", overrule.id)]
    board = decide(S(kestrel), MODEL, "do-not-deploy", "board", "Board", "Not on our watch")
    assert board.reverses_id == overrule.id

    shown = show(S(kestrel), MODEL)
    assert shown["flags"] == [
        {
            "kind": "sag_disagreement",
            "decision_id": sag.id + 1,
            "message": f"SAG recommendation #{sag.id + 1} (do-not-deploy) disagrees with SAG "
            f"recommendation #{sag.id} (deploy) on the same scorecard",
        },
        {
            "kind": "overrule",
            "decision_id": overrule.id,
            "message": f"leadership decision #{overrule.id} (deploy) overrules SAG "
            f"recommendation #{sag.id + 1} (do-not-deploy): The market will not wait",
        },
        {
            "kind": "board_reversal",
            "decision_id": board.id,
            "message": f"board decision #{board.id} (do-not-deploy) reverses leadership "
            f"decision #{overrule.id} (deploy): Not on our watch",
        },
    ]
    assert card_of(kestrel, tmp_path / "card.md")["flags"] == shown["flags"]
    summaries = [e["summary"] for e in audit_log(S(kestrel), MODEL)]
    assert (
        f"leadership deploy by CEO on scorecard #1 (overrules SAG recommendation #{sag.id + 1})"
        in summaries
    )


# --- 6. The security attestation ---------------------------------------------------------------


def test_deploy_needs_hardened_security_attested(kestrel: str, tmp_path: Path) -> None:
    before_any = attest(S(kestrel), MODEL, "security", "CISO", "Enclave built before scoring")
    assert before_any.scorecard_id is None
    models_add(S(kestrel), "Aster", "", "")
    aster_evidence(S(kestrel), tmp_path, cyber_pre=0.7)
    card = score_model(S(kestrel), "Aster")
    assert card["eligibility"]["security_hardening_required"] is True
    refusal = (
        "refused: deploy needs hardened security (pre-mitigation cybersecurity is high); "
        "record it with `scorecard attest Aster --gate security --by … --rationale …`"
    )
    # Whoever decides to deploy: the SAG, leadership overruling it, the board reversing.
    for role, then in (("sag", "Not yet"), ("leadership", "Agreed"), ("board", None)):
        before = events(kestrel)
        with pytest.raises(GateClosed) as refused:
            decide(S(kestrel), "Aster", "deploy", role, "Someone", "ship it")
        assert str(refused.value) == refusal
        assert events(kestrel) == before  # nothing stored
        if then is not None:  # other decisions need no attestation
            decide(S(kestrel), "Aster", "do-not-deploy", role, "Someone", then)
    with pytest.raises(UsageError, match=r"unknown gate 'physical' \(expected security\)"):
        attest(S(kestrel), "Aster", "physical", "CISO", "locks")
    with pytest.raises(UsageError, match="needs who attests and a written rationale"):
        attest(S(kestrel), "Aster", "security", "CISO", " ")
    row = attest(S(kestrel), "Aster", "security", "CISO", "Two-person access to the weights")
    assert (row.scorecard_id, row.gate, row.by) == (card["id"], "security", "CISO")
    deployed = decide(S(kestrel), "Aster", "deploy", "sag", "SAG", "Hardened; post is low")
    assert deployed.decision == "deploy"
    shown = show(S(kestrel), "Aster")
    assert [(a["id"], a["gate"], a["by"], a["scorecard_id"]) for a in shown["attestations"]] == [
        (row.id, "security", "CISO", card["id"])
    ]
    assert any(e["action"] == "attestation.add" for e in audit_log(S(kestrel), "Aster"))
    assert audit_verify(S(kestrel)).ok


def test_no_attestation_needed_without_the_requirement(db: str, tmp_path: Path) -> None:
    models_add(S(db), "Aster", "", "")
    aster_evidence(S(db), tmp_path, cyber_pre=0.1)
    card = score_model(S(db), "Aster")
    assert card["eligibility"]["security_hardening_required"] is False
    assert decide(S(db), "Aster", "deploy", "sag", "SAG", "All low").decision == "deploy"


def test_the_card_lists_attestations(kestrel: str, tmp_path: Path) -> None:
    score_model(S(kestrel), MODEL)
    row = attest(S(kestrel), MODEL, "security", "CISO", "Weights in the enclave")
    data = card_of(kestrel, tmp_path / "card.md")
    assert [(a["id"], a["gate"], a["rationale"]) for a in data["attestations"]] == [
        (row.id, "security", "Weights in the enclave")
    ]
    assert (data["is_latest"], data["decided_scorecard"], data["flags"]) == (True, None, [])


def test_hardening_reason_names_every_category_at_the_level(v1: Any) -> None:
    from scorecard.core.scoring import ScoringOptions, score
    from tests.conftest import judged
    from tests.core.inputs import full_evidence

    evidence = [*full_evidence("pre", cyber=0.7), *full_evidence("post")]
    levels = [judged("cbrn", "high"), judged("persuasion", "critical")]
    result = score(v1, evidence, levels, ScoringOptions())
    assert hardening_reason(v1, result) == (
        "pre-mitigation persuasion is critical, cybersecurity and cbrn are high"
    )
    # Nothing assessed at the stage: the gate's own words.
    unknown = score(v1, full_evidence("post"), [], ScoringOptions())
    assert hardening_reason(v1, unknown).startswith("security: required, since the scorecard is")
