"""Fixtures for system-card tests: two signers' identities and a rendered card."""

from __future__ import annotations

from pathlib import Path

import pytest

from scorecard.commands import attest, decide, render, score_model, sign
from scorecard.sign.keys import new_identity
from tests.conftest import S

PASSPHRASE = b"correct horse battery staple"


@pytest.fixture
def identities(tmp_path: Path) -> dict[str, tuple[Path, Path]]:
    return {
        role: new_identity(name, f"{role}@example.org", tmp_path / role, PASSPHRASE)
        for role, name in (("sag", "Dr. Jonas Berg"), ("ceo", "Alex Moreau"))
    }


@pytest.fixture
def card(kestrel: str, tmp_path: Path) -> tuple[str, Path]:
    score_model(S(kestrel), "Kestrel-2", by="tester")
    attest(S(kestrel), "Kestrel-2", "security", "CISO", "weights in the enclave")
    decide(S(kestrel), "Kestrel-2", "deploy", "sag", "SAG chair", "post is medium")
    out = tmp_path / "card.pdf"
    render(S(kestrel), "Kestrel-2", out)
    return kestrel, out


def signed_twice(db: str, pdf: Path, ids: dict[str, tuple[Path, Path]]) -> Path:
    for role, name in (("sag", "Dr. Jonas Berg"), ("ceo", "Alex Moreau")):
        cert, key = ids[role]
        sign(
            S(db), pdf, pdf, key=key, cert=cert, passphrase=PASSPHRASE, role=role.upper(), name=name
        )
    return pdf
