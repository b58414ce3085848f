"""Attacks on a signed card that need no broken signature: lying pages, one person in two
roles, a card the database has moved past, a record rewritten in SQL."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from scorecard.card.attachment import extract
from scorecard.card.pages import page_words
from scorecard.card.roles import RoleTrust
from scorecard.commands import decide, render, score_model, sign, verify
from scorecard.db.engine import resolve_url
from scorecard.errors import CheckFailed
from scorecard.render.html import render_html, stylesheet
from scorecard.render.pdf import write_pdf
from scorecard.sign.signer import sign_pdf
from tests.card.conftest import PASSPHRASE, signed_twice
from tests.conftest import S

Identities = dict[str, tuple[Path, Path]]


def failed(report: Any) -> dict[str, str]:
    return {c.name: c.detail for c in report.checks if not c.ok}


def trust(ids: Identities) -> list[Path]:
    return [ids["sag"][0], ids["ceo"][0]]


def test_a_page_that_contradicts_the_record_fails_naming_the_page(
    card: tuple[str, Path], identities: Identities, tmp_path: Path
) -> None:
    """Pages printed from a doctored copy (cybersecurity pre LOW), the true record attached
    (HIGH), signed by both trusted signers: every signature is good, the pages lie."""
    db, honest = card
    record = json.loads(extract(honest))
    lying = copy.deepcopy(record)
    for category in lying["scorecard"]["result"]["categories"]:
        if category["id"] == "cybersecurity":
            category["pre"]["level"] = "low"
            category["stages"]["pre"]["level"] = "low"
    pdf = tmp_path / "lying.pdf"
    write_pdf(render_html(lying), stylesheet(), record, pdf)
    signed_twice(db, pdf, identities)
    report = verify(pdf, trust(identities))
    problems = failed(report)
    assert set(problems) == {"pages"}, problems
    assert problems["pages"].startswith("page ")
    assert "LOW" in problems["pages"] and "HIGH" in problems["pages"]


def test_one_key_cannot_sign_in_two_roles(card: tuple[str, Path], identities: Identities) -> None:
    db, pdf = card
    cert, key = identities["ceo"]
    for role in ("SAG chair", "CEO"):
        sign(S(db), pdf, pdf, key=key, cert=cert, passphrase=PASSPHRASE, role=role)
    report = verify(pdf, [cert])
    assert "the same certificate" in failed(report)["roles"]
    bound = [RoleTrust("sag chair", cert), RoleTrust("ceo", cert)]
    assert "bound to the same certificate" in failed(verify(pdf, [], None, bound))["roles"]


def test_a_role_must_be_signed_with_its_own_certificate(
    card: tuple[str, Path], identities: Identities
) -> None:
    db, pdf = card
    signed_twice(db, pdf, identities)
    right = [RoleTrust("SAG", identities["sag"][0]), RoleTrust("ceo", identities["ceo"][0])]
    assert verify(pdf, [], S(db), right).ok
    swapped = [RoleTrust("SAG chair", identities["ceo"][0]), RoleTrust("CEO", identities["sag"][0])]
    problems = failed(verify(pdf, [], None, swapped))
    assert (
        "SAG chair is signed by Dr. Jonas Berg, not with the certificate given" in problems["roles"]
    )
    unknown = failed(
        verify(pdf, trust(identities), None, [RoleTrust("Janitor", identities["sag"][0])])
    )
    assert "'Janitor' is not a signing role of preparedness-v1" in unknown["roles"]


def _sql(db: str, statement: str) -> None:
    engine = create_engine(resolve_url(db), poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()


def test_the_database_binding(card: tuple[str, Path], identities: Identities) -> None:
    db, pdf = card
    signed_twice(db, pdf, identities)
    assert verify(pdf, trust(identities), S(db)).ok
    # The board reverses leadership; then the scorecard is superseded.
    decide(S(db), "Kestrel-2", "deploy", "leadership", "CEO", "ship it")
    decide(S(db), "Kestrel-2", "do-not-deploy", "board", "Board", "not yet")
    reversed_ = failed(verify(pdf, trust(identities), S(db)))["database"]
    assert "was reversed by the board" in reversed_
    score_model(S(db), "Kestrel-2", by="tester", policy="upper-ci")
    assert (
        "is not current: #2 replaced it"
        in failed(verify(pdf, trust(identities), S(db)))["database"]
    )


def test_a_rewritten_stored_result_is_caught(
    card: tuple[str, Path], identities: Identities
) -> None:
    db, pdf = card
    signed_twice(db, pdf, identities)
    _sql(db, "UPDATE scorecards SET result_json = replace(result_json, '\"high\"', '\"low\"')")
    problems = failed(verify(pdf, trust(identities), S(db)))["database"]
    assert "no longer matches its own hash" in problems
    assert "another result than the database" in problems


def test_a_card_whose_audit_head_was_cut_from_the_chain(
    card: tuple[str, Path], identities: Identities
) -> None:
    db, pdf = card
    signed_twice(db, pdf, identities)
    record = json.loads(extract(pdf))
    head = record["audit_head"]
    _sql(db, f"UPDATE audit_events SET hash = 'x' || substr(hash, 2) WHERE hash = '{head}'")
    assert "is not in the audit chain" in failed(verify(pdf, trust(identities), S(db)))["database"]


def test_a_card_signed_outside_the_record_is_not_bound_to_it(
    card: tuple[str, Path], identities: Identities, tmp_path: Path
) -> None:
    """Signed with the same trusted keys, but never recorded: the database does not know it."""
    db, pdf = card
    for role, name in (("sag", "Dr. Jonas Berg"), ("ceo", "Alex Moreau")):
        cert, key = identities[role]
        sign_pdf(pdf, pdf, key=key, cert=cert, passphrase=PASSPHRASE, role=role, name=name)
    assert verify(pdf, trust(identities)).ok
    problems = failed(verify(pdf, trust(identities), S(db)))["database"]
    assert "is not a signed card recorded for scorecard #1" in problems
    assert "Signature1 was never recorded as signed" in problems


@pytest.mark.parametrize(
    "damage",
    [
        lambda c: c.pop("model"),
        lambda c: c.__setitem__("scorecard", "x"),
        lambda c: c["scorecard"].__setitem__("result", {"categories": 7}),
        lambda c: c.__setitem__("framework", {"files": {"framework.toml": "id = 3"}}),
        lambda c: c.__setitem__("evidence", [{"stage": None}]),
    ],
)
def test_a_malformed_attachment_is_a_failed_check(
    card: tuple[str, Path], identities: Identities, tmp_path: Path, damage: Any
) -> None:
    db, honest = card
    record = json.loads(extract(honest))
    hostile = copy.deepcopy(record)
    damage(hostile)
    pdf = tmp_path / "hostile.pdf"
    write_pdf(render_html(record), stylesheet(), hostile, pdf)
    report = verify(pdf, trust(identities))
    assert not report.ok and failed(report)
    before = pdf.read_bytes()
    cert, key = identities["sag"]
    with pytest.raises(CheckFailed, match=r"malformed|refusing to sign"):  # and nothing written
        sign(S(db), pdf, pdf, key=key, cert=cert, passphrase=PASSPHRASE, role="SAG chair")
    assert pdf.read_bytes() == before


def test_a_shadowing_pack_is_refused_and_once_allowed_the_card_says_so(
    kestrel: str, pack_copy: Any, tmp_path: Path
) -> None:
    """A fork of preparedness-v1 whose deploy gate lets high through: refused by default;
    allowed explicitly, the card and verify both say the pack is not the bundled one."""
    from scorecard.errors import FrameworkError

    fork = pack_copy("preparedness-v1")
    header = fork / "framework.toml"
    header.write_text(header.read_text().replace('at_most = "medium"', 'at_most = "high"', 1))
    settings = S(kestrel, framework_path=(fork.parent,))
    with pytest.raises(FrameworkError, match="reuses the id 'preparedness-v1'"):
        score_model(settings, "Kestrel-2")
    score_model(settings.using(allow_shadow=True), "Kestrel-2")
    pdf = tmp_path / "card.pdf"
    render(S(kestrel), "Kestrel-2", pdf)
    pages = " ".join(" ".join(p) for p in page_words(pdf.read_bytes()))
    assert "a team's own pack with the id preparedness-v1: NOT the bundled one" in pages
    report = verify(pdf)
    assert any("NOT the bundled pack of this id" in note for note in report.notes)


def test_a_failed_record_leaves_the_pdf_as_it_was(
    card: tuple[str, Path], identities: Identities, tmp_path: Path
) -> None:
    """Signing against a database that does not hold the card's model: the signature is made,
    the record fails, and the PDF is byte for byte as it was, with no temporary file left."""
    from scorecard.commands import init
    from scorecard.errors import NotFound

    _, pdf = card
    before = pdf.read_bytes()
    empty_db = f"sqlite:///{tmp_path / 'another.db'}"
    init(S(empty_db))
    cert, key = identities["sag"]
    with pytest.raises(NotFound, match="no model 'Kestrel-2'"):
        sign(S(empty_db), pdf, pdf, key=key, cert=cert, passphrase=PASSPHRASE, role="SAG chair")
    assert pdf.read_bytes() == before
    assert [p.name for p in pdf.parent.iterdir() if p.name.startswith(".")] == []
