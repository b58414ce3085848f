"""The append-only audit chain, and its verification.

Each event stores the sha256 of the record it describes (for an ingested file: the source row
and all its evidence rows) and the hash of the event before it. Editing, deleting, inserting or
reordering rows in any audited table therefore breaks either a record hash, a link, or the
coverage check (a row no event describes). What a chain cannot show on its own is the loss of
its newest events together with their records; ``verify`` prints the head hash so it can be
kept elsewhere (in a signed card, a ticket) and checked later with ``--expect-head``: the chain
must still contain that hash, however many events came after it.

Nor can a chain show a rewrite: it has no secret, so whoever can write to the database can
edit a row and recompute every hash after it. Signed checkpoints (``records.checkpoints``),
checked against certificates trusted from outside the database, catch that.
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scorecard.db.schema import (
    Attestation,
    AuditEvent,
    Base,
    Checkpoint,
    Decision,
    Document,
    EvidenceRow,
    FrameworkSnapshot,
    JudgmentRow,
    Mitigation,
    Model,
    PolicySetting,
    RecordSignature,
    RosterEntry,
    ScorecardRow,
    Source,
    Withdrawal,
)
from scorecard.records import bulk
from scorecard.records.serialize import canonical, normal, now, row_dict, sha256
from scorecard.settings import os_user

if TYPE_CHECKING:
    from scorecard.records.checkpoints import CheckpointReport

GENESIS = "0" * 64
_HEAD_KEY = "scorecard_audit_head"
AUDITED: dict[str, type[Base]] = {
    "model": Model,
    "framework_snapshot": FrameworkSnapshot,
    "source": Source,
    "scorecard": ScorecardRow,
    "judgment": JudgmentRow,
    "mitigation": Mitigation,
    "decision": Decision,
    "document": Document,
    "checkpoint": Checkpoint,
    "roster": RosterEntry,
    "policy": PolicySetting,
    "record_signature": RecordSignature,
    "withdrawal": Withdrawal,
    "attestation": Attestation,
}
# Columns added to a table after its rows were first hashed: hashed only when set, so the
# events of rows written before the migration still match.
_ADDED_LATER: dict[str, frozenset[str]] = {
    "document": frozenset({"cert_sha256", "cert_subject", "cert_not_before", "cert_not_after"}),
    "source": frozenset({"accepted_model"}),
}
_CHILD_ADDED_LATER = frozenset({"citation"})
"""The same, for the evidence rows hashed with their source."""
_ENTITY_OF = {table: entity for entity, table in AUDITED.items()}


def entity_of(row: Base) -> str:
    """The audit entity name of a row of an audited table."""
    return _ENTITY_OF[type(row)]


def record_hash(entity: str, row: Base, children: Iterable[dict[str, Any]] = ()) -> str:
    """sha256 of a record and (for a source) its evidence rows, as plain column dicts."""
    return content_hash(entity, row_dict(row), children)


def content_hash(
    entity: str, values: Mapping[str, Any], children: Iterable[dict[str, Any]] = ()
) -> str:
    """:func:`record_hash` of a record given as its column values (``row_dict``'s form: every
    column, times through ``normal``), for rows written without ORM objects."""
    kids = [_hashed_child(child) for child in children]
    kids.sort(key=_BY_ID)
    return sha256(
        _CANONICAL.encode({"entity": entity, "row": _row(entity, values), "children": kids})
    )


EVIDENCE_ROW = (
    "id",
    "model_id",
    "source_id",
    "stage",
    "task",
    "metric",
    "value",
    "stderr",
    "n_samples",
    "location",
    "citation",
)
"""The evidence columns in the order :func:`source_hash` takes a row's values."""


def source_hash(values: Mapping[str, Any], rows: Sequence[tuple[Any, ...]]) -> str:
    """``content_hash("source", values, children)`` with the children given as tuples of
    :data:`EVIDENCE_ROW` values: the same canonical text, written row by row instead of through
    a dict per row (a back-fill hashes hundreds of thousands of rows). A test holds the two
    equal; the text is what ``json.dumps(sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)`` writes: keys in order, strings as its encoder escapes them, floats
    by ``repr``, ``null`` for None, and a citation only when set.
    """
    text = _json_text
    parts = []
    for (
        row_id,
        model_id,
        source_id,
        stage,
        task,
        metric,
        value,
        stderr,
        n,
        location,
        cited,
    ) in sorted(rows, key=_FIRST):
        # Numbers are plain ints and floats (finite): repr is what the encoder writes.
        parts.append(
            ("{" if cited is None else f'{{"citation":{text(cited)},')
            + f'"id":{row_id!r},"location":{"null" if location is None else repr(location)},'
            f'"metric":{text(metric)},"model_id":{model_id!r},'
            f'"n_samples":{"null" if n is None else repr(n)},"source_id":{source_id!r},'
            f'"stage":{text(stage)},"stderr":{"null" if stderr is None else repr(stderr)},'
            f'"task":{text(task)},"value":{value!r}}}'
        )
    row = _CANONICAL.encode(_row("source", values))
    return sha256(f'{{"children":[{",".join(parts)}],"entity":"source","row":{row}}}')


def _row(entity: str, values: Mapping[str, Any]) -> dict[str, Any]:
    later = _ADDED_LATER.get(entity, frozenset())
    return {k: v for k, v in values.items() if not (k in later and v is None)}


def _hashed_child(child: dict[str, Any]) -> dict[str, Any]:
    """The child without the added-later columns it leaves unset (a copy only if it has any:
    a back-fill hashes hundreds of thousands of rows)."""
    unset = [k for k in _CHILD_ADDED_LATER if k in child and child[k] is None]
    if not unset:
        return child
    kid = child.copy()
    for k in unset:
        del kid[k]
    return kid


_BY_ID = itemgetter("id")
_FIRST = itemgetter(0)
_json_text: Callable[[str], str] = json.encoder.encode_basestring
"""How the canonical encoder (``ensure_ascii=False``) writes a string."""
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
"""``serialize.canonical``'s encoder (the same arguments, so the same text), made once: making
one per call costs as much as encoding a small record."""


def _event_hash(event: AuditEvent) -> str:
    fields = {k: v for k, v in row_dict(event).items() if k != "hash"}
    return sha256(canonical(fields))


def append(
    session: Session,
    *,
    action: str,
    entity: str,
    row: Base,
    actor: str,
    summary: str,
    model_id: int | None,
    children: Sequence[dict[str, Any]] = (),
) -> AuditEvent:
    """Record one event for ``row`` (flushed, so it has its id) inside the caller's transaction.

    ``children`` are the plain column values of rows the event covers with its record (the
    evidence rows of an ingested source).
    """
    session.flush()
    last_id, last_hash = _head(session)
    event = AuditEvent(
        id=last_id + 1,
        at=now(),
        action=action,
        entity=entity,
        entity_id=row.id,  # type: ignore[attr-defined]
        model_id=model_id,
        actor=actor,
        os_user=os_user(),
        summary=summary,
        content_hash=record_hash(entity, row, children),
        prev_hash=last_hash,
        hash="",
    )
    event.hash = _event_hash(event)
    session.add(event)
    session.flush()
    session.info[_HEAD_KEY] = (session.get_transaction(), event.id, event.hash)
    return event


@dataclass(frozen=True)
class NewEvent:
    """One event of a batch: what happened to which record, and that record's hash."""

    action: str
    entity: str
    entity_id: int
    model_id: int | None
    summary: str
    content_hash: str
    """:func:`content_hash` of the record as written (and as ``verify`` will read it back)."""


def append_many(session: Session, events: Sequence[NewEvent], actor: str) -> None:
    """Record a batch of events in the caller's transaction, in order, with one INSERT.

    The same chain as :func:`append` event by event (ids, links and hashes are computed here
    the same way), without an ORM object and a round trip per event: a back-fill of thousands
    of files is one statement.
    """
    if not events:
        return
    session.flush()  # rows added through the ORM before the batch take their events first
    last_id, last_hash = _head(session)
    at, user = now(), os_user()
    stamp = normal(at)
    rows: list[dict[str, Any]] = []
    for event in events:
        last_id += 1
        fields = {
            "id": last_id,
            "at": stamp,
            "action": event.action,
            "entity": event.entity,
            "entity_id": event.entity_id,
            "model_id": event.model_id,
            "actor": actor,
            "os_user": user,
            "summary": event.summary,
            "content_hash": event.content_hash,
            "prev_hash": last_hash,
        }
        # What _event_hash computes from the stored event: every column but the hash, normal
        # (the time is the one value normal changes).
        last_hash = sha256(_CANONICAL.encode(fields))
        rows.append({**fields, "at": at, "hash": last_hash})
    bulk.insert_given(session, AuditEvent, rows)
    session.info[_HEAD_KEY] = (session.get_transaction(), last_id, last_hash)


def _head(session: Session) -> tuple[int, str]:
    """The id and hash of the newest event, as this transaction has left it."""
    cached = session.info.get(_HEAD_KEY)
    if cached is not None and cached[0] is session.get_transaction():
        return cached[1], cached[2]
    # Writers hold the database's write lock for the whole transaction, so the head read here
    # stays the head until commit; later events in this transaction reuse it.
    last = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    return (last.id, last.hash) if last else (0, GENESIS)


@dataclass
class VerifyReport:
    events: int = 0
    records: int = 0
    head: str = GENESIS
    problems: list[str] = field(default_factory=list)
    checkpoints: CheckpointReport | None = None
    """Filled in by the command when checkpoints were looked at."""

    @property
    def ok(self) -> bool:
        return not self.problems


_CHUNK = 2000


def verify(session: Session, expect_head: str | None = None) -> VerifyReport:
    """Walk the chain and every record it covers; collect what is broken, first problem first.

    ``expect_head`` is a head printed earlier (in a card, a ticket): the chain must contain it
    (as an event's hash, or the genesis), else it was truncated or rebuilt since.

    Events are read in chunks, with the records they describe loaded per chunk, so memory stays
    bounded however large the database (a source's evidence rows are hashed with it).
    """
    report = VerifyReport()
    covered: dict[str, set[int]] = {entity: set() for entity in AUDITED}
    previous_hash, previous_id = GENESIS, 0
    last_seen = 0
    expected_found = expect_head == GENESIS
    while True:
        events = list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.id > last_seen)
                .order_by(AuditEvent.id)
                .limit(_CHUNK)
            )
        )
        if not events:
            break
        last_seen = events[-1].id
        records = _records_for(session, events)
        evidence = _evidence_for(session, [e.entity_id for e in events if e.entity == "source"])
        for event in events:
            report.events += 1
            where = f"audit event #{event.id} ({event.action}, {event.entity} #{event.entity_id})"
            if event.id != previous_id + 1:
                report.problems.append(f"{where}: follows event #{previous_id}: events are missing")
            if event.prev_hash != previous_hash:
                report.problems.append(f"{where}: does not link to the event before it")
            if _event_hash(event) != event.hash:
                report.problems.append(f"{where}: the event itself was altered")
            previous_hash, previous_id = event.hash, event.id
            expected_found = expected_found or event.hash == expect_head
            if event.entity not in AUDITED:
                report.problems.append(f"{where}: unknown entity {event.entity!r}")
                continue
            record = records.get((event.entity, event.entity_id))
            if record is None:
                report.problems.append(f"{where}: the record was deleted")
                continue
            if event.entity_id in covered[event.entity]:
                report.problems.append(f"{where}: a second event for the same record")
            covered[event.entity].add(event.entity_id)
            children = evidence.get(event.entity_id, []) if event.entity == "source" else []
            if record_hash(event.entity, record, children) != event.content_hash:
                report.problems.append(f"{where}: the record changed since it was recorded")
        session.expunge_all()  # keep the identity map from growing with the database
    report.head = previous_hash
    _check_coverage(session, covered, report)
    if expect_head is not None and not expected_found:
        report.problems.append(
            f"the chain does not contain the expected head {expect_head[:16]}…: "
            "it was truncated or rebuilt since"
        )
    return report


def _check_coverage(session: Session, covered: dict[str, set[int]], report: VerifyReport) -> None:
    """Rows no event describes were inserted outside scorecard."""
    for entity, table in AUDITED.items():
        ids = session.scalars(select(table.id)).all()  # type: ignore[attr-defined]
        report.records += len(ids)
        stray = sorted(set(ids) - covered[entity])
        if stray:
            report.problems.append(
                f"{entity} #{stray[0]} has no audit event: inserted outside scorecard"
                + (f" (+{len(stray) - 1} more)" if len(stray) > 1 else "")
            )
    orphans = session.scalar(
        select(func.count())
        .select_from(EvidenceRow)
        .where(~EvidenceRow.source_id.in_(select(Source.id)))
    )
    if orphans:
        report.problems.append(f"{orphans} evidence rows belong to no recorded source")


def _records_for(session: Session, events: list[AuditEvent]) -> dict[tuple[str, int], Base]:
    """The records a chunk of events describes, one query per table."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        if event.entity in AUDITED:
            wanted.setdefault(event.entity, set()).add(event.entity_id)
    found: dict[tuple[str, int], Base] = {}
    for entity, ids in wanted.items():
        table = AUDITED[entity]
        for row in session.scalars(select(table).where(table.id.in_(ids))):  # type: ignore[attr-defined]
            found[(entity, row.id)] = row  # type: ignore[attr-defined]
    return found


def _evidence_for(session: Session, source_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    # Plain rows, not ORM objects, and only for this chunk's sources.
    grouped: dict[int, list[dict[str, Any]]] = {}
    if not source_ids:
        return grouped
    table = EvidenceRow.__table__
    query = select(table).where(table.c.source_id.in_(source_ids))
    for row in session.execute(query).mappings():
        grouped.setdefault(row["source_id"], []).append({k: normal(v) for k, v in row.items()})
    return grouped


def events(session: Session, model_id: int | None = None) -> list[dict[str, Any]]:
    """The audit events, oldest first; only one model's when ``model_id`` is given."""
    query = select(AuditEvent).order_by(AuditEvent.id)
    if model_id is not None:
        query = query.where(AuditEvent.model_id == model_id)
    return [row_dict(e) for e in session.scalars(query)]


def head(session: Session) -> str:
    """The hash of the newest event (the genesis hash for an empty chain)."""
    value = session.execute(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar()
    return str(value) if value is not None else GENESIS
