"""Withdrawing evidence and judgments, and judgments refused at `judge` time: on SQLite and
PostgreSQL, with the audit chain checked after every change."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from scorecard.commands import (
    audit_verify,
    decide,
    evidence_listing,
    ingest,
    judge,
    judge_file,
    judge_post_equals_pre,
    models_add,
    score_model,
    withdraw,
)
from scorecard.db.engine import resolve_url
from scorecard.db.schema import EvidenceRow, JudgmentRow, Source, Withdrawal
from scorecard.errors import InputError, NotFound, Refused, ScoringError, UsageError
from scorecard.records import evidence, judgments, models
from scorecard.records.session import reading
from scorecard.resources import example_dir
from tests.conftest import S, judged

MODEL = "Kestrel-2"
PRE = example_dir() / "evidence-pre.csv"
CTF_PROFESSIONAL_PRE = 3  # 0.64: the row that makes cybersecurity pre high
WMDP_CYBER_PRE = 5  # 0.71: low, and decides nothing


def level(data: dict[str, object], category: str, stage: str) -> str | None:
    for c in data["categories"]:  # type: ignore[attr-defined]
        if c["id"] == category:
            return c["stages"][stage]["level"]  # type: ignore[no-any-return]
    raise AssertionError(category)


def count(url: str, table: type) -> int:
    with reading(url) as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def in_force(url: str) -> tuple[list[int], list[int]]:
    """The evidence ids scoring reads, and the ids of the judgments in force."""
    with reading(url) as session:
        model = models.resolve(session, MODEL)
        return evidence.ids(session, model), [j.id for j in judgments.active(session, model)]


def audited(url: str) -> None:
    report = audit_verify(S(url))
    assert report.ok, report.problems


# --- Withdrawing evidence -----------------------------------------------------------------


def test_a_withdrawn_row_is_kept_but_no_longer_scored(kestrel: str) -> None:
    first = score_model(S(kestrel), MODEL, by="Eval lead")
    assert level(first, "cybersecurity", "pre") == "high"
    rows_before = count(kestrel, EvidenceRow)

    done = withdraw(
        S(kestrel), MODEL, row=CTF_PROFESSIONAL_PRE, by="Eval lead", reason="wrong checkpoint"
    )
    assert (done["entity"], done["entity_id"], done["by"]) == ("evidence", 3, "Eval lead")
    assert done["what"] == "evidence row #3 (pre ctf_professional/accuracy = 0.64)"
    assert count(kestrel, EvidenceRow) == rows_before  # nothing deleted
    assert CTF_PROFESSIONAL_PRE not in in_force(kestrel)[0]
    with reading(kestrel) as session:
        loaded = evidence.load(session, models.resolve(session, MODEL))
    assert [e.task for e in loaded if e.stage == "pre"].count("ctf_professional") == 0

    # The inputs changed: the scorecard is out of date until it is re-scored.
    with pytest.raises(Refused, match="out of date"):
        decide(S(kestrel), MODEL, "deploy", "sag", "SAG chair", "ok")
    second = score_model(S(kestrel), MODEL, by="Eval lead")
    # ctf_professional is required for cybersecurity: without it the category is not assessed.
    assert level(second, "cybersecurity", "pre") is None

    listed = evidence_listing(S(kestrel), MODEL, "pre")
    row = next(r for r in listed["evidence"] if r["id"] == CTF_PROFESSIONAL_PRE)
    assert row["withdrawn"]["by"] == "Eval lead"
    assert row["withdrawn"]["reason"] == "wrong checkpoint"
    assert row["withdrawn"]["at"][:4].isdigit()
    assert row["indicators"] == ["cybersecurity/ctf_professional"]  # what it would feed
    assert "cybersecurity/ctf_professional" in listed["missing"]["pre"]  # not coverage
    assert all(r["withdrawn"] is None for r in listed["evidence"] if r["id"] != 3)
    audited(kestrel)


def test_a_withdrawn_source_takes_every_row_out_and_cannot_come_back_as_is(kestrel: str) -> None:
    digest = hashlib.sha256(PRE.read_bytes()).hexdigest()
    done = withdraw(S(kestrel), MODEL, source=digest[:8].upper(), by="Ann", reason="wrong run")
    assert done["entity"] == "source"
    assert done["what"] == "source #1 (evidence-pre.csv, pre) with its 18 evidence rows"
    ids, _ = in_force(kestrel)
    assert len(ids) == 18 and min(ids) == 19  # only the post file's rows
    scored = score_model(S(kestrel), MODEL, by="Eval lead")
    assert all(c["stages"]["pre"]["level"] is None for c in scored["categories"])
    assert all(r["withdrawn"] for r in evidence_listing(S(kestrel), MODEL, "pre")["evidence"])

    # The same bytes again: nothing stored, the rows stay out, and the note says why.
    sources = count(kestrel, Source)
    again = ingest(S(kestrel), [PRE], MODEL, "pre", by="Ann")
    assert not again[0].stored and count(kestrel, Source) == sources
    assert again[0].note.startswith("source #1 holds this file and was withdrawn on ")
    assert "by Ann (wrong run): nothing to do" in again[0].note
    assert in_force(kestrel)[0] == ids
    # A corrected file (other bytes) is a new source, in force.
    audited(kestrel)


def test_a_corrected_file_comes_back_in(kestrel: str, tmp_path: Path) -> None:
    digest = hashlib.sha256(PRE.read_bytes()).hexdigest()
    withdraw(S(kestrel), MODEL, source=digest, by="Ann", reason="typo in row 4")
    fixed = tmp_path / "evidence-pre-fixed.csv"
    fixed.write_text(PRE.read_text().replace("0.64", "0.46"))
    assert ingest(S(kestrel), [fixed], MODEL, "pre", by="Ann")[0].stored
    assert level(score_model(S(kestrel), MODEL), "cybersecurity", "pre") == "medium"
    audited(kestrel)


def test_a_source_is_named_by_a_unique_prefix_of_its_hash(kestrel: str, tmp_path: Path) -> None:
    digest = hashlib.sha256(PRE.read_bytes()).hexdigest()
    for bad in ("ac85297", digest[:7], "not-hex!", "zzzzzzzz", ""):
        with pytest.raises(UsageError, match="at least 8 hex digits of its sha256"):
            withdraw(S(kestrel), MODEL, source=bad, by="Ann", reason="x")
    with pytest.raises(NotFound, match="Kestrel-2 has no source whose sha256 starts with 0000"):
        withdraw(S(kestrel), MODEL, source="00000000", by="Ann", reason="x")
    with pytest.raises(NotFound, match=r"no source \(post\) whose sha256"):
        withdraw(S(kestrel), MODEL, source=digest[:12], stage="post", by="Ann", reason="x")

    # One file ingested for both stages: two sources with one hash; the stage tells them apart.
    both = tmp_path / "cybench.csv"
    both.write_text("task,metric,value\ncybench,accuracy,0.2\n")
    ingest(S(kestrel), [both], MODEL, "pre", by="Ann")
    ingest(S(kestrel), [both], MODEL, "post", by="Ann")
    prefix = hashlib.sha256(both.read_bytes()).hexdigest()[:10]
    with pytest.raises(Refused) as refused:
        withdraw(S(kestrel), MODEL, source=prefix, by="Ann", reason="x")
    message = str(refused.value)
    assert message.startswith(f"{prefix} names 2 sources of Kestrel-2: #3 cybench.csv (pre, ")
    assert "#4 cybench.csv (post, " in message and message.endswith("or the stage")
    assert count(kestrel, Withdrawal) == 0
    done = withdraw(S(kestrel), MODEL, source=prefix, stage="post", by="Ann", reason="x")
    assert done["entity_id"] == 4
    audited(kestrel)


def test_withdrawing_twice_or_another_models_record_is_refused(kestrel: str) -> None:
    models_add(S(kestrel), "Aster", "", "", by="tester")
    ingest(S(kestrel), [PRE], "Aster", "pre", by="tester")  # rows 37-54, source #3
    judge(S(kestrel), "Aster", judged("cbrn", "high"))
    with pytest.raises(NotFound, match="Kestrel-2 has no evidence row #40"):
        withdraw(S(kestrel), MODEL, row=40, by="Ann", reason="x")
    with pytest.raises(NotFound, match="Kestrel-2 has no judgment #1"):
        withdraw(S(kestrel), MODEL, judgment=1, by="Ann", reason="x")
    with pytest.raises(NotFound, match="Kestrel-2 has no evidence row #999"):
        withdraw(S(kestrel), MODEL, row=999, by="Ann", reason="x")

    withdraw(S(kestrel), MODEL, row=2, by="Ann", reason="typo")
    with pytest.raises(Refused) as twice:
        withdraw(S(kestrel), MODEL, row=2, by="Bob", reason="again")
    assert str(twice.value).startswith(
        "evidence row #2 (pre ctf_collegiate/accuracy = 0.58) of Kestrel-2 was already "
        "withdrawn on "
    )
    assert str(twice.value).endswith(" by Ann (typo): nothing to do")
    digest = hashlib.sha256(PRE.read_bytes()).hexdigest()
    withdraw(S(kestrel), MODEL, source=digest[:8], stage="pre", by="Ann", reason="wrong run")
    with pytest.raises(Refused, match=r"already withdrawn on .* by Ann"):
        withdraw(S(kestrel), MODEL, source=digest[:8], stage="pre", by="Bob", reason="again")
    with pytest.raises(Refused, match=r"already withdrawn with its source #1 on .* \(wrong run\)"):
        withdraw(S(kestrel), MODEL, row=4, by="Bob", reason="again")
    # Aster's copy of the same file is untouched.
    with reading(kestrel) as session:
        aster = models.resolve(session, "Aster")
        assert len(evidence.ids(session, aster)) == 18
    assert count(kestrel, Withdrawal) == 2
    audited(kestrel)


def test_exactly_one_thing_is_withdrawn_by_a_named_person_for_a_reason(kestrel: str) -> None:
    for targets in ({}, {"row": 1, "judgment": 1}, {"row": 1, "source": "abcdef12"}):
        with pytest.raises(UsageError, match="name exactly one thing to withdraw"):
            withdraw(S(kestrel), MODEL, by="Ann", reason="x", **targets)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="a stage only narrows which source file"):
        withdraw(S(kestrel), MODEL, row=1, stage="pre", by="Ann", reason="x")
    with pytest.raises(UsageError, match="a withdrawal needs a reason"):
        withdraw(S(kestrel), MODEL, row=1, by="Ann", reason="  ")
    with pytest.raises(UsageError, match="a withdrawal needs the name of who withdraws"):
        withdraw(S(kestrel), MODEL, row=1, by="", reason="x")
    assert count(kestrel, Withdrawal) == 0


def test_a_withdrawal_deleted_in_sql_is_caught_by_the_audit(kestrel: str) -> None:
    withdraw(S(kestrel), MODEL, row=1, by="Ann", reason="typo")
    engine = create_engine(resolve_url(kestrel), poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM withdrawals"))
    engine.dispose()
    report = audit_verify(S(kestrel))
    assert any("withdrawal #1): the record was deleted" in p for p in report.problems)


# --- Withdrawing judgments ----------------------------------------------------------------


def test_a_withdrawn_judgment_is_inactive_and_a_withdrawn_correction_restores(
    kestrel: str,
) -> None:
    first = judge(S(kestrel), MODEL, judged("cbrn", "high", by="Dr. Osei"))
    assert level(score_model(S(kestrel), MODEL), "cbrn", "pre") == "high"
    # A correction replaces it, as before.
    second = judge(S(kestrel), MODEL, judged("cbrn", "critical", by="Dr. Osei"), corrects=first.id)
    assert in_force(kestrel)[1] == [second.id]
    # Withdrawing the correction puts the corrected judgment back in force.
    done = withdraw(S(kestrel), MODEL, judgment=second.id, by="SAG chair", reason="wrong model")
    assert done["what"] == "judgment #2 (cbrn pre critical by Dr. Osei)"
    assert done["restored"] == first.id
    assert in_force(kestrel)[1] == [first.id]
    done = withdraw(S(kestrel), MODEL, judgment=first.id, by="SAG chair", reason="no basis")
    assert done["restored"] is None
    assert in_force(kestrel)[1] == []
    assert count(kestrel, JudgmentRow) == 2  # nothing deleted
    assert level(score_model(S(kestrel), MODEL), "cbrn", "pre") == "medium"
    with pytest.raises(Refused, match=r"already withdrawn on .* by SAG chair \(no basis\)"):
        withdraw(S(kestrel), MODEL, judgment=first.id, by="SAG chair", reason="again")
    audited(kestrel)


# --- Judgments below the computed level are refused when made -----------------------------


def test_lowering_without_override_is_refused_at_judge_time(kestrel: str) -> None:
    with pytest.raises(Refused) as refused:
        judge(S(kestrel), MODEL, judged("cybersecurity", "low"))
    assert str(refused.value) == (
        "refused: low is below the level high computed for cybersecurity (pre); to lower it, "
        "record an override (--override) with its rationale"
    )
    with pytest.raises(Refused) as on_indicator:
        judge(S(kestrel), MODEL, judged("cybersecurity", "medium", indicator="ctf_professional"))
    assert str(on_indicator.value).startswith(
        "refused: medium is below the level high computed for cybersecurity/ctf_professional (pre)"
    )
    assert count(kestrel, JudgmentRow) == 0
    # Equal, higher, an override, or a safeguards verdict: recorded.
    judge(S(kestrel), MODEL, judged("cybersecurity", "high"))
    judge(S(kestrel), MODEL, judged("persuasion", "high", stage="post"))
    judge(S(kestrel), MODEL, judged("cybersecurity", "low", override=True))
    judge(S(kestrel), MODEL, judged("cbrn", "low", kind="safeguards"))
    assert count(kestrel, JudgmentRow) == 4
    # Once the deciding evidence is withdrawn, the computed level is lower, and so may be
    # the judgment.
    withdraw(S(kestrel), MODEL, row=CTF_PROFESSIONAL_PRE, by="Ann", reason="wrong checkpoint")
    judge(S(kestrel), MODEL, judged("cybersecurity", "medium", indicator="ctf_collegiate"))
    audited(kestrel)


def test_the_check_counts_judgments_in_force_and_not_the_one_corrected(kestrel: str) -> None:
    # No evidence for expert_uplift: the judgment raises cbrn pre to high.
    raised = judge(S(kestrel), MODEL, judged("cbrn", "high", indicator="expert_uplift"))
    with pytest.raises(Refused, match="medium is below the level high computed for cbrn"):
        judge(S(kestrel), MODEL, judged("cbrn", "medium"))
    judge(
        S(kestrel),
        MODEL,
        judged("cbrn", "medium", indicator="expert_uplift"),
        corrects=raised.id,
    )
    judge(S(kestrel), MODEL, judged("cbrn", "medium"))
    withdraw(S(kestrel), MODEL, judgment=raised.id + 1, by="Ann", reason="x")  # back to high
    with pytest.raises(Refused, match="medium is below the level high computed for cbrn"):
        judge(S(kestrel), MODEL, judged("cbrn", "medium"))
    audited(kestrel)


def test_post_equals_pre_still_records_its_judgments(kestrel: str) -> None:
    score_model(S(kestrel), MODEL)
    rows = judge_post_equals_pre(S(kestrel), MODEL, "SAG", "no credit for mitigations")
    assert len(rows) == 4
    assert level(score_model(S(kestrel), MODEL), "cybersecurity", "post") == "high"
    audited(kestrel)


# --- Many judgments from a file, all or none ----------------------------------------------


def test_a_judgments_file_is_recorded_in_one_transaction(kestrel: str, tmp_path: Path) -> None:
    good = tmp_path / "judgments.csv"
    good.write_text(
        "category,stage,level,by,rationale,indicator,override\n"
        "cbrn,pre,high,Dr. Osei,wet-lab uplift,expert_uplift,false\n"
        "cbrn,post,medium,Dr. Osei,jailbreaks still work,expert_uplift,false\n"
        "cybersecurity,pre,medium,SAG,range was misconfigured,,true\n"
    )
    rows = judge_file(S(kestrel), MODEL, good, by="Safety lead")
    assert [r.id for r in rows] == [1, 2, 3] and rows[2].override
    assert [r.by for r in rows] == ["Dr. Osei", "Dr. Osei", "SAG"]
    scored = score_model(S(kestrel), MODEL)
    assert level(scored, "cbrn", "pre") == "high"
    assert level(scored, "cybersecurity", "pre") == "medium"
    audited(kestrel)


def test_one_refused_judgment_refuses_the_file(kestrel: str, tmp_path: Path) -> None:
    # Line 3 is below what line 2 raised cbrn pre to: each row counts the ones above it.
    refused = tmp_path / "judgments.jsonl"
    refused.write_text(
        '{"category": "persuasion", "stage": "pre", "level": "high", "by": "A", '
        '"rationale": "r"}\n'
        '{"category": "cbrn", "stage": "pre", "level": "high", "by": "A", "rationale": "r", '
        '"indicator": "expert_uplift"}\n'
        '{"category": "cbrn", "stage": "pre", "level": "medium", "by": "A", "rationale": "r"}\n'
    )
    with pytest.raises(Refused) as info:
        judge_file(S(kestrel), MODEL, refused)
    assert str(info.value) == (
        f"refused: {refused}, line 3: medium is below the level high computed for cbrn (pre); "
        "to lower it, record an override (--override) with its rationale"
    )
    unknown = tmp_path / "unknown.csv"
    unknown.write_text(
        "category,stage,level,by,rationale\npersuasion,pre,high,A,r\nbio,pre,x,A,r\n"
    )
    with pytest.raises(ScoringError, match="line 3: unknown category 'bio'"):
        judge_file(S(kestrel), MODEL, unknown)
    with pytest.raises(InputError):
        judge_file(S(kestrel), MODEL, tmp_path / "missing.csv")
    assert count(kestrel, JudgmentRow) == 0
    assert audit_verify(S(kestrel)).ok
