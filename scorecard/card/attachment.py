"""The record attached to a system card: its name, its format id, how it is written and how it
is read back. Rendering writes it with :func:`payload`; verification reads it with
:func:`extract`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scorecard.errors import CheckFailed, ScorecardError

ATTACHMENT = "scorecard.json"
CARD_FORMAT = "scorecard-card/1"
DESCRIPTION = (
    "The scorecard record: framework pack, evidence, judgments, levels, decisions and hashes"
)


def payload(card: dict[str, Any]) -> str:
    """The attachment's text, exactly as embedded."""
    return json.dumps(card, indent=2, sort_keys=True, ensure_ascii=False)


def extract(pdf: Path, name: str = ATTACHMENT) -> bytes:
    """The bytes of an embedded file, read through the PDF's name tree."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        with pdf.open("rb") as handle:
            reader = PdfFileReader(handle, strict=False)
            names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
            for i in range(0, len(names), 2):
                if str(names[i]) == name:
                    stream = names[i + 1].get_object()["/EF"]["/F"].get_object()
                    return bytes(stream.data)
    except ScorecardError:
        raise
    except Exception as exc:  # a damaged PDF can fail anywhere in the parser
        raise CheckFailed(f"{pdf}: cannot read the embedded {name}: {reason(exc)}") from None
    raise CheckFailed(f"{pdf}: no embedded {name}: not a scorecard system card")


def read_card(pdf: Path) -> tuple[bytes, dict[str, Any]]:
    """The attachment's bytes and its parsed record, refusing anything that is not one."""
    raw = extract(pdf)
    try:
        card = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise CheckFailed(f"the attachment is not JSON: {reason(exc)}") from None
    if not isinstance(card, dict) or card.get("format") != CARD_FORMAT:
        raise CheckFailed("the attachment is not a scorecard record")
    problem = _shape_problem(card)
    if problem:
        raise CheckFailed(f"the attached record is malformed: {problem}")
    return raw, card


_MAX_ID = 2**63 - 1


def _shape_problem(card: dict[str, Any]) -> str | None:
    """The identifiers every check relies on, typed before anything uses them (a hostile record
    must not reach a database driver or a path with, say, an id of 2**70)."""

    def is_id(value: Any) -> bool:
        return type(value) is int and 0 < value <= _MAX_ID

    model, scorecard = card.get("model"), card.get("scorecard")
    if not isinstance(model, dict) or not isinstance(model.get("ref"), str):
        return "model.ref is not a string"
    if not isinstance(scorecard, dict) or not is_id(scorecard.get("id")):
        return "scorecard.id is not an id"
    if not isinstance(scorecard.get("hash"), str) or not isinstance(scorecard.get("result"), dict):
        return "scorecard.hash or scorecard.result is missing"
    framework = card.get("framework")
    if not isinstance(framework, dict) or not isinstance(framework.get("id"), str):
        return "framework.id is not a string"
    if not isinstance(framework.get("files"), dict):
        return "framework.files is not a table of files"
    for key in ("evidence", "judgments", "decisions"):
        rows = card.get(key)
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            return f"{key} is not a list of records"
    if not all(is_id(d.get("id")) for d in card["decisions"]):
        return "a decision id is not an id"
    return None


def reason(exc: BaseException) -> str:
    """The first line of an exception's message, for a one-line report."""
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
