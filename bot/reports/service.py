"""ReportService: the use cases front ends call (submit, declare, acknowledge, note, close, view,
list, reassign) over the records (bot/reports/records.py) and the outbox
(bot/reports/outbox.py).

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
- ``evidence`` (bot/reports/evidence.py) takes the files of a concern after it is filed:
  ``attach(reference, reporter, files)`` (Slack, the files named on the form),
  ``open_window`` / ``window_refusal`` / ``attach_sent`` (Teams, files sent in the chat);
  recipients take them with ``open_file`` (Teams, on Allow) and ``export`` (the command line).
  An evidence notice's file reaches the notifier with its bytes in ``Notice.files``.
- Calls do blocking SQLite and crypto work: from an asyncio loop, run them in an executor.
- Who filed a record, whom it went to and whether it concerns the headteacher are sealed
  (``bot/reports/sealing.py``): lookups by submitter or recipient decrypt and filter in Python
  (about 0.3 ms a record), never through a plaintext column or index.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from bot.config import Settings
from bot.errors import SubmissionRefused
from bot.people import CHAT_PLATFORMS, PLATFORM_LABELS, PLATFORMS, ROLE_LABELS, Actor
from bot.reports import audit, forms, handover, notices, records, sealing, undeliverable
from bot.reports.audit import actor_id
from bot.reports.evidence import Evidence
from bot.reports.models import (
    RELATIONSHIPS,
    URGENT_CATEGORIES,
    ActionResult,
    ConcernForm,
    DeclarationForm,
    DeliveryStatus,
    Note,
    Notice,
    Notifier,
    Receipt,
    ReportDetail,
    Summary,
    accepts_evidence,
)
from bot.reports.outbox import Clock, Outbox, Undelivered
from bot.reports.routing import Recipient, choose_address, route
from bot.reports.worker import DeliveryWorker
from bot.store import Store

log = logging.getLogger(__name__)

Record = dict[str, Any]  # a report as records.py opens it (sealed facts included)
Outcome = ActionResult | str  # what a recipient's action returns to _as_recipient

iso = audit.stamp  # one timestamp format for records and the audit log

__all__ = ["Clock", "DeliveryWorker", "ReportService", "Undelivered", "actor_id", "utc_now"]


def utc_now() -> datetime:
    return datetime.now(UTC)


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
        sealing.upgrade(store)  # records an older version wrote are sealed before any use
        self.outbox = Outbox(
            store, settings, clock or utc_now,
            lease_seconds=lease_seconds, backoff_base=backoff_base, backoff_cap=backoff_cap,
            confirm_timeout=confirm_timeout, rng=rng or random.Random(),
        )  # fmt: skip
        self.evidence = Evidence(store, self.outbox)  # files on concerns (evidence.py)
        self.outbox.prepare = self.evidence.with_content
        self.outbox.each_pass.append(self.evidence.sweep)

    # The outbox shares the service's settings and clock: setting one here
    # (a test's fake clock, settings reloaded) sets it for both.
    @property
    def settings(self) -> Settings:
        return self.outbox.settings

    @settings.setter
    def settings(self, settings: Settings) -> None:
        self.outbox.settings = settings

    @property
    def clock(self) -> Clock:
        return self.outbox.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self.outbox.clock = clock

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
            trust_routes=self.settings.trust_routes,
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
        receipt = self._create(row, data, reporter, recipients, build, submission_key)
        self.evidence.opened(receipt.reference, reporter)  # Teams: files sent next go to it
        return receipt

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
        key = forms.clean_submission_key(submission_key)
        body = sealing.seal_body(self.store, data)
        name = forms.display_name(submitter.display_name)
        reference = ""
        with self.store.transaction() as db:  # the report, its notices and its audit row
            earlier = records.earlier_submission(self.store, db, submitter, key)
            if earlier is None:
                report_id, reference = records.insert(
                    self.store, db, row, submitter, recipients, now, key, body, name
                )
                for r in recipients:
                    notice = build(reference, r)
                    self.outbox.enqueue(
                        db, report_id, reference, r.role_key, r.address, notice, now
                    )
                audit.append(
                    self.store, db, when=now, action="create", actor=actor_id(submitter),
                    reference=reference,
                    detail=f"{kind} to {', '.join(r.role_key for r in recipients)}",
                )  # fmt: skip
        if earlier is not None:
            log.info(
                "%s %s was sent again: no second report", earlier["kind"], earlier["reference"]
            )
            return self._repeat_receipt(earlier)
        # Never the roles: "to the chair of governors" would say the report is about the head.
        log.info("%s %s recorded for %d recipient(s)", kind, reference, len(recipients))
        self.wake()
        try:  # stored: from here on a failure must not read as "not filed" to the front end
            pending = self.outbox.await_first_attempt(reference)
        except Exception as exc:
            log.warning(
                "%s %s: could not wait for delivery: %s", kind, reference, type(exc).__name__
            )
            pending = True
        labels = [label for r in recipients for label in r.role_labels]
        return self._receipt(reference, kind, row["category"], bool(row["urgent"]), labels, pending)

    def _repeat_receipt(self, earlier: dict[str, Any]) -> Receipt:
        reference, kind, urgent = earlier["reference"], earlier["kind"], bool(earlier["urgent"])
        labels = list(dict.fromkeys(ROLE_LABELS[r["role"]] for r in earlier["recipients"]))
        pending = self.outbox.pending(reference)
        receipt = self._receipt(reference, kind, earlier["category"], urgent, labels, pending)
        return replace(receipt, message=notices.ALREADY_SENT + receipt.message)

    @staticmethod
    def _receipt(
        reference: str, kind: str, category: str | None, urgent: bool, labels: list[str],
        pending: bool,
    ) -> Receipt:  # fmt: skip
        category = category or ""
        message = notices.receipt_message(kind, reference, labels, pending, urgent, category)
        files = kind == "concern" and accepts_evidence(category)
        return Receipt(reference, kind, urgent, pending, labels, message, files)

    # --- recipients' actions ----------------------------------------------------------
    def acknowledge(self, reference: str, actor: Actor) -> ActionResult:
        def act(
            db: sqlite_utils.Database, report: Record, me: Record, by: str, now: datetime
        ) -> Outcome:
            reference = report["reference"]
            if report["status"] != "open":
                who = report["acknowledged_by"] or report["closed_by"]
                return ActionResult(True, f"{reference} was already {report['status']} by {who}.")
            records.set_status(
                self.store, db, report, "acknowledged",
                acknowledged_by=by, acknowledged_role=me["role"], acknowledged_at=iso(now),
            )  # fmt: skip
            self._notify_submitter(db, report, "acknowledged", by, now)
            return f"You acknowledged {reference}. The person who sent it has been told."

        return self._as_recipient(reference, actor, "acknowledge", act)

    def close(self, reference: str, actor: Actor) -> ActionResult:
        def act(
            db: sqlite_utils.Database, report: Record, me: Record, by: str, now: datetime
        ) -> Outcome:
            reference = report["reference"]
            if report["status"] == "closed":
                return ActionResult(
                    True, f"{reference} was already closed by {report['closed_by']}."
                )
            records.set_status(self.store, db, report, "closed", closed_by=by, closed_at=iso(now))
            self._notify_submitter(db, report, "closed", by, now)
            return f"You closed {reference}."

        return self._as_recipient(reference, actor, "close", act)

    def add_note(self, reference: str, actor: Actor, text: str) -> ActionResult:
        errors: dict[str, str] = {}
        note = forms.check_text(errors, "note", text, required=True)
        if errors:
            return ActionResult(False, errors["note"])

        def act(
            db: sqlite_utils.Database, report: Record, me: Record, by: str, now: datetime
        ) -> Outcome:
            sealed_note = {"author": by, "author_role": me["role"], "text": note}
            records.add_note(self.store, db, report["id"], iso(now), sealed_note)
            self._notify_other_recipients(db, report, actor, by, note, now)
            return f"Your note was added to {report['reference']}."

        return self._as_recipient(reference, actor, "note", act)

    def _as_recipient(
        self,
        reference: str,
        actor: Actor,
        action: str,
        act: Callable[[Any, Record, Record, str, datetime], Outcome],
    ) -> ActionResult:
        """The step acknowledge, close and add-note share: in one transaction, find the record,
        refuse anyone but its recipients, ``act`` as the recipient ("Name (Role)") and audit
        it. ``act`` returns the message when it changed the record, or an ``ActionResult`` when
        there was nothing to do (already acknowledged): that is neither audited nor delivered."""
        reference = forms.clean_reference(reference)
        now = self.clock()
        with self.store.transaction() as db:
            report = records.by_reference(self.store, db, reference)
            me = records.matching_recipient(report, actor) if report else None
            if report is None or me is None:
                return ActionResult(False, notices.refusal(reference))
            by = f"{me['name']} ({ROLE_LABELS[me['role']]})"
            outcome = act(db, report, me, by, now)
            if isinstance(outcome, ActionResult):
                return outcome
            audit.append(
                self.store, db, when=now, action=action, actor=actor_id(actor),
                reference=reference, detail=f"as {me['role']}",
            )  # fmt: skip
        log.info("%s %s", action, reference)
        self.wake()
        return ActionResult(True, outcome)

    def _notify_submitter(
        self, db: sqlite_utils.Database, report: Record, notice_type: str, by: str, now: datetime
    ) -> None:
        if report["submitter_platform"] not in CHAT_PLATFORMS:
            return
        notice = notices.status_notice(
            report["reference"], notice_type, report["kind"], by, urgent=bool(report["urgent"])
        )
        self.outbox.to_submitter(db, report, notice, now)

    def _notify_other_recipients(
        self,
        db: sqlite_utils.Database,
        report: Record,
        author: Actor,
        by: str,
        text: str,
        now: datetime,
    ) -> None:
        # The record's recipients as they are now (reassign moves a role to its new holder),
        # one notice per person however many roles they hold.
        for person, roles in records.recipient_people(report):
            address = choose_address(person, report["submitter_platform"])
            mine = (author.platform == "cli" and author.role in roles) or (
                person.address(author.platform) == author.user_id
            )
            if address is None or mine:
                continue
            notice = notices.note_notice(
                report["reference"], by, text, urgent=bool(report["urgent"]), roles=roles
            )
            self.outbox.enqueue(
                db, report["id"], report["reference"], "+".join(roles), address, notice, now
            )

    # --- a role changes hands -----------------------------------------------------------
    def reassign(self, role: str, actor: Actor) -> ActionResult:
        """Move every record a role received to the person the config names for it now
        (bot/reports/handover.py). One transaction; one audit entry per record."""
        result = handover.reassign(
            self.store, self.outbox, self.settings, role, actor, self.clock()
        )
        self.wake()
        return result

    # --- reading ----------------------------------------------------------------------
    def is_recipient(self, reference: str, actor: Actor) -> bool:
        with self.store.read() as db:
            report = records.by_reference(self.store, db, forms.clean_reference(reference))
            return bool(report and records.matching_recipient(report, actor))

    def get(self, reference: str, actor: Actor) -> ReportDetail | ActionResult:
        """The whole record for one of its recipients (with notes) or its own submitter
        (without notes). Anyone else gets a refusal. Audited as "view"."""
        reference = forms.clean_reference(reference)
        with self.store.read() as db:
            report = records.by_reference(self.store, db, reference)
            if report is None:
                return ActionResult(False, notices.refusal(reference))
            me = records.matching_recipient(report, actor)
            if me is None and not records.filed_by(report, actor):
                return ActionResult(False, notices.refusal(reference))
            summary = self._summaries(db, [report])[0]
            sealed_notes = records.notes(self.store, db, report["id"]) if me else []
            files = self.evidence.files(db, report)
        data = self.store.decrypt_json(report["body"])
        detail = ReportDetail(
            summary=summary,
            submitted_by=notices.submitter_label(
                report["submitter_name"], report["submitter_platform"]
            ),
            fields=notices.record_fields(report["kind"], data),
            evidence=files,
            notes=[Note(at, n["author"], n["text"]) for at, n in sealed_notes],
            closed_by=report["closed_by"] or "",
            closed_at=report["closed_at"] or "",
        )
        self._audit("view", actor, reference, "as " + (me["role"] if me else "submitter"))
        return detail

    def list_for_submitter(self, actor: Actor) -> list[Summary]:
        with self.store.read() as db:
            mine = [r for r in records.every(self.store, db) if records.filed_by(r, actor)]
            return self._summaries(db, mine)

    def list_for_recipient(self, actor: Actor) -> list[Summary]:
        if not _may_receive(actor):
            return []
        with self.store.read() as db:
            theirs = [
                r for r in records.every(self.store, db) if records.matching_recipient(r, actor)
            ]
            return self._summaries(db, theirs)

    def _summaries(self, db: sqlite_utils.Database, reports: list[Record]) -> list[Summary]:
        return records.summaries(reports, self.outbox.unsent_counts(db))

    def history(self, reference: str, actor: Actor) -> list[audit.Entry] | ActionResult:
        """One record's audit entries (who did what, decrypted), for its recipients only: the
        entries of a concern about the head name the chair. Audited as "view"."""
        reference = forms.clean_reference(reference)
        with self.store.read() as db:
            report = records.by_reference(self.store, db, reference)
            me = records.matching_recipient(report, actor) if report else None
            if me is None:
                return ActionResult(False, notices.refusal(reference))
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
                report = records.by_reference(self.store, db, s.reference)
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

    # --- delivery (bot/reports/outbox.py) -----------------------------------------------
    def register_notifier(self, notifier: Notifier) -> None:
        self.outbox.register_notifier(notifier)

    def wake(self) -> None:
        """Deliver promptly: makes notices waiting for an unreachable person due now (a
        front end calls this when it learns a new conversation reference) and wakes the
        worker."""
        self.outbox.wake()

    def start_delivery_worker(self, interval: float = 5.0) -> DeliveryWorker:
        """The service's start: also checks the audit head kept outside the database (a
        missing one is reset and recorded now, not silently at the next entry)."""
        audit.check_anchor(self.store)
        return self.outbox.start_worker(interval)

    def deliver_due(self, now: datetime | None = None) -> int:
        """One pass over the outbox: send every due notice whose platform has a notifier.
        Returns how many were sent."""
        return self.outbox.deliver_due(now)

    def check_overdue(self, now: datetime | None = None) -> None:
        """Escalate late urgent concerns and tell submitters of unreachable recipients."""
        undeliverable.check_overdue(self.outbox, now or self.clock())

    def delivery_status(self, reference: str) -> list[DeliveryStatus]:
        return self.outbox.delivery_status(forms.clean_reference(reference))

    # --- notices that have not arrived -------------------------------------------------
    def undelivered(
        self, actor: Actor, now: datetime | None = None, *, everything: bool = False
    ) -> list[Undelivered]:
        """Notices on reports the actor received that have not arrived, oldest first: by default
        those someone must act on (refused for good, or undelivered for longer than
        undelivered_alert_minutes) on reports not yet closed; ``everything`` adds the ones still
        within the limit. Only the actor's own reports: a listing must not reveal that a report
        sent to someone else (e.g. a concern about the headteacher) exists. Audited."""
        with self.store.read() as db:
            rows = self._unsent_on_my_reports(db, actor, "status != 'sent'")
        out = self.outbox.undelivered(rows, now or self.clock(), everything=everything)
        self._audit("list", actor, "", f"{len(out)} undelivered notices")
        return out

    def retry_failed(self, actor: Actor) -> ActionResult:
        """Try again the notices refused for good on records the actor received (after the cause
        was fixed: a new Slack token, the app re-installed, the person's account restored).
        A person who has changed belongs to ``reassign``. Audited per record."""
        if not _may_receive(actor):
            return ActionResult(False, "Only a configured recipient can retry notices.")
        now = self.clock()
        with self.store.transaction() as db:
            rows = self._unsent_on_my_reports(db, actor, "status = 'failed'")
            self.outbox.retry_failed(db, rows, now)
            for reference in sorted({r["reference"] for r in rows}):
                audit.append(
                    self.store, db, when=now, action="retry", actor=actor_id(actor),
                    reference=reference, detail="notices refused for good, tried again",
                )  # fmt: skip
        self.wake()
        return ActionResult(True, f"{len(rows)} notice(s) will be tried again now.")

    def _unsent_on_my_reports(
        self, db: sqlite_utils.Database, actor: Actor, condition: str
    ) -> list[Record]:
        """Outbox rows matching ``condition`` on the records not yet closed that the actor
        received, opened, oldest first. Whom a record went to is sealed, so the records are
        read and matched in Python."""
        if not _may_receive(actor):
            return []
        ids = [
            r["id"]
            for r in records.every(self.store, db)
            if r["status"] != "closed" and records.matching_recipient(r, actor)
        ]
        return self.outbox.rows_on(db, ids, condition)


def _may_receive(actor: Actor) -> bool:
    return actor.platform in PLATFORMS and actor.signed_in
