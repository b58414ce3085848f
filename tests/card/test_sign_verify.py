"""Signing and verifying system cards with the real pyHanko, WeasyPrint and poppler's pdfsig."""

from __future__ import annotations

import json
import random
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scorecard.cli import app
from scorecard.cli.passphrase import read_passphrase
from scorecard.commands import audit_log, audit_verify, verify
from scorecard.errors import ScorecardError
from scorecard.sign.keys import new_identity
from scorecard.sign.signer import sign_pdf
from scorecard.sign.validate import validate_signatures
from tests.card.conftest import PASSPHRASE, signed_twice
from tests.conftest import S


def pdfsig(path: Path) -> str:
    # pdfsig exits 0 even on a digest mismatch: what it prints is the verdict.
    result = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False)
    return result.stdout + result.stderr


def test_new_identity(tmp_path: Path) -> None:
    cert, key = new_identity("Dr. Jonas Berg", "j@example.org", tmp_path / "id", PASSPHRASE)
    assert b"ENCRYPTED PRIVATE KEY" in key.read_bytes()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    from cryptography import x509

    certificate = x509.load_pem_x509_certificate(cert.read_bytes())
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    with pytest.raises(ScorecardError, match="already exists"):
        new_identity("Dr. Jonas Berg", "j@example.org", tmp_path / "id", PASSPHRASE)
    with pytest.raises(ScorecardError, match="empty passphrase"):
        new_identity("X", "x@example.org", tmp_path / "other", b"")
    rsa_cert, _ = new_identity("R", "r@example.org", tmp_path / "rsa", PASSPHRASE, "rsa-3072")
    assert x509.load_pem_x509_certificate(rsa_cert.read_bytes()).public_key().key_size == 3072


def test_two_signatures_certify_then_approve(
    card: tuple[str, Path], identities: dict[str, tuple[Path, Path]]
) -> None:
    db, pdf = card
    signed_twice(db, pdf, identities)
    checks = validate_signatures(pdf, [identities["sag"][0], identities["ceo"][0]])
    assert [(c.field_name, c.reason, c.signer) for c in checks] == [
        ("Signature1", "SAG", "Dr. Jonas Berg"),
        ("Signature2", "CEO", "Alex Moreau"),
    ]
    assert all(c.ok for c in checks)
    assert checks[0].certified and not checks[1].certified
    assert checks[-1].coverage == "ENTIRE_FILE"
    report = pdfsig(pdf)
    assert report.count("Signature is Valid.") == 2
    assert "Total document signed" in report.split("Signature #2")[1]
    # The record in the PDF/A survives signing, and the producers agree (PDF/A wants it).
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    producer = re.search(r"^Producer:\s+(.+)$", info, re.M)
    info = subprocess.run(
        ["pdfinfo", "-meta", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    xmp = re.search(r'pdf:Producer="([^"]+)"', info)
    assert producer and xmp and producer.group(1).strip() == xmp.group(1)
    assert 'pdfaid:part="3"' in info
    full = verify(pdf, [identities["sag"][0], identities["ceo"][0]], S(db))
    assert full.ok, [vars(c) for c in full.checks]
    assert [c.name for c in full.checks] == [
        "signatures",
        "record",
        "roles",
        "levels",
        "pages",
        "database",
    ]


def test_signatures_are_recorded_and_audited(
    card: tuple[str, Path], identities: dict[str, tuple[Path, Path]]
) -> None:
    db, pdf = card
    signed_twice(db, pdf, identities)
    events = [e for e in audit_log(S(db), "Kestrel-2") if e["action"] == "document.signature"]
    assert len(events) == 2 and "Alex Moreau" in events[1]["summary"]
    assert audit_verify(S(db)).ok


def test_untrusted_or_unsigned_cards_fail(
    card: tuple[str, Path], identities: dict[str, tuple[Path, Path]]
) -> None:
    db, pdf = card
    unsigned = verify(pdf, [], None)
    assert not unsigned.ok and unsigned.checks[0].detail == "the card is not signed"
    signed_twice(db, pdf, identities)
    untrusted = verify(pdf, [], None)
    assert not untrusted.ok and "not trusted" in untrusted.checks[0].detail
    only_sag = verify(pdf, [identities["sag"][0]], None)
    assert not only_sag.ok and "Signature2" in only_sag.checks[0].detail


def test_every_flipped_signed_byte_is_caught(
    card: tuple[str, Path], identities: dict[str, tuple[Path, Path]]
) -> None:
    db, pdf = card
    signed_twice(db, pdf, identities)
    trust = [identities["sag"][0], identities["ceo"][0]]
    data = pdf.read_bytes()
    ranges = [
        tuple(map(int, m.groups()))
        for m in re.finditer(rb"/ByteRange \[\s*(\d+) (\d+) (\d+) (\d+)\s*\]", data)
    ]
    assert len(ranges) == 2
    a, b, c, d = ranges[-1]  # the last signature covers the whole file but its own value
    covered = [*range(a, a + b), *range(c, c + d)]
    rng = random.Random(20261123)
    for position in rng.sample(covered, 25):
        tampered = bytearray(data)
        tampered[position] ^= 0x01
        path = pdf.with_name(f"flip-{position}.pdf")
        path.write_bytes(bytes(tampered))
        report = verify(path, trust, None)
        assert not report.ok, position
        assert report.checks[0].name == "signatures" and not report.checks[0].ok, position
        assert pdfsig(path).count("Signature is Valid.") < 2, position
        path.unlink()


def test_passphrases_are_read_safely_and_never_shown(
    card: tuple[str, Path],
    identities: dict[str, tuple[Path, Path]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, pdf = card
    cert, key = identities["sag"]
    with pytest.raises(ScorecardError) as raised:
        sign_pdf(
            pdf,
            tmp_path / "x.pdf",
            key=key,
            cert=cert,
            passphrase=b"wrong guess",
            role="SAG",
            name="X",
        )
    assert "wrong guess" not in str(raised.value) and "wrong passphrase" in str(raised.value)
    assert not (tmp_path / "x.pdf").exists()
    secret_file = tmp_path / "pass.txt"
    secret_file.write_bytes(PASSPHRASE + b"\n")
    assert read_passphrase(secret_file, prompt=False) == PASSPHRASE
    monkeypatch.setenv("SCORECARD_KEY_PASSPHRASE", PASSPHRASE.decode())
    assert read_passphrase(None, prompt=False) == PASSPHRASE
    monkeypatch.delenv("SCORECARD_KEY_PASSPHRASE")
    with pytest.raises(ScorecardError, match="no passphrase"):
        read_passphrase(None, prompt=False)
    result = CliRunner().invoke(app, ["sign", "--help"])
    assert "--passphrase-file" in result.output and "--passphrase " not in result.output


def test_cli_sign_and_verify(
    card: tuple[str, Path], identities: dict[str, tuple[Path, Path]], tmp_path: Path
) -> None:
    db, pdf = card
    secret = tmp_path / "pass.txt"
    secret.write_bytes(PASSPHRASE)
    cert, key = identities["sag"]
    runner = CliRunner()
    signed = runner.invoke(
        app,
        [
            "sign",
            str(pdf),
            "--key",
            str(key),
            "--cert",
            str(cert),
            "--role",
            "SAG chair",
            "--name",
            "Dr. Jonas Berg",
            "--passphrase-file",
            str(secret),
            "--database",
            db,
        ],
    )
    assert signed.exit_code == 0, signed.output
    assert "certified" in signed.output and PASSPHRASE.decode() not in signed.output
    half = runner.invoke(app, ["verify", str(pdf), "--trust", str(cert), "--json"])
    assert half.exit_code == 1
    failed = {c["name"]: c["detail"] for c in json.loads(half.stdout)["checks"] if not c["ok"]}
    assert failed == {"roles": "no signature as CEO, which preparedness-v1 requires"}
    ceo_cert, ceo_key = identities["ceo"]
    common = ["--passphrase-file", str(secret), "--database", db]
    wrong_role = runner.invoke(
        app,
        [
            "sign",
            str(pdf),
            "--key",
            str(ceo_key),
            "--cert",
            str(ceo_cert),
            "--role",
            "CE0",
            *common,
        ],
    )
    assert (
        wrong_role.exit_code == 2 and "not a signing role of preparedness-v1" in wrong_role.stderr
    )
    ceo = runner.invoke(
        app,
        [
            "sign",
            str(pdf),
            "--key",
            str(ceo_key),
            "--cert",
            str(ceo_cert),
            "--role",
            "ceo",
            *common,
        ],
    )
    assert ceo.exit_code == 0 and "(Alex Moreau)" in ceo.stdout  # the name from the certificate
    bound = [f"--trust-role=sag chair={cert}", f"--trust-role=CEO={ceo_cert}"]
    ok = runner.invoke(app, ["verify", str(pdf), *bound, "--database", db, "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["ok"] is True
    bad = runner.invoke(app, ["verify", str(pdf)])
    assert bad.exit_code == 1 and "NOT verified" in bad.output


@pytest.mark.parametrize("content", [b"", b"%PDF-1.7\n garbage", bytes(range(256)) * 40])
def test_damaged_or_foreign_files_fail_cleanly(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "damaged.pdf"
    path.write_bytes(content)
    script = (
        "from scorecard.cli import main; import sys; "
        f"sys.argv = ['scorecard', 'verify', {str(path)!r}]; main()"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "NOT verified" in result.stdout


def test_truncated_signed_card_fails_cleanly(
    card: tuple[str, Path], identities: dict[str, tuple[Path, Path]]
) -> None:
    db, pdf = card
    signed_twice(db, pdf, identities)
    data = pdf.read_bytes()
    pdf.write_bytes(data[: len(data) - 2000])
    report = verify(pdf, [identities["sag"][0], identities["ceo"][0]], None)
    assert not report.ok
