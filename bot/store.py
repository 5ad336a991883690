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
from sqlite_utils.migrations import Migrations

from bot.errors import KeyMissing, StoreError, WrongKey
from bot.keys import Keyring, fernet_for
from bot.keys.check import check_value, opens

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

SEALED_SIZE = 2048  # every report's sealed JSON is padded to a multiple of this
BODY_BLOCK = 256  # report bodies are padded to a multiple of this
EVIDENCE_BLOCK = 64 * 1024  # evidence files are padded to a multiple of this
AUDIT_ANCHOR_NAME = "policybot-audit-head"  # beside the key file; survives key rotation
BUSY_TIMEOUT_MS = 30_000


migrations = Migrations("policybot")


@migrations()
def m001_reports(db: sqlite_utils.Database) -> None:
    db.table("meta").create({"key": str, "value": str}, pk="key")
    db.table("counters").create({"kind": str, "year": int, "last": int}, pk=("kind", "year"))
    db.table("reports").create(
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
    db.table("reports").create_index(["reference"], unique=True)
    db.table("reports").create_index(["submitter_platform", "submitter_id"])
    db.table("recipients").create(
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
    db.table("recipients").create_index(["report_id"])
    db.table("recipients").create_index(["slack_user"])
    db.table("recipients").create_index(["teams_user"])
    db.table("notes").create(
        {"id": int, "report_id": int, "at": str, "author": str, "author_role": str, "text": str},
        pk="id",
        foreign_keys=[("report_id", "reports", "id")],
    )
    db.table("outbox").create(
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
    db.table("outbox").create_index(["idempotency_key"], unique=True)
    db.table("outbox").create_index(["status", "next_attempt_at"])
    db.table("outbox").create_index(["report_id"])
    db.table("audit").create(
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
    db.table("reports").add_column("submission_key", str)
    db.table("reports").create_index(
        ["submitter_platform", "submitter_id", "submission_key"],
        unique=True,
        index_name="reports_submission_key",
    )


@migrations()
def m003_sealed_records(db: sqlite_utils.Database) -> None:
    # Who filed a report, whom it went to and whether it concerns the headteacher move into
    # encrypted columns. This migration only changes the schema: moving the data needs the key,
    # so ``bot.reports.sealing.seal_legacy_rows`` does it at the first open with the key. From
    # then on the flag, submitter and "who acted" columns of `reports`, `recipients` (whom a
    # record went to is in its sealed facts) and notes' author columns stay empty.
    db.table("reports").add_column("sealed", str)  # encrypted, padded JSON: see service._seal
    db.table("reports").add_column(
        "submission_tag", str
    )  # HMAC(submitter + form id): de-duplication
    db.table("outbox").add_column("envelope", str)  # encrypted JSON: role, platform, user id
    db.table("audit").add_column("key_id", str)  # which key signed the row (bot.keys.key_id)
    for index in (
        "reports_submission_key",
        "idx_reports_submitter_platform_submitter_id",
        "idx_recipients_slack_user",
        "idx_recipients_teams_user",
    ):
        db.execute(f"DROP INDEX IF EXISTS {index}")
    db.table("reports").create_index(
        ["submission_tag"], unique=True, index_name="reports_submission_tag"
    )


@migrations()
def m004_undeliverable_notices(db: sqlite_utils.Database) -> None:
    # A notice the platform refuses for good is marked status 'failed' (no more retries). These
    # flags record, once per notice, that its submitter was told and that an urgent concern was
    # escalated, so two delivery workers (Slack's and Teams' processes) never do either twice.
    # Flags only, and uniform: whom the notice is for is in its sealed envelope (m003), and
    # `escalated` is set on every refused or late first notice, urgent or not (urgency is sealed).
    db.table("outbox").add_column("submitter_told", int, not_null_default=0)
    db.table("outbox").add_column("escalated", int, not_null_default=0)


@migrations()
def m005_policy_campaigns(db: sqlite_utils.Database) -> None:
    # "Read and understood" campaigns (bot/campaigns/). Who someone is stays sealed: staff rows
    # keep name and accounts in ``sealed`` and are found by keyed hashes of each account; a
    # recipient row names its person only by a keyed hash of the staff row (``person_tag``) and
    # a sealed copy of their name and address. Policy text is the school's published policy
    # and is kept in plain text so a later version can be compared clause by clause.
    db.table("staff").create(
        {
            "id": int,
            "email_tag": str,  # HMAC of the lower-cased email ("" when none)
            "slack_tag": str,  # HMAC of the Slack user id ("" when none)
            "teams_tag": str,  # HMAC of the Teams AAD object id ("" when none)
            "staff_group": str,  # teaching | support | governors | volunteers | ""
            "active": int,
            "source": str,  # csv | slack | teams
            "sealed": str,  # encrypted JSON: name, email, slack_user, teams_user
            "updated_at": str,
        },
        pk="id",
        defaults={"active": 1, "email_tag": "", "slack_tag": "", "teams_tag": ""},
    )
    for column in ("email_tag", "slack_tag", "teams_tag"):
        db.table("staff").create_index([column])
    db.table("policy_versions").create(
        {
            "id": int,
            "title": str,
            "content_hash": str,  # sha256 of the title and every clause's id and text
            "approval_date": str,
            "source": str,
            "clauses": str,  # JSON [[id, full_text], ...] in document order
            "created_at": str,
        },
        pk="id",
    )
    db.table("policy_versions").create_index(["title", "content_hash"], unique=True)
    db.table("campaigns").create(
        {
            "id": int,
            "reference": str,  # RU-2026-0001
            "version_id": int,
            "audience": str,  # all | a staff group
            "due": str,  # ISO date
            "message": str,  # encrypted
            "published_by": str,  # encrypted
            "created_at": str,
            "reminders": str,  # JSON list of ISO instants when reminders are due
        },
        pk="id",
        foreign_keys=[("version_id", "policy_versions", "id")],
    )
    db.table("campaigns").create_index(["reference"], unique=True)
    db.table("campaign_recipients").create(
        {
            "id": int,
            "campaign_id": int,
            "number": int,  # 1.. within the campaign: outbox reference RU-2026-0001.17
            "person_tag": str,  # HMAC of the staff row: the same person across rounds
            "sealed": str,  # encrypted JSON: name, group, platform, user_id
            "opened_at": str,
            "confirmed_at": str,
            "reminders_sent": int,
        },
        pk="id",
        defaults={"reminders_sent": 0},
        foreign_keys=[("campaign_id", "campaigns", "id")],
    )
    db.table("campaign_recipients").create_index(["campaign_id", "person_tag"], unique=True)
    db.table("campaign_recipients").create_index(["person_tag"])


@migrations()
def m006_campaign_submissions(db: sqlite_utils.Database) -> None:
    # A publish form sent twice (a double click, Teams re-sending after a slow answer, or a
    # restart in between) carries the same key; it must send the policy to staff once. The key
    # is kept as a keyed hash of who sent it and the form's id; the receipt as encrypted JSON.
    db.table("campaigns").add_column("submission_tag", str)
    db.table("campaigns").add_column("receipt", str)
    db.table("campaigns").create_index(
        ["submission_tag"], unique=True, index_name="campaigns_submission_tag"
    )


@migrations()
def m007_confirmations_per_version(db: sqlite_utils.Database) -> None:
    # A confirmation is of a policy version, whichever round's button was pressed
    # (bot/campaigns/confirmations.py). ``confirmed_round`` names the round it was pressed in.
    # Rounds recorded before this: each confirmation is its own round's, and a person still
    # outstanding in another round of a version they confirmed takes their first confirmation
    # of it (and is no longer reminded there).
    db.table("campaign_recipients").add_column("confirmed_round", str)
    db.execute(
        "UPDATE campaign_recipients SET confirmed_round = (SELECT reference FROM campaigns "
        "WHERE campaigns.id = campaign_recipients.campaign_id) WHERE confirmed_at IS NOT NULL"
    )
    first: dict[tuple[str, int], tuple[str, str]] = {}
    for r in db.query(
        "SELECT r.person_tag, c.version_id, r.confirmed_at, c.reference FROM campaign_recipients r "
        "JOIN campaigns c ON c.id = r.campaign_id WHERE r.confirmed_at IS NOT NULL "
        "ORDER BY r.confirmed_at, c.id"
    ):
        first.setdefault((r["person_tag"], r["version_id"]), (r["confirmed_at"], r["reference"]))
    for r in list(
        db.query(
            "SELECT r.id, r.number, r.person_tag, c.version_id, c.reference "
            "FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id "
            "WHERE r.confirmed_at IS NULL"
        )
    ):
        earlier = first.get((r["person_tag"], r["version_id"]))
        if earlier is None:
            continue
        db.execute(
            "UPDATE campaign_recipients SET confirmed_at = ?, confirmed_round = ? WHERE id = ?",
            [earlier[0], earlier[1], r["id"]],
        )
        db.execute(
            "DELETE FROM outbox WHERE reference = ? AND notice_type = 'policy_reminder' "
            "AND status = 'pending'",
            [f"{r['reference']}.{r['number']}"],
        )


@migrations()
def m008_evidence(db: sqlite_utils.Database) -> None:
    # Files attached to a concern (bot/reports/evidence.py). Name, type, size and checksum are
    # one sealed JSON; the bytes one Fernet token, padded to EVIDENCE_BLOCK so its length says
    # little; `content` becomes NULL (and `deleted_at` is set) when the retention period ends.
    # A reader without the key sees how many files a record has and roughly how big they are.
    db.table("evidence").create(
        {
            "id": int,
            "report_id": int,
            "number": int,  # 1, 2, … within the record
            "created_at": str,
            "sealed": str,
            "content": str,
            "deleted_at": str,
        },
        pk="id",
        foreign_keys=[("report_id", "reports", "id")],
    )
    db.table("evidence").create_index(["report_id", "number"], unique=True)


@migrations()
def m009_learning(db: sqlite_utils.Database) -> None:
    # What staff picked after "was it one of these?" (bot/learning/suggestions.py): the question,
    # the rules given and picked and each voter's keyed hash are one sealed JSON, padded; a
    # reader without the key sees how many suggestions there are, their status and dates.
    db.table("suggestions").create(
        {"id": int, "status": str, "created_at": str, "decided_at": str, "sealed": str},
        pk="id",
        not_null={"status", "created_at", "sealed"},
    )


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
