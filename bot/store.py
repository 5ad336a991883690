"""The SQLite store (through sqlite-utils) for reports, outbox and audit log.

Concurrency strategy, chosen once: each process holds ONE connection, used by every thread
behind a re-entrant lock. Writes run in ``BEGIN IMMEDIATE`` transactions (``transaction()``)
so a writer takes SQLite's write lock up front and never fails half-way on a lock upgrade;
WAL lets the CLI read while a server writes; ``busy_timeout`` makes another *process* wait
instead of failing with "database is locked". Threads in this process never contend inside
SQLite at all, they queue on the lock.

Sensitive text is encrypted with Fernet before it reaches SQL (``encrypt`` / ``decrypt``);
the key comes from the environment or a key file, never the database. A check value in the
``meta`` table turns a wrong key into a clear error at open instead of garbage later.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlite_utils
from cryptography.fernet import InvalidToken, MultiFernet
from sqlite_utils.migrations import Migrations

from bot.keys import fernet_for

KEY_CHECK_PLAINTEXT = "policybot key check v1"
BUSY_TIMEOUT_MS = 30_000


class StoreError(Exception):
    """The store cannot be used; the message says why and what to do."""


class KeyMissing(StoreError):  # noqa: N818
    pass


class WrongKey(StoreError):  # noqa: N818
    pass


migrations = Migrations("policybot")


@migrations()
def m001_reports(db: sqlite_utils.Database) -> None:
    db["meta"].create({"key": str, "value": str}, pk="key")
    db["counters"].create({"kind": str, "year": int, "last": int}, pk=("kind", "year"))
    db["reports"].create(
        {
            "id": int,
            "reference": str,
            "kind": str,  # concern | declaration
            "year": int,
            "category": str,  # concern category key (not secret: needed to list and route)
            "relationship": str,  # declaration relationship key
            "urgent": int,
            "about_headteacher": int,
            "immediate_risk": int,
            "status": str,  # open | acknowledged | closed
            "created_at": str,
            "submitter_platform": str,
            "submitter_id": str,
            "submitter_name": str,  # encrypted
            "body": str,  # encrypted JSON of every free-text field
            "acknowledged_by": str,
            "acknowledged_role": str,
            "acknowledged_at": str,
            "closed_by": str,
            "closed_at": str,
        },
        pk="id",
        not_null={"reference", "kind", "status", "created_at", "body"},
    )
    db["reports"].create_index(["reference"], unique=True)
    db["reports"].create_index(["submitter_platform", "submitter_id"])
    db["recipients"].create(
        {
            "id": int,
            "report_id": int,
            "role": str,
            "name": str,
            "slack_user": str,
            "teams_user": str,
        },
        pk="id",
        foreign_keys=[("report_id", "reports", "id")],
    )
    db["recipients"].create_index(["report_id"])
    db["recipients"].create_index(["slack_user"])
    db["recipients"].create_index(["teams_user"])
    db["notes"].create(
        {"id": int, "report_id": int, "at": str, "author": str, "author_role": str, "text": str},
        pk="id",
        foreign_keys=[("report_id", "reports", "id")],
    )
    db["outbox"].create(
        {
            "id": int,
            "report_id": int,
            "reference": str,
            "notice_type": str,
            "role": str,  # recipient role(s) joined by "+", or "submitter"
            "platform": str,
            "user_id": str,
            "notice": str,  # encrypted JSON of the Notice
            "idempotency_key": str,
            "status": str,  # pending | sending | sent
            "attempts": int,
            "next_attempt_at": float,  # unix time
            "last_error": str,
            "unreachable": int,
            "created_at": str,
            "sent_at": str,
        },
        pk="id",
        defaults={"attempts": 0, "unreachable": 0, "last_error": ""},
        foreign_keys=[("report_id", "reports", "id")],
    )
    db["outbox"].create_index(["idempotency_key"], unique=True)
    db["outbox"].create_index(["status", "next_attempt_at"])
    db["outbox"].create_index(["report_id"])
    db["audit"].create(
        {
            "id": int,
            "at": str,
            "action": str,
            "reference": str,
            "actor": str,
            "detail": str,
            "prev_hash": str,
            "hash": str,
        },
        pk="id",
    )
    # Append-only: the application can never edit or delete an audit row. (Someone with the
    # file can drop these triggers; the hash chain is what detects that.)
    db.execute(
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
    )
    db.execute(
        "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
    )


@migrations()
def m002_submission_keys(db: sqlite_utils.Database) -> None:
    # A form a front end sends twice (a double click, a retry after a slow answer) carries the
    # same key; it must file one report, not two.
    db["reports"].add_column("submission_key", str)
    db["reports"].create_index(
        ["submitter_platform", "submitter_id", "submission_key"],
        unique=True,
        index_name="reports_submission_key",
    )


@migrations()
def m004_undeliverable_notices(db: sqlite_utils.Database) -> None:
    # A notice the platform refuses for good is marked status 'failed' (no more retries). These
    # flags record, once per notice, that its submitter was told and that an urgent concern was
    # escalated, so two delivery workers (Slack's and Teams' processes) never do either twice.
    # Flags only: who the notice is for stays in the (protected) role/user_id columns.
    db["outbox"].add_column("submitter_told", int, not_null_default=0)
    db["outbox"].add_column("escalated", int, not_null_default=0)


class Store:
    """One SQLite database file (created 0600) plus the Fernet key for its sensitive fields."""

    def __init__(self, path: Path | str, key: bytes | None, *, key_source: str = "") -> None:
        self.path = Path(path)
        self.key_source = key_source or "POLICYBOT_KEY"
        self._fernet = fernet_for(key) if key else None
        self._lock = threading.RLock()
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _touch_private(self.path)  # SQLite gives its -wal/-shm files the db file's mode
        try:
            conn = sqlite3.connect(
                str(self.path),
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,  # we issue BEGIN IMMEDIATE / COMMIT ourselves
                check_same_thread=False,  # shared by threads, serialised by self._lock
            )
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open database: {exc}") from None
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")  # a committed report survives power loss
        conn.execute("PRAGMA foreign_keys = ON")
        self.db = sqlite_utils.Database(conn)
        with self.transaction() as db:
            migrations.apply(db)
        self._check_key()

    # --- connection ------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """A write transaction (BEGIN IMMEDIATE) committed on success, rolled back on error."""
        with self._lock:
            self.db.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                if self.db.conn.in_transaction:
                    self.db.conn.execute("ROLLBACK")
                raise
            else:
                self.db.conn.execute("COMMIT")

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite_utils.Database]:
        """Exclusive use of the connection for reads."""
        with self._lock:
            yield self.db

    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        with self.read() as db:
            return list(db.query(sql, params))

    def close(self) -> None:
        with self._lock:
            self.db.close()

    def applied_migrations(self) -> list[str]:
        return [m.name for m in migrations.applied(self.db)]

    # --- encryption ------------------------------------------------------------------
    @property
    def has_key(self) -> bool:
        return self._fernet is not None

    def encrypt(self, text: str) -> str:
        return self._require_key().encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._require_key().decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise WrongKey(self._wrong_key_message()) from None

    def encrypt_json(self, obj: Any) -> str:
        return self.encrypt(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))

    def decrypt_json(self, token: str) -> Any:
        return json.loads(self.decrypt(token))

    def _require_key(self) -> MultiFernet:
        if self._fernet is None:
            raise KeyMissing(
                "No encryption key is configured, so report text cannot be read or written. "
                "Set POLICYBOT_KEY or POLICYBOT_KEY_FILE to the key this database was created "
                f"with ({self.path}); a new one comes from `policybot key generate`."
            )
        return self._fernet

    def _wrong_key_message(self) -> str:
        return (
            f"The encryption key from {self.key_source} does not match the key {self.path} "
            "was created with, so its reports cannot be read. Use the original key."
        )

    def _check_key(self) -> None:
        if self._fernet is None:
            return
        with self.transaction() as db:
            rows = list(db.query("SELECT value FROM meta WHERE key = 'key_check'"))
            if not rows:
                db["meta"].insert({"key": "key_check", "value": self.encrypt(KEY_CHECK_PLAINTEXT)})
                return
        try:
            ok = self._fernet.decrypt(rows[0]["value"].encode()) == KEY_CHECK_PLAINTEXT.encode()
        except InvalidToken:
            ok = False
        if not ok:
            self.close()
            raise WrongKey(self._wrong_key_message())


# Every column holding ciphertext (table, primary key, column). A new encrypted column must be
# listed here, or key rotation would leave it under the old key (a test checks the list against
# what the service writes).
ENCRYPTED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("meta", "key", "value"),  # only the key_check row is ciphertext
    ("reports", "id", "submitter_name"),
    ("reports", "id", "body"),
    ("notes", "id", "text"),
    ("outbox", "id", "notice"),
)


def reencrypt(store: Store) -> int:
    """Re-encrypt every stored ciphertext under the store's first key (decrypting with any of
    its keys), in one transaction: all or nothing. Returns how many values were rewritten."""
    fernet = store._require_key()
    count = 0
    with store.transaction() as db:
        for table, pk, column in ENCRYPTED_COLUMNS:
            where = (
                "key = 'key_check'"
                if table == "meta"
                else f"{column} IS NOT NULL AND {column} != ''"
            )
            rows = list(
                db.query(f"SELECT {pk} AS pk, {column} AS token FROM {table} WHERE {where}")
            )
            for row in rows:
                try:
                    token = fernet.rotate(row["token"].encode()).decode("ascii")
                except InvalidToken:
                    raise WrongKey(
                        f"{table}.{column} of row {row['pk']} cannot be decrypted with any "
                        f"configured key ({store.key_source}); nothing was changed."
                    ) from None
                db.execute(f"UPDATE {table} SET {column} = ? WHERE {pk} = ?", [token, row["pk"]])
                count += 1
    return count


def _touch_private(path: Path) -> None:
    """Create the file 0600 before SQLite does, so it is never world-readable."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
