"""Append-only audit log with a SHA-256 hash chain.

Every row stores the hash of the row before it; ``meta.audit_head`` remembers the last id and
hash. ``verify`` recomputes the chain and names the first row that was changed, deleted or
cut off the end. Rows hold references, actions and actor ids, never report text.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import sqlite_utils

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
    }
)


@dataclass(frozen=True)
class Verification:
    ok: bool
    rows: int
    message: str
    bad_row: int | None = None


def _digest(row_id: int, at: str, action: str, reference: str, actor: str, detail: str,
            prev_hash: str) -> str:  # fmt: skip
    payload = json.dumps(
        [row_id, at, action, reference, actor, detail, prev_hash],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _head(db: sqlite_utils.Database) -> tuple[int, str]:
    rows = list(db.query("SELECT value FROM meta WHERE key = 'audit_head'"))
    if not rows:
        return 0, GENESIS
    last_id, last_hash = rows[0]["value"].split(":", 1)
    return int(last_id), last_hash


def append(
    db: sqlite_utils.Database,
    *,
    at: str,
    action: str,
    actor: str,
    reference: str = "",
    detail: str = "",
) -> int:
    """Add one entry. Call inside the same write transaction as the change it records."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    last_id, prev_hash = _head(db)
    row_id = last_id + 1
    digest = _digest(row_id, at, action, reference, actor, detail, prev_hash)
    db.execute(
        "INSERT INTO audit (id, at, action, reference, actor, detail, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [row_id, at, action, reference, actor, detail, prev_hash, digest],
    )
    db.execute(
        "INSERT INTO meta (key, value) VALUES ('audit_head', ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [f"{row_id}:{digest}"],
    )
    return row_id


def verify(db: sqlite_utils.Database) -> Verification:
    """Check every row's hash and link; name the first bad row."""
    expected_id = 1
    prev_hash = GENESIS
    count = 0
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
        digest = _digest(
            row_id, row["at"], row["action"], row["reference"] or "", row["actor"] or "",
            row["detail"] or "", row["prev_hash"],
        )  # fmt: skip
        if digest != row["hash"]:
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
    return Verification(True, count, f"Audit log intact: {count} entries, hash chain verified.")
