"""Who may act: the roster, the signed-records policy, and signed judgments, mitigations and
decisions. Attack first: today anyone records a leadership decision as "CEO"; then each rule
that stops it, each refusal leaving the record as it was. SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, func, insert, select, update
from sqlalchemy.pool import NullPool

from scorecard.commands import (
    attest,
    audit_log,
    audit_verify,
    decide,
    judge,
    judge_post_equals_pre,
    load_signer,
    mitigate,
    policy_require_signed,
    policy_show,
    roster_add,
    roster_list,
    roster_revoke,
    score_model,
)
from scorecard.db.engine import resolve_url
from scorecard.db.schema import (
    AuditEvent,
    Decision,
    JudgmentRow,
    Mitigation,
    PolicySetting,
    RecordSignature,
    RosterEntry,
)
from scorecard.errors import NotFound, Refused, ScorecardError, UsageError
from scorecard.records import signatures
from scorecard.records.session import reading
from scorecard.sign.keys import Identity, new_identity
from tests.conftest import S, judged
from tests.identities import PASSPHRASE, Person, make_people, person

MODEL = "Kestrel-2"
TABLES = (
    Decision,
    JudgmentRow,
    Mitigation,
    RecordSignature,
    RosterEntry,
    PolicySetting,
    AuditEvent,
)


@pytest.fixture(scope="session")
def people(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Person]:
    return make_people(tmp_path_factory.mktemp("people"))


@pytest.fixture
def scored(kestrel: str) -> str:
    """The example model, scored: decisions can be taken on scorecard #1."""
    score_model(S(kestrel), MODEL, by="Eval lead")
    return kestrel


def counts(url: str) -> dict[str, int]:
    with reading(url) as session:
        return {
            t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0
            for t in TABLES
        }


def problems(url: str) -> list[str]:
    with reading(url) as session:
        return signatures.verify_all(session)


@contextmanager
def raw_sql(url: str) -> Iterator[Connection]:
    """A plain connection behind scorecard's back, as someone with database access has."""
    engine = create_engine(resolve_url(url), poolclass=NullPool)
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()


def staff(url: str, people: dict[str, Person], *roles: str) -> None:
    """Put the person for each role on the roster (safety: the safety lead)."""
    holder = {"sag": "sag", "leadership": "ceo", "board": "board", "safety": "safety"}
    for role in roles:
        roster_add(S(url), role, people[holder[role]].cert, by="Admin", rationale="appointed")


def sag_says(url: str, signer: Identity | None = None) -> Decision:
    return decide(
        S(url),
        MODEL,
        "do-not-deploy",
        "sag",
        None if signer else "SAG chair",
        "Not yet",
        signer=signer,
    )


# --- The attack: today anyone is anyone ---------------------------------------------------


def test_today_anyone_records_a_leadership_decision_as_ceo(scored: str) -> None:
    """No policy, no roster: one OS user records the SAG's and the CEO's decision alike, and
    nothing ties "CEO" to a person. This stays so by default: unsigned commands keep working."""
    sag_says(scored)
    forged = decide(S(scored), MODEL, "do-not-deploy", "leadership", "CEO", "Agreed")
    judge(S(scored), MODEL, judged("cbrn", "high", by="Anyone"))
    mitigate(S(scored), MODEL, "cybersecurity", "Anyone", "Refusal training")
    assert forged.by == "CEO" and forged.role == "leadership"
    assert counts(scored)["record_signatures"] == 0
    assert problems(scored) == []
    assert audit_verify(S(scored)).ok


def test_policy_refuses_an_unsigned_decision_and_stores_nothing(
    scored: str, people: dict[str, Person]
) -> None:
    staff(scored, people, "sag", "leadership")
    change = policy_require_signed(S(scored), ["leadership"], "Board secretary", "Charter s.4")
    assert change.require_signed == ["leadership"] and change.unstaffed == []
    sag_says(scored)  # sag is not required to sign
    before = counts(scored)
    with pytest.raises(Refused) as refused:
        decide(S(scored), MODEL, "do-not-deploy", "leadership", "CEO", "Agreed")
    assert str(refused.value) == (
        "refused: the policy requires signed leadership records, and this one is not signed; "
        "sign it with a key whose certificate is on the roster as leadership"
    )
    assert refused.value.exit_code == 1
    assert counts(scored) == before
    signed = decide(
        S(scored),
        MODEL,
        "do-not-deploy",
        "leadership",
        None,
        "Agreed",
        signer=people["ceo"].identity,
    )
    assert signed.by == "CEO"  # the certificate's common name
    assert problems(scored) == []


def test_a_signature_by_someone_not_on_the_roster_is_refused(
    scored: str, people: dict[str, Person]
) -> None:
    staff(scored, people, "sag", "leadership", "safety")
    sag_says(scored, people["sag"].identity)
    before = counts(scored)
    mallory = people["mallory"].identity
    # No policy: the roster has someone for leadership, so only they may sign for it.
    with pytest.raises(Refused, match="is not on the roster as leadership") as refused:
        decide(S(scored), MODEL, "do-not-deploy", "leadership", "CEO", "x", signer=mallory)
    assert str(refused.value) == (
        f"refused: the certificate of Mallory ({mallory.info.sha256[:16]}…) is not on the "
        "roster as leadership"
    )
    # Someone on the roster in another role is told so.
    with pytest.raises(
        Refused, match=r"not on the roster as safety \(it is on the roster as sag\)"
    ):
        judge(S(scored), MODEL, judged("cbrn", "high"), signer=people["sag"].identity)
    assert counts(scored) == before
    # With the policy, only the safety lead's signature makes a judgment or a mitigation.
    policy_require_signed(S(scored), ["safety"], "Admin", "all judgments signed")
    with pytest.raises(Refused, match="is not on the roster as safety"):
        judge(S(scored), MODEL, judged("cbrn", "high"), signer=mallory)
    with pytest.raises(Refused, match="requires signed safety records"):
        mitigate(S(scored), MODEL, "cybersecurity", "Anyone", "Refusal training")
    assert counts(scored)["judgments"] == before["judgments"]
    assert counts(scored)["mitigations"] == before["mitigations"]
    judge(S(scored), MODEL, judged("cbrn", "high"), signer=people["safety"].identity)
    assert problems(scored) == []


def test_without_roster_or_policy_any_signature_is_kept(
    scored: str, people: dict[str, Person]
) -> None:
    mallory = people["mallory"].identity
    row = sag_says(scored, mallory)
    assert row.by == "Mallory"
    assert problems(scored) == []
    # Once signing is required, nobody on the roster means nobody may sign.
    change = policy_require_signed(S(scored), ["sag"], "Admin", "signed")
    assert change.unstaffed == ["sag"]
    with pytest.raises(Refused, match="is not on the roster as sag"):
        sag_says(scored, mallory)


def test_one_person_holds_one_role(db: str, people: dict[str, Person], tmp_path: Path) -> None:
    staff(db, people, "sag")
    sag = people["sag"]
    before = counts(db)
    with pytest.raises(Refused) as refused:
        roster_add(S(db), "leadership", sag.cert, by="Admin")
    assert str(refused.value) == (
        f"refused: this certificate is on the roster as sag (entry #1); one person may hold one "
        f"role only, so SAG Chair ({sag.identity.info.sha256[:16]}…) cannot be added as leadership"
    )
    with pytest.raises(Refused, match="already on the roster as sag"):
        roster_add(S(db), "sag", sag.cert, by="Admin")
    # A second certificate of the same person (same subject) is refused as well.
    again = person(tmp_path, "sag", "SAG Chair")
    with pytest.raises(Refused, match="a certificate of the same subject is on the roster as sag"):
        roster_add(S(db), "board", again.cert, by="Admin")
    assert counts(db) == before
    # ... but may replace the first in the same role.
    roster_add(S(db), "sag", again.cert, by="Admin", rationale="new laptop")
    assert [e.role for e in roster_list(S(db))] == ["sag", "sag"]


def test_roster_refuses_what_is_not_a_valid_certificate(
    db: str, people: dict[str, Person], tmp_path: Path
) -> None:
    key = people["sag"].key
    with pytest.raises(Refused, match=rf"refused: {key} is not a certificate \(PEM or DER"):
        roster_add(S(db), "sag", key, by="Admin")
    cert, _ = new_identity("Old", "old@example.org", tmp_path / "old", PASSPHRASE, days=0)
    with pytest.raises(Refused, match=r"refused: the certificate of Old \(.*\) expired on "):
        roster_add(S(db), "sag", cert, by="Admin")
    with pytest.raises(UsageError, match="unknown role 'ceo'"):
        roster_add(S(db), "ceo", people["ceo"].cert, by="Admin")
    with pytest.raises(NotFound):
        roster_add(S(db), "sag", tmp_path / "missing.pem", by="Admin")
    assert counts(db)["roster"] == 0


def test_a_revoked_certificate_is_refused(scored: str, people: dict[str, Person]) -> None:
    staff(scored, people, "sag", "leadership")
    ceo = people["ceo"]
    sag_says(scored, people["sag"].identity)
    revocation = roster_revoke(
        S(scored),
        by="Board secretary",
        rationale="left the company",
        role="leadership",
        cert=ceo.cert,
    )
    assert (revocation.action, revocation.revokes_id) == ("revoke", 2)
    with reading(scored) as session:  # kept, never deleted
        assert session.scalar(select(func.count()).select_from(RosterEntry)) == 3
    assert [e.role for e in roster_list(S(scored))] == ["sag"]
    before = counts(scored)
    with pytest.raises(Refused) as refused:
        decide(S(scored), MODEL, "do-not-deploy", "leadership", None, "x", signer=ceo.identity)
    assert str(refused.value) == (
        f"refused: the certificate of CEO ({ceo.identity.info.sha256[:16]}…) was revoked from "
        "the roster as leadership (entry #2, revoked by entry #3)"
    )
    assert counts(scored) == before
    with pytest.raises(Refused, match=r"roster entry #2 was already revoked \(entry #3\)"):
        roster_revoke(S(scored), by="A", rationale="again", entry_id=2)
    with pytest.raises(NotFound, match="is not on the roster as leadership"):
        roster_revoke(S(scored), by="A", rationale="again", role="leadership", cert=ceo.cert)
    with pytest.raises(NotFound, match="no entry #3 to revoke"):
        roster_revoke(S(scored), by="A", rationale="a revocation", entry_id=3)
    with pytest.raises(UsageError, match="written rationale"):
        roster_revoke(S(scored), by="A", rationale=" ", entry_id=1)
    with pytest.raises(UsageError, match="by its id, or by its role and certificate"):
        roster_revoke(S(scored), by="A", rationale="x", entry_id=1, role="sag")
    # Once revoked, the same certificate may be added to another role.
    roster_add(S(scored), "board", ceo.cert, by="Admin", rationale="now on the board")


def test_one_certificate_cannot_decide_in_two_roles_on_one_scorecard(
    scored: str, people: dict[str, Person]
) -> None:
    sag = people["sag"].identity
    first = sag_says(scored, sag)
    before = counts(scored)
    with pytest.raises(Refused) as refused:
        decide(S(scored), MODEL, "do-not-deploy", "leadership", None, "x", signer=sag)
    assert str(refused.value) == (
        f"refused: SAG Chair ({sag.info.sha256[:16]}…) signed the sag decision #{first.id} on "
        "scorecard #1; one person cannot decide as sag and as leadership"
    )
    assert counts(scored) == before
    sag_says(scored, sag)  # the same role again is fine


def test_signed_records_verify(scored: str, people: dict[str, Person]) -> None:
    staff(scored, people, "sag", "leadership", "board", "safety")
    policy_require_signed(
        S(scored), ["sag", "leadership", "board", "safety"], "Admin", "everything signed"
    )
    safety = people["safety"].identity
    judgment = judge(S(scored), MODEL, judged("cbrn", "high", by="Safety Lead"), signer=safety)
    mitigation = mitigate(
        S(scored), MODEL, "cybersecurity", None, "Refusal training", signer=safety
    )
    assert mitigation.by == "Safety Lead"
    score_model(S(scored), MODEL, by="Eval lead")
    sag_says(scored, people["sag"].identity)
    decide(
        S(scored),
        MODEL,
        "do-not-deploy",
        "leadership",
        None,
        "Agreed",
        signer=people["ceo"].identity,
    )
    # Deploying needs hardened security attested (pre-mitigation cybersecurity is high); the
    # policy requires safety records signed, and the attestation is one.
    attestation = attest(S(scored), MODEL, "security", None, "Enclave in place", signer=safety)
    assert attestation.by == "Safety Lead"
    board = decide(
        S(scored), MODEL, "deploy", "board", None, "Reverse", signer=people["board"].identity
    )  # RSA
    assert board.reverses_id is not None
    assert counts(scored)["record_signatures"] == 6
    assert problems(scored) == []
    assert audit_verify(S(scored)).ok
    with reading(scored) as session:
        stored = signatures.for_record(session, "judgment", judgment.id)
        assert [(s.role, s.cert_sha256) for s in stored] == [("safety", safety.info.sha256)]
        decided = session.scalars(
            select(RecordSignature).where(RecordSignature.entity == "decision")
        ).all()
        assert [s.role for s in decided] == ["sag", "leadership", "board"]
    # post = pre signs each judgment.
    rows = judge_post_equals_pre(S(scored), MODEL, None, "cautious", signer=safety)
    assert counts(scored)["record_signatures"] == 6 + len(rows)
    assert problems(scored) == []


def test_an_edit_in_sql_shows(scored: str, people: dict[str, Person]) -> None:
    staff(scored, people, "sag")
    policy_require_signed(S(scored), ["sag"], "Admin", "signed")
    decision = sag_says(scored, people["sag"].identity)
    assert problems(scored) == []
    with raw_sql(scored) as connection:
        connection.execute(
            update(Decision).where(Decision.id == decision.id).values(rationale="Ship it")
        )
    assert problems(scored) == [
        "record signature #1 (decision #1): the record changed since it was signed"
    ]


def test_an_unsigned_record_slipped_in_by_sql_shows(scored: str, people: dict[str, Person]) -> None:
    staff(scored, people, "sag", "leadership")
    policy_require_signed(S(scored), ["leadership"], "Admin", "signed")
    sag_says(scored, people["sag"].identity)
    with raw_sql(scored) as connection:
        row = connection.execute(select(Decision.__table__)).mappings().one()
        values = {k: v for k, v in row.items() if k != "id"}
        values.update(role="leadership", by="CEO")
        connection.execute(insert(Decision.__table__).values(**values))
    found = problems(scored)
    assert len(found) == 1
    assert found[0].startswith(
        "decision #2 (leadership) is not signed, though the policy required signed leadership "
        "records when it was recorded"
    )


def test_a_signature_moved_to_another_certificate_shows(
    scored: str, people: dict[str, Person]
) -> None:
    sag_says(scored, people["sag"].identity)
    mallory = people["mallory"].identity
    from scorecard.records.roster import pem_of

    with raw_sql(scored) as connection:
        connection.execute(
            update(RecordSignature).values(
                cert_pem=pem_of(mallory.certificate), cert_sha256=mallory.info.sha256
            )
        )
    assert problems(scored) == ["record signature #1 (decision #1): the signature does not verify"]


def test_changes_to_policy_and_roster_are_audited(scored: str, people: dict[str, Person]) -> None:
    staff(scored, people, "sag")
    policy_require_signed(S(scored), ["sag"], "Admin", "signed")
    sag_says(scored, people["sag"].identity)
    roster_revoke(S(scored), by="Admin", rationale="rotated", entry_id=1)
    policy_require_signed(S(scored), [], "Admin", "pilot over")
    events = audit_log(S(scored))
    actions = [e["action"] for e in events]
    for action in ("roster.add", "policy.set", "record_signature.add", "roster.revoke"):
        assert action in actions
    entities = {e["entity"] for e in events}
    assert {"roster", "policy", "record_signature"} <= entities
    revoked = next(e for e in events if e["action"] == "roster.revoke")
    assert revoked["actor"] == "Admin" and "revoked by Admin" in revoked["summary"]
    assert audit_verify(S(scored)).ok
    shown = policy_show(S(scored))
    assert shown.require_signed == [] and shown.rationale == "pilot over"
    # No role required any more: unsigned records are welcome again.
    sag_says(scored)


def test_policy_validates_its_input(db: str) -> None:
    assert policy_show(S(db)).id is None
    with pytest.raises(UsageError, match="unknown role 'ceo'"):
        policy_require_signed(S(db), ["ceo"], "Admin", "x")
    with pytest.raises(UsageError, match="written rationale"):
        policy_require_signed(S(db), ["sag"], "Admin", "")
    change = policy_require_signed(S(db), ["safety", "sag", "sag"], "Admin", "x")
    assert change.require_signed == ["sag", "safety"]
    assert change.unstaffed == ["sag", "safety"]
    assert counts(db)["policies"] == 1


def test_load_signer_refuses_a_wrong_passphrase(people: dict[str, Person]) -> None:
    sag = people["sag"]
    with pytest.raises(ScorecardError, match="cannot load the signing key"):
        load_signer(sag.key, sag.cert, b"wrong")
    with pytest.raises(ScorecardError, match="does not match the certificate"):
        load_signer(sag.key, people["ceo"].cert, PASSPHRASE)
