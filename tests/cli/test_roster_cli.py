"""`scorecard roster`, `policy` and signed `judge`, `mitigate`, `decide` on the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scorecard.cli import app
from scorecard.commands import audit_verify, score_model
from scorecard.records import signatures
from scorecard.records.session import reading
from tests.conftest import S
from tests.identities import PASSPHRASE, Person, make_people

MODEL = "Kestrel-2"


@pytest.fixture(scope="session")
def people(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Person]:
    return make_people(tmp_path_factory.mktemp("people"))


@pytest.fixture
def passphrase(tmp_path: Path) -> Path:
    path = tmp_path / "passphrase.txt"
    path.write_bytes(PASSPHRASE + b"\n")
    return path


def run(runner: CliRunner, url: str, *args: str) -> Any:
    return runner.invoke(app, [*args, "--database", url])


def ok(runner: CliRunner, url: str, *args: str) -> Any:
    result = run(runner, url, *args)
    assert result.exit_code == 0, result.output
    return result


def error(result: Any) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return str(lines[0])


def signing(person: Person, passphrase: Path) -> list[str]:
    return [
        "--key",
        str(person.key),
        "--cert",
        str(person.cert),
        "--passphrase-file",
        str(passphrase),
    ]


def test_roster_add_list_revoke(runner: CliRunner, db: str, people: dict[str, Person]) -> None:
    sag, ceo = people["sag"], people["ceo"]
    added = ok(
        runner, db, "roster", "add", "--role", "sag", "--cert", str(sag.cert), "--by", "Admin"
    )
    assert "roster entry #1: SAG Chair (" in added.output and "as sag" in added.output
    ok(
        runner,
        db,
        "roster",
        "add",
        "--role",
        "leadership",
        "--cert",
        str(ceo.cert),
        "--by",
        "Admin",
        "--rationale",
        "appointed by the board",
    )
    twice = run(
        runner, db, "roster", "add", "--role", "leadership", "--cert", str(sag.cert), "--by", "A"
    )
    assert twice.exit_code == 1
    assert "one person may hold one role only" in error(twice)
    listed = json.loads(ok(runner, db, "roster", "list", "--json").stdout)
    assert [(e["role"], e["common_name"], e["added_by"]) for e in listed] == [
        ("sag", "SAG Chair", "Admin"),
        ("leadership", "CEO", "Admin"),
    ]
    assert listed[0]["fingerprint"] == sag.identity.info.sha256
    plain = ok(runner, db, "roster", "list").output
    assert sag.identity.info.sha256 in plain and "leadership" in plain
    # Revoking needs a rationale and names one entry.
    assert run(runner, db, "roster", "revoke", "--id", "1", "--by", "Admin").exit_code == 2
    both = run(
        runner,
        db,
        "roster",
        "revoke",
        "--id",
        "1",
        "--role",
        "sag",
        "--by",
        "A",
        "--rationale",
        "x",
    )
    assert both.exit_code == 2 and "--id, or --role and --cert" in error(both)
    revoked = ok(
        runner,
        db,
        "roster",
        "revoke",
        "--role",
        "leadership",
        "--cert",
        str(ceo.cert),
        "--by",
        "Admin",
        "--rationale",
        "stepped down",
    )
    assert "roster entry #2 (CEO (" in revoked.output and "revoked by entry #3" in revoked.output
    assert [e["role"] for e in json.loads(ok(runner, db, "roster", "list", "--json").stdout)] == [
        "sag"
    ]
    missing = run(runner, db, "roster", "revoke", "--id", "9", "--by", "A", "--rationale", "x")
    assert missing.exit_code == 4
    not_cert = run(
        runner, db, "roster", "add", "--role", "sag", "--cert", str(sag.key), "--by", "A"
    )
    assert not_cert.exit_code == 1 and "is not a certificate" in error(not_cert)
    assert audit_verify(S(db)).ok


def test_policy_require_signed_and_show(runner: CliRunner, db: str) -> None:
    assert "no policy set" in ok(runner, db, "policy", "show").output
    assert json.loads(ok(runner, db, "policy", "show", "--json").stdout)["require_signed"] == []
    result = ok(
        runner,
        db,
        "policy",
        "require-signed",
        "--role",
        "leadership",
        "--role",
        "board",
        "--by",
        "Board secretary",
        "--rationale",
        "Charter s.4",
    )
    assert "signed records required for leadership, board" in result.output
    assert "nobody is on the roster as leadership" in result.stderr
    shown = json.loads(ok(runner, db, "policy", "show", "--json").stdout)
    assert (
        shown["require_signed"] == ["leadership", "board"] and shown["set_by"] == "Board secretary"
    )
    assert (
        run(runner, db, "policy", "require-signed", "--by", "A", "--rationale", "x").exit_code == 2
    )
    both = run(
        runner,
        db,
        "policy",
        "require-signed",
        "--none",
        "--role",
        "sag",
        "--by",
        "A",
        "--rationale",
        "x",
    )
    assert both.exit_code == 2
    assert (
        run(
            runner, db, "policy", "require-signed", "--role", "ceo", "--by", "A", "--rationale", "x"
        ).exit_code
        == 2
    )
    ok(runner, db, "policy", "require-signed", "--none", "--by", "A", "--rationale", "pilot over")
    assert "for: no role" in ok(runner, db, "policy", "show").output


def test_signed_judge_mitigate_decide(
    runner: CliRunner, kestrel: str, people: dict[str, Person], passphrase: Path
) -> None:
    db = kestrel
    for role, who in (("sag", "sag"), ("leadership", "ceo"), ("safety", "safety")):
        ok(
            runner,
            db,
            "roster",
            "add",
            "--role",
            role,
            "--cert",
            str(people[who].cert),
            "--by",
            "Admin",
        )
    ok(
        runner,
        db,
        "policy",
        "require-signed",
        "--role",
        "leadership",
        "--role",
        "safety",
        "--by",
        "Admin",
        "--rationale",
        "signed records",
    )
    safety = signing(people["safety"], passphrase)
    unsigned = run(
        runner,
        db,
        "judge",
        MODEL,
        "--category",
        "cbrn",
        "--stage",
        "pre",
        "--level",
        "high",
        "--by",
        "Someone",
        "--rationale",
        "because",
    )
    assert unsigned.exit_code == 1
    assert error(unsigned) == (
        "error: refused: the policy requires signed safety records, and this one is not signed; "
        "sign it with a key whose certificate is on the roster as safety"
    )
    judged = ok(
        runner,
        db,
        "judge",
        MODEL,
        "--category",
        "cbrn",
        "--stage",
        "pre",
        "--level",
        "high",
        "--rationale",
        "because",
        *safety,
    )
    assert "recorded judgment #1, signed by Safety Lead (" in judged.output
    mitigated = ok(
        runner,
        db,
        "mitigate",
        MODEL,
        "--category",
        "cybersecurity",
        "--description",
        "Refusal training",
        *safety,
    )
    assert "signed by Safety Lead" in mitigated.output
    score_model(S(db), MODEL, by="Eval lead")
    decide = ["decide", MODEL, "--decision", "do-not-deploy", "--rationale", "Not yet"]
    ok(runner, db, *decide, "--role", "sag", "--by", "SAG chair")  # sag: not required
    refused = run(runner, db, *decide, "--role", "leadership", "--by", "CEO")
    assert refused.exit_code == 1 and "requires signed leadership records" in error(refused)
    mallory = run(
        runner, db, *decide, "--role", "leadership", *signing(people["mallory"], passphrase)
    )
    assert mallory.exit_code == 1 and "Mallory" in error(mallory)
    assert "is not on the roster as leadership" in error(mallory)
    signed = ok(runner, db, *decide, "--role", "leadership", *signing(people["ceo"], passphrase))
    assert "recorded leadership decision #2" in signed.output and "signed by CEO" in signed.output
    shown = json.loads(ok(runner, db, "show", MODEL, "--json").stdout)
    assert [d["by"] for d in shown["decisions"]] == ["SAG chair", "CEO"]
    with reading(db) as session:
        assert signatures.verify_all(session) == []
    assert audit_verify(S(db)).ok


def test_signing_options_fit_together(
    runner: CliRunner, kestrel: str, people: dict[str, Person], passphrase: Path
) -> None:
    base = ["mitigate", MODEL, "--category", "cybersecurity", "--description", "x"]
    no_by = run(runner, kestrel, *base)
    assert no_by.exit_code == 2 and "--by is required" in error(no_by)
    key_only = run(runner, kestrel, *base, "--key", str(people["sag"].key))
    assert key_only.exit_code == 2 and "both --key and --cert" in error(key_only)
    stray = run(runner, kestrel, *base, "--by", "A", "--passphrase-file", str(passphrase))
    assert stray.exit_code == 2 and "--passphrase-file applies only" in error(stray)
    wrong = passphrase.parent / "wrong.txt"
    wrong.write_text("nope\n")
    bad = run(
        runner,
        kestrel,
        *base,
        "--key",
        str(people["sag"].key),
        "--cert",
        str(people["sag"].cert),
        "--passphrase-file",
        str(wrong),
    )
    assert bad.exit_code == 1 and "cannot load the signing key" in error(bad)
    mismatch = run(
        runner,
        kestrel,
        *base,
        "--key",
        str(people["sag"].key),
        "--cert",
        str(people["ceo"].cert),
        "--passphrase-file",
        str(passphrase),
    )
    assert mismatch.exit_code == 1 and "does not match the certificate" in error(mismatch)
    with reading(kestrel) as session:
        assert signatures.verify_all(session) == []
    # Nothing was stored by the refusals: the chain has the model and its two sources only.
    assert audit_verify(S(kestrel)).events == 3
