"""All SQL on the report records: ``reports``, their sealed recipients and ``notes``.

Contract: every function takes an open connection (``store.transaction()`` or ``store.read()``)
and never commits on its own, so a use case in :mod:`bot.reports.service` puts a record, its
outbox rows and its audit row in ONE transaction. Records come back opened
(:func:`bot.reports.sealing.open_report`): who filed a record, whom it went to and whether it
concerns the headteacher are sealed, so lookups by submitter or recipient read every record and
filter in Python (about 0.3 ms a record): an index on either would be readable without the key.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, cast

import sqlite_utils

from bot.errors import StoreError
from bot.people import ROLE_LABELS, Actor, Person
from bot.reports import audit, sealing
from bot.reports.models import CONCERN_CATEGORIES, RELATIONSHIPS, Summary
from bot.reports.routing import Recipient
from bot.reports.sealing import open_report
from bot.store import Store

PREFIXES = {"concern": "C", "declaration": "R"}
REFERENCE_SPACE = 9999  # C-2026-0001 … C-2026-9999: random, so a reference tells no order
REFERENCE_TRIES = 500


def one(db: sqlite_utils.Database, sql: str, params: list[Any]) -> dict[str, Any] | None:
    rows = list(db.query(sql, params))
    return rows[0] if rows else None


def next_reference(db: sqlite_utils.Database, kind: str, year: int) -> str:
    """An unused reference with a random number, never a count: the head receives every
    concern but those about them, so a gap between two counted references of theirs would
    tell them one exists (and a reporter how many colleagues filed in between)."""
    prefix = PREFIXES[kind]
    for _ in range(REFERENCE_TRIES):
        reference = f"{prefix}-{year}-{secrets.randbelow(REFERENCE_SPACE) + 1:04d}"
        taken = db.execute("SELECT 1 FROM reports WHERE reference = ?", [reference])
        if taken.fetchone() is None:
            return reference
    raise StoreError(
        f"no unused {kind} reference left for {year} after {REFERENCE_TRIES} tries: "
        "close out the year's records or widen REFERENCE_SPACE in bot/reports/records.py"
    )


def recipient_entry(role: str, person: Person) -> dict[str, Any]:
    """One sealed recipient entry: one role of one person, as the record stores it."""
    return {
        "role": role,
        "name": person.name,
        "slack_user": person.slack_user,
        "teams_user": person.teams_user,
    }


def insert(
    store: Store,
    db: sqlite_utils.Database,
    row: dict[str, Any],
    submitter: Actor,
    recipients: list[Recipient],
    now: datetime,
    key: str | None,
    body: str,
    name: str,
) -> tuple[int, str]:
    """A new record (its facts sealed); returns its id and reference."""
    kind = row["kind"]
    reference = next_reference(db, kind, now.year)
    facts = {
        **{f: None for f in sealing.SEALED_FIELDS},
        **{k: row[k] for k in row if k != "kind"},
        "submitter_platform": submitter.platform,
        "submitter_id": submitter.user_id,
        "submitter_name": name,
        "submission_key": key,
        "recipients": [recipient_entry(role, r.person) for r in recipients for role in r.roles],
    }
    tag = sealing.submission_tag(store, submitter.platform, submitter.user_id, key) if key else None
    reports = db.table("reports").insert(
        {
            "kind": kind,
            "reference": reference,
            "year": now.year,
            "status": "open",
            "created_at": audit.stamp(now),
            "body": body,
            "sealed": sealing.seal(store, facts),
            "submission_tag": tag,
        }
    )
    return cast(int, reports.last_pk), reference  # the INTEGER PRIMARY KEY just assigned


def earlier_submission(
    store: Store, db: sqlite_utils.Database, submitter: Actor, key: str | None
) -> dict[str, Any] | None:
    """The record this sender already filed from the same form, if any."""
    if key is None:
        return None
    tags = sealing.submission_tags(store, submitter.platform, submitter.user_id, key)
    marks = ",".join("?" for _ in tags)
    rows = list(db.query(f"SELECT * FROM reports WHERE submission_tag IN ({marks})", tags))
    return open_report(store, rows[0]) if rows else None


def by_reference(store: Store, db: sqlite_utils.Database, reference: str) -> dict[str, Any] | None:
    row = one(db, "SELECT * FROM reports WHERE reference = ?", [reference])
    return open_report(store, row) if row else None


def by_id(store: Store, db: sqlite_utils.Database, report_id: int) -> dict[str, Any] | None:
    row = one(db, "SELECT * FROM reports WHERE id = ?", [report_id])
    return open_report(store, row) if row else None


def every(store: Store, db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every report, newest first, with its sealed facts. Lookups by submitter or recipient
    filter these in Python: an index on either would be readable without the key."""
    return [open_report(store, r) for r in db.query("SELECT * FROM reports ORDER BY id DESC")]


def set_status(
    store: Store, db: sqlite_utils.Database, report: dict[str, Any], status: str, **sealed: Any
) -> None:
    """A new status, and who set it when (sealed)."""
    db.execute("UPDATE reports SET status = ? WHERE id = ?", [status, report["id"]])
    sealing.reseal(store, db, report, **sealed)


def set_recipients(
    store: Store, db: sqlite_utils.Database, report: dict[str, Any], entries: list[Any]
) -> None:
    sealing.reseal(store, db, report, recipients=entries)


def add_note(
    store: Store, db: sqlite_utils.Database, report_id: int, at: str, note: dict[str, str]
) -> None:
    db.table("notes").insert(
        {"report_id": report_id, "at": at, "text": store.encrypt_json(note, pad_to=256)}
    )


def notes(
    store: Store, db: sqlite_utils.Database, report_id: int
) -> list[tuple[str, dict[str, Any]]]:
    """A record's notes, oldest first, as (when, {author, author_role, text})."""
    rows = db.query("SELECT * FROM notes WHERE report_id = ? ORDER BY id", [report_id])
    return [(n["at"], store.decrypt_json(n["text"])) for n in rows]


def matching_recipient(report: dict[str, Any], actor: Actor) -> dict[str, Any] | None:
    """The actor's sealed recipient entry on this record, or None."""
    if not actor.signed_in:
        return None
    return next((r for r in report["recipients"] if is_recipient(r, actor)), None)


def is_recipient(recipient: dict[str, Any], actor: Actor) -> bool:
    """Whether this sealed recipient entry (one role of one person) is the actor."""
    if actor.platform == "slack":
        return bool(recipient["slack_user"]) and recipient["slack_user"] == actor.user_id
    if actor.platform == "teams":
        mine = (recipient["teams_user"] or "").lower()
        return bool(mine) and mine == actor.user_id.lower()
    if actor.platform == "cli":
        return bool(recipient["role"] == actor.role)
    return False


def filed_by(report: dict[str, Any], actor: Actor) -> bool:
    return bool(
        report["submitter_platform"] == actor.platform and report["submitter_id"] == actor.user_id
    )


def recipient_people(report: dict[str, Any]) -> list[tuple[Person, tuple[str, ...]]]:
    """The record's recipients now (its sealed facts), as (person, roles), one entry a person."""
    people: dict[tuple[str, str], tuple[Person, list[str]]] = {}
    for r in report["recipients"]:
        key = (r["slack_user"] or "", (r["teams_user"] or "").lower())
        if key not in people:
            person = Person(r["role"], r["name"], r["slack_user"], r["teams_user"])
            people[key] = (person, [])
        people[key][1].append(r["role"])
    return [(person, tuple(roles)) for person, roles in people.values()]


def same_ids(entry: dict[str, Any], person: Person) -> bool:
    return (entry["slack_user"] or None) == person.slack_user and (
        (entry["teams_user"] or "").lower() or None
    ) == person.teams_user


def is_urgent_concern(report: dict[str, Any]) -> bool:
    return report["kind"] == "concern" and bool(report["urgent"])


def summaries(reports: list[dict[str, Any]], unsent: dict[int, int]) -> list[Summary]:
    """Listing rows for these records; ``unsent`` counts each one's notices not yet sent."""
    out = []
    for r in reports:
        label = (
            CONCERN_CATEGORIES.get(r["category"] or "", "")
            if r["kind"] == "concern"
            else RELATIONSHIPS.get(r["relationship"] or "", "")
        )
        out.append(
            Summary(
                reference=r["reference"],
                kind=r["kind"],
                status=r["status"],
                urgent=bool(r["urgent"]),
                created_at=r["created_at"],
                label=label,
                about_headteacher=bool(r["about_headteacher"]),
                acknowledged_by=r["acknowledged_by"] or "",
                acknowledged_at=r["acknowledged_at"] or "",
                recipients=tuple(ROLE_LABELS[x["role"]] for x in r["recipients"]),
                delivery_pending=bool(unsent.get(r["id"])),
            )
        )
    return out
