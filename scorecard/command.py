"""One public function per CLI command: the CLI only parses arguments and calls these, so
code and the command line take the same path."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scorecard import packs
from scorecard.core.evidence import Evidence, Judgment, Policy
from scorecard.core.framework import Framework
from scorecard.core.result import ScorecardResult
from scorecard.core.scoring import ScoringOptions, post_equals_pre, score
from scorecard.errors import FrameworkError, InputError, ScorecardError
from scorecard.readers import read_evidence, read_judgments
from scorecard.resources import example_dir

DEFAULT_FRAMEWORK = "preparedness-v1"


@dataclass(frozen=True)
class Scored:
    framework: Framework
    result: ScorecardResult


@dataclass(frozen=True)
class PackReport:
    path: Path
    framework: Framework | None
    error: str | None


def validate_packs(paths: Sequence[Path], extra: Sequence[Path] = ()) -> list[PackReport]:
    """Validate the given pack folders, or every pack on the search path when none is given."""
    targets = list(paths) or list(packs.discover(extra).values())
    reports = []
    for path in targets:
        try:
            reports.append(PackReport(path, packs.load_folder(path), None))
        except FrameworkError as exc:
            reports.append(PackReport(path, None, str(exc)))
    return reports


def score_files(
    evidence_files: Sequence[Path],
    judgment_files: Sequence[Path] = (),
    *,
    framework_id: str = DEFAULT_FRAMEWORK,
    framework_path: Sequence[Path] = (),
    policy: Policy = "point",
    margin: float | None = None,
    post_equals_pre_by: tuple[str, str] | None = None,
) -> Scored:
    """Score evidence and judgment files against a framework, with no database."""
    framework = packs.load(framework_id, framework_path)
    evidence: list[Evidence] = []
    for path in evidence_files:
        evidence.extend(read_evidence(path))
    judgments: list[Judgment] = []
    for path in judgment_files:
        judgments.extend(read_judgments(path))
    options = ScoringOptions(policy=policy, near_threshold_margin=margin)
    result = score(framework, evidence, judgments, options)
    if post_equals_pre_by is not None:
        by, rationale = post_equals_pre_by
        judgments.extend(post_equals_pre(result, by, rationale))
        result = score(framework, evidence, judgments, options)
    return Scored(framework, result)


def demo_files(out_dir: Path | None = None) -> Scored:
    """Score the bundled example model straight from its files (no database)."""
    examples = example_dir()
    scored = score_files(
        [examples / "evidence-pre.csv", examples / "evidence-post.csv"],
        [examples / "judgments.csv"],
    )
    if out_dir is not None:
        _write_json(out_dir / "scorecard-files.json", scored.result.to_json_dict())
    return scored


def _write_json(target: Path, data: Any) -> None:
    import json

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n")
        tmp.replace(target)  # never leave a half-written file behind
    except OSError as exc:
        raise ScorecardError(f"{target.parent}: cannot write: {exc.strerror}") from None


DEMO_MODEL = "Kestrel-2@2026-11"


def demo(out_dir: Path, step: Any = None) -> dict[str, Any]:
    """The whole story on a fresh SQLite database in ``out_dir``: record, score, judge,
    mitigate, recommend, decide, verify. ``step(text)`` is told what happens as it happens."""
    database = out_dir / "scorecard.db"
    if database.exists():
        raise ScorecardError(f"{database} already exists: give the demo an empty folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{database}"
    examples = example_dir()
    say = step or (lambda _text: None)
    say(f"creating {database}")
    init(url)
    name, _, version = DEMO_MODEL.partition("@")
    models_add(
        url,
        name,
        version,
        "Fictional frontier model used to show scorecard end to end",
        by="Priya Raman (evaluation lead)",
    )
    say(f"added model {DEMO_MODEL}")
    for stage in ("pre", "post"):
        ingest(
            url,
            [examples / f"evidence-{stage}.csv"],
            DEMO_MODEL,
            stage,
            by="Priya Raman (evaluation lead)",
        )
        say(f"ingested {stage}-mitigation evidence")
    for judgment in read_judgments(examples / "judgments.csv"):
        judge(url, DEMO_MODEL, judgment.model_copy(update={"source": None}))
        say(
            f"recorded judgment: {judgment.category} ({judgment.stage}) {judgment.level} by "
            f"{judgment.by}"
        )
    mitigate(
        url,
        DEMO_MODEL,
        "cybersecurity",
        "Safety systems team",
        "Refusal training on exploit development, plus a classifier that blocks "
        "vulnerability-exploitation requests in production.",
    )
    say("recorded mitigation for cybersecurity")
    card = score_model(url, DEMO_MODEL, by="Priya Raman (evaluation lead)")
    say(f"scored: scorecard #{card['id']}")
    decide(
        url,
        DEMO_MODEL,
        "deploy",
        "sag",
        "Dr. Jonas Berg (SAG chair)",
        "Post-mitigation risk is medium in every category; cybersecurity was high before "
        "mitigation, so the weights are held under hardened security.",
    )
    say("SAG recommendation: deploy")
    decide(
        url,
        DEMO_MODEL,
        "deploy",
        "leadership",
        "Alex Moreau (CEO)",
        "Accepting the SAG recommendation; the security hardening is in place.",
    )
    say("leadership decision: deploy")
    report = audit_verify(url)
    if not report.ok:
        raise ScorecardError(f"demo audit chain broken: {report.problems[0]}")
    say(f"audit chain verified: {report.events} events")
    shown = show(url, DEMO_MODEL)
    _write_json(out_dir / "scorecard.json", shown)
    card_path = out_dir / "card.pdf"
    signers = [
        ("SAG chair", "Dr. Jonas Berg", "jonas.berg@example.org"),
        ("CEO", "Alex Moreau", "alex.moreau@example.org"),
    ]
    render(url, DEMO_MODEL, card_path, signatories=[(r, n) for r, n, _ in signers])
    say(f"rendered the system card: {card_path}")
    # A throwaway identity per signer, as a team without a PKI would make with `keys new`.
    passphrase = os.urandom(24).hex().encode()
    trust = []
    for role, name, email in signers:
        keys = out_dir / "keys" / name.split()[-1].lower()
        cert, key = keys_new(name, email, keys, passphrase)
        trust.append(cert)
        sign(
            url,
            card_path,
            card_path,
            key=key,
            cert=cert,
            passphrase=passphrase,
            role=role,
            name=name,
        )
        say(f"signed as {role}: {name}")
    checked = verify(card_path, trust, url)
    if not checked.ok:
        failed = next(c for c in checked.checks if not c.ok)
        raise ScorecardError(f"demo card failed verification: {failed.name}: {failed.detail}")
    say("verified: signatures, attached record, recomputed levels and the database agree")
    return {
        "database": str(database),
        "scorecard": shown,
        "card": str(card_path),
        "trust": [str(c) for c in trust],
        "audit_head": report.head,
        "audit_events": report.events,
    }


# --- The system of record -------------------------------------------------------------------
# Database modules are imported inside each function, so `scorecard --help` stays fast.


def actor_name(by: str | None) -> str:
    """Who acts: the named person when given, else the OS user."""
    from scorecard.records.audit import os_user

    return by.strip() if by and by.strip() else os_user()


def init(url: str | None) -> tuple[str, str | None, str | None]:
    """Create or upgrade the schema; returns (shown URL, revision before, revision after)."""
    from scorecard.db.engine import display_url, resolve_url
    from scorecard.db.migrate import upgrade

    resolved = resolve_url(url)
    before, after = upgrade(resolved)
    return display_url(resolved), before, after


def models_add(
    url: str | None, name: str, version: str, description: str, by: str | None = None
) -> Any:
    from scorecard.records import models
    from scorecard.records.session import writing

    with writing(url) as session:
        return models.add(session, name, version, description, actor_name(by))


def models_list(url: str | None) -> list[dict[str, Any]]:
    from sqlalchemy import func, select

    from scorecard.db.schema import EvidenceRow, ScorecardRow
    from scorecard.records import models
    from scorecard.records.audit import row_dict
    from scorecard.records.session import reading

    with reading(url) as session:
        counts = dict(
            session.execute(
                select(EvidenceRow.model_id, func.count()).group_by(EvidenceRow.model_id)
            ).all()
        )
        cards = dict(
            session.execute(
                select(ScorecardRow.model_id, func.count()).group_by(ScorecardRow.model_id)
            ).all()
        )
        return [
            {
                **row_dict(m),
                "ref": models.label(m),
                "evidence": counts.get(m.id, 0),
                "scorecards": cards.get(m.id, 0),
            }
            for m in models.list_all(session)
        ]


EVIDENCE_SUFFIXES = frozenset({".csv", ".jsonl", ".ndjson", ".eval", ".json"})
# Files Inspect and eval-set runs keep beside their logs that hold no evidence.
_NOT_EVIDENCE = frozenset({"logs.json", "eval-set.json", "listing.json", ".eval-set-id"})


def discover_files(paths: Sequence[Path]) -> list[Path]:
    """Files to ingest: given files as they are, folders walked for evidence files.

    A symlink inside a folder that points outside it is refused: a log directory from another
    team must not be a way to read the rest of the machine.
    """
    found: list[Path] = []
    for path in paths:
        if not path.is_dir():
            found.append(path)
            continue
        root = path.resolve()
        for candidate in sorted(path.rglob("*")):
            if candidate.is_symlink():
                target = candidate.resolve()
                if not target.is_relative_to(root):
                    raise InputError(
                        f"{candidate}: symlink points outside {path} (to {target}): refused"
                    )
            if (
                candidate.is_file()
                and candidate.suffix.lower() in EVIDENCE_SUFFIXES
                and candidate.name not in _NOT_EVIDENCE
            ):
                found.append(candidate)
    if not found:
        raise ScorecardError("no evidence files found in " + ", ".join(map(str, paths)))
    return found


def ingest(
    url: str | None,
    paths: Sequence[Path],
    model_ref: str,
    stage: str,
    by: str | None = None,
    on_file: Any = None,
    *,
    fmt: str = "auto",
    allow_incomplete: bool = False,
) -> list[Any]:
    """Read every file, then store the batch in one transaction (all or nothing)."""
    from scorecard.readers.detect import read
    from scorecard.records import evidence, models
    from scorecard.records.session import writing

    if stage not in ("pre", "post"):
        raise ScorecardError(f"unknown stage {stage!r} (expected pre or post)")
    files = []
    for path in discover_files(paths):
        files.append(read(path, stage, fmt, allow_incomplete))  # type: ignore[arg-type]
        if on_file is not None:
            on_file(path)
    with writing(url) as session:
        model = models.resolve(session, model_ref)
        return evidence.store(session, model, stage, files, actor_name(by))


def evidence_listing(
    url: str | None,
    model_ref: str,
    stage: str | None = None,
    *,
    framework_id: str = DEFAULT_FRAMEWORK,
    framework_path: Sequence[Path] = (),
) -> dict[str, Any]:
    """Stored evidence with the indicators that read it, and the indicators still missing."""
    from scorecard.records import evidence, models, reviews
    from scorecard.records.session import reading

    framework = packs.load(framework_id, framework_path)
    with reading(url) as session:
        model = models.resolve(session, model_ref)
        judged = {
            (j.category, j.stage, j.indicator)
            for j in reviews.active_judgments(session, model)
            if j.framework_id == framework.id and j.kind == "level"
        }
        return evidence.listing(session, model, framework, stage, judged)


def score_model(
    url: str | None,
    model_ref: str,
    *,
    framework_id: str = DEFAULT_FRAMEWORK,
    framework_path: Sequence[Path] = (),
    policy: Policy = "point",
    margin: float | None = None,
    by: str | None = None,
) -> dict[str, Any]:
    """Score a stored model, store the scorecard, and return it as JSON data."""
    from scorecard.records import models, scorecards
    from scorecard.records.session import writing

    folder = packs.discover(framework_path).get(framework_id)
    if folder is None:
        packs.load(framework_id, framework_path)  # raises the "unknown framework" error
        raise AssertionError("unreachable")
    options = ScoringOptions(policy=policy, near_threshold_margin=margin)
    with writing(url) as session:
        model = models.resolve(session, model_ref)
        row, _, _ = scorecards.compute(session, model, folder, options, actor_name(by))
        return scorecards.public_json(session, model, row)


def show(url: str | None, model_ref: str, scorecard_id: int | None = None) -> dict[str, Any]:
    """The latest (or a given) scorecard with the judgments, mitigations and decisions."""
    from scorecard.records import models, reviews, scorecards
    from scorecard.records.audit import row_dict
    from scorecard.records.session import reading

    with reading(url) as session:
        model = models.resolve(session, model_ref)
        row = (
            scorecards.get(session, model, scorecard_id)
            if scorecard_id is not None
            else scorecards.require_latest(session, model)
        )
        data = scorecards.public_json(session, model, row)
        data["mitigations"] = [row_dict(m) for m in reviews.mitigations(session, model)]
        data["decisions"] = [
            row_dict(d) for d in reviews.decisions(session, model) if d.scorecard_id == row.id
        ]
        latest = scorecards.latest(session, model)
        data["is_latest"] = latest is not None and latest.id == row.id
        return data


def history(url: str | None, model_ref: str) -> list[dict[str, Any]]:
    import json

    from scorecard.records import models, scorecards
    from scorecard.records.audit import timestamp
    from scorecard.records.session import reading

    with reading(url) as session:
        model = models.resolve(session, model_ref)
        return [
            {
                "id": r.id,
                "hash": r.content_hash,
                "computed_by": r.computed_by,
                "computed_at": timestamp(r.computed_at),
                "policy": r.policy,
                "overall": json.loads(r.overall_json),
                "deploy": r.deploy,
                "develop": r.develop,
                "security_hardening_required": r.security_hardening_required,
            }
            for r in scorecards.history(session, model)
        ]


def diff(
    url: str | None, model_ref: str, first: int | None = None, second: int | None = None
) -> dict[str, Any]:
    """What moved between two scorecards (default: the two latest) and why."""
    from dataclasses import asdict

    from scorecard.records import models, scorecards
    from scorecard.records.session import reading

    with reading(url) as session:
        model = models.resolve(session, model_ref)
        if first is None and second is None:
            rows = scorecards.history(session, model)
            if len(rows) < 2:
                raise ScorecardError(
                    f"{models.label(model)} has {len(rows)} scorecard(s): a diff needs two"
                )
            a, b = rows[-2], rows[-1]
        elif first is not None and second is not None:
            a, b = scorecards.get(session, model, first), scorecards.get(session, model, second)
        else:
            raise ScorecardError("give two scorecard ids, or none for the two latest")
        before = scorecards.public_json(session, model, a)
        after = scorecards.public_json(session, model, b)
        return {
            "from": a.id,
            "to": b.id,
            "changes": [asdict(c) for c in scorecards.diff(before, after)],
        }


def judge(
    url: str | None,
    model_ref: str,
    judgment: Judgment,
    *,
    framework_id: str = DEFAULT_FRAMEWORK,
    framework_path: Sequence[Path] = (),
    corrects: int | None = None,
) -> Any:
    from scorecard.records import models, reviews
    from scorecard.records.session import writing

    framework = packs.load(framework_id, framework_path)
    with writing(url) as session:
        model = models.resolve(session, model_ref)
        return reviews.judge(session, model, framework, judgment, actor_name(judgment.by), corrects)


def judge_post_equals_pre(
    url: str | None,
    model_ref: str,
    by: str,
    rationale: str,
    *,
    framework_id: str = DEFAULT_FRAMEWORK,
    framework_path: Sequence[Path] = (),
) -> list[Any]:
    """Record, in one call, judgments setting every post level to the latest pre level."""
    import json

    from scorecard.core.result import ScorecardResult
    from scorecard.records import models, reviews, scorecards
    from scorecard.records.session import writing

    framework = packs.load(framework_id, framework_path)
    with writing(url) as session:
        model = models.resolve(session, model_ref)
        card = scorecards.require_latest(session, model)
        result = ScorecardResult.from_json_dict(json.loads(card.result_json))
        return [
            reviews.judge(session, model, framework, j, actor_name(by))
            for j in post_equals_pre(result, by, rationale)
        ]


def mitigate(
    url: str | None,
    model_ref: str,
    category: str,
    by: str,
    description: str,
    *,
    framework_id: str = DEFAULT_FRAMEWORK,
    framework_path: Sequence[Path] = (),
) -> Any:
    from scorecard.records import models, reviews
    from scorecard.records.session import writing

    framework = packs.load(framework_id, framework_path)
    with writing(url) as session:
        model = models.resolve(session, model_ref)
        return reviews.mitigate(
            session, model, framework, category, by, description, actor_name(by)
        )


def decide(
    url: str | None, model_ref: str, decision: str, role: str, by: str, rationale: str
) -> Any:
    from scorecard.records import models, reviews
    from scorecard.records.session import writing

    with writing(url) as session:
        model = models.resolve(session, model_ref)
        return reviews.decide(session, model, decision, role, by, rationale, actor_name(by))


def audit_verify(url: str | None, expect_head: str | None = None) -> Any:
    from scorecard.records import audit
    from scorecard.records.session import reading

    with reading(url) as session:
        return audit.verify(session, expect_head)


def audit_log(url: str | None, model_ref: str | None = None) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from scorecard.db.schema import AuditEvent
    from scorecard.records import models
    from scorecard.records.audit import row_dict
    from scorecard.records.session import reading

    with reading(url) as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if model_ref is not None:
            query = query.where(AuditEvent.model_id == models.resolve(session, model_ref).id)
        return [row_dict(e) for e in session.scalars(query)]


def render(
    url: str | None,
    model_ref: str,
    out: Path,
    fmt: str = "pdf",
    signatories: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """Render the latest (up-to-date) scorecard as a PDF/A-3b system card, HTML or Markdown.

    ``signatories`` (role, name) are listed in the card's signature block: the signatures come
    after rendering, so their times are in the signatures themselves.
    """
    from scorecard.records import models
    from scorecard.records.session import reading
    from scorecard.render import card as card_data
    from scorecard.render.html import render_html, render_markdown, stylesheet

    if fmt not in ("pdf", "html", "md"):
        raise ScorecardError(f"unknown format {fmt!r} (expected pdf, html or md)")
    with reading(url) as session:
        model = models.resolve(session, model_ref)
        card = card_data.build(session, model)
    card["signatures"] = [
        {"role": role, "name": name, "when": "see the digital signature"}
        for role, name in signatories
    ]
    if fmt == "pdf":
        from scorecard.render.pdf import write_pdf

        write_pdf(render_html(card), stylesheet(), card, out)
    else:
        text = render_html(card, standalone=True) if fmt == "html" else render_markdown(card)
        _write_text(out, text)
    return card


def _write_text(target: Path, text: str) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(text)
        tmp.replace(target)
    except OSError as exc:
        raise ScorecardError(f"{target}: cannot write: {exc.strerror}") from None


def keys_new(
    name: str, email: str, out_dir: Path, passphrase: bytes, algorithm: str = "ecdsa-p256"
) -> tuple[Path, Path]:
    """A self-signed signing certificate and an encrypted private key, for teams with no PKI."""
    from scorecard.sign.keys import new_identity

    if algorithm not in ("ecdsa-p256", "rsa-3072"):
        raise ScorecardError(f"unknown algorithm {algorithm!r} (ecdsa-p256 or rsa-3072)")
    return new_identity(name, email, out_dir, passphrase, algorithm)  # type: ignore[arg-type]


def sign(
    url: str | None,
    pdf: Path,
    out: Path,
    *,
    key: Path,
    cert: Path,
    passphrase: bytes,
    role: str,
    name: str,
    location: str | None = None,
) -> Any:
    """Sign a system card and record the signature, with the signed PDF's hash, as a document
    of the scorecard the card carries."""
    import json

    from scorecard.records import documents, models
    from scorecard.records.session import writing
    from scorecard.render.record import extract_attachment
    from scorecard.sign.signer import sign_pdf

    card = json.loads(extract_attachment(pdf))
    record = sign_pdf(
        pdf, out, key=key, cert=cert, passphrase=passphrase, role=role, name=name, location=location
    )
    with writing(url) as session:
        model = models.resolve(session, card["model"]["ref"])
        documents.record(
            session,
            model,
            card["scorecard"]["id"],
            kind="signature",
            file_name=out.name,
            sha256=record.sha256,
            actor=actor_name(name),
            signer=name,
            role=role,
            field_name=record.field_name,
        )
    return record


def verify(pdf: Path, trust: Sequence[Path] = (), url: str | None = None) -> Any:
    """Check a card's signatures, its attached record, its levels and (with a database) the
    record there."""
    from scorecard.verify import verify_card

    return verify_card(pdf, trust, url)
