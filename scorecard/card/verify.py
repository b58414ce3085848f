"""Verifying a system card: anyone holding the PDF can check what it claims.

Checks, each reported with a reason (a damaged or foreign file is a failed check, never a
crash):

- **signatures**: what the signatures cover is decided from the file's own bytes (every byte
  range, every revision after a signature, no active content: ``sign.coverage``); then each
  signature is intact, valid and trusted (pyHanko, for the cryptography);
- **record**: the attached ``scorecard.json`` reads back as a scorecard record;
- **roles**: every role the attached framework requires has signed, each with its own
  certificate, and each role bound with ``--trust-role`` by its certificate (``card.roles``);
- **levels**: the levels recomputed from the attached framework, evidence and judgments are
  the ones the card states (``card.recompute``);
- **pages**: the signed pages show exactly the attached record (``card.pages``);
- **database** (when one is given): the card is bound to the record there (``card.binding``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scorecard.card.attachment import ATTACHMENT, read_card, reason
from scorecard.card.roles import RoleTrust
from scorecard.errors import NotFound, ScorecardError

if TYPE_CHECKING:
    from scorecard.sign.validate import SignatureCheck

# Anything a hostile attachment can make the checks raise: a failed check, not a traceback.
_MALFORMED = (
    ScorecardError,
    KeyError,
    TypeError,
    ValueError,
    AttributeError,
    RecursionError,
    OverflowError,
)


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class CardReport:
    path: str
    checks: list[Check] = field(default_factory=list)
    signatures: list[dict[str, Any]] = field(default_factory=list)
    card: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    """What a reader should know that is not a failure (e.g. a team's own framework pack)."""

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append(Check(name, ok, detail))


def verify_card(
    pdf: Path,
    trust: Sequence[Path] = (),
    database: str | None = None,
    trust_roles: Sequence[RoleTrust] = (),
) -> CardReport:
    report = CardReport(path=str(pdf))
    if not pdf.is_file():
        raise NotFound(f"{pdf}: no such file")
    found = _check_coverage(report, pdf)
    if found is None:
        return report
    signatures = _check_signatures(report, pdf, [*trust, *(t.cert for t in trust_roles)])
    _same_signatures(report, found, signatures)
    try:
        raw, card = read_card(pdf)
        summary = (
            f"{ATTACHMENT} ({len(raw)} bytes, sha256 {hashlib.sha256(raw).hexdigest()[:16]}…) "
            f"for {card['model']['ref']}, scorecard #{card['scorecard']['id']}"
        )
    except _MALFORMED as exc:
        report.add("record", False, str(exc) if isinstance(exc, ScorecardError) else reason(exc))
        return report
    report.card = card
    report.add("record", True, summary)
    _run(report, "roles", lambda: _roles(report, card, signatures, trust_roles))
    _run(report, "levels", lambda: _levels(card))
    _run(report, "pages", lambda: _pages(pdf, card))
    if database is not None:
        _run(report, "database", lambda: _database(pdf, card, signatures, database))
    return report


def _run(report: CardReport, name: str, check: Any) -> None:
    try:
        ok, detail = check()
    except _MALFORMED as exc:
        ok, detail = False, f"cannot check: {reason(exc)}"
    report.add(name, ok, detail)


def _check_coverage(report: CardReport, pdf: Path) -> list[str] | None:
    """What the signatures cover, from the file's own bytes (pyHanko's verdict can be fooled),
    and no active content; first, so that nothing else reads a hostile file. Returns the
    signatures found in the bytes, or None when the file is refused."""
    from scorecard.sign.coverage import inspect_file

    problems, names = inspect_file(pdf)
    if problems:
        report.add("signatures", False, "; ".join(problems[:4]))
        return None
    return names


def _same_signatures(
    report: CardReport, found: list[str], signatures: Sequence[SignatureCheck]
) -> None:
    """The signatures in the bytes are exactly the ones pyHanko validated, and pyHanko too sees
    the last one covering the whole file: two readings of one file must agree."""
    validated = [s.field_name for s in signatures]
    if signatures and found != validated:
        report.add(
            "signatures",
            False,
            f"the file holds signatures {found}, of which only {validated} are validated",
        )
    elif signatures and "ENTIRE_FILE" not in signatures[-1].coverage.upper():
        report.add(
            "signatures",
            False,
            f"{signatures[-1].field_name} does not cover the whole file "
            f"({signatures[-1].coverage})",
        )


def _check_signatures(report: CardReport, pdf: Path, trust: Sequence[Path]) -> list[SignatureCheck]:
    from scorecard.sign.validate import validate_signatures

    try:
        checks = validate_signatures(pdf, trust)
    except ScorecardError as exc:
        report.add("signatures", False, str(exc))
        return []
    if not checks:
        report.add("signatures", False, "the card is not signed")
        return []
    for check in checks:
        report.signatures.append(
            {
                k: (str(v) if not isinstance(v, (bool, int, float, list, type(None))) else v)
                for k, v in vars(check).items()
                if k != "cert_der"
            }
        )
    bad = [c for c in checks if not c.ok]
    if bad:
        first = bad[0]
        report.add(
            "signatures",
            False,
            f"signature {first.field_name} ({first.signer}): "
            + "; ".join(first.problems or ["not valid"]),
        )
    else:
        who = ", ".join(f"{c.reason or 'signed'}: {c.signer}" for c in checks)
        report.add(
            "signatures", True, f"{len(checks)} valid, trusted, covering the whole file ({who})"
        )
    return checks


def _roles(
    report: CardReport,
    card: dict[str, Any],
    signatures: Sequence[SignatureCheck],
    trust_roles: Sequence[RoleTrust],
) -> tuple[bool, str]:
    from scorecard import packs
    from scorecard.card.roles import check_roles

    framework = packs.load_files(card["framework"]["files"], "attached framework")
    report.notes.append(_framework_note(card, framework.content_hash))
    problems, account = check_roles(framework.header, signatures, trust_roles)
    return not problems, "; ".join(problems) if problems else account


def _framework_note(card: dict[str, Any], attached_hash: str) -> str:
    """Whether the card's framework is the pack of that id bundled with this scorecard."""
    from scorecard import packs

    framework_id = str(card["framework"]["id"])
    label = f"framework {framework_id} {card['framework'].get('version', '')}".strip()
    bundled = packs.bundled_hash(framework_id)
    if bundled is None:
        return f"{label}, sha256 {attached_hash}: not a pack bundled with scorecard"
    if bundled == attached_hash:
        return f"{label}, sha256 {attached_hash}: the bundled pack"
    return (
        f"{label}, sha256 {attached_hash}: NOT the bundled pack of this id "
        f"(bundled sha256 {bundled})"
    )


def _levels(card: dict[str, Any]) -> tuple[bool, str]:
    from scorecard.card.recompute import recompute

    problems = recompute(card)
    if problems:
        return False, "; ".join(problems)
    return True, "every level recomputed from the attached evidence equals the stated one"


def _pages(pdf: Path, card: dict[str, Any]) -> tuple[bool, str]:
    from scorecard.card.pages import check_pages

    problems = check_pages(pdf, card)
    if problems:
        return False, "; ".join(problems)
    return True, "the pages show exactly the attached record"


def _database(
    pdf: Path, card: dict[str, Any], signatures: Sequence[SignatureCheck], database: str
) -> tuple[bool, str]:
    from scorecard.card.binding import check_binding

    problems = check_binding(pdf, card, signatures, database)
    if problems:
        return False, "; ".join(problems)
    return True, "the scorecard, its decisions, this signed PDF and the audit head match"
