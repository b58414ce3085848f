"""Withdrawn evidence and judgments on the card: shown and marked, skipped when the levels are
recomputed, and bound to the database: a card that brings a withdrawn row back fails."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from scorecard.card.recompute import recompute
from scorecard.commands import (
    decide,
    ingest,
    judge,
    render,
    score_model,
    sign,
    verify,
    withdraw,
)
from scorecard.errors import CheckFailed
from scorecard.render.html import render_html, stylesheet, view
from scorecard.render.pdf import write_pdf
from tests.card.conftest import PASSPHRASE, signed_twice
from tests.conftest import S, judged

Identities = dict[str, tuple[Path, Path]]
MODEL = "Kestrel-2"
CTF_PROFESSIONAL_PRE = 3  # sets cybersecurity pre to high
WMDP_CYBER_PRE = 5  # low: sets nothing


@pytest.fixture
def withdrawn(kestrel: str, tmp_path: Path) -> tuple[str, Path, dict[str, Any]]:
    """A card rendered after two evidence rows and a judgment were withdrawn."""
    judge(S(kestrel), MODEL, judged("persuasion", "high", stage="post", by="Red team lead"))
    withdraw(S(kestrel), MODEL, judgment=1, by="SAG chair", reason="recorded on the wrong model")
    withdraw(S(kestrel), MODEL, row=CTF_PROFESSIONAL_PRE, by="Eval lead", reason="wrong checkpoint")
    withdraw(S(kestrel), MODEL, row=WMDP_CYBER_PRE, by="Eval lead", reason="contaminated")
    # The professional CTF is required for cybersecurity: its rerun on the right checkpoint.
    rerun = tmp_path / "ctf-rerun.csv"
    rerun.write_text("stage,task,metric,value\npre,ctf_professional,accuracy,0.30\n")
    ingest(S(kestrel), [rerun], MODEL, "pre", by="Eval lead")
    score_model(S(kestrel), MODEL, by="Eval lead")
    decide(S(kestrel), MODEL, "deploy", "sag", "SAG chair", "post is medium")
    pdf = tmp_path / "card.pdf"
    return kestrel, pdf, render(S(kestrel), MODEL, pdf)


def failed(report: Any) -> dict[str, str]:
    return {c.name: c.detail for c in report.checks if not c.ok}


def trust(ids: Identities) -> list[Path]:
    return [ids["sag"][0], ids["ceo"][0]]


def _marked(card: dict[str, Any], row_id: int) -> Any:
    return next(e for e in card["evidence"] if e["id"] == row_id)["withdrawn"]


def test_the_card_marks_what_is_withdrawn_and_recomputes_without_it(
    withdrawn: tuple[str, Path, dict[str, Any]],
) -> None:
    _, _, card = withdrawn
    assert _marked(card, CTF_PROFESSIONAL_PRE)["by"] == "Eval lead"
    assert _marked(card, CTF_PROFESSIONAL_PRE)["reason"] == "wrong checkpoint"
    assert _marked(card, WMDP_CYBER_PRE)["reason"] == "contaminated"
    assert sum(1 for e in card["evidence"] if e["withdrawn"]) == 2
    assert all(s["withdrawn"] is None for s in card["sources"])
    [gone] = card["judgments"]
    assert gone["id"] == 1 and gone["withdrawn"]["reason"] == "recorded on the wrong model"
    assert recompute(card) == []
    cyber = next(c for c in card["scorecard"]["result"]["categories"] if c["id"] == "cybersecurity")
    assert cyber["stages"]["pre"]["level"] == "medium"
    # The pages: the withdrawn judgment is not among the category's ratings; the provenance
    # lists what was withdrawn, by whom and why.
    persuasion = next(c for c in view(card)["categories"] if c["id"] == "persuasion")
    assert persuasion["judgments"] == []
    html = render_html(card)
    assert "<h3>Withdrawn</h3>" in html
    assert "evidence row #3 pre ctf_professional/accuracy = 0.64" in html
    assert "judgment #1 persuasion post high by Red team lead" in html
    assert "recorded on the wrong model" in html


def test_bringing_a_withdrawn_record_back_changes_the_recomputed_levels(
    withdrawn: tuple[str, Path, dict[str, Any]],
) -> None:
    _, _, card = withdrawn
    row_back = copy.deepcopy(card)
    next(e for e in row_back["evidence"] if e["id"] == CTF_PROFESSIONAL_PRE)["withdrawn"] = None
    assert any(
        p.startswith("cybersecurity (pre): the card states medium, its evidence gives high")
        for p in recompute(row_back)
    )
    judgment_back = copy.deepcopy(card)
    judgment_back["judgments"][0]["withdrawn"] = None
    assert any(
        p.startswith("persuasion (post): the card states medium") for p in recompute(judgment_back)
    )


def test_the_signed_card_is_bound_to_the_database(
    withdrawn: tuple[str, Path, dict[str, Any]], identities: Identities
) -> None:
    db, pdf, _ = withdrawn
    signed_twice(db, pdf, identities)
    report = verify(pdf, trust(identities), S(db))
    assert report.ok, failed(report)


def test_a_signed_card_that_counts_a_withdrawn_row_fails_against_the_database(
    withdrawn: tuple[str, Path, dict[str, Any]], identities: Identities, tmp_path: Path
) -> None:
    """The row brought back changes no level: the signatures, levels and pages all hold; only
    the database knows it was withdrawn."""
    db, _, card = withdrawn
    hostile = copy.deepcopy(card)
    next(e for e in hostile["evidence"] if e["id"] == WMDP_CYBER_PRE)["withdrawn"] = None
    pdf = tmp_path / "hostile.pdf"
    write_pdf(render_html(hostile), stylesheet(), hostile, pdf)
    signed_twice(db, pdf, identities)
    assert verify(pdf, trust(identities)).ok  # without the database, nothing shows
    problems = failed(verify(pdf, trust(identities), S(db)))
    assert set(problems) == {"database"}, problems
    assert "evidence row #5 was withdrawn on " in problems["database"]
    assert "by Eval lead (contaminated), but the card counts it" in problems["database"]


def test_a_card_that_changes_what_is_withdrawn_cannot_be_signed_or_fails(
    withdrawn: tuple[str, Path, dict[str, Any]], identities: Identities, tmp_path: Path
) -> None:
    db, _, card = withdrawn
    # Bringing back the row that set cybersecurity high: the levels no longer hold.
    hostile = copy.deepcopy(card)
    next(e for e in hostile["evidence"] if e["id"] == CTF_PROFESSIONAL_PRE)["withdrawn"] = None
    pdf = tmp_path / "hostile.pdf"
    write_pdf(render_html(hostile), stylesheet(), hostile, pdf)
    cert, key = identities["sag"]
    with pytest.raises(CheckFailed, match=r"refusing to sign.*cybersecurity \(pre\)"):
        sign(S(db), pdf, pdf, key=key, cert=cert, passphrase=PASSPHRASE, role="SAG chair")
    assert "cybersecurity (pre)" in failed(verify(pdf, trust(identities)))["levels"]
    # Marking withdrawn a row that is in force: the database disagrees.
    marked = copy.deepcopy(card)
    row = next(e for e in marked["evidence"] if e["task"] == "makemepay" and e["stage"] == "pre")
    row["withdrawn"] = {"by": "Mallory", "reason": "inconvenient", "at": "2025-01-01T00:00:00"}
    other = tmp_path / "marked.pdf"
    write_pdf(render_html(marked), stylesheet(), marked, other)
    signed_twice(db, other, identities)
    problems = failed(verify(other, trust(identities), S(db)))
    assert set(problems) == {"database"}, problems
    assert (
        f"evidence row #{row['id']} is marked withdrawn on the card, not in the database"
        in problems["database"]
    )
