"""Signing refuses a bad key or certificate before writing anything, says so in one line, signs
in memory on request, writes atomically, and keeps keys under a modern KDF."""

from __future__ import annotations

import datetime
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from typer.testing import CliRunner

from scorecard.cli import app
from scorecard.commands import audit_log
from scorecard.errors import ScorecardError
from scorecard.sign.keys import KDF_ITERATIONS, encrypt_private_key, load_identity, new_identity
from scorecard.sign.signer import sign_bytes, sign_pdf
from scorecard.sign.validate import validate_signatures
from tests.conftest import S

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = b"hardening passphrase 7"
WRONG = "not-the-passphrase-42"

Ids = dict[str, tuple[Path, Path]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One rendered card and its SQLite database, copied for each test."""
    from scorecard.commands import attest, decide, ingest, init, models_add, render, score_model
    from scorecard.db.engine import dispose, resolve_url
    from scorecard.resources import example_dir

    base = tmp_path_factory.mktemp("card")
    url = f"sqlite:///{base / 'scorecard.db'}"
    init(S(url))
    models_add(S(url), "Kestrel-2", "", "example", by="tester")
    ingest(S(url), [example_dir() / "evidence-pre.csv"], "Kestrel-2", "pre", by="tester")
    ingest(S(url), [example_dir() / "evidence-post.csv"], "Kestrel-2", "post", by="tester")
    score_model(S(url), "Kestrel-2", by="tester")
    attest(S(url), "Kestrel-2", "security", "CISO", "weights in the enclave")
    decide(S(url), "Kestrel-2", "deploy", "sag", "SAG chair", "post is medium")
    render(S(url), "Kestrel-2", base / "card.pdf")
    dispose(resolve_url(url))
    return base / "scorecard.db", base / "card.pdf"


@pytest.fixture
def card(built: tuple[Path, Path], tmp_path: Path) -> tuple[str, Path]:
    folder = tmp_path / "work"
    folder.mkdir()
    shutil.copy(built[0], folder / "scorecard.db")
    shutil.copy(built[1], folder / "card.pdf")
    return f"sqlite:///{folder / 'scorecard.db'}", folder / "card.pdf"


@pytest.fixture(scope="module")
def ids(tmp_path_factory: pytest.TempPathFactory) -> Ids:
    base = tmp_path_factory.mktemp("ids")
    return {
        role: new_identity(name, f"{role}@example.org", base / role, PASSPHRASE)
        for role, name in (("sag", "Dr. Jonas Berg"), ("ceo", "Alex Moreau"))
    }


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "pass.txt"
    path.write_bytes(PASSPHRASE + b"\n")
    return path


@pytest.fixture
def wrong(tmp_path: Path) -> Path:
    path = tmp_path / "wrong.txt"
    path.write_text(WRONG + "\n")
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def odd_identity(
    folder: Path,
    *,
    start: datetime.timedelta,
    end: datetime.timedelta,
    common_name: str | None = "Odd Signer",
) -> tuple[Path, Path]:
    """A key and self-signed certificate valid from now+start to now+end."""
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Lab")]
    if common_name is not None:
        attributes.insert(0, x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    subject = x509.Name(attributes)
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + start)
        .not_valid_after(now + end)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(encrypt_private_key(key, PASSPHRASE, iterations=1000))
    return cert_path, key_path


def cli_sign(
    card: tuple[str, Path], cert: Path, key: Path, passphrase_file: Path, *extra: str
) -> list[str]:
    db, pdf = card
    return [
        "sign",
        str(pdf),
        "--key",
        str(key),
        "--cert",
        str(cert),
        "--role",
        "SAG chair",
        "--passphrase-file",
        str(passphrase_file),
        "--database",
        db,
        *extra,
    ]


def signature_events(db: str) -> list[dict[str, object]]:
    return [e for e in audit_log(S(db), "Kestrel-2") if e["action"] == "document.signature"]


# 1. A key that does not match the certificate


def test_mismatched_key_is_refused_before_writing(card: tuple[str, Path], ids: Ids) -> None:
    _, pdf = card
    before, files = sha(pdf), listing(pdf.parent)
    sag_cert, _ = ids["sag"]
    _, ceo_key = ids["ceo"]
    for out in (pdf, pdf.with_name("out.pdf")):
        with pytest.raises(ScorecardError, match="does not match the certificate") as raised:
            sign_pdf(
                pdf, out, key=ceo_key, cert=sag_cert, passphrase=PASSPHRASE, role="SAG", name="X"
            )
        assert len(str(raised.value).splitlines()) == 1
    with pytest.raises(ScorecardError, match="does not match the certificate"):
        sign_bytes(pdf.read_bytes(), key=ceo_key, cert=sag_cert, passphrase=PASSPHRASE, role="S")
    assert sha(pdf) == before and listing(pdf.parent) == files


def test_mismatched_key_is_refused_by_the_cli(
    card: tuple[str, Path], ids: Ids, secret: Path
) -> None:
    db, pdf = card
    before = sha(pdf)
    sag_cert, _ = ids["sag"]
    _, ceo_key = ids["ceo"]
    result = CliRunner().invoke(app, cli_sign(card, sag_cert, ceo_key, secret, "--name", "X"))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "does not match the certificate" in lines[0]
    assert "Traceback" not in result.output
    assert sha(pdf) == before
    assert signature_events(db) == []


# 2. Certificates outside their validity period


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (-400, -1, "the certificate expired on"),
        (1, 400, "the certificate is not valid until"),
    ],
)
def test_expired_or_not_yet_valid_certificates_are_refused(
    card: tuple[str, Path], tmp_path: Path, secret: Path, start: int, end: int, message: str
) -> None:
    db, pdf = card
    before = sha(pdf)
    cert, key = odd_identity(
        tmp_path / "odd",
        start=datetime.timedelta(days=start),
        end=datetime.timedelta(days=end),
    )
    with pytest.raises(ScorecardError, match=message):
        sign_pdf(pdf, pdf, key=key, cert=cert, passphrase=PASSPHRASE, role="SAG")
    with pytest.raises(ScorecardError, match=message):
        sign_bytes(pdf.read_bytes(), key=key, cert=cert, passphrase=PASSPHRASE, role="SAG")
    result = CliRunner().invoke(app, cli_sign(card, cert, key, secret))
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0 and message in result.stderr
    assert sha(pdf) == before and signature_events(db) == []


def test_validity_is_checked_against_the_given_moment(ids: Ids) -> None:
    cert, key = ids["sag"]
    identity = load_identity(key, cert, PASSPHRASE)
    later = identity.info.not_after + datetime.timedelta(seconds=1)
    with pytest.raises(ScorecardError, match="expired"):
        load_identity(key, cert, PASSPHRASE, now=later)


# 3. A wrong passphrase or a corrupt key: one line, no traceback, never the passphrase


def _corrupt_key(tmp_path: Path, kind: str, ids: Ids) -> Path:
    _, key = ids["sag"]
    path = tmp_path / f"{kind}.pem"
    data = key.read_bytes()
    if kind == "garbage":
        path.write_bytes(os.urandom(300))
    elif kind == "truncated":
        path.write_bytes(data[: len(data) // 2] + b"\n-----END ENCRYPTED PRIVATE KEY-----\n")
    else:  # a flipped byte inside the encrypted data
        lines = data.splitlines()
        middle = bytearray(lines[3])
        middle[10] = ord("A") if middle[10] != ord("A") else ord("B")
        lines[3] = bytes(middle)
        path.write_bytes(b"\n".join(lines) + b"\n")
    return path


@pytest.mark.parametrize("kind", ["wrong", "garbage", "truncated", "flipped"])
def test_bad_key_or_passphrase_through_cli_runner(
    card: tuple[str, Path], ids: Ids, tmp_path: Path, secret: Path, wrong: Path, kind: str
) -> None:
    db, pdf = card
    before = sha(pdf)
    cert, key = ids["sag"]
    if kind == "wrong":
        args = cli_sign(card, cert, key, wrong)
    else:
        args = cli_sign(card, cert, _corrupt_key(tmp_path, kind, ids), secret)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "cannot load the signing key (wrong passphrase" in lines[0]
    assert "Traceback" not in result.output
    assert WRONG not in result.output and PASSPHRASE.decode() not in result.output
    assert sha(pdf) == before and signature_events(db) == []


@pytest.mark.parametrize("kind", ["wrong", "garbage"])
def test_bad_key_or_passphrase_in_a_real_process(
    card: tuple[str, Path], ids: Ids, tmp_path: Path, secret: Path, wrong: Path, kind: str
) -> None:
    """The traceback came from pyHanko's ``SimpleSigner.load``, which logs the exception with
    ``exc_info``; Python's last-resort handler printed it to stderr (CliRunner did not show it)."""
    _, pdf = card
    before = sha(pdf)
    cert, key = ids["sag"]
    if kind == "wrong":
        args = cli_sign(card, cert, key, wrong)
    else:
        args = cli_sign(card, cert, _corrupt_key(tmp_path, kind, ids), secret)
    result = subprocess.run(
        [sys.executable, "-m", "scorecard", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={**os.environ, "SCORECARD_KEY_PASSPHRASE": ""},
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert WRONG not in result.stdout + result.stderr
    assert PASSPHRASE.decode() not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot load the signing key" in lines[0], result.stderr
    assert sha(pdf) == before


# 4. The record carries the certificate; the name defaults to its common name


def test_record_carries_the_certificate_and_name_defaults_to_its_cn(
    card: tuple[str, Path], ids: Ids
) -> None:
    _, pdf = card
    cert, key = ids["sag"]
    record = sign_pdf(pdf, pdf, key=key, cert=cert, passphrase=PASSPHRASE, role="SAG chair")
    certificate = x509.load_pem_x509_certificate(cert.read_bytes())
    der = certificate.public_bytes(serialization.Encoding.DER)
    assert record.name == "Dr. Jonas Berg"
    assert record.cert_common_name == "Dr. Jonas Berg"
    assert record.cert_sha256 == hashlib.sha256(der).hexdigest()
    assert record.cert_sha256 == certificate.fingerprint(hashes.SHA256()).hex()
    assert record.cert_subject == certificate.subject.rfc4514_string()
    assert record.cert_subject.startswith("1.2.840.113549.1.9.1=sag@example.org,CN=")
    assert int(record.cert_serial, 16) == certificate.serial_number
    assert record.cert_not_before == certificate.not_valid_before_utc
    assert record.cert_not_after == certificate.not_valid_after_utc
    assert record.sha256 == sha(pdf) and record.certify and record.field_name == "Signature1"
    [check] = validate_signatures(pdf, [cert])
    assert check.ok and check.signer == "Dr. Jonas Berg" and check.reason == "SAG chair"
    named = sign_pdf(
        pdf, pdf, key=key, cert=cert, passphrase=PASSPHRASE, role="again", name="J. Berg"
    )
    assert named.name == "J. Berg" and named.cert_common_name == "Dr. Jonas Berg"
    assert not named.certify and named.field_name == "Signature2"


def test_cli_name_defaults_to_the_certificate(
    card: tuple[str, Path], ids: Ids, secret: Path
) -> None:
    db, pdf = card
    cert, key = ids["ceo"]
    result = CliRunner().invoke(app, cli_sign(card, cert, key, secret))
    assert result.exit_code == 0, result.output
    assert "(Alex Moreau)" in result.stdout
    [event] = signature_events(db)
    assert "Alex Moreau" in str(event["summary"])
    assert all(c.ok for c in validate_signatures(pdf, [cert]))


def test_a_certificate_without_common_name_needs_a_name(
    card: tuple[str, Path], tmp_path: Path
) -> None:
    _, pdf = card
    cert, key = odd_identity(
        tmp_path / "nocn",
        start=datetime.timedelta(minutes=-5),
        end=datetime.timedelta(days=1),
        common_name=None,
    )
    with pytest.raises(ScorecardError, match="give the signer's name"):
        sign_bytes(pdf.read_bytes(), key=key, cert=cert, passphrase=PASSPHRASE, role="SAG")
    _, record = sign_bytes(
        pdf.read_bytes(), key=key, cert=cert, passphrase=PASSPHRASE, role="SAG", name="Named"
    )
    assert record.name == "Named" and record.cert_common_name is None


# 5. Signing in memory, writing atomically


def test_sign_bytes_writes_nothing(card: tuple[str, Path], ids: Ids, tmp_path: Path) -> None:
    _, pdf = card
    cert, key = ids["sag"]
    source = pdf.read_bytes()
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    signed, record = sign_bytes(source, key=key, cert=cert, passphrase=PASSPHRASE, role="SAG")
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")} == before
    assert signed.startswith(source) and len(signed) > len(source)  # an incremental revision
    assert record.sha256 == hashlib.sha256(signed).hexdigest()
    assert record.name == "Dr. Jonas Berg" and record.certify
    out = tmp_path / "signed.pdf"
    out.write_bytes(signed)
    assert all(c.ok for c in validate_signatures(out, [cert]))
    with pytest.raises(ScorecardError, match="the PDF: cannot sign"):
        sign_bytes(b"%PDF-1.7\n garbage", key=key, cert=cert, passphrase=PASSPHRASE, role="S")


def test_sign_pdf_replaces_atomically(
    card: tuple[str, Path], ids: Ids, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, pdf = card
    cert, key = ids["sag"]
    pdf.chmod(0o640)
    before, files = sha(pdf), listing(pdf.parent)

    def fail(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", fail)
        with pytest.raises(ScorecardError, match="cannot write: No space left on device"):
            sign_pdf(pdf, pdf, key=key, cert=cert, passphrase=PASSPHRASE, role="SAG")
    assert sha(pdf) == before and listing(pdf.parent) == files  # no temporary file left
    seen: list[str] = []
    real_mkstemp = tempfile.mkstemp

    def spy(**kwargs: Any) -> tuple[int, str]:
        handle, name = real_mkstemp(**kwargs)
        seen.append(name)
        return handle, name

    with monkeypatch.context() as patch:
        patch.setattr(tempfile, "mkstemp", spy)
        record = sign_pdf(pdf, pdf, key=key, cert=cert, passphrase=PASSPHRASE, role="SAG")
    assert len(seen) == 1 and Path(seen[0]).parent == pdf.parent  # same folder: os.replace
    assert Path(seen[0]).name != f".{pdf.name}.tmp"  # random part from mkstemp
    assert record.sha256 == sha(pdf) and listing(pdf.parent) == files
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o640  # an existing card keeps its mode
    fresh = pdf.with_name("fresh.pdf")
    sign_pdf(pdf, fresh, key=key, cert=cert, passphrase=PASSPHRASE, role="CEO", name="A")
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask


# 6. Key encryption with a modern cost


@pytest.mark.parametrize("algorithm", ["ecdsa-p256", "rsa-3072"])
def test_keys_are_encrypted_with_pbkdf2_sha256_and_aes_256(
    tmp_path: Path, algorithm: str, card: tuple[str, Path]
) -> None:
    from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
    from asn1crypto import pem
    from pyhanko.sign import signers

    cert, key = new_identity(
        "K",
        "k@example.org",
        tmp_path / "id",
        PASSPHRASE,
        algorithm,  # type: ignore[arg-type]
    )
    kind, _, der = pem.unarmor(key.read_bytes())
    assert kind == "ENCRYPTED PRIVATE KEY"
    algo = asn1_keys.EncryptedPrivateKeyInfo.load(der)["encryption_algorithm"]
    assert algo["algorithm"].native == "pbes2"
    kdf = algo["parameters"]["key_derivation_func"]
    assert kdf["algorithm"].native == "pbkdf2"
    params = kdf["parameters"]
    assert params["iteration_count"].native >= 600_000 == KDF_ITERATIONS
    assert params["prf"]["algorithm"].native == "sha256"
    assert len(params["salt"].native) >= 16
    scheme = algo["parameters"]["encryption_scheme"]
    assert scheme["algorithm"].native == "aes256_cbc"
    started = time.perf_counter()
    loaded = serialization.load_pem_private_key(key.read_bytes(), PASSPHRASE)
    elapsed = time.perf_counter() - started
    certificate = x509.load_pem_x509_certificate(cert.read_bytes())
    assert loaded.public_key() == certificate.public_key()
    assert elapsed < 5  # about 0.1 s here; a generous bound for slow CI machines
    loaded_by_pyhanko = signers.SimpleSigner.load(  # type: ignore[no-untyped-call]
        str(key), str(cert), key_passphrase=PASSPHRASE
    )
    assert loaded_by_pyhanko is not None
    # A wrong key decrypts to valid CBC padding about once in 256 tries; the DER parser then
    # fails instead, with another message: either way it is a ValueError.
    with pytest.raises(ValueError, match=r"Incorrect password|Could not deserialize"):
        serialization.load_pem_private_key(key.read_bytes(), b"wrong")
    _, pdf = card
    _, record = sign_bytes(pdf.read_bytes(), key=key, cert=cert, passphrase=PASSPHRASE, role="R")
    assert record.name == "K"


def test_pkcs12_keys_are_checked_too(card: tuple[str, Path], ids: Ids, tmp_path: Path) -> None:
    _, pdf = card
    cert, key = ids["sag"]
    private = serialization.load_pem_private_key(key.read_bytes(), PASSPHRASE)
    certificate = x509.load_pem_x509_certificate(cert.read_bytes())
    bundle = tmp_path / "sag.p12"
    bundle.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"sag",
            private,  # type: ignore[arg-type]
            certificate,
            None,
            serialization.BestAvailableEncryption(PASSPHRASE),
        )
    )
    _, record = sign_bytes(
        pdf.read_bytes(), key=bundle, cert=cert, passphrase=PASSPHRASE, role="SAG"
    )
    assert record.cert_common_name == "Dr. Jonas Berg"
    with pytest.raises(ScorecardError, match="does not match"):
        sign_bytes(
            pdf.read_bytes(), key=bundle, cert=ids["ceo"][0], passphrase=PASSPHRASE, role="S"
        )
    with pytest.raises(ScorecardError, match="wrong passphrase"):
        sign_bytes(pdf.read_bytes(), key=bundle, cert=cert, passphrase=b"nope", role="S")
