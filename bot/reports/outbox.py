"""The outbox: every notice waiting to reach a person, and the loop that sends it.

Contract:

- ``enqueue`` adds one row per notice inside the caller's transaction, so a record and its
  notices are committed together (or not at all). The notice and whom it goes to are sealed
  (``bot/reports/sealing.py``): the platform is read from each row's envelope, never a column.
- Register a notifier per platform with ``register_notifier``; the delivery worker
  (``start_worker``) sends notices by direct message with retries, exponential backoff and
  jitter, across restarts, until each is sent. Notifiers raise ``RecipientUnreachable`` while
  a person cannot be reached yet; call ``wake()`` when you learn a new conversation
  reference. Notifiers raise ``PermanentDeliveryError`` when the platform refuses a person for
  good: the notice is marked ``failed`` and never retried, its submitter is told and an urgent
  concern goes to the next role (bot/reports/undeliverable.py).
- The time-based half (``undeliverable.check_overdue``, every pass): an urgent concern not
  delivered within escalate_urgent_after_minutes is escalated, a person still unreachable after
  undelivered_alert_minutes gets the submitter told. Each happens once per notice.
- The :class:`~bot.reports.worker.DeliveryWorker` runs the passes in a thread.

Delivery states per outbox row: ``pending`` → ``sending`` (claimed, with a lease) → ``sent``,
or → ``failed`` (refused for good; final).
A row left ``sending`` by a crash becomes due again when its lease expires and is re-sent
with the SAME idempotency key, so a notifier that remembers keys never sends twice.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

import sqlite_utils

from bot.config import Settings
from bot.errors import PermanentDeliveryError, RecipientUnreachable
from bot.people import PLATFORM_LABELS
from bot.reports import audit, notices, records, sealing, undeliverable
from bot.reports.models import Address, DeliveryStatus, Notice, Notifier
from bot.reports.neutralise import strip_controls
from bot.reports.sealing import FILE_NOTICES, ORIGINAL_NOTICES, SUBMITTER_NOTICES, open_outbox
from bot.reports.worker import DeliveryWorker
from bot.store import Store

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class Undelivered(NamedTuple):
    """A notice that has not reached its person: for ``policybot reports undelivered``."""

    reference: str
    role: str  # recipient role(s) joined by "+", or "submitter"
    platform: str
    state: str  # "failed" (refused for good) | "unreachable" | "retrying"
    attempts: int
    age_minutes: int
    last_error: str
    overdue: bool  # failed, or undelivered longer than undelivered_alert_minutes


class Outbox:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        clock: Clock,
        *,
        lease_seconds: float,
        backoff_base: float,
        backoff_cap: float,
        confirm_timeout: float,
        rng: random.Random,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.lease_seconds = lease_seconds
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.confirm_timeout = confirm_timeout
        self._rng = rng
        self._notifiers: dict[str, Notifier] = {}
        # Set by the report service: fills in an evidence notice's file just before it is sent
        # (bot/reports/evidence.py), and what else runs once per pass (deleting expired files).
        self.prepare: Callable[[Notice], Notice] = lambda notice: notice
        self.each_pass: list[Callable[[datetime], None]] = []
        self._wake_event = threading.Event()
        self._progress = threading.Condition()
        self._worker: DeliveryWorker | None = None

    # --- queueing -------------------------------------------------------------------------
    def enqueue(
        self,
        db: sqlite_utils.Database,
        report_id: int | None,
        reference: str,
        role: str,
        address: Address,
        notice: Notice,
        now: datetime,
        *,
        idempotency_key: str = "",
    ) -> None:
        """One notice for one person, inside the caller's transaction. Notices that belong to
        no report (bot/campaigns/) pass ``report_id=None`` and their own ``idempotency_key``."""
        store = self.store
        if not idempotency_key:
            seq = db.execute(
                "SELECT COUNT(*) FROM outbox WHERE report_id = ?", [report_id]
            ).fetchone()[0]
            idempotency_key = f"{reference}/{seq + 1}/{notice.notice_type}"
        db.table("outbox").insert(
            {
                "report_id": report_id,
                "reference": reference,
                "notice_type": notice.notice_type,
                "envelope": sealing.envelope(store, role, address.platform, address.user_id),
                "notice": sealing.seal_notice(store, notices.to_json(notice)),
                "idempotency_key": idempotency_key,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now.timestamp(),
                "last_error": "",
                "unreachable": 0,
                "created_at": audit.stamp(now),
            }
        )

    def readdress(
        self,
        db: sqlite_utils.Database,
        report: dict[str, Any],
        role: str,
        address: Address,
        now: datetime,
    ) -> None:
        """The role's undelivered notices go to its new holder; an open record's first notice
        is sent to them again so they have its buttons, and so are the evidence files the
        former holder received."""
        rows = self.recipient_rows(db, report["id"])
        first_readdressed = False
        resend: dict[str, Any] | None = None
        copies: list[dict[str, Any]] = []
        for row in rows:
            roles = row["role"].split("+")
            if role not in roles:
                continue
            if row["status"] != "sent" and roles == [role]:
                # a new idempotency key: the old one may already be spent on the former holder
                db.execute(
                    "UPDATE outbox SET envelope = ?, status = 'pending', "
                    "next_attempt_at = ?, unreachable = 0, last_error = '', "
                    "idempotency_key = ? WHERE id = ?",
                    [
                        sealing.envelope(self.store, role, address.platform, address.user_id),
                        now.timestamp(),
                        f"{row['idempotency_key']}/r{secrets.token_hex(4)}",  # names nobody
                        row["id"],
                    ],
                )
                first_readdressed |= row["notice_type"] in ORIGINAL_NOTICES
            elif row["notice_type"] in ORIGINAL_NOTICES and resend is None:
                resend = row  # delivered to the former holder, or shared with another role
            elif row["notice_type"] in FILE_NOTICES:
                copies.append(row)
        if report["status"] == "closed":
            return
        for row in ([] if first_readdressed or resend is None else [resend]) + copies:
            notice = notices.from_json(self.store.decrypt_json(row["notice"]))
            notice = dataclasses.replace(notice, recipient_role=role)
            self.enqueue(db, report["id"], report["reference"], role, address, notice, now)

    def to_submitter(
        self, db: sqlite_utils.Database, report: dict[str, Any], notice: Notice, now: datetime
    ) -> None:
        """A notice to the person who sent the record, on the account they sent it from."""
        address = Address(report["submitter_platform"], report["submitter_id"])
        self.enqueue(db, report["id"], report["reference"], "submitter", address, notice, now)

    def retry_failed(
        self, db: sqlite_utils.Database, rows: list[dict[str, Any]], now: datetime
    ) -> None:
        for row in rows:
            db.execute(
                "UPDATE outbox SET status = 'pending', next_attempt_at = ?, last_error = '' "
                "WHERE id = ?",
                [now.timestamp(), row["id"]],
            )

    # --- reading ------------------------------------------------------------------------
    def recipient_rows(self, db: sqlite_utils.Database, report_id: int) -> list[dict[str, Any]]:
        """A record's outbox rows to its recipients (not its submitter), opened, oldest first."""
        return [
            open_outbox(self.store, r)
            for r in db.query("SELECT * FROM outbox WHERE report_id = ? ORDER BY id", [report_id])
            if r["notice_type"] not in SUBMITTER_NOTICES
        ]

    def rows_on(
        self, db: sqlite_utils.Database, report_ids: list[int], condition: str
    ) -> list[dict[str, Any]]:
        """Outbox rows matching ``condition`` on these records, opened, oldest first."""
        if not report_ids:
            return []
        marks = ",".join("?" for _ in report_ids)
        return [
            open_outbox(self.store, r)
            for r in db.query(
                f"SELECT * FROM outbox WHERE report_id IN ({marks}) AND {condition} ORDER BY id",
                report_ids,
            )
        ]

    def pending(self, reference: str) -> bool:
        """Whether a record's notices to its recipients have not all been sent."""
        return any(
            r["status"] != "sent"
            for r in self.store.query(
                "SELECT status, notice_type FROM outbox WHERE reference = ?", [reference]
            )
            if r["notice_type"] not in SUBMITTER_NOTICES
        )

    def unsent_counts(self, db: sqlite_utils.Database) -> dict[int, int]:
        """Per record id, how many notices to its recipients have not been sent."""
        unsent_types = ",".join(f"'{t}'" for t in SUBMITTER_NOTICES)
        return {
            row["report_id"]: row["n"]
            for row in db.query(
                "SELECT report_id, COUNT(*) AS n FROM outbox WHERE status != 'sent' "
                f"AND notice_type NOT IN ({unsent_types}) GROUP BY report_id"
            )
        }

    def undelivered(
        self, rows: list[dict[str, Any]], now: datetime, *, everything: bool
    ) -> list[Undelivered]:
        """These unsent rows as :class:`Undelivered`: only the overdue ones unless
        ``everything``."""
        at = now.timestamp()
        limit = self.settings.undelivered_alert_minutes * 60
        out = []
        for r in rows:
            age = at - audit.parse_stamp(r["created_at"])
            overdue = r["status"] == "failed" or age > limit
            if not (overdue or everything):
                continue
            state = (
                "failed"
                if r["status"] == "failed"
                else ("unreachable" if r["unreachable"] else "retrying")
            )
            out.append(
                Undelivered(
                    r["reference"],
                    r["role"],
                    r["platform"],
                    state,
                    r["attempts"],
                    int(age // 60),
                    r["last_error"] or "",
                    overdue,
                )  # fmt: skip
            )
        return out

    def delivery_status(self, reference: str) -> list[DeliveryStatus]:
        rows = [
            open_outbox(self.store, r)
            for r in self.store.query(
                "SELECT * FROM outbox WHERE reference = ? ORDER BY id", [reference]
            )
        ]
        return [
            DeliveryStatus(
                role=r["role"],
                platform=r["platform"],
                status=(
                    r["last_error"] if r["unreachable"] and r["status"] != "sent" else r["status"]
                ),
                attempts=r["attempts"],
                last_error=r["last_error"] or "",
            )
            for r in rows
        ]

    # --- the delivery loop --------------------------------------------------------------
    def register_notifier(self, notifier: Notifier) -> None:
        self._notifiers[notifier.platform] = notifier
        self.wake()

    @property
    def platforms(self) -> tuple[str, ...]:
        """The platforms with a registered notifier: the ones this process delivers to."""
        return tuple(self._notifiers)

    def wake(self) -> None:
        """Deliver promptly: makes notices waiting for an unreachable person due now (a
        front end calls this when it learns a new conversation reference) and wakes the
        worker."""
        now = self.clock().timestamp()
        with self.store.transaction() as db:
            db.execute(
                "UPDATE outbox SET next_attempt_at = ? WHERE status = 'pending' AND unreachable = 1",
                [now],
            )
        self.interrupt()

    def interrupt(self) -> None:
        """Wake the worker without touching the schedule."""
        self._wake_event.set()

    def reset_wake(self) -> None:
        """The worker starts a pass: wakes from here on call for another."""
        self._wake_event.clear()

    def sleep_until_due(self, interval: float) -> None:
        """Wait until the next row is due, at most ``interval`` seconds, or until woken."""
        wait = min(interval, self.seconds_until_next_due())
        self._wake_event.wait(max(wait, 0.01))

    def start_worker(self, interval: float = 5.0) -> DeliveryWorker:
        if self._worker is not None and self._worker.alive:
            return self._worker
        self._worker = DeliveryWorker(self, interval).start()
        return self._worker

    def deliver_due(self, now: datetime | None = None) -> int:
        """One pass over the outbox: send every due notice whose platform has a notifier.
        Returns how many were sent."""
        at = now or self.clock()
        undeliverable.check_overdue(self, at)
        for task in self.each_pass:
            task(at)
        platforms = tuple(self._notifiers)
        if not platforms:
            return 0
        sent = 0
        while True:
            row = self._claim(at, platforms)
            if row is None:
                return sent
            sent += self._attempt(row, at)
            with self._progress:
                self._progress.notify_all()

    def await_first_attempt(self, reference: str) -> bool:
        """With a worker running, wait briefly for the first attempt so the receipt can say
        "sent"; True when delivery is still pending."""
        deadline = time.monotonic() + self.confirm_timeout
        worker = self._worker
        waiting = (
            worker is not None
            and worker.alive
            and threading.current_thread() is not worker.thread
            and self.confirm_timeout > 0
        )
        while True:
            rows = [
                open_outbox(self.store, r)
                for r in self.store.query("SELECT * FROM outbox WHERE reference = ?", [reference])
                if r["notice_type"] not in SUBMITTER_NOTICES
            ]
            if all(r["status"] == "sent" for r in rows):
                return False
            if any(r["platform"] not in self._notifiers for r in rows):
                return True  # no notifier here for that platform: it waits for one
            settled = all(
                r["status"] == "sent" or (r["attempts"] > 0 and r["status"] == "pending")
                for r in rows
            )
            remaining = deadline - time.monotonic()
            if not waiting or settled or remaining <= 0:
                return True
            with self._progress:
                self._progress.wait(min(remaining, 0.25))

    def seconds_until_next_due(self) -> float:
        platforms = tuple(self._notifiers)
        if not platforms:
            return 3600.0
        try:  # the platform is sealed in each row's envelope
            times = [
                r["next_attempt_at"]
                for r in map(
                    lambda row: open_outbox(self.store, row),
                    self.store.query("SELECT * FROM outbox WHERE status IN ('pending', 'sending')"),
                )
                if r["platform"] in platforms
            ]
        except Exception as exc:  # e.g. rows under a newer key before a restart: keep polling
            log.error("cannot read the outbox schedule: %s", type(exc).__name__)
            return 60.0
        return 3600.0 if not times else min(times) - self.clock().timestamp()

    def _claim(self, at: datetime, platforms: tuple[str, ...]) -> dict[str, Any] | None:
        ts = at.timestamp()
        with self.store.transaction() as db:
            # The platform is sealed in the envelope: take the first due row for a platform
            # with a notifier.
            row = _first_due(self.store, db, ts, platforms)
            if row is None:
                return None
            # The lease: if this process dies mid-send the row becomes due again later.
            db.execute(
                "UPDATE outbox SET status = 'sending', attempts = attempts + 1, "
                "next_attempt_at = ? WHERE id = ?",
                [ts + self.lease_seconds, row["id"]],
            )
        row["attempts"] += 1
        return row

    def _attempt(self, row: dict[str, Any], at: datetime) -> int:
        notifier = self._notifiers[row["platform"]]
        who = f"notice {row['idempotency_key']}"  # reference/number/type: never the role
        try:
            notice = notices.from_json(self.store.decrypt_json(row["notice"]))
            if notice.files and getattr(notifier, "sends_file_bytes", True):
                notice = self.prepare(notice)  # Teams offers the file first: bytes come later
            notifier.send(Address(row["platform"], row["user_id"]), notice, row["idempotency_key"])
        except PermanentDeliveryError as exc:
            self._fail(row, exc.reason)
            log.warning("delivery of %s failed for good: %s", who, exc.reason)
            return 0
        except RecipientUnreachable:
            self._retry_later(
                row, at, f"recipient not reachable on {PLATFORM_LABELS[row['platform']]}", True
            )
            log.info("delivery of %s waiting: recipient not reachable yet", who)
            return 0
        except Exception as exc:
            self._retry_later(row, at, _describe(exc), False)
            log.warning(
                "delivery of %s failed (attempt %d): %s", who, row["attempts"], type(exc).__name__
            )
            return 0
        with self.store.transaction() as db:
            # still addressed as sent: `reports reassign` may have moved it to a new holder
            # meanwhile, and then it stays due for them
            db.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = '', unreachable = 0 "
                "WHERE id = ? AND envelope = ?",
                [audit.stamp(self.clock()), row["id"], row["envelope"]],
            )
            audit.append(
                self.store,
                db,
                when=self.clock(),
                action="deliver",
                actor="system",
                reference=row["reference"],
                detail=f"{row['notice_type']} to {row['role']} on {row['platform']}",
            )
        log.info("delivered %s", who)
        return 1

    def _retry_later(
        self, row: dict[str, Any], at: datetime, error: str, unreachable: bool
    ) -> None:
        delay = min(self.backoff_cap, self.backoff_base * 2 ** max(row["attempts"] - 1, 0))
        delay = delay * (0.5 + self._rng.random() / 2)  # jitter: spread retries out
        with self.store.transaction() as db:
            db.execute(
                "UPDATE outbox SET status = 'pending', next_attempt_at = ?, last_error = ?, "
                "unreachable = ? WHERE id = ? AND status = 'sending'",
                [
                    at.timestamp() + delay,
                    sealing.seal_error(self.store, error),
                    int(unreachable),
                    row["id"],
                ],
            )

    # --- notices that cannot be delivered ----------------------------------------------
    def _fail(self, row: dict[str, Any], reason: str) -> None:
        """Refused for good: stop retrying, and (in the same transaction) tell the submitter
        and escalate an urgent concern."""
        now = self.clock()
        error = "refused for good: " + _describe(PermanentDeliveryError(reason))
        with self.store.transaction() as db:
            # `escalated` is set on every refused notice, urgent or not: a flag set only for
            # urgent concerns would tell a reader without the key which reports are urgent.
            changed = db.execute(
                "UPDATE outbox SET status = 'failed', last_error = ?, unreachable = 0, "
                "escalated = 1 WHERE id = ? AND status = 'sending' AND envelope = ?",
                [sealing.seal_error(self.store, error), row["id"], row["envelope"]],
            ).rowcount
            if not changed:
                return
            audit.append(
                self.store,
                db,
                when=now,
                action="undeliverable",
                actor="system",
                reference=row["reference"],
                detail=f"{row['notice_type']} to {row['role']} on {row['platform']}",
            )
            report = records.by_id(self.store, db, row["report_id"])
            if report is None or row["notice_type"] not in ORIGINAL_NOTICES:
                return
            undeliverable.tell_submitter(self, db, report, row, now)
            if records.is_urgent_concern(report):
                undeliverable.escalate(self, db, report, row, now)
        self.interrupt()


def _first_due(
    store: Store, db: sqlite_utils.Database, ts: float, platforms: tuple[str, ...], page: int = 20
) -> dict[str, Any] | None:
    """The first due outbox row (oldest first) for one of these platforms, read a page at a
    time so a long queue is neither sorted nor decrypted in full for every claim."""
    offset = 0
    while True:
        rows = list(
            db.query(
                "SELECT * FROM outbox WHERE status IN ('pending', 'sending') "
                "AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ? OFFSET ?",
                [ts, page, offset],
            )
        )
        for row in rows:
            opened = open_outbox(store, row)
            if opened["platform"] in platforms:
                return opened
        if len(rows) < page:
            return None
        offset += page


def _describe(exc: BaseException) -> str:
    """A short error for delivery_status; never report text (notifier messages are clipped)."""
    text = strip_controls(str(exc)).replace("\n", " ")[:120]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
