"""ReportService: the use cases front ends call (submit, declare, acknowledge, note, close, view,
list) and the outbox delivery loop.

Contract for front ends:

- ``submit_concern(form, reporter) -> Receipt`` and ``declare_relationship(form, declarant)
  -> Receipt`` raise :class:`~bot.reports.models.FormError` (field errors) or
  :class:`~bot.reports.models.SubmissionRefused` (not configured / nobody to route to);
  in both cases nothing is stored. Otherwise the record, its audit entry and one outbox row
  per recipient are committed in ONE transaction before any delivery is attempted, and the
  receipt carries the reference. Pass the form's id as ``submission_key`` (Slack's modal id,
  the Teams card's ``form_id``): the same sender sending the same form again gets the first
  receipt back ("already sent") and nothing is stored or sent twice.
- ``acknowledge`` / ``add_note`` / ``close`` return ``ActionResult``; only the record's
  recipients may act (anyone else gets ``ok=False`` and nothing changes).
- Register a notifier per platform with ``register_notifier``; the delivery worker
  (``start_delivery_worker``) sends notices by direct message with retries, exponential
  backoff and jitter, across restarts, until each is sent. Notifiers raise
  ``RecipientUnreachable`` while a person cannot be reached yet; call ``wake()`` when you
  learn a new conversation reference. Notifiers raise ``PermanentDeliveryError`` when the
  platform refuses a person for good: the notice is marked ``failed`` and never retried, its
  submitter is told to speak to the person directly, and an urgent concern goes to the next
  role (bot/reports/escalation.py). ``undelivered()`` lists what has not arrived.
- Calls do blocking SQLite and crypto work: from an asyncio loop, run them in an executor.
- Who filed a record, whom it went to and whether it concerns the headteacher are sealed
  (``bot/reports/sealing.py``): lookups by submitter or recipient decrypt and filter in Python
  (about 0.3 ms a record), never through a plaintext column or index.

Delivery states per outbox row: ``pending`` → ``sending`` (claimed, with a lease) → ``sent``,
or → ``failed`` (refused for good; final).
A row left ``sending`` by a crash becomes due again when its lease expires and is re-sent
with the SAME idempotency key, so a notifier that remembers keys never sends twice.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import re
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from bot.config import Person, Settings
from bot.reports import audit, escalation, forms, notices, sealing
from bot.reports.models import (
    CONCERN_CATEGORIES,
    LIMITS,
    PLATFORM_LABELS,
    RELATIONSHIPS,
    ROLE_LABELS,
    URGENT_CATEGORIES,
    ActionResult,
    Actor,
    Address,
    ConcernForm,
    DeclarationForm,
    DeliveryStatus,
    Evidence,
    Note,
    Notice,
    Notifier,
    PermanentDeliveryError,
    Receipt,
    RecipientUnreachable,
    ReportDetail,
    SubmissionRefused,
    Summary,
)
from bot.reports.neutralise import clean
from bot.reports.routing import Recipient, choose_address, route
from bot.reports.sealing import SUBMITTER_NOTICES, open_outbox, open_report
from bot.store import Store, StoreError

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
PREFIXES = {"concern": "C", "declaration": "R"}
REFERENCE_SPACE = 9999  # C-2026-0001 … C-2026-9999: random, so a reference tells no order
REFERENCE_TRIES = 500
CHAT_PLATFORMS = ("slack", "teams")


def utc_now() -> datetime:
    return datetime.now(UTC)


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


_SUBMISSION_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,100}")


def clean_submission_key(key: str | None) -> str | None:
    """A front end's form id, or None when absent or not a plain token (then no de-duplication,
    never a refusal: a report is never lost over its key)."""
    if not isinstance(key, str) or not _SUBMISSION_KEY.fullmatch(key):
        return None
    return key


iso = audit.stamp  # one timestamp format for records and the audit log


def actor_id(actor: Actor) -> str:
    """How the audit log names an actor; the command line also names the operating-system user
    who ran it (bot.operator), since anyone with the shell and the key may act as any role."""
    if actor.platform == "cli":
        return f"cli:{actor.user_id or '-'} by os user {actor.os_user or 'unknown'}"
    return f"{actor.platform}:{actor.user_id}"


class DeliveryWorker:
    """Background thread running ``deliver_due`` until ``stop()``."""

    def __init__(self, service: ReportService, interval: float) -> None:
        self._service = service
        self._interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="policybot-delivery", daemon=True)

    def start(self) -> DeliveryWorker:
        self._thread.start()
        return self

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and not self._stopping.is_set()

    @property
    def thread(self) -> threading.Thread:
        return self._thread

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._service._wake_event.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def _run(self) -> None:
        service = self._service
        while not self._stopping.is_set():
            service._wake_event.clear()
            try:
                service.deliver_due()
            except Exception as exc:  # keep delivering; the rows stay queued
                log.error("delivery pass failed: %s", type(exc).__name__)
            wait = min(self._interval, service._seconds_until_next_due())
            service._wake_event.wait(max(wait, 0.01))


class ReportService:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        clock: Clock | None = None,
        *,
        lease_seconds: float = 120.0,
        backoff_base: float = 5.0,
        backoff_cap: float = 1800.0,
        confirm_timeout: float = 1.5,  # chat front ends must answer within 3 s
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock or utc_now
        self.lease_seconds = lease_seconds
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.confirm_timeout = confirm_timeout
        self._rng = rng or random.Random()
        self._notifiers: dict[str, Notifier] = {}
        self._wake_event = threading.Event()
        self._progress = threading.Condition()
        self._worker: DeliveryWorker | None = None

    # --- submitting -------------------------------------------------------------------
    def submit_concern(
        self, form: ConcernForm, reporter: Actor, submission_key: str | None = None
    ) -> Receipt:
        """File a concern. `submission_key` identifies one filled-in form (a front end's form or
        modal id): sending the same form again returns the first receipt instead of a second
        report."""
        self._refuse_if_unavailable()
        data = forms.clean_concern(form)
        self._check_submitter(reporter)
        urgent = data["category"] in URGENT_CATEGORIES or data["immediate_risk"]
        recipients = route(
            "concern",
            urgent=urgent,
            about_headteacher=data["about_headteacher"],
            submitter_platform=reporter.platform,
            people=self.settings.people,
        )
        by = notices.submitter_label(reporter.display_name, reporter.platform, reporter.user_id)
        account = (reporter.platform, reporter.user_id)

        def build(reference: str, r: Recipient) -> Notice:
            return notices.concern_notice(
                reference, data, urgent=urgent, reporter=by, roles=r.roles, account=account
            )

        row = {
            "kind": "concern",
            "category": data["category"],
            "relationship": None,
            "urgent": int(urgent),
            "about_headteacher": int(data["about_headteacher"]),
            "immediate_risk": int(data["immediate_risk"]),
        }
        return self._create(row, data, reporter, recipients, build, submission_key)

    def declare_relationship(
        self, form: DeclarationForm, declarant: Actor, submission_key: str | None = None
    ) -> Receipt:
        self._refuse_if_unavailable()
        data = forms.clean_declaration(form)
        self._check_submitter(declarant)
        recipients = route(
            "declaration",
            urgent=False,
            about_headteacher=False,
            submitter_platform=declarant.platform,
            people=self.settings.people,
        )
        by = notices.submitter_label(declarant.display_name, declarant.platform, declarant.user_id)
        account = (declarant.platform, declarant.user_id)

        def build(reference: str, r: Recipient) -> Notice:
            return notices.declaration_notice(
                reference, data, declarant=by, roles=r.roles, account=account
            )

        row = {
            "kind": "declaration",
            "category": None,
            "relationship": data["relationship"],
            "urgent": 0,
            "about_headteacher": 0,
            "immediate_risk": 0,
        }
        return self._create(row, data, declarant, recipients, build, submission_key)

    def _refuse_if_unavailable(self) -> None:
        reason = self.settings.reports_unavailable()
        if reason is None and not self.store.has_key:
            reason = "Reports are not set up yet: no encryption key is configured."
        if reason:
            raise SubmissionRefused(reason)

    @staticmethod
    def _check_submitter(actor: Actor) -> None:
        if actor.platform not in PLATFORM_LABELS or not str(actor.user_id).strip():
            raise SubmissionRefused("Reports can only be sent by a signed-in member of staff.")

    def _create(
        self,
        row: dict[str, Any],
        data: dict[str, Any],
        submitter: Actor,
        recipients: list[Recipient],
        build: Callable[[str, Recipient], Notice],
        submission_key: str | None = None,
    ) -> Receipt:
        kind = row["kind"]
        now = self.clock()
        key = clean_submission_key(submission_key)
        body = sealing.seal_body(self.store, data)
        name = forms_display_name(submitter.display_name)
        reference = ""
        with self.store.transaction() as db:
            earlier = self._earlier_submission(db, submitter, key)
            if earlier is None:
                reference = self._insert(
                    db, row, submitter, recipients, build, now, key, body, name
                )
        if earlier is not None:
            log.info(
                "%s %s was sent again: no second report", earlier["kind"], earlier["reference"]
            )
            return self._repeat_receipt(earlier)
        # Never the roles: "to the chair of governors" would say the report is about the head.
        log.info("%s %s recorded for %d recipient(s)", kind, reference, len(recipients))
        self.wake()
        try:  # stored: from here on a failure must not read as "not filed" to the front end
            pending = self._await_first_attempt(reference)
        except Exception as exc:
            log.warning(
                "%s %s: could not wait for delivery: %s", kind, reference, type(exc).__name__
            )
            pending = True
        labels = [label for r in recipients for label in r.role_labels]
        return Receipt(
            reference=reference,
            kind=kind,
            urgent=bool(row["urgent"]),
            delivery_pending=pending,
            recipients=labels,
            message=self._receipt_message(kind, reference, labels, pending, bool(row["urgent"])),
        )

    def _insert(
        self,
        db: Any,
        row: dict[str, Any],
        submitter: Actor,
        recipients: list[Recipient],
        build: Callable[[str, Recipient], Notice],
        now: datetime,
        key: str | None,
        body: str,
        name: str,
    ) -> str:
        kind = row["kind"]
        # called inside one transaction: the report, its recipients, outbox rows and audit row
        reference = self._next_reference(db, kind, now.year)
        facts = {
            **{f: None for f in sealing.SEALED_FIELDS},
            **{k: row[k] for k in row if k != "kind"},
            "submitter_platform": submitter.platform,
            "submitter_id": submitter.user_id,
            "submitter_name": name,
            "submission_key": key,
            "recipients": [
                {
                    "role": role,
                    "name": r.person.name,
                    "slack_user": r.person.slack_user,
                    "teams_user": r.person.teams_user,
                }
                for r in recipients
                for role in r.roles
            ],
        }
        tag = (
            sealing.submission_tag(self.store, submitter.platform, submitter.user_id, key)
            if key
            else None
        )
        report_id = (
            db["reports"]
            .insert(
                {
                    "kind": kind,
                    "reference": reference,
                    "year": now.year,
                    "status": "open",
                    "created_at": iso(now),
                    "body": body,
                    "sealed": sealing.seal(self.store, facts),
                    "submission_tag": tag,
                }
            )
            .last_pk
        )
        for r in recipients:
            self._enqueue(db, report_id, reference, r.role_key, r.address, build(reference, r), now)
        audit.append(
            self.store,
            db,
            when=now,
            action="create",
            actor=actor_id(submitter),
            reference=reference,
            detail=f"{kind} to {', '.join(r.role_key for r in recipients)}",
        )
        return reference

    def _earlier_submission(
        self, db: Any, submitter: Actor, key: str | None
    ) -> dict[str, Any] | None:
        if key is None:
            return None
        tags = sealing.submission_tags(self.store, submitter.platform, submitter.user_id, key)
        marks = ",".join("?" for _ in tags)
        rows = list(db.query(f"SELECT * FROM reports WHERE submission_tag IN ({marks})", tags))
        return open_report(self.store, rows[0]) if rows else None

    def _repeat_receipt(self, earlier: dict[str, Any]) -> Receipt:
        reference, kind, urgent = earlier["reference"], earlier["kind"], bool(earlier["urgent"])
        labels = list(dict.fromkeys(ROLE_LABELS[r["role"]] for r in earlier["recipients"]))
        pending = any(
            r["status"] != "sent"
            for r in self.store.query(
                "SELECT status, notice_type FROM outbox WHERE reference = ?", [reference]
            )
            if r["notice_type"] not in SUBMITTER_NOTICES
        )
        message = "This form was already sent, so nothing was filed twice. " + (
            self._receipt_message(kind, reference, labels, pending, urgent)
        )
        return Receipt(reference, kind, urgent, pending, labels, message)

    @staticmethod
    def _receipt_message(
        kind: str, reference: str, labels: list[str], pending: bool, urgent: bool
    ) -> str:
        what = "concern" if kind == "concern" else "relationship declaration"
        to = _join(labels)
        if pending:
            msg = (
                f"Your {what} is safely recorded as {reference}. Delivery to the {to} is "
                "pending: it will keep being retried automatically, and you will be told if it "
                "cannot be delivered."
            )
        else:
            msg = f"Your {what} is recorded as {reference} and has been sent to the {to}."
        if urgent:
            msg += " It is marked URGENT. If a child is in immediate danger, call 999 now."
        msg += " You will be told when it is acknowledged."
        return msg

    def _next_reference(self, db: Any, kind: str, year: int) -> str:
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
            "close out the year's records or widen REFERENCE_SPACE in bot/reports/service.py"
        )

    def _enqueue(
        self,
        db: Any,
        report_id: int,
        reference: str,
        role: str,
        address: Address,
        notice: Notice,
        now: datetime,
    ) -> None:
        seq = db.execute("SELECT COUNT(*) FROM outbox WHERE report_id = ?", [report_id]).fetchone()[
            0
        ]
        db["outbox"].insert(
            {
                "report_id": report_id,
                "reference": reference,
                "notice_type": notice.notice_type,
                "envelope": sealing.envelope(self.store, role, address.platform, address.user_id),
                "notice": sealing.seal_notice(self.store, notices.to_json(notice)),
                "idempotency_key": f"{reference}/{seq + 1}/{notice.notice_type}",
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now.timestamp(),
                "last_error": "",
                "unreachable": 0,
                "created_at": iso(now),
            }
        )

    def _await_first_attempt(self, reference: str) -> bool:
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

    # --- recipients' actions ----------------------------------------------------------
    def acknowledge(self, reference: str, actor: Actor) -> ActionResult:
        return self._act(reference, actor, "acknowledge")

    def close(self, reference: str, actor: Actor) -> ActionResult:
        return self._act(reference, actor, "close")

    def add_note(self, reference: str, actor: Actor, text: str) -> ActionResult:
        errors: dict[str, str] = {}
        clean = forms.check_text(errors, "note", text, required=True)
        if errors:
            return ActionResult(False, errors["note"])
        return self._act(reference, actor, "note", clean)

    def _act(self, reference: str, actor: Actor, action: str, text: str = "") -> ActionResult:
        reference = _norm_ref(reference)
        now = self.clock()
        with self.store.transaction() as db:
            report = self._report(db, reference)
            me = self._matching_recipient(db, report, actor) if report else None
            if report is None or me is None:
                return ActionResult(False, _refusal(reference))
            by = f"{me['name']} ({ROLE_LABELS[me['role']]})"
            status = report["status"]
            if action == "acknowledge":
                if status != "open":
                    who = report["acknowledged_by"] or report["closed_by"]
                    return ActionResult(True, f"{reference} was already {status} by {who}.")
                db.execute(
                    "UPDATE reports SET status = 'acknowledged' WHERE id = ?", [report["id"]]
                )
                sealing.reseal(
                    self.store, db, report, acknowledged_by=by, acknowledged_role=me["role"],
                    acknowledged_at=iso(now),
                )  # fmt: skip
                self._notify_submitter(db, report, "acknowledged", by, now)
                message = f"You acknowledged {reference}. The person who sent it has been told."
            elif action == "close":
                if status == "closed":
                    return ActionResult(
                        True, f"{reference} was already closed by {report['closed_by']}."
                    )
                db.execute("UPDATE reports SET status = 'closed' WHERE id = ?", [report["id"]])
                sealing.reseal(self.store, db, report, closed_by=by, closed_at=iso(now))
                self._notify_submitter(db, report, "closed", by, now)
                message = f"You closed {reference}."
            else:
                sealed_note = {"author": by, "author_role": me["role"], "text": text}
                db["notes"].insert(
                    {
                        "report_id": report["id"],
                        "at": iso(now),
                        "text": self.store.encrypt_json(sealed_note, pad_to=256),
                    }
                )
                self._notify_other_recipients(db, report, actor, by, text, now)
                message = f"Your note was added to {reference}."
            audit.append(
                self.store,
                db,
                when=now,
                action=action,
                actor=actor_id(actor),
                reference=reference,
                detail=f"as {me['role']}",
            )
        log.info("%s %s", action, reference)
        self.wake()
        return ActionResult(True, message)

    def _notify_submitter(
        self, db: Any, report: dict[str, Any], notice_type: str, by: str, now: datetime
    ) -> None:
        if report["submitter_platform"] not in CHAT_PLATFORMS:
            return
        notice = notices.status_notice(
            report["reference"], notice_type, report["kind"], by, urgent=bool(report["urgent"])
        )
        address = Address(report["submitter_platform"], report["submitter_id"])
        self._enqueue(db, report["id"], report["reference"], "submitter", address, notice, now)

    def _notify_other_recipients(
        self, db: Any, report: dict[str, Any], author: Actor, by: str, text: str, now: datetime
    ) -> None:
        # The record's recipients as they are now (reassign moves a role to its new holder),
        # one notice per person however many roles they hold.
        for person, roles in _recipient_people(report):
            address = choose_address(person, report["submitter_platform"])
            mine = (author.platform == "cli" and author.user_id in roles) or (
                person.address(author.platform) == author.user_id
            )
            if address is None or mine:
                continue
            notice = notices.note_notice(
                report["reference"], by, text, urgent=bool(report["urgent"]), roles=roles
            )
            self._enqueue(
                db, report["id"], report["reference"], "+".join(roles), address, notice, now
            )

    # --- a role changes hands -----------------------------------------------------------
    def reassign(self, role: str, actor: Actor) -> ActionResult:
        """Move every record a role received to the person the config names for it NOW: they can
        view and act on them, the former holder no longer can, undelivered notices are
        re-addressed, and each record not yet closed is sent to the new holder. Never to anyone
        a record is about: a concern about the headteacher is skipped when the new holder is the
        headteacher. One transaction; one audit entry per record."""
        person = self.settings.people.get(role)
        if role not in ROLE_LABELS or person is None:
            where = self.settings.config_path or "POLICYBOT_CONFIG"
            return ActionResult(
                False,
                f"No {ROLE_LABELS.get(role, role)} is configured ({where}: people.{role}), "
                "so there is nobody to move their reports to. Add them and restart first.",
            )
        head = self.settings.people.get("headteacher")
        now = self.clock()
        moved: list[str] = []
        skipped = 0
        with self.store.transaction() as db:
            # whom a record went to is sealed: read every record, oldest first
            for report in reversed(self._reports(db)):
                entries = report["recipients"]
                if not any(e["role"] == role and not _same_ids(e, person) for e in entries):
                    continue
                if (
                    report["about_headteacher"]
                    and head is not None
                    and escalation.shares_an_id(person, head)
                ):
                    skipped += 1
                    continue
                holder = {
                    "name": person.name,
                    "slack_user": person.slack_user,
                    "teams_user": person.teams_user,
                }
                sealing.reseal(
                    self.store, db, report,
                    recipients=[{**e, **holder} if e["role"] == role else e for e in entries],
                )  # fmt: skip
                self._readdress(db, report, role, person, now)
                audit.append(
                    self.store,
                    db,
                    when=now,
                    action="reassign",
                    actor=actor_id(actor),
                    reference=report["reference"],
                    detail=f"{role} to the person now configured",
                )
                moved.append(report["reference"])
        log.info("reassigned %d records of %s", len(moved), role)
        self.wake()
        label = ROLE_LABELS[role]
        message = (
            f"{len(moved)} record(s) of the {label} now belong to {person.name}"
            + (": " + ", ".join(moved) if moved else "")
            + "."
        )
        if skipped:
            message += f" {skipped} record(s) about the headteacher were left as they are."
        return ActionResult(True, message)

    def _readdress(
        self, db: Any, report: dict[str, Any], role: str, person: Person, now: datetime
    ) -> None:
        """The role's undelivered notices go to its new holder; an open record's first notice
        is sent to them again so they have its buttons."""
        address = choose_address(person, report["submitter_platform"])
        if address is None:
            return
        rows = _recipient_outbox(self.store, db, report["id"])
        first_readdressed = False
        resend: dict[str, Any] | None = None
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
        if first_readdressed or resend is None or report["status"] == "closed":
            return
        notice = notices.from_json(self.store.decrypt_json(resend["notice"]))
        notice = dataclasses.replace(notice, recipient_role=role)
        self._enqueue(db, report["id"], report["reference"], role, address, notice, now)

    @staticmethod
    def _matching_recipient(db: Any, report: dict[str, Any], actor: Actor) -> dict[str, Any] | None:
        if not actor.user_id:
            return None
        return next((r for r in report["recipients"] if _is_recipient(r, actor)), None)

    def _report(self, db: Any, reference: str) -> dict[str, Any] | None:
        row = _one(db, "SELECT * FROM reports WHERE reference = ?", [reference])
        return open_report(self.store, row) if row else None

    def _reports(self, db: Any) -> list[dict[str, Any]]:
        """Every report, newest first, with its sealed facts. Lookups by submitter or recipient
        filter these in Python: an index on either would be readable without the key."""
        return [
            open_report(self.store, r) for r in db.query("SELECT * FROM reports ORDER BY id DESC")
        ]

    def _report_by_id(self, db: Any, report_id: int) -> dict[str, Any] | None:
        row = _one(db, "SELECT * FROM reports WHERE id = ?", [report_id])
        return open_report(self.store, row) if row else None

    @staticmethod
    def _may_receive(actor: Actor) -> bool:
        return actor.platform in ("slack", "teams", "cli") and bool(actor.user_id)

    def _unsent_on_my_reports(self, db: Any, actor: Actor, condition: str) -> list[dict[str, Any]]:
        """Outbox rows matching ``condition`` on the records not yet closed that the actor
        received, opened, oldest first. Whom a record went to is sealed, so the records are
        read and matched in Python."""
        if not self._may_receive(actor):
            return []
        ids = [
            r["id"]
            for r in self._reports(db)
            if r["status"] != "closed" and self._matching_recipient(db, r, actor)
        ]
        if not ids:
            return []
        marks = ",".join("?" for _ in ids)
        return [
            open_outbox(self.store, r)
            for r in db.query(
                f"SELECT * FROM outbox WHERE report_id IN ({marks}) AND {condition} ORDER BY id",
                ids,
            )
        ]

    def is_recipient(self, reference: str, actor: Actor) -> bool:
        with self.store.read() as db:
            report = self._report(db, _norm_ref(reference))
            return bool(report and self._matching_recipient(db, report, actor))

    def get(self, reference: str, actor: Actor) -> ReportDetail | ActionResult:
        """The whole record for one of its recipients (with notes) or its own submitter
        (without notes). Anyone else gets a refusal. Audited as "view"."""
        reference = _norm_ref(reference)
        with self.store.read() as db:
            report = self._report(db, reference)
            if report is None:
                return ActionResult(False, _refusal(reference))
            me = self._matching_recipient(db, report, actor)
            own = (
                report["submitter_platform"] == actor.platform
                and report["submitter_id"] == actor.user_id
            )
            if me is None and not own:
                return ActionResult(False, _refusal(reference))
            summary = self._summaries(db, [report])[0]
            note_rows = (
                list(
                    db.query("SELECT * FROM notes WHERE report_id = ? ORDER BY id", [report["id"]])
                )
                if me
                else []
            )
        data = self.store.decrypt_json(report["body"])
        sealed_notes = [(n["at"], self.store.decrypt_json(n["text"])) for n in note_rows]
        detail = ReportDetail(
            summary=summary,
            submitted_by=notices.submitter_label(
                report["submitter_name"], report["submitter_platform"]
            ),
            fields=_fields(report["kind"], data),
            evidence=[Evidence(e["name"], e["ref"]) for e in data.get("evidence", [])],
            notes=[Note(at, n["author"], n["text"]) for at, n in sealed_notes],
            closed_by=report["closed_by"] or "",
            closed_at=report["closed_at"] or "",
        )
        self._audit("view", actor, reference, "as " + (me["role"] if me else "submitter"))
        return detail

    def list_for_submitter(self, actor: Actor) -> list[Summary]:
        with self.store.read() as db:
            mine = [
                r
                for r in self._reports(db)
                if r["submitter_platform"] == actor.platform and r["submitter_id"] == actor.user_id
            ]
            return self._summaries(db, mine)

    def list_for_recipient(self, actor: Actor) -> list[Summary]:
        if actor.platform not in ("slack", "teams", "cli") or not actor.user_id:
            return []
        with self.store.read() as db:
            theirs = [r for r in self._reports(db) if self._matching_recipient(db, r, actor)]
            return self._summaries(db, theirs)

    def _summaries(self, db: Any, reports: list[dict[str, Any]]) -> list[Summary]:
        unsent_types = ",".join(f"'{t}'" for t in SUBMITTER_NOTICES)
        unsent = {
            row["report_id"]: row["n"]
            for row in db.query(
                "SELECT report_id, COUNT(*) AS n FROM outbox WHERE status != 'sent' "
                f"AND notice_type NOT IN ({unsent_types}) GROUP BY report_id"
            )
        }
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

    def history(self, reference: str, actor: Actor) -> list[audit.Entry] | ActionResult:
        """One record's audit entries (who did what, decrypted), for its recipients only: the
        entries of a concern about the head name the chair. Audited as "view"."""
        reference = _norm_ref(reference)
        with self.store.read() as db:
            report = self._report(db, reference)
            me = self._matching_recipient(db, report, actor) if report else None
            if me is None:
                return ActionResult(False, _refusal(reference))
            entries = [e for e in audit.entries(self.store, db) if e.reference == reference]
        self._audit("view", actor, reference, f"history as {me['role']}")
        return entries

    def audit_event(self, action: str, actor: Actor, reference: str = "", detail: str = "") -> None:
        """Record an event from outside the service (CLI list / export / verify)."""
        self._audit(action, actor, reference, detail)

    def _audit(self, action: str, actor: Actor, reference: str, detail: str) -> None:
        with self.store.transaction() as db:
            audit.append(
                self.store, db, when=self.clock(), action=action, actor=actor_id(actor),
                reference=reference, detail=detail,
            )  # fmt: skip

    def export_relationships(self, actor: Actor) -> list[dict[str, str]]:
        """The register of declared relationships the actor received (decrypted). Audited."""
        rows = [s for s in self.list_for_recipient(actor) if s.kind == "declaration"]
        out = []
        for s in reversed(rows):
            with self.store.read() as db:
                report = self._report(db, s.reference)
            assert report is not None
            data = self.store.decrypt_json(report["body"])
            out.append(
                {
                    "reference": s.reference,
                    "declared_at": s.created_at,
                    "declared_by": report["submitter_name"],
                    "declarant_platform": report["submitter_platform"],
                    "pupil": data["student_name"],
                    "year_group": data["year_group"],
                    "relationship": RELATIONSHIPS[data["relationship"]],
                    "social_media_contact": "; ".join(data["platforms"]),
                    "notes": data["notes"],
                    "status": s.status,
                    "acknowledged_by": s.acknowledged_by,
                    "acknowledged_at": s.acknowledged_at,
                }
            )
        self._audit("export", actor, "", f"relationships register, {len(out)} rows")
        return out

    # --- delivery ---------------------------------------------------------------------
    def register_notifier(self, notifier: Notifier) -> None:
        self._notifiers[notifier.platform] = notifier
        self.wake()

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
        self._wake_event.set()

    def start_delivery_worker(self, interval: float = 5.0) -> DeliveryWorker:
        if self._worker is not None and self._worker.alive:
            return self._worker
        self._worker = DeliveryWorker(self, interval).start()
        return self._worker

    def deliver_due(self, now: datetime | None = None) -> int:
        """One pass over the outbox: send every due notice whose platform has a notifier.
        Returns how many were sent."""
        at = now or self.clock()
        self.check_overdue(at)
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
                [iso(self.clock()), row["id"], row["envelope"]],
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
            report = self._report_by_id(db, row["report_id"])
            if report is None or row["notice_type"] not in ORIGINAL_NOTICES:
                return
            self._tell_submitter(db, report, row, now)
            if _is_urgent_concern(report):
                self._escalate(db, report, row, now)
        self._wake_event.set()

    def check_overdue(self, now: datetime | None = None) -> None:
        """The time-based half of the rule: an urgent concern not delivered within
        escalate_urgent_after_minutes goes to the next role; a recipient still unreachable
        after undelivered_alert_minutes gets the submitter told. Each happens once per notice."""
        at = now or self.clock()
        escalate_before = iso(at - timedelta(minutes=self.settings.escalate_urgent_after_minutes))
        alert_before = iso(at - timedelta(minutes=self.settings.undelivered_alert_minutes))
        marks = ",".join("?" for _ in ORIGINAL_NOTICES)
        # created_at is ISO 8601 UTC in one format, so it compares as text; only due rows come
        # back. Urgency is sealed, so every late first notice is due for the escalation rule and
        # gets `escalated` set whether or not it escalates: the flag reveals nothing.
        due = self.store.query(
            "SELECT id, (escalated = 0 AND created_at <= ?) AS escalate, "
            "(unreachable = 1 AND submitter_told = 0 AND created_at <= ?) AS tell "
            "FROM outbox WHERE status IN ('pending', 'sending') "
            f"AND notice_type IN ({marks}) AND ("
            "  (escalated = 0 AND created_at <= ?) "
            "  OR (unreachable = 1 AND submitter_told = 0 AND created_at <= ?)) "
            "ORDER BY id",
            [escalate_before, alert_before, *ORIGINAL_NOTICES, escalate_before, alert_before],
        )
        for d in due:  # one short transaction each: submissions are never held up for long
            with self.store.transaction() as db:
                raw = _one(db, "SELECT * FROM outbox WHERE id = ?", [d["id"]])
                if raw is None or raw["status"] not in ("pending", "sending"):
                    continue
                row = open_outbox(self.store, raw)
                report = self._report_by_id(db, row["report_id"])
                if report is None:
                    continue
                if d["escalate"] and not row["escalated"]:
                    if _is_urgent_concern(report):
                        self._escalate(db, report, row, at)
                    else:
                        db.execute("UPDATE outbox SET escalated = 1 WHERE id = ?", [row["id"]])
                if d["tell"] and not row["submitter_told"]:
                    self._tell_submitter(db, report, row, at)
        if due:
            self._wake_event.set()

    def _tell_submitter(
        self, db: Any, report: dict[str, Any], row: dict[str, Any], now: datetime
    ) -> None:
        db.execute("UPDATE outbox SET submitter_told = 1 WHERE id = ?", [row["id"]])
        if report["submitter_platform"] not in CHAT_PLATFORMS:
            return
        notice = notices.undeliverable_notice(
            report["reference"], report["kind"], tuple(row["role"].split("+"))
        )
        address = Address(report["submitter_platform"], report["submitter_id"])
        self._enqueue(db, report["id"], report["reference"], "submitter", address, notice, now)
        log.info("%s: submitter told it could not be delivered", report["reference"])

    def _escalate(
        self, db: Any, report: dict[str, Any], row: dict[str, Any], now: datetime
    ) -> None:
        # One escalation covers every first notice of this report that has failed or is late.
        late = now.timestamp() - self.settings.escalate_urgent_after_minutes * 60
        sent_to = _recipient_outbox(self.store, db, report["id"])
        missing = [
            r
            for r in sent_to
            if r["notice_type"] in ORIGINAL_NOTICES
            and r["status"] != "sent"
            and not r["escalated"]
            and r["id"] != row["id"]
            and (r["status"] == "failed" or _timestamp(r["created_at"]) <= late)
        ]
        db.execute("UPDATE outbox SET escalated = 1 WHERE id = ?", [row["id"]])
        for other in missing:
            db.execute("UPDATE outbox SET escalated = 1 WHERE id = ?", [other["id"]])
        if report["status"] != "open":
            return  # someone has already acted on it
        target = escalation.next_recipient(
            about_headteacher=bool(report["about_headteacher"]),
            already_roles=[r["role"] for r in report["recipients"]],
            already_addresses=[Address(o["platform"], o["user_id"]) for o in sent_to],
            people=self.settings.people,
            submitter_platform=report["submitter_platform"],
        )
        missed = tuple(
            dict.fromkeys(role for r in [row, *missing] for role in r["role"].split("+"))
        )
        if target is None:
            log.warning("%s: not delivered and nobody left to escalate to", report["reference"])
            return
        data = self.store.decrypt_json(report["body"])
        platform, user_id = report["submitter_platform"], report["submitter_id"]
        by = notices.submitter_label(report["submitter_name"], platform, user_id)
        notice = notices.concern_notice(
            report["reference"], data, urgent=True, reporter=by, roles=target.roles,
            escalated_from=missed, account=(platform, user_id),
        )  # fmt: skip
        added = [
            {
                "role": role,
                "name": target.person.name,
                "slack_user": target.person.slack_user,
                "teams_user": target.person.teams_user,
            }
            for role in target.roles
        ]
        sealing.reseal(self.store, db, report, recipients=[*report["recipients"], *added])
        self._enqueue(
            db, report["id"], report["reference"], target.role_key, target.address, notice, now
        )
        audit.append(
            self.store,
            db,
            when=now,
            action="escalate",
            actor="system",
            reference=report["reference"],
            detail=f"to {target.role_key}: not delivered to {'+'.join(missed)}",
        )
        log.warning("%s escalated to %s", report["reference"], target.role_key)

    def undelivered(
        self, actor: Actor, now: datetime | None = None, *, everything: bool = False
    ) -> list[Undelivered]:
        """Notices on reports the actor received that have not arrived, oldest first: by default
        those someone must act on (refused for good, or undelivered for longer than
        undelivered_alert_minutes) on reports not yet closed; ``everything`` adds the ones still
        within the limit. Only the actor's own reports: a listing must not reveal that a report
        sent to someone else (e.g. a concern about the headteacher) exists. Audited."""
        at = (now or self.clock()).timestamp()
        limit = self.settings.undelivered_alert_minutes * 60
        with self.store.read() as db:
            rows = self._unsent_on_my_reports(db, actor, "status != 'sent'")
        out = []
        for r in rows:
            age = at - _timestamp(r["created_at"])
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
        self._audit("list", actor, "", f"{len(out)} undelivered notices")
        return out

    def retry_failed(self, actor: Actor) -> ActionResult:
        """Try again the notices refused for good on records the actor received (after the cause
        was fixed: a new Slack token, the app re-installed, the person's account restored).
        A person who has changed belongs to ``reassign``. Audited per record."""
        if not self._may_receive(actor):
            return ActionResult(False, "Only a configured recipient can retry notices.")
        now = self.clock()
        with self.store.transaction() as db:
            rows = self._unsent_on_my_reports(db, actor, "status = 'failed'")
            for row in rows:
                db.execute(
                    "UPDATE outbox SET status = 'pending', next_attempt_at = ?, last_error = '' "
                    "WHERE id = ?",
                    [now.timestamp(), row["id"]],
                )
            for reference in sorted({r["reference"] for r in rows}):
                audit.append(
                    self.store, db, when=now, action="retry", actor=actor_id(actor),
                    reference=reference, detail="notices refused for good, tried again",
                )  # fmt: skip
        self.wake()
        return ActionResult(True, f"{len(rows)} notice(s) will be tried again now.")

    def _seconds_until_next_due(self) -> float:
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

    def delivery_status(self, reference: str) -> list[DeliveryStatus]:
        rows = [
            open_outbox(self.store, r)
            for r in self.store.query(
                "SELECT * FROM outbox WHERE reference = ? ORDER BY id", [_norm_ref(reference)]
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


ORIGINAL_NOTICES = ("concern", "declaration")  # what a report's recipients are first sent


def _recipient_people(report: dict[str, Any]) -> list[tuple[Person, tuple[str, ...]]]:
    """The record's recipients now (its sealed facts), as (person, roles), one entry a person."""
    people: dict[tuple[str, str], tuple[Person, list[str]]] = {}
    for r in report["recipients"]:
        key = (r["slack_user"] or "", (r["teams_user"] or "").lower())
        if key not in people:
            person = Person(r["role"], r["name"], r["slack_user"], r["teams_user"])
            people[key] = (person, [])
        people[key][1].append(r["role"])
    return [(person, tuple(roles)) for person, roles in people.values()]


def _recipient_outbox(store: Store, db: Any, report_id: int) -> list[dict[str, Any]]:
    """A record's outbox rows to its recipients (not its submitter), opened, oldest first."""
    return [
        open_outbox(store, r)
        for r in db.query("SELECT * FROM outbox WHERE report_id = ? ORDER BY id", [report_id])
        if r["notice_type"] not in SUBMITTER_NOTICES
    ]


def _same_ids(row: dict[str, Any], person: Person) -> bool:
    return (row["slack_user"] or None) == person.slack_user and (
        (row["teams_user"] or "").lower() or None
    ) == person.teams_user


def _is_urgent_concern(report: dict[str, Any]) -> bool:
    return report["kind"] == "concern" and bool(report["urgent"])


def _timestamp(iso_text: str) -> float:
    return datetime.strptime(iso_text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


def _first_due(
    store: Store, db: Any, ts: float, platforms: tuple[str, ...], page: int = 20
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


def forms_display_name(name: str) -> str:
    return clean(name or "", LIMITS["display_name"])


def _norm_ref(reference: str) -> str:
    return str(reference or "").strip().upper()[:40]


def _refusal(reference: str) -> str:
    return (
        f"There is no report {reference} that you can act on. Only the people a report was "
        "sent to can view, acknowledge, annotate or close it."
    )


def _one(db: Any, sql: str, params: list[Any]) -> dict[str, Any] | None:
    rows = list(db.query(sql, params))
    return rows[0] if rows else None


def _join(labels: list[str]) -> str:
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and the " + labels[-1]


def _describe(exc: BaseException) -> str:
    """A short error for delivery_status; never report text (notifier messages are clipped)."""
    from bot.reports.neutralise import strip_controls

    text = strip_controls(str(exc)).replace("\n", " ")[:120]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _fields(kind: str, data: dict[str, Any]) -> list[tuple[str, str]]:
    if kind == "concern":
        pairs = [
            ("Category", CONCERN_CATEGORIES[data["category"]]),
            ("A child may be at immediate risk", "Yes" if data["immediate_risk"] else "No"),
            ("About the headteacher", "Yes" if data["about_headteacher"] else "No"),
            ("When", data["occurred_on"]),
            ("Where", data["where"]),
            ("Link", data["link"]),
            ("People involved", data["people_involved"]),
            ("Description", data["description"]),
        ]
    else:
        pairs = [
            ("Pupil", data["student_name"]),
            ("Class or year group", data["year_group"]),
            ("Relationship", RELATIONSHIPS[data["relationship"]]),
            ("Social media contact", ", ".join(data["platforms"]) or "None declared"),
            ("Notes", data["notes"]),
        ]
    return [(label, clean(value)) for label, value in pairs if value]


def _is_recipient(recipient: dict[str, Any], actor: Actor) -> bool:
    """Whether this sealed recipient entry (one role of one person) is the actor."""
    if actor.platform == "slack":
        return bool(recipient["slack_user"]) and recipient["slack_user"] == actor.user_id
    if actor.platform == "teams":
        mine = (recipient["teams_user"] or "").lower()
        return bool(mine) and mine == actor.user_id.lower()
    if actor.platform == "cli":
        return recipient["role"] == actor.user_id
    return False
