"""Signing identities for the tests of the roster and signed records.

Keys cost a PBKDF2 run to write and to read, so each test module makes its people once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scorecard.commands import load_signer
from scorecard.sign.keys import CERT_NAME, KEY_NAME, Algorithm, Identity, new_identity

PASSPHRASE = b"correct horse battery staple"


@dataclass(frozen=True)
class Person:
    name: str
    folder: Path
    identity: Identity

    @property
    def cert(self) -> Path:
        return self.folder / CERT_NAME

    @property
    def key(self) -> Path:
        return self.folder / KEY_NAME


def person(base: Path, slug: str, name: str, algorithm: Algorithm = "ecdsa-p256") -> Person:
    folder = base / slug
    cert, key = new_identity(name, f"{slug}@example.org", folder, PASSPHRASE, algorithm)
    return Person(name, folder, load_signer(key, cert, PASSPHRASE))


def make_people(base: Path) -> dict[str, Person]:
    """The SAG chair, the CEO (leadership), the board chair (an RSA key), the safety lead, and
    Mallory, who is on no roster."""
    return {
        "sag": person(base, "sag", "SAG Chair"),
        "ceo": person(base, "ceo", "CEO"),
        "board": person(base, "board", "Board Chair", "rsa-3072"),
        "safety": person(base, "safety", "Safety Lead"),
        "mallory": person(base, "mallory", "Mallory"),
    }
