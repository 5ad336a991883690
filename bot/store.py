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

What a copy of the file shows without the key (migration m003, then
``bot.reports.sealing.upgrade`` at the first open with the key; the store never imports the
reports that use it): record
references, kinds, dates and statuses, and nothing that tells who filed a report, what it says,
whom it was sent to or whether it concerns the headteacher. Everything else is ciphertext (the
per-report ``sealed`` JSON is padded to a fixed size so its length tells nothing either) or a
keyed hash (``submission_tag``) used only for equality. ``secure_delete`` zeroes what an update
replaces, and the upgrade VACUUMs, so old plaintext does not linger in free pages.

The schema itself is built by the migrations in ``bot.migrations``, applied at every open.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils
from cryptography.fernet import InvalidToken, MultiFernet

from bot.errors import KeyMissing, StoreError, WrongKey
from bot.keys import Keyring, fernet_for
from bot.keys.check import check_value, opens
from bot.migrations import migrations

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

SEALED_SIZE = 2048  # every report's sealed JSON is padded to a multiple of this
BODY_BLOCK = 256  # report bodies are padded to a multiple of this
EVIDENCE_BLOCK = 64 * 1024  # evidence files are padded to a multiple of this
AUDIT_ANCHOR_NAME = "policybot-audit-head"  # beside the key file; survives key rotation
BUSY_TIMEOUT_MS = 30_000


class Store:
    """One SQLite database file (created 0600) plus the Fernet key for its sensitive fields."""

    @classmethod
    def configured(cls, settings: Settings, key: bytes | None = None) -> Store:
        """The configured database, opened with the configured key (or ``key``: during a
        rotation, the new key file's keys). WrongKey / KeyMissing say what to fix."""
        return cls(
            settings.db_path, key if key is not None else settings.key,
            key_source=settings.key_source, audit_anchor=settings.audit_head_file,
        )  # fmt: skip

    def __init__(
        self,
        path: Path | str,
        key: bytes | None,
        *,
        key_source: str = "",
        audit_anchor: Path | None = None,
    ) -> None:
        self.path = Path(path)
        self.key_source = key_source or "POLICYBOT_KEY"
        self._fernet = fernet_for(key) if key else None
        self._keyring = Keyring(key) if key else None
        self.audit_anchor = audit_anchor or default_audit_anchor(self.key_source)
        self._after_commit: list[Any] = []
        self._anchor_warned = False
        self.reanchor_reason = ""  # set by forget_audit_anchor: the next head is a new anchor
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
        conn.execute("PRAGMA secure_delete = ON")  # replaced values are zeroed, not left behind
        self.db = sqlite_utils.Database(conn)
        with self.transaction() as db:
            migrations.apply(db)
        self._check_key()

    # --- connection ------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """A write transaction (BEGIN IMMEDIATE) committed on success, rolled back on error.
        Callbacks registered with ``after_commit`` run once it has committed."""
        with self._lock:
            self.db.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self._after_commit = []
                if self.db.conn.in_transaction:
                    self.db.conn.execute("ROLLBACK")
                raise
            self.db.conn.execute("COMMIT")
            callbacks, self._after_commit = self._after_commit, []
            for fn in callbacks:
                fn()

    def after_commit(self, fn: Any) -> None:
        """Run fn when the current transaction commits (never if it rolls back)."""
        self._after_commit.append(fn)

    def compact_if_pending(self) -> None:
        """After sealing, rewrite the file once (retried at each start until it succeeds)."""
        if not self.query("SELECT 1 FROM meta WHERE key = 'compact_pending'"):
            return
        try:
            self.compact()
        except sqlite3.Error as exc:  # another process is busy with the file: next start
            log.warning(
                "records sealed, but %s could not be compacted yet (%s): old plaintext may stay "
                "in free pages until a start when no other process is using it",
                self.path, type(exc).__name__,
            )  # fmt: skip
            return
        with self.transaction() as db:
            db.execute("DELETE FROM meta WHERE key = 'compact_pending'")
        with self._lock:
            self.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def compact(self) -> None:
        """Rewrite the file so no freed page keeps old plaintext (after the upgrade)."""
        with self._lock:
            self.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.db.conn.execute("VACUUM")
            self.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

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
        return self.fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self.fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise WrongKey(self._wrong_key_message()) from None

    def encrypt_json(self, obj: Any, *, pad_to: int = 0) -> str:
        """Encrypt obj as JSON; with pad_to, the JSON is padded with spaces to a multiple of
        pad_to bytes so the ciphertext's length says nothing about what it holds."""
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        if pad_to:
            size = len(text.encode("utf-8"))
            text += " " * (-size % pad_to)
        return self.encrypt(text)

    def decrypt_json(self, token: str) -> Any:
        return json.loads(self.decrypt(token))

    def encrypt_bytes(self, data: bytes) -> str:
        return self.fernet.encrypt(data).decode("ascii")

    def decrypt_bytes(self, token: str) -> bytes:
        try:
            return self.fernet.decrypt(token.encode("ascii"))
        except InvalidToken:
            raise WrongKey(self._wrong_key_message()) from None

    @property
    def keyring(self) -> Keyring:
        """The HMAC side of the key (lookup tags, the audit chain); KeyMissing without a key."""
        self.fernet  # noqa: B018 - raises KeyMissing without a key
        assert self._keyring is not None
        return self._keyring

    # --- the audit head outside the database ------------------------------------------
    def anchor_audit_head(self, row_id: int, digest: str) -> bool:
        """Record the audit log's head outside the database (and in the service log), so rows
        cut off the end are noticed. Never fails the caller: the record is already committed.
        False when the file could not be written. Whether a missing file may be created is
        decided by ``bot.reports.audit`` (which records its first creation in the log)."""
        log.info("audit head %d %s", row_id, digest)
        if self.audit_anchor is None:
            return False
        current = self.read_audit_anchor()
        if current is not None and current[0] > row_id:
            return True  # another process recorded a later head already
        tmp = self.audit_anchor.with_name(self.audit_anchor.name + ".tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(f"{row_id}:{digest}\n")  # no fsync: a head lost to a power cut only
            os.replace(tmp, self.audit_anchor)  # lags the log, which verify accepts
            return True
        except OSError as exc:
            if not self._anchor_warned:  # once per process: the service log still has the head
                self._anchor_warned = True
                log.warning(
                    "cannot record the audit head in %s (%s): set POLICYBOT_AUDIT_HEAD_FILE to a "
                    "file the service can write, outside the data directory",
                    self.audit_anchor, exc.strerror,
                )  # fmt: skip
            return False

    def forget_audit_anchor(self, reason: str) -> None:
        """After restoring a backup (the caller records that in the log first): the next head
        written is recorded in the log as a new anchor, for ``reason``, not as a reset."""
        self.reanchor_reason = reason
        if self.audit_anchor is not None:
            with contextlib.suppress(FileNotFoundError):
                self.audit_anchor.unlink()

    def read_audit_anchor(self) -> tuple[int, str] | None:
        if self.audit_anchor is None:
            return None
        try:
            text = self.audit_anchor.read_text().strip()
            row_id, digest = text.split(":", 1)
            return int(row_id), digest
        except (OSError, ValueError):
            return None

    @property
    def fernet(self) -> MultiFernet:
        """The key for encrypting (first key) and decrypting (any); KeyMissing without one."""
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
                db.table("meta").insert({"key": "key_check", "value": check_value(self._fernet)})
                return
        if not opens(self._fernet, rows[0]["value"]):
            self.close()
            raise WrongKey(self._wrong_key_message())


# Every column holding ciphertext (table, primary key, column). A new encrypted column must be
# listed here, or key rotation would leave it under the old key (a test checks the list against
# what the service writes).
ENCRYPTED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("meta", "key", "value"),  # only the key_check row is ciphertext
    ("reports", "id", "submitter_name"),  # before m003; now inside `sealed`
    ("reports", "id", "body"),
    ("reports", "id", "sealed"),
    ("notes", "id", "text"),
    ("outbox", "id", "notice"),
    ("outbox", "id", "envelope"),
    ("outbox", "id", "last_error"),
    ("staff", "id", "sealed"),  # m005: the staff directory and policy rounds
    ("campaigns", "id", "message"),
    ("campaigns", "id", "published_by"),
    ("campaign_recipients", "id", "sealed"),
    ("evidence", "id", "sealed"),  # m007: files attached to concerns
    ("evidence", "id", "content"),
    ("suggestions", "id", "sealed"),  # m009: what staff picked for a question (bot/learning/)
    # bot.keys.rotation.reencrypt_store re-encrypts these two while it re-signs the chain
    # (audit.rechain): the append-only triggers are lifted only there.
    ("audit", "id", "actor"),
    ("audit", "id", "detail"),
)


def default_audit_anchor(key_source: str) -> Path | None:
    """Where the audit head is kept outside the database: beside the key file (the database's
    readers need not be able to read or write there). None when the key comes from the
    environment: the service log then holds the head."""
    if not key_source or key_source == "POLICYBOT_KEY":
        return None
    return Path(key_source).parent / AUDIT_ANCHOR_NAME


def _touch_private(path: Path) -> None:
    """Create the file 0600 before SQLite does, so it is never world-readable."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
