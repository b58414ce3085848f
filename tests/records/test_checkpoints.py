"""Signed checkpoints: a chain rebuilt by someone with write access fails `audit verify --trust`.

The attack comes first, done as an attacker with database write access would do it: edit a
record in SQL, then recompute every record hash and event hash with scorecard's own functions.
Plain `audit verify` passes (the chain has no secret); a checkpoint signed by a trusted key
does not. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import NameOID
from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from scorecard.cli import app
from scorecard.commands import audit_log, audit_verify, decide, mitigate, score_model
from scorecard.commands.audit import checkpoint as checkpoint_command
from scorecard.db.schema import AuditEvent, Checkpoint
from scorecard.records import audit, checkpoints
from scorecard.records.session import writing
from scorecard.sign.keys import Identity, load_identity, new_identity
from tests.conftest import S
from tests.records.test_tamper import sql, tampering

PASSPHRASE = b"correct horse battery staple"


@dataclass(frozen=True)
class Signer:
    name: str
    cert: Path
    key: Path
    identity: Identity


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Signer]:
    """Alice checkpoints the record; Bob is another real signer; Mallory is the attacker."""
    folder = tmp_path_factory.mktemp("keys")
    found = {}
    for name in ("Alice", "Bob", "Mallory"):
        cert, key = new_identity(name, f"{name.lower()}@example.org", folder / name, PASSPHRASE)
        found[name] = Signer(name, cert, key, load_identity(key, cert, PASSPHRASE))
    return found


def sign_head(url: str, signer: Signer) -> Checkpoint:
    """A checkpoint of the current head, as `audit checkpoint` makes it (key already loaded)."""
    with writing(url) as session:
        return checkpoints.create(
            session,
            private_key=signer.identity.key,
            certificate=signer.identity.certificate,
            signer_name=signer.name,
            actor=signer.name,
        )


def where(point: Checkpoint) -> str:
    return f"checkpoint #{point.id} (event #{point.event_id}, signed by {point.signer})"


def rewritten(point: Checkpoint) -> str:
    return (
        f"{where(point)}: event #{point.event_id} no longer has the signed hash "
        f"{point.event_hash[:16]}…: the chain was rewritten up to it"
    )


def rebuild(url: str, edit: Callable[[Connection], object]) -> None:
    """The attack: change rows in SQL, then renumber the events 1..n and recompute every record
    hash and event hash with scorecard's own functions, so the chain verifies again."""
    with tampering(url) as c:
        edit(c)
        ids = c.execute(text("SELECT id FROM audit_events ORDER BY id")).scalars().all()
        for new, old in enumerate(ids, start=1):
            if new != old:
                sql(c, "UPDATE audit_events SET id = :n WHERE id = :o", n=new, o=old)
        with Session(bind=c) as session:
            previous = audit.GENESIS
            for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all():
                row = session.get(audit.AUDITED[event.entity], event.entity_id)
                assert row is not None
                children = (
                    audit._evidence_for(session, [event.entity_id]).get(event.entity_id, [])
                    if event.entity == "source"
                    else []
                )
                event.content_hash = audit.record_hash(event.entity, row, children)
                event.prev_hash = previous
                event.hash = audit._event_hash(event)
                previous = event.hash
            session.flush()


def delete_record(entity: str, row_id: int) -> Callable[[Connection], None]:
    """Delete a record and the event that describes it."""
    table = audit.AUDITED[entity].__tablename__

    def edit(c: Connection) -> None:
        assert sql(c, f"DELETE FROM {table} WHERE id = :i", i=row_id) == 1
        deleted = sql(
            c, "DELETE FROM audit_events WHERE entity = :e AND entity_id = :i", e=entity, i=row_id
        )
        assert deleted == 1

    return edit


def decided(url: str) -> None:
    """Scored, then a SAG recommendation (decision #1) and a leadership decision (#2)."""
    score_model(S(url), "Kestrel-2", by="Eval lead")
    decide(S(url), "Kestrel-2", "do-not-deploy", "sag", "SAG chair", "Not yet")
    decide(S(url), "Kestrel-2", "do-not-deploy", "leadership", "CEO", "Agree with the SAG")


def trusting(*signers: Signer) -> list[Path]:
    return [s.cert for s in signers]


# --- The attack ----------------------------------------------------------------------------


def test_a_rebuilt_chain_passes_plain_verify_but_not_a_trusted_checkpoint(
    kestrel: str, keys: dict[str, Signer]
) -> None:
    alice = keys["Alice"]
    score_model(S(kestrel), "Kestrel-2", by="Eval lead")
    before = checkpoint_command(S(kestrel), alice.key, alice.cert, PASSPHRASE)
    assert (before.signer, before.created_by) == ("Alice", "Alice")  # the certificate's name
    decide(S(kestrel), "Kestrel-2", "do-not-deploy", "sag", "SAG chair", "Not yet")
    decide(S(kestrel), "Kestrel-2", "do-not-deploy", "leadership", "CEO", "Agree with the SAG")
    after = checkpoint_command(S(kestrel), alice.key, alice.cert, PASSPHRASE, name="A. Smith")
    mitigate(S(kestrel), "Kestrel-2", "cbrn", "Safety systems", "Classifier on bio queries")
    last = checkpoint_command(S(kestrel), alice.key, alice.cert, PASSPHRASE)
    events = audit_log(S(kestrel))
    # Each checkpoint signs the head it saw and sits in the chain right after it.
    for point in (before, after, last):
        assert events[point.event_id - 1]["hash"] == point.event_hash
        assert events[point.event_id] == {
            **events[point.event_id],
            "action": "audit.checkpoint",
            "entity": "checkpoint",
            "entity_id": point.id,
        }
    intact = audit_verify(S(kestrel), trust=trusting(alice))
    assert intact.ok, intact.problems
    assert intact.checkpoints is not None
    assert (intact.checkpoints.trusted, intact.checkpoints.anchored_event) == (3, last.event_id)
    assert intact.checkpoints.unanchored == 0

    # Mallory edits the SAG's rationale and rebuilds every hash after it.
    rebuild(
        kestrel,
        lambda c: sql(c, "UPDATE decisions SET rationale = 'Ship it' WHERE id = 1"),
    )
    with tampering(kestrel) as c:
        assert c.execute(text("SELECT rationale FROM decisions WHERE id = 1")).scalar() == "Ship it"
    # The hole: the chain alone verifies.
    plain = audit_verify(S(kestrel))
    assert plain.ok, plain.problems
    assert plain.events == len(events) and plain.head != events[-1]["hash"]
    # A trusted checkpoint does not: the first one after the edit is named first.
    report = audit_verify(S(kestrel), trust=trusting(alice))
    assert not report.ok
    assert report.problems == [rewritten(after), rewritten(last)]
    assert where(after) == f"checkpoint #2 (event #{after.event_id}, signed by A. Smith)"
    assert report.checkpoints is not None
    assert report.checkpoints.anchored_event == before.event_id  # still intact
    # And a head printed before the edit is no longer in the chain.
    old = audit_verify(S(kestrel), expect_head=after.event_hash)
    assert old.problems == [
        f"the chain does not contain the expected head {after.event_hash[:16]}…: "
        "it was truncated or rebuilt since"
    ]


def test_truncating_events_below_a_checkpoint_is_caught(
    kestrel: str, keys: dict[str, Signer]
) -> None:
    """Both decisions removed, the checkpoint kept and re-linked: the event it signed is gone."""
    alice = keys["Alice"]
    decided(kestrel)
    point = sign_head(kestrel, alice)

    def truncate(c: Connection) -> None:
        delete_record("decision", 2)(c)
        delete_record("decision", 1)(c)

    rebuild(kestrel, truncate)
    plain = audit_verify(S(kestrel))
    assert plain.ok, plain.problems
    assert plain.events == point.event_id - 1  # the checkpoint's own event is now the last
    report = audit_verify(S(kestrel), trust=trusting(alice))
    assert report.problems == [
        f"{where(point)}: event #{point.event_id} is missing: the chain was truncated or "
        "rebuilt below the checkpoint"
    ]


def test_deleting_every_checkpoint_is_caught_under_trust(
    kestrel: str, keys: dict[str, Signer]
) -> None:
    alice = keys["Alice"]
    score_model(S(kestrel), "Kestrel-2", by="Eval lead")
    first = sign_head(kestrel, alice)
    decided_head = decide(S(kestrel), "Kestrel-2", "do-not-deploy", "sag", "SAG chair", "Not yet")
    assert decided_head.id == 1
    second = sign_head(kestrel, alice)

    def edit_and_drop(c: Connection) -> None:
        sql(c, "UPDATE decisions SET rationale = 'Ship it' WHERE id = 1")
        delete_record("checkpoint", second.id)(c)
        delete_record("checkpoint", first.id)(c)

    rebuild(kestrel, edit_and_drop)
    plain = audit_verify(S(kestrel))
    assert plain.ok, plain.problems
    assert plain.checkpoints is not None and plain.checkpoints.checkpoints == 0
    report = audit_verify(S(kestrel), trust=trusting(alice))
    assert report.problems == [
        "no checkpoint signed by a trusted certificate: the chain could have been rebuilt"
    ]


def test_truncating_the_tail_with_its_checkpoint_needs_the_head_kept_elsewhere(
    kestrel: str, keys: dict[str, Signer]
) -> None:
    """An earlier checkpoint survives a cut above it: the printed head is what catches that."""
    alice = keys["Alice"]
    score_model(S(kestrel), "Kestrel-2", by="Eval lead")
    first = sign_head(kestrel, alice)
    decide(S(kestrel), "Kestrel-2", "do-not-deploy", "sag", "SAG chair", "Not yet")
    second = sign_head(kestrel, alice)
    printed = audit_verify(S(kestrel)).head  # as a card would print it

    def cut(c: Connection) -> None:
        delete_record("checkpoint", second.id)(c)
        delete_record("decision", 1)(c)

    rebuild(kestrel, cut)
    report = audit_verify(S(kestrel), trust=trusting(alice))
    assert report.ok, report.problems
    assert report.checkpoints is not None and report.checkpoints.anchored_event == first.event_id
    caught = audit_verify(S(kestrel), expect_head=printed, trust=trusting(alice))
    assert caught.problems == [
        f"the chain does not contain the expected head {printed[:16]}…: "
        "it was truncated or rebuilt since"
    ]


def test_a_checkpoint_by_an_untrusted_certificate_is_reported(
    kestrel: str, keys: dict[str, Signer]
) -> None:
    alice, bob = keys["Alice"], keys["Bob"]
    sign_head(kestrel, alice)
    by_bob = sign_head(kestrel, bob)
    report = audit_verify(S(kestrel), trust=trusting(alice))
    assert report.problems == [
        f"{where(by_bob)}: signed by an untrusted certificate (sha256 {by_bob.cert_sha256[:16]}…)"
    ]
    both = audit_verify(S(kestrel), trust=trusting(alice, bob))
    assert both.ok, both.problems
    assert both.checkpoints is not None and both.checkpoints.trusted == 2
    # Without --trust nothing is judged: the checkpoints are only counted.
    plain = audit_verify(S(kestrel))
    assert plain.ok and plain.checkpoints is not None and plain.checkpoints.checkpoints == 2


def test_forged_checkpoints_are_reported(kestrel: str, keys: dict[str, Signer]) -> None:
    """Mallory rebuilds the chain, drops Alice's checkpoint and signs one with his own key; then
    one under Alice's name and certificate, signed with his key."""
    alice, mallory = keys["Alice"], keys["Mallory"]
    decided(kestrel)
    genuine = sign_head(kestrel, alice)

    def edit(c: Connection) -> None:
        sql(c, "UPDATE decisions SET rationale = 'Ship it' WHERE id = 2")
        delete_record("checkpoint", genuine.id)(c)

    rebuild(kestrel, edit)
    own = sign_head(kestrel, mallory)
    assert audit_verify(S(kestrel)).ok
    report = audit_verify(S(kestrel), trust=trusting(alice))
    assert report.problems == [
        f"{where(own)}: signed by an untrusted certificate (sha256 {own.cert_sha256[:16]}…)",
        "no checkpoint signed by a trusted certificate: the chain could have been rebuilt",
    ]
    # Alice's certificate on a statement signed with Mallory's key: the signature fails.
    with writing(kestrel) as session:
        forged = checkpoints.create(
            session,
            private_key=mallory.identity.key,
            certificate=mallory.identity.certificate,
            signer_name="Alice",
            actor="Alice",
        )
        forged.cert_pem = alice.identity.certificate.public_bytes(
            serialization.Encoding.PEM
        ).decode()
        forged.cert_sha256 = checkpoints.fingerprint(alice.identity.certificate)
    rebuild(kestrel, lambda c: None)
    assert audit_verify(S(kestrel)).ok
    report = audit_verify(S(kestrel), trust=trusting(alice))
    assert report.problems == [
        f"{where(own)}: signed by an untrusted certificate (sha256 {own.cert_sha256[:16]}…)",
        f"{where(forged)}: the signature does not verify: the checkpoint was altered or forged",
        "no checkpoint signed by a trusted certificate: the chain could have been rebuilt",
    ]


def test_a_checkpoint_by_a_certificate_a_trusted_one_issued_is_trusted(
    kestrel: str, tmp_path: Path
) -> None:
    ca_key, ca_cert = _certificate("Governance CA", None)
    leaf_key, leaf_cert = _certificate("Carol", (ca_key, ca_cert))
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    with writing(kestrel) as session:
        point = checkpoints.create(
            session, private_key=leaf_key, certificate=leaf_cert, signer_name="Carol", actor="C"
        )
    report = audit_verify(S(kestrel), trust=[ca_file])
    assert report.ok, report.problems
    assert report.checkpoints is not None and report.checkpoints.trusted == 1
    # Another CA's certificate is not enough.
    _, other = _certificate("Other CA", None)
    other_file = tmp_path / "other.pem"
    other_file.write_bytes(other.public_bytes(serialization.Encoding.PEM))
    refused = audit_verify(S(kestrel), trust=[other_file])
    assert refused.problems[0] == (
        f"{where(point)}: signed by an untrusted certificate (sha256 {point.cert_sha256[:16]}…)"
    )


def _certificate(
    name: str, issuer: tuple[PrivateKeyTypes, x509.Certificate] | None
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    signing_key, issuer_name = (key, subject) if issuer is None else (issuer[0], issuer[1].subject)
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
        .sign(signing_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    return key, cert


def test_a_checkpoint_refuses_an_empty_chain(db: str, keys: dict[str, Signer]) -> None:
    from scorecard.errors import Refused

    with pytest.raises(Refused, match="the audit chain is empty"):
        sign_head(db, keys["Alice"])
    empty = audit_verify(S(db))
    assert empty.ok and empty.events == 0


def test_checkpoint_refuses_to_sign_a_broken_chain(kestrel: str, keys: dict[str, Signer]) -> None:
    from scorecard.errors import CheckFailed

    with tampering(kestrel) as c:
        sql(c, "UPDATE models SET description = 'tampered' WHERE id = 1")
    with pytest.raises(CheckFailed, match="refusing to checkpoint a broken audit chain: audit"):
        sign_head(kestrel, keys["Alice"])
    with tampering(kestrel) as c:
        assert c.execute(text("SELECT count(*) FROM checkpoints")).scalar() == 0


# --- --expect-head -------------------------------------------------------------------------


def test_an_old_head_still_verifies_after_more_events(
    kestrel: str, keys: dict[str, Signer]
) -> None:
    old = audit_verify(S(kestrel)).head
    decided(kestrel)
    point = sign_head(kestrel, keys["Alice"])
    mitigate(S(kestrel), "Kestrel-2", "cbrn", "Safety systems", "Classifier on bio queries")
    now = audit_verify(S(kestrel), expect_head=old, trust=trusting(keys["Alice"]))
    assert now.ok, now.problems
    assert now.head != old
    assert now.checkpoints is not None
    assert (now.checkpoints.anchored_event, now.checkpoints.unanchored) == (point.event_id, 1)
    assert audit_verify(S(kestrel), expect_head=audit.GENESIS).ok
    assert audit_verify(S(kestrel), expect_head=now.head).ok
    unknown = "ab" * 32
    assert audit_verify(S(kestrel), expect_head=unknown).problems == [
        f"the chain does not contain the expected head {unknown[:16]}…: "
        "it was truncated or rebuilt since"
    ]


# --- The command line ----------------------------------------------------------------------


def test_cli_round_trip(kestrel: str, keys: dict[str, Signer], tmp_path: Path) -> None:
    runner = CliRunner()
    folder = tmp_path / "dana"
    cert, key = new_identity("Dana", "dana@example.org", folder, PASSPHRASE)
    secret = tmp_path / "passphrase"
    secret.write_bytes(PASSPHRASE + b"\n")

    made = runner.invoke(
        app,
        [
            "audit",
            "checkpoint",
            "--key",
            str(key),
            "--cert",
            str(cert),
            "--passphrase-file",
            str(secret),
            "--database",
            kestrel,
            "--json",
        ],
    )
    assert made.exit_code == 0, made.output
    row = json.loads(made.stdout)
    head = audit_log(S(kestrel))[-2]["hash"]
    assert row["id"] == 1 and row["signer"] == "Dana" and row["event_hash"] == head
    assert set(row) == {
        "id",
        "event_id",
        "event_hash",
        "signer",
        "cert_sha256",
        "created_by",
        "created_at",
    }
    human = runner.invoke(
        app,
        [
            "audit",
            "checkpoint",
            "--key",
            str(key),
            "--cert",
            str(cert),
            "--passphrase-file",
            str(secret),
            "--name",
            "Dana Q.",
            "--database",
            kestrel,
        ],
    )
    assert human.exit_code == 0, human.output
    second = audit_log(S(kestrel))[-2]
    assert human.stdout == (
        f"checkpoint #2 signs event #{second['id']} (hash {second['hash']}) as Dana Q.\n"
    )

    verified = runner.invoke(app, ["audit", "verify", "--trust", str(cert), "--database", kestrel])
    assert verified.exit_code == 0, verified.output
    lines = verified.stdout.splitlines()
    assert lines[0].startswith("audit chain intact: ")
    assert lines[1] == (
        f"checkpoints: 2 of 2 signed by a trusted certificate; the latest signs event "
        f"#{second['id']}, 0 events after it not anchored yet"
    )
    as_json = runner.invoke(
        app, ["audit", "verify", "--trust", str(cert), "--database", kestrel, "--json"]
    )
    assert as_json.exit_code == 0
    data = json.loads(as_json.stdout)
    assert data["ok"] is True
    assert data["checkpoints"] == {
        "count": 2,
        "checked": True,
        "trusted": 2,
        "anchored_event": second["id"],
        "unanchored_events": 0,
    }
    plain = runner.invoke(app, ["audit", "verify", "--database", kestrel])
    assert plain.exit_code == 0
    assert plain.stdout.splitlines()[1] == "2 signed checkpoints not checked: give --trust CERT"

    untrusted = runner.invoke(
        app, ["audit", "verify", "--trust", str(keys["Mallory"].cert), "--database", kestrel]
    )
    assert untrusted.exit_code == 1
    assert untrusted.stdout == ""
    fingerprint = row["cert_sha256"][:16]
    assert untrusted.stderr.splitlines() == [
        f"audit chain BROKEN: checkpoint #1 (event #{row['event_id']}, signed by Dana): "
        f"signed by an untrusted certificate (sha256 {fingerprint}…)",
        f"  also: checkpoint #2 (event #{second['id']}, signed by Dana Q.): "
        f"signed by an untrusted certificate (sha256 {fingerprint}…)",
        "  also: no checkpoint signed by a trusted certificate: the chain could have been rebuilt",
    ]
    missing = runner.invoke(
        app, ["audit", "verify", "--trust", str(tmp_path / "nope.pem"), "--database", kestrel]
    )
    assert missing.exit_code == 4
    assert missing.stderr == f"error: {tmp_path / 'nope.pem'}: no such file\n"
    wrong = runner.invoke(
        app,
        [
            "audit",
            "checkpoint",
            "--key",
            str(keys["Mallory"].key),
            "--cert",
            str(cert),
            "--passphrase-file",
            str(secret),
            "--database",
            kestrel,
        ],
    )
    assert wrong.exit_code == 1
    assert "does not match the certificate" in wrong.stderr
    assert audit_verify(S(kestrel), trust=[cert]).ok
