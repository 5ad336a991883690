"""Append-only audit log, chained with a keyed hash (HMAC) and anchored outside the database.

Every row stores the HMAC of its own fields and of the row before it, under a key derived from
the encryption key (``bot.keys``), with that key's public id. Without the key nobody can forge a
row or recompute the chain after editing one: dropping the triggers, rewriting a row and
recomputing "the hashes" - the attack on an unkeyed chain - fails verification. Cutting rows
off the end is caught by the head (last id and HMAC): it is kept in ``meta`` and, outside the
database, in a file beside the key file (``Store.audit_anchor``) and in the service log.

Deleting that file as well must not make a cut log look whole, and a database upgraded from
before the file existed has none yet. So the chain records, keyed like every row, when the file
is first created ("anchor"). From then on a missing file is a failure of ``verify``, and a
process that finds it missing never re-creates it silently: it logs an error and records an
"anchor_reset", which ``verify`` reports as a failure until an operator who has compared the log
with the service log's heads and the backups records that they accept it ("anchor_accept").

``actor`` and ``detail`` are encrypted (they name people and roles: an entry "to the chair of
governors" would tell a reader of the file which report concerns the headteacher); the chain
covers their plaintext, so re-encrypting under a new key leaves it valid and ``rechain`` only
has to re-sign it. ``stamp`` is the one format of audit (and record) timestamps.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlite_utils

from bot.keys import AUDIT
from bot.people import Actor

if TYPE_CHECKING:
    from bot.store import Store

GENESIS = "0" * 64
ACTIONS = frozenset(
    {
        "create",
        "deliver",
        "view",
        "list",
        "acknowledge",
        "note",
        "close",
        "export",
        "verify",
        "key_rotate",
        "key_reencrypt",
        "undeliverable",  # a platform refused a notice for good
        "escalate",  # an undelivered urgent concern also sent to the next role
        "reassign",  # a role's records moved to the person now configured
        "retry",  # notices refused for good tried again after the cause was fixed
        "upgrade",
        "anchor",  # the head file was created (first time, or after a restore)
        "anchor_reset",  # the head file was missing and was re-created from the log
        "anchor_accept",  # an operator accepted the resets before it
        "publish",  # a policy sent to staff to read and confirm (bot/campaigns/)
        "confirm",  # a member of staff confirmed they have read and understood a policy
        "remind",  # reminders sent to staff who have not confirmed yet
        "staff_import",  # the staff directory replaced from a CSV or the workspace
        "evidence",  # files attached to a concern (bot/reports/evidence.py)
        "evidence_open",  # a recipient took a record's files (command line, Teams upload)
        "evidence_delete",  # files deleted keep_days_after_close after the record was closed
    }
)
log = logging.getLogger(__name__)
TRIGGERS = {
    "audit_no_update": "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    "audit_no_delete": "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
}


@dataclass(frozen=True)
class Verification:
    ok: bool
    rows: int
    message: str
    bad_row: int | None = None
    resets: tuple[int, ...] = ()  # anchor resets not yet accepted: the only failure if set


def stamp(dt: datetime) -> str:
    """The one timestamp format of the audit log and the records: UTC, seconds, 'Z'."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_stamp(text: str) -> float:
    """A ``stamp`` back as a Unix time."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


def actor_id(actor: Actor) -> str:
    """How the log names an actor; the command line also names the operating-system user who
    ran it (bot.operator), since anyone with the shell and the key may act as any role."""
    if actor.platform == "cli":
        return f"cli:{actor.role or '-'} by os user {actor.os_user or 'unknown'}"
    return f"{actor.platform}:{actor.user_id}"


def _payload(row_id: int, at: str, action: str, reference: str, actor: str, detail: str,
             prev_hash: str) -> str:  # fmt: skip
    return json.dumps(
        [row_id, at, action, reference, actor, detail, prev_hash],
        ensure_ascii=False,
        separators=(",", ":"),
    )


FIELD_BLOCK = 128  # actor and detail are padded so their length cannot tell a role


def _seal(store: Store, text: str) -> str:
    return store.encrypt_json(text, pad_to=FIELD_BLOCK)


def _open(store: Store, token: str) -> str:
    return str(store.decrypt_json(token))


def _head(db: sqlite_utils.Database) -> tuple[int, str]:
    rows = list(db.query("SELECT value FROM meta WHERE key = 'audit_head'"))
    if not rows:
        return 0, GENESIS
    last_id, last_hash = rows[0]["value"].split(":", 1)
    return int(last_id), last_hash


def _set_head(db: sqlite_utils.Database, row_id: int, digest: str) -> None:
    db.execute(
        "INSERT INTO meta (key, value) VALUES ('audit_head', ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [f"{row_id}:{digest}"],
    )


def append(
    store: Store,
    db: sqlite_utils.Database,
    *,
    when: datetime,
    action: str,
    actor: str,
    reference: str = "",
    detail: str = "",
) -> int:
    """Add one entry. Call inside the same write transaction as the change it records; the head
    is written outside the database once that transaction commits."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    keyring = store.keyring
    last_id, prev_hash = _head(db)
    row_id = last_id + 1
    at = stamp(when)
    digest = keyring.tag(AUDIT, _payload(row_id, at, action, reference, actor, detail, prev_hash))
    db.execute(
        "INSERT INTO audit (id, at, action, reference, actor, detail, prev_hash, hash, key_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [row_id, at, action, reference, _seal(store, actor), _seal(store, detail), prev_hash,
         digest, keyring.first_id],
    )  # fmt: skip
    _set_head(db, row_id, digest)
    store.after_commit(lambda: anchor_head(store, row_id, digest))
    return row_id


def record(store: Store, *, action: str, actor: str, reference: str = "", detail: str = "") -> int:
    """Add one entry in a transaction of its own: for an event that changes nothing else (a
    verification, a restore), recorded now."""
    with store.transaction() as db:
        return append(
            store, db, when=datetime.now(UTC), action=action, actor=actor,
            reference=reference, detail=detail,
        )  # fmt: skip


def _anchor_detail(path: object, why: str) -> str:
    return json.dumps({"file": str(path), "why": why}, ensure_ascii=False)


def anchored_file(store: Store, db: sqlite_utils.Database) -> tuple[int, str] | None:
    """The last row recording where the head was kept outside the database, and that file."""
    rows = list(db.query(
        "SELECT id, detail FROM audit WHERE action IN ('anchor', 'anchor_reset') "
        "ORDER BY id DESC LIMIT 1"
    ))  # fmt: skip
    if not rows:
        return None
    try:
        path = str(json.loads(_open(store, rows[0]["detail"]))["file"])
    except (ValueError, KeyError, TypeError):
        path = ""
    return rows[0]["id"], path


def anchor_head(store: Store, row_id: int, digest: str) -> None:
    """After a commit: write the head outside the database. The file's first creation (or a
    new file configured) is recorded in the log; if the log says this file existed and it is
    gone, the error is logged and its re-creation recorded as a reset - never silently: that is
    how a log cut short would otherwise be hidden."""
    if store.audit_anchor is None or store.read_audit_anchor() is not None:
        store.anchor_audit_head(row_id, digest)
        return
    path = store.audit_anchor
    with store.read() as db:
        anchored = anchored_file(store, db)
    reason, store.reanchor_reason = store.reanchor_reason, ""
    if not store.anchor_audit_head(row_id, digest):
        return  # warned; while the log says it was anchored, verify fails on the missing file
    if anchored is None or reason or anchored[1] != str(path):
        why = reason or (
            "first recorded outside the database" if anchored is None
            else f"moved from {anchored[1]}"
        )  # fmt: skip
        record(store, action="anchor", actor="system", detail=_anchor_detail(path, why))
        return
    log.error(
        "the audit head file %s was missing, though audit row %d records that it was kept "
        "there: re-created from the log at row %d and recorded as a reset; rows cut off the end "
        "and the file deleted would look like this. Compare this log's earlier 'audit head' "
        "lines with `policybot audit verify`",
        path, anchored[0], row_id,
    )  # fmt: skip
    record(
        store, action="anchor_reset", actor="system",
        detail=_anchor_detail(path, f"missing; re-created from the log at row {row_id}"),
    )  # fmt: skip


def check_anchor(store: Store) -> None:
    """At a service's start: a head file the log says was kept, now missing, is reset (and
    recorded) now rather than at the next entry."""
    if store.audit_anchor is None or store.read_audit_anchor() is not None:
        return
    with store.read() as db:
        head_id, head_hash = _head(db)
    if head_id:
        anchor_head(store, head_id, head_hash)


@dataclass(frozen=True)
class Entry:
    id: int
    at: str
    action: str
    reference: str
    actor: str
    detail: str


def entries(store: Store, db: sqlite_utils.Database) -> list[Entry]:
    """Every entry, decrypted (needs the key)."""
    return [
        Entry(r["id"], r["at"], r["action"], r["reference"] or "", _open(store, r["actor"]),
              _open(store, r["detail"]))
        for r in db.query("SELECT * FROM audit ORDER BY id")
    ]  # fmt: skip


def verify(store: Store, db: sqlite_utils.Database, *, anchor: bool = True) -> Verification:
    """Check every row's HMAC and link, then the head inside and (unless anchor=False: a restore
    of an older backup, which records the difference itself) outside the database; name the
    first bad row. A head file the log says was kept but is missing fails, and so does every
    recorded reset until an "anchor_accept" follows it (``resets`` then lists them)."""
    keyring = store.keyring
    expected_id = 1
    prev_hash = GENESIS
    count = 0
    anchored_at: int | None = None  # the last row recording where the head is kept
    anchored_to = ""
    resets: list[int] = []
    for row in db.query("SELECT * FROM audit ORDER BY id"):
        row_id = row["id"]
        if row_id != expected_id:
            missing = (
                f"row {expected_id}" if row_id == expected_id + 1
                else f"rows {expected_id}-{row_id - 1}"
            )  # fmt: skip
            return Verification(
                False, count, f"audit {missing} deleted (the log jumps to row {row_id})",
                expected_id,
            )  # fmt: skip
        if row["key_id"] not in keyring.ids:
            return Verification(
                False, count,
                f"audit row {row_id} is signed with key {row['key_id'] or '(none)'}, which is "
                "not among the configured keys (restore the key file it was written with)",
                row_id,
            )  # fmt: skip
        try:
            actor, detail = _open(store, row["actor"]), _open(store, row["detail"])
        except Exception:
            return Verification(
                False, count, f"audit row {row_id} was changed (it does not decrypt)", row_id
            )
        payload = _payload(
            row_id, row["at"], row["action"], row["reference"] or "", actor, detail,
            row["prev_hash"],
        )  # fmt: skip
        if keyring.tag(AUDIT, payload, row["key_id"]) != row["hash"]:
            return Verification(
                False, count, f"audit row {row_id} was changed (its hash does not match)", row_id
            )
        if row["prev_hash"] != prev_hash:
            return Verification(
                False, count,
                f"audit row {row_id} does not follow row {row_id - 1} "
                f"(row {row_id - 1} was changed or replaced)",
                row_id - 1,
            )  # fmt: skip
        if row["action"] in ("anchor", "anchor_reset"):
            anchored_at = row_id
            with contextlib.suppress(ValueError, KeyError, TypeError):
                anchored_to = str(json.loads(detail)["file"])
        if row["action"] == "anchor_reset":
            resets.append(row_id)
        elif row["action"] == "anchor_accept":
            resets = []
        prev_hash = row["hash"]
        expected_id += 1
        count += 1
    head_id, head_hash = _head(db)
    if head_id > count:
        return Verification(
            False, count,
            f"audit row {count + 1} deleted (the log should run to row {head_id})",
            count + 1,
        )  # fmt: skip
    if head_id and head_hash != prev_hash:
        return Verification(False, count, f"audit row {head_id} was changed", head_id)
    anchored = store.read_audit_anchor() if anchor else None
    if not anchor:
        where = ""
    elif anchored is not None:
        anchor_id, anchor_hash = anchored
        hashes = {r["id"]: r["hash"] for r in db.query("SELECT id, hash FROM audit WHERE id = ?",
                                                         [anchor_id])}  # fmt: skip
        if anchor_id > count:
            return Verification(
                False, count,
                f"audit rows {count + 1}-{anchor_id} were cut off the end (the head recorded "
                f"outside the database, {store.audit_anchor}, is row {anchor_id})",
                count + 1,
            )  # fmt: skip
        if hashes.get(anchor_id) != anchor_hash:
            return Verification(
                False, count,
                f"audit row {anchor_id} was replaced (it does not match the head recorded "
                f"outside the database, {store.audit_anchor})",
                anchor_id,
            )  # fmt: skip
        where = f"; its head matches {store.audit_anchor}"
    elif anchored_at is not None and anchored_to == str(store.audit_anchor):
        return Verification(
            False, count,
            f"the audit head file {store.audit_anchor} is missing, but audit row {anchored_at} "
            "records that the head was kept there: rows may have been cut off the end and the "
            "file deleted. Restore the file from a backup of its directory, or compare this "
            f"log (last row {count}) with the last 'audit head' line in the service log. The "
            "next entry re-creates the file and records a reset, reported until accepted",
        )  # fmt: skip
    else:
        where = (
            "; no head is recorded outside the database"
            + (f" ({store.audit_anchor} is missing)" if store.audit_anchor else "")
            + ", so rows cut off the end would not be noticed"
        )
    if resets:
        rows = ", ".join(str(r) for r in resets)
        return Verification(
            False, count,
            f"the audit head file {store.audit_anchor} was missing and was re-created from the "
            f"log (reset recorded "
            f"at row {rows}), so entries cut off the end before then would not show. Compare "
            "the 'audit head' lines in the service log from before each reset, and your backups, "
            "with this log; once satisfied, run `policybot audit verify --accept-reset` "
            "(recorded in the log)",
            resets[0], tuple(resets),
        )  # fmt: skip
    return Verification(
        True, count, f"Audit log intact: {count} entries, keyed hash chain verified{where}."
    )


@contextlib.contextmanager
def unlocked(db: sqlite_utils.Database) -> Iterator[None]:
    """Lift the append-only triggers for a rewrite inside the caller's transaction."""
    for name in TRIGGERS:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    yield
    for sql in TRIGGERS.values():
        db.execute(sql)


def rechain(store: Store, db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> int:
    """Re-sign the whole chain under the first key, from decrypted rows (dicts with id, at,
    action, reference, actor, detail), re-encrypting actor and detail. Inside a transaction."""
    keyring = store.keyring
    prev_hash = GENESIS
    with unlocked(db):
        for r in rows:
            payload = _payload(
                r["id"], r["at"], r["action"], r["reference"] or "", r["actor"], r["detail"],
                prev_hash,
            )  # fmt: skip
            digest = keyring.tag(AUDIT, payload)
            db.execute(
                "UPDATE audit SET actor = ?, detail = ?, prev_hash = ?, hash = ?, key_id = ? "
                "WHERE id = ?",
                [_seal(store, r["actor"]), _seal(store, r["detail"]), prev_hash, digest,
                 keyring.first_id, r["id"]],
            )  # fmt: skip
            prev_hash = digest
    if rows:
        last = rows[-1]["id"]
        _set_head(db, last, prev_hash)
        store.after_commit(lambda: anchor_head(store, last, prev_hash))
    return len(rows)


def legacy_verify(db: sqlite_utils.Database) -> Verification:
    """Check a chain written before the chain was keyed (plain SHA-256, plaintext columns)."""
    prev_hash = GENESIS
    count = 0
    for row in db.query("SELECT * FROM audit ORDER BY id"):
        payload = _payload(
            row["id"], row["at"], row["action"], row["reference"] or "", row["actor"] or "",
            row["detail"] or "", row["prev_hash"],
        )  # fmt: skip
        if (
            row["id"] != count + 1
            or hashlib.sha256(payload.encode("utf-8")).hexdigest() != row["hash"]
            or row["prev_hash"] != prev_hash
        ):
            return Verification(False, count, f"legacy audit chain broken at row {count + 1}",
                                count + 1)  # fmt: skip
        prev_hash = row["hash"]
        count += 1
    head_id, _ = _head(db)
    if head_id > count:
        return Verification(False, count, f"legacy audit row {count + 1} deleted", count + 1)
    return Verification(True, count, f"legacy audit chain intact: {count} entries")
