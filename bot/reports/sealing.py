"""How a report's revealing facts are stored: sealed (encrypted, fixed-size) or tagged (HMAC).

A reader of the database file without the key must not learn who filed a report, whom it went
to, or whether it concerns the headteacher - a concern about the head goes to the chair of
governors, so the recipient alone would give it away. So, per report, everything but the
reference, kind, dates and status lives in one ``sealed`` JSON (padded to ``SEALED_SIZE``);
outbox rows keep their recipient in an encrypted ``envelope``; notes keep their author inside
their encrypted text; the only plaintext-comparable value is ``submission_tag``, an HMAC of
(submitter, form id) that is different for every form.

``open_report`` gives the service a report row with the sealed facts back under their old column
names. ``upgrade`` moves a database written before m003 into this shape, in place, at the
first open with the key (the report service, key rotation and restore call it; the store itself
never imports the reports that use it).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.errors import KeyMissing
from bot.keys import LOOKUP
from bot.reports import audit
from bot.store import BODY_BLOCK, SEALED_SIZE, Store

if TYPE_CHECKING:
    import sqlite_utils

log = logging.getLogger(__name__)

# Facts kept in `sealed`, under the column names they had before m003.
SEALED_FIELDS = (
    "category",
    "relationship",
    "urgent",
    "about_headteacher",
    "immediate_risk",
    "submitter_platform",
    "submitter_id",
    "submitter_name",
    "submission_key",
    "acknowledged_by",
    "acknowledged_role",
    "acknowledged_at",
    "closed_by",
    "closed_at",
)
RECIPIENT_FIELDS = ("role", "name", "slack_user", "teams_user")
ENVELOPE_FIELDS = ("role", "platform", "user_id")
# outbox notice types sent to the submitter (wt11b's "could not be delivered" notice included)
SUBMITTER_NOTICES = ("acknowledged", "closed", "undeliverable")
ORIGINAL_NOTICES = ("concern", "declaration")  # what a report's recipients are first sent
FILE_NOTICES = ("evidence",)  # one evidence file to one recipient (bot/reports/evidence.py)


def seal(store: Store, facts: dict[str, Any]) -> str:
    missing = [f for f in (*SEALED_FIELDS, "recipients") if f not in facts]
    if missing:
        raise ValueError(f"sealed facts lack {missing}")
    return store.encrypt_json({k: facts[k] for k in (*SEALED_FIELDS, "recipients")},
                              pad_to=SEALED_SIZE)  # fmt: skip


def seal_body(store: Store, data: dict[str, Any]) -> str:
    """A report's free text. Booleans are stored as 0/1 so "true"/"false" cannot change the
    length; the JSON is padded to a block."""
    flat = {k: int(v) if isinstance(v, bool) else v for k, v in data.items()}
    return store.encrypt_json(flat, pad_to=BODY_BLOCK)


def open_report(store: Store, row: dict[str, Any]) -> dict[str, Any]:
    """The row with its sealed facts (and `recipients`, one dict per role) back in place."""
    if row["sealed"] is None:  # written before m003 and not yet opened with the key
        raise KeyMissing(
            f"{row['reference']} was written by an older version and is sealed at the first "
            "start with the encryption key: set POLICYBOT_KEY or POLICYBOT_KEY_FILE."
        )
    return {**row, **store.decrypt_json(row["sealed"])}


def reseal(store: Store, db: sqlite_utils.Database, report: dict[str, Any], **changes: Any) -> None:
    facts = {**report, **changes}
    db.execute("UPDATE reports SET sealed = ? WHERE id = ?", [seal(store, facts), report["id"]])
    report.update(changes)


def submission_tag(store: Store, platform: str, user_id: str, key: str, kid: str | None = None
                   ) -> str:  # fmt: skip
    return store.keyring.tag(LOOKUP, f"submission\0{platform}\0{user_id}\0{key}", kid)


def submission_tags(store: Store, platform: str, user_id: str, key: str) -> list[str]:
    """The form's tag under every configured key (one written before a rotation still matches)."""
    return [submission_tag(store, platform, user_id, key, kid) for kid in store.keyring.ids]


def envelope(store: Store, role: str, platform: str, user_id: str) -> str:
    return store.encrypt_json({"role": role, "platform": platform, "user_id": user_id},
                              pad_to=256)  # fmt: skip


NOTICE_MIN_SIZE = 8192  # bytes; larger notices take the next power of two


def seal_notice(store: Store, notice: dict[str, Any]) -> str:
    """A notice for the outbox, padded to 8 KiB (or the next power of two above it). Notices
    differ by a few hundred bytes with whom they are for and what they are about ("Concern
    about the headteacher", "by Colin Chair (Chair of governors)"), so a finer padding block
    would sometimes let the ciphertext's length tell a concern about the head from another."""
    text = json.dumps(notice, ensure_ascii=False, separators=(",", ":"))
    size = len(text.encode("utf-8"))
    target = NOTICE_MIN_SIZE
    while target < size:
        target *= 2
    return store.encrypt(text + " " * (target - size))


def open_outbox(store: Store, row: dict[str, Any]) -> dict[str, Any]:
    """An outbox row with role, platform, user_id and last_error decrypted."""
    out = {**row, **store.decrypt_json(row["envelope"])}
    out["last_error"] = store.decrypt(row["last_error"]).rstrip() if row["last_error"] else ""
    return out


def seal_error(store: Store, error: str) -> str:
    """A delivery error, padded: "not reachable on Microsoft Teams" must not name a platform by
    its length."""
    return store.encrypt(error[:200].ljust(200))


def retag(store: Store, db: sqlite_utils.Database) -> int:
    """Recompute every submission tag under the first key (after a rotation)."""
    count = 0
    for row in list(db.query("SELECT id, sealed FROM reports WHERE sealed IS NOT NULL")):
        facts = store.decrypt_json(row["sealed"])
        if not facts.get("submission_key"):
            continue
        tag = submission_tag(
            store, facts["submitter_platform"], facts["submitter_id"], facts["submission_key"]
        )
        db.execute("UPDATE reports SET submission_tag = ? WHERE id = ?", [tag, row["id"]])
        count += 1
    return count


LEGACY_REPORT_COLUMNS = tuple(f for f in SEALED_FIELDS if f != "submitter_name")


def upgrade(store: Store) -> None:
    """At an open with the key: seal what an older version wrote, then compact the file once."""
    if store.has_key:
        seal_legacy_rows(store)
        store.compact_if_pending()


def seal_legacy_rows(store: Store) -> bool:
    """Move rows written before m003 into sealed form, in one transaction, and mark the file for
    compaction so the old plaintext leaves it. True if any moved."""
    with store.transaction() as db:
        reports = list(db.query("SELECT * FROM reports WHERE sealed IS NULL ORDER BY id"))
        notes = list(db.query("SELECT * FROM notes WHERE author IS NOT NULL"))
        outbox = list(db.query("SELECT * FROM outbox WHERE envelope IS NULL"))
        audit_rows = list(db.query("SELECT * FROM audit WHERE key_id IS NULL"))
        if not (reports or notes or outbox or audit_rows):
            return False
        db.execute(  # the file is rewritten once this commits (Store.compact_if_pending)
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('compact_pending', '1')"
        )
        for r in reports:
            _seal_report(store, db, r)
        db.execute("DELETE FROM recipients")
        for n in notes:
            text = store.decrypt(n["text"]) if n["text"] else ""
            sealed = store.encrypt_json(
                {"author": n["author"], "author_role": n["author_role"], "text": text}, pad_to=256
            )
            db.execute(
                "UPDATE notes SET text = ?, author = NULL, author_role = NULL WHERE id = ?",
                [sealed, n["id"]],
            )
        for o in outbox:
            # The old idempotency key ended in the role; keep reference/number/type.
            parts = o["idempotency_key"].split("/")
            key = "/".join(parts[:3]) if len(parts) > 3 else o["idempotency_key"]
            db.execute(
                "UPDATE outbox SET envelope = ?, last_error = ?, role = NULL, platform = NULL, "
                "user_id = NULL, idempotency_key = ? WHERE id = ?",
                [envelope(store, o["role"], o["platform"], o["user_id"]),
                 seal_error(store, o["last_error"]) if o["last_error"] else "", key, o["id"]],
            )  # fmt: skip
        if audit_rows:
            before = audit.legacy_verify(db)
            entries = [
                {k: (r[k] or "") if k in ("actor", "detail", "reference") else r[k]
                 for k in ("id", "at", "action", "reference", "actor", "detail")}
                for r in db.query("SELECT * FROM audit ORDER BY id")
            ]  # fmt: skip
            audit.rechain(store, db, entries)
            outcome = "ok" if before.ok else before.message
            audit.append(
                store, db, when=datetime.now(UTC), action="upgrade", actor="system",
                detail=f"records sealed (m003); unkeyed audit chain before re-signing: {outcome}",
            )  # fmt: skip
    log.info(
        "sealed %d reports, %d notes, %d outbox rows written before m003",
        len(reports), len(notes), len(outbox),
    )  # fmt: skip
    return True


def _seal_report(store: Store, db: sqlite_utils.Database, r: dict[str, Any]) -> None:
    recipients = [
        {k: rc[k] for k in RECIPIENT_FIELDS}
        for rc in db.query("SELECT * FROM recipients WHERE report_id = ? ORDER BY id", [r["id"]])
    ]
    facts = {k: r.get(k) for k in SEALED_FIELDS}
    facts["submitter_name"] = store.decrypt(r["submitter_name"]) if r["submitter_name"] else ""
    facts["recipients"] = recipients
    body = seal_body(store, store.decrypt_json(r["body"]))
    tag = (
        submission_tag(store, r["submitter_platform"], r["submitter_id"], r["submission_key"])
        if r.get("submission_key")
        else None
    )
    blanks = ", ".join(f"{c} = NULL" for c in (*LEGACY_REPORT_COLUMNS, "submitter_name"))
    db.execute(
        f"UPDATE reports SET sealed = ?, body = ?, submission_tag = ?, {blanks} WHERE id = ?",
        [seal(store, facts), body, tag, r["id"]],
    )
