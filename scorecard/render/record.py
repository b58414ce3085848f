"""The record attached to a system card: reading it back, and recomputing its levels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scorecard.errors import ScorecardError

ATTACHMENT = "scorecard.json"


def extract_attachment(pdf: Path, name: str = ATTACHMENT) -> bytes:
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
        raise ScorecardError(f"{pdf}: cannot read the embedded {name}: {reason(exc)}") from None
    raise ScorecardError(f"{pdf}: no embedded {name}: not a scorecard system card")


def recompute(card: dict[str, Any]) -> list[str]:
    """Differences between the levels the card states and those its own inputs give."""
    from scorecard import packs
    from scorecard.core.evidence import Evidence, Judgment
    from scorecard.core.scoring import ScoringOptions, score

    framework = packs.load_files(card["framework"]["files"], "attached framework")
    problems = []
    if framework.content_hash != card["framework"]["content_hash"]:
        problems.append("the attached framework files do not match their stated hash")
    evidence = [
        Evidence(
            stage=e["stage"],
            task=e["task"],
            metric=e["metric"],
            value=e["value"],
            stderr=e["stderr"],
            n_samples=e["n_samples"],
        )
        for e in card["evidence"]
    ]
    judgments = [
        Judgment(
            category=j["category"],
            stage=j["stage"],
            level=j["level"],
            by=j["by"],
            rationale=j["rationale"],
            indicator=j["indicator"],
            override=j["override"],
            kind=j["kind"],
        )
        for j in card["judgments"]
    ]
    result = score(framework, evidence, judgments, ScoringOptions(policy=card["policy"]))
    fresh = result.to_json_dict()
    stated = card["scorecard"]["result"]
    stated_levels = {
        c["id"]: {s: c[s]["level"] for s in stated["stages"]} for c in stated["categories"]
    }
    for category in fresh["categories"]:
        for stage in fresh["stages"]:
            claimed = stated_levels.get(category["id"], {}).get(stage)
            if claimed != category[stage]["level"]:
                problems.append(
                    f"{category['id']} ({stage}): the card states {claimed}, its "
                    f"evidence gives {category[stage]['level']}"
                )
    for stage in fresh["stages"]:
        if stated["overall"].get(stage) != fresh["overall"][stage]:
            problems.append(
                f"overall ({stage}): the card states {stated['overall'].get(stage)},"
                f" its evidence gives {fresh['overall'][stage]}"
            )
    for key in ("deploy", "develop", "security_hardening_required"):
        if stated["eligibility"].get(key) != fresh["eligibility"][key]:
            problems.append(
                f"{key}: the card states {stated['eligibility'].get(key)}, its "
                f"evidence gives {fresh['eligibility'][key]}"
            )
    return problems


def reason(exc: BaseException) -> str:
    """The first line of an exception's message, for a one-line report."""
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
