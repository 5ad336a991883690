"""The campaign service: the platform-neutral API front ends and the command line call.

- ``publish(actor, policy, audience, due, message) -> PublishReceipt``: one round of one
  policy version to ``audience`` ("all" or a staff group). Everything is checked first (a
  publisher, a known policy, a non-empty audience, a due date not in the past), then in ONE
  transaction the version, the round, every recipient and every DM (outbox) are stored: all or
  nothing, and the outbox delivers each DM exactly once with retries.
- ``confirm(actor, reference) -> Confirmation``: "I have read and understood", once; audited.
  It counts for the policy version, in every round of it the person was sent
  (bot/campaigns/confirmations.py).
- ``clauses(actor, reference)``: the round's policy text (recipients and publishers only);
  asking for it is recorded as "opened".
- ``progress(actor, reference) -> Progress``, ``campaigns(actor)``, ``receipts(actor, title)``:
  publishers only (the headteacher and the roles ``[campaigns] publishers`` allows); whether
  each message reached its person is read from the outbox (bot/campaigns/progress.py).
- ``register_reach(platform, is_reachable)``: a front end that can tell whether its chat app
  can message an account yet (Teams) registers that check, and a publish receipt then counts
  the people it cannot reach apart from those sent the policy.
- ``my_campaigns(actor) -> list[MyCampaign]``: a member of staff's own rounds, nobody else's.
- ``send_reminders(now)``: due reminders to people who have not confirmed (bot/campaigns/
  schedule.py); call it periodically (the front ends' servers do).

A new version (changed content hash) is a new round; earlier rounds and their confirmations
stay as they were. A person is told what changed since the version THEY last confirmed.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sqlite3
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.campaigns import confirmations, schedule, versions
from bot.campaigns import notices as campaign_notices
from bot.campaigns import progress as round_progress
from bot.campaigns.models import (
    AUDIENCES,
    POLICY_NOTICE,
    REMINDER_NOTICE,
    CampaignError,
    CampaignSummary,
    ClauseChange,
    Confirmation,
    MyCampaign,
    Progress,
    PublishReceipt,
)
from bot.corpus.model import Document
from bot.errors import CorpusError
from bot.handbook import UNREADABLE, PoliciesLoading
from bot.keys import LOOKUP
from bot.people import CHAT_PLATFORMS, ROLE_LABELS, Actor
from bot.reports import audit
from bot.reports.forms import clean_submission_key
from bot.reports.models import Address
from bot.staff.directory import StaffDirectory

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.reports.service import ReportService

log = logging.getLogger(__name__)

PREFIX = "RU"  # "read and understood"
MAX_MESSAGE = 500


class CampaignService:
    def __init__(
        self, reports: ReportService, handbook: Callable[[], list[Document]] | None = None
    ) -> None:
        self.reports = reports
        self.store = reports.store
        self.directory = StaffDirectory(reports.store)
        self._handbook = handbook or (lambda: [])
        self._reach: dict[str, Callable[[str], bool]] = {}

    def register_reach(self, platform: str, is_reachable: Callable[[str], bool]) -> None:
        """``is_reachable(user_id)``: whether ``platform``'s chat app can message that account
        now (Teams: only once the person has opened the bot, or shares a team with it)."""
        self._reach[platform] = is_reachable

    def _reachable(self, platform: str, user_id: str) -> bool:
        check = self._reach.get(platform)
        if check is None:
            return True  # nothing here can tell: the receipts will, from the outbox
        try:
            return check(user_id)
        except Exception as exc:  # a receipt's count must never fail a publish
            log.warning("reachability check failed: %s", type(exc).__name__)
            return True

    # --- who may do what ---------------------------------------------------------------
    @property
    def settings(self) -> Any:
        return self.reports.settings

    def now(self) -> datetime:
        return self.reports.clock()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.school_timezone)

    def may_publish(self, actor: Actor) -> bool:
        """The headteacher, and the roles ``[campaigns] publishers`` names."""
        roles = self.settings.campaign_publishers
        if actor.platform == "cli":
            return actor.role in roles
        if not actor.user_id:
            return False
        return any(
            (p := self.settings.people.get(role)) is not None
            and p.address(actor.platform) == actor.user_id
            for role in roles
        )

    def _require_publisher(self, actor: Actor) -> None:
        if not self.may_publish(actor):
            who = " or the ".join(ROLE_LABELS.get(r, r) for r in self.settings.campaign_publishers)
            raise CampaignError(
                f"Only the {who} can send policies to staff or see who has confirmed them."
            )

    # --- the handbook -------------------------------------------------------------------
    def policies(self) -> list[Document]:
        """The handbook's policies by title. Refused (CampaignError) while the service is still
        loading them (bot/handbook.py), so a publish waits for the real handbook."""
        try:
            documents = self._handbook()
        except PoliciesLoading as exc:
            raise CampaignError(str(exc), "policy") from None
        except CorpusError:  # the folder holds no readable policy: the log says which file
            raise CampaignError(UNREADABLE, "policy") from None
        return sorted(documents, key=lambda d: d.title.lower())

    def find_policy(self, title: str) -> Document:
        wanted = " ".join(title.split()).lower()
        docs = self.policies()
        exact = [d for d in docs if d.title.lower() == wanted]
        partial = [d for d in docs if wanted and wanted in d.title.lower()]
        match = exact or partial
        if len(match) == 1:
            return match[0]
        titles = "; ".join(d.title for d in (match if len(match) > 1 else docs)) or "none loaded"
        if len(match) > 1:
            raise CampaignError(
                f"'{title}' matches more than one policy: {titles}. Give the full title.", "policy"
            )
        raise CampaignError(
            f"There is no policy called '{title}' in the handbook. Policies: {titles}.", "policy"
        )

    # --- publishing ---------------------------------------------------------------------
    def publish(
        self,
        actor: Actor,
        policy: Document | str,
        audience: str,
        due: date | str,
        message: str = "",
        submission_key: str | None = None,
    ) -> PublishReceipt:
        """Send a policy to read. ``submission_key`` identifies one filled-in form (a front
        end's form id): the same form sent again, even after a restart, gets its first
        receipt back (``repeated``) and nobody is sent the policy twice."""
        self._require_publisher(actor)
        tags = self._submission_tags(actor, submission_key)
        if tags and (first := self._earlier_publish(tags)) is not None:
            return first
        document = self.find_policy(policy) if isinstance(policy, str) else policy
        if not document.clauses:
            raise CampaignError(
                f"'{document.title}' has no clauses to read: check the file.", "policy"
            )
        audience = audience.strip().lower()
        if audience not in AUDIENCES:
            raise CampaignError(
                f"Unknown audience '{audience}': use one of {', '.join(AUDIENCES)}.", "audience"
            )
        due_date = self._due(due)
        message = " ".join(message.split())
        if len(message) > MAX_MESSAGE:
            raise CampaignError(
                f"The message is {len(message)} characters; keep it under {MAX_MESSAGE}.", "message"
            )
        members = self.directory.members(group=audience)
        if not members:
            raise CampaignError(
                f"Nobody is in the audience '{audience}': import the staff list first "
                "(`policybot staff import staff.csv`) or choose another group. Nothing was sent.",
                "audience",
            )
        now = self.now()
        at = audit.stamp(now)
        outbox = self.reports.outbox
        sent = no_account = already = unreachable = 0
        try:
            with self.store.transaction() as db:
                version_id, digest, new_version = versions.store_version(db, document, at)
                reference = _next_reference(db, now.year)
                times = schedule.reminder_times(
                    now, due_date, self.settings.campaign_max_reminders, self.tz
                )
                db.table("campaigns").insert(
                    {
                        "reference": reference,
                        "version_id": version_id,
                        "audience": audience,
                        "due": due_date.isoformat(),
                        "message": self.store.encrypt(message),
                        "published_by": self.store.encrypt(_actor_id(actor)),
                        "created_at": at,
                        "reminders": json.dumps([audit.stamp(t) for t in times]),
                        "submission_tag": tags[0] if tags else None,
                    }  # fmt: skip
                )
                campaign_id = db.execute("SELECT last_insert_rowid()").fetchone()[0]
                confirmed = self._confirmed_versions(db, document.title)
                clauses = versions.clauses_of(document)
                number = 0
                for member in members:
                    tag = self.directory.person_tag(member.id)
                    earlier = confirmed.get(tag)
                    if earlier is not None and earlier[0] == version_id:
                        already += 1
                        continue
                    number += 1
                    platform = next((p for p in CHAT_PLATFORMS if member.address(p)), "")
                    db.table("campaign_recipients").insert(
                        {
                            "campaign_id": campaign_id,
                            "number": number,
                            "person_tag": tag,
                            "sealed": self._seal_recipient(
                                member.name, member.group, platform, member.address(platform)
                            ),
                            "reminders_sent": 0,
                        }  # fmt: skip
                    )
                    if not platform:
                        no_account += 1
                        continue
                    changes = versions.diff(earlier[1], clauses) if earlier is not None else None
                    notice = campaign_notices.policy_notice(
                        f"{reference}.{number}", title=document.title, version=versions.short(digest),
                        approval_date=document.approval_date, due=due_date.isoformat(),
                        message=message, changes=changes,
                    )  # fmt: skip
                    outbox.enqueue(
                        db, None, notice.reference, "staff", Address(platform, member.address(platform)),
                        notice, now, idempotency_key=f"{notice.reference}/{POLICY_NOTICE}",
                    )  # fmt: skip
                    sent += 1
                    unreachable += not self._reachable(platform, member.address(platform))
                audit.append(
                    self.store, db, when=now, action="publish", actor=_actor_id(actor),
                    reference=reference,
                    detail=f"{document.title} version {versions.short(digest)} to {audience}: "
                    f"{sent} sent, {no_account} without an account, {already} already confirmed",
                )  # fmt: skip
                receipt = PublishReceipt(
                    reference=reference, title=document.title, version=versions.short(digest),
                    approval_date=document.approval_date, audience=audience,
                    due=due_date.isoformat(), sent_to=sent, no_account=no_account,
                    already_confirmed=already, new_version=new_version, not_reachable=unreachable,
                )  # fmt: skip
                if tags:
                    db.execute(
                        "UPDATE campaigns SET receipt = ? WHERE id = ?",
                        [self.store.encrypt(json.dumps(dataclasses.asdict(receipt))), campaign_id],
                    )
            log.info("published %s to %d staff", reference, sent)
        except sqlite3.IntegrityError:  # the same form, published by another process
            if tags and (first := self._earlier_publish(tags)) is not None:
                return first
            raise
        self.reports.outbox.interrupt()
        return receipt

    def _submission_tags(self, actor: Actor, submission_key: str | None) -> list[str]:
        key = clean_submission_key(submission_key)
        if key is None:
            return []
        return self.store.keyring.tags(LOOKUP, f"publish:{actor.platform}:{actor.user_id}:{key}")

    def _earlier_publish(self, tags: list[str]) -> PublishReceipt | None:
        marks = ", ".join("?" for _ in tags)
        rows = self.store.query(
            f"SELECT receipt FROM campaigns WHERE submission_tag IN ({marks})", tags
        )
        if not rows or not rows[0]["receipt"]:
            return None
        fields = json.loads(self.store.decrypt(rows[0]["receipt"]))
        log.info("publish form %s sent again: nothing sent twice", fields["reference"])
        return PublishReceipt(**{**fields, "repeated": True})

    def _due(self, due: date | str) -> date:
        if isinstance(due, str):
            try:
                due = date.fromisoformat(due.strip())
            except ValueError:
                raise CampaignError(
                    f"'{due}' is not a date: give the due date as YYYY-MM-DD, e.g. 2026-12-18.",
                    "due",
                ) from None
        today = self.now().astimezone(self.tz).date()
        if due < today:
            raise CampaignError(
                f"The due date {due.isoformat()} is in the past (today is {today.isoformat()}): "
                "choose today or a later date.",
                "due",
            )
        return due

    def _confirmed_versions(self, db: Any, title: str) -> dict[str, tuple[int, versions.Clauses]]:
        """Per person tag, the latest version of ``title`` they confirmed: (id, clauses)."""
        rows = db.query(
            "SELECT r.person_tag, c.version_id, v.clauses FROM campaign_recipients r "
            "JOIN campaigns c ON c.id = r.campaign_id JOIN policy_versions v ON v.id = c.version_id "
            "WHERE v.title = ? AND r.confirmed_at IS NOT NULL ORDER BY r.confirmed_at",
            [title],
        )
        parsed: dict[int, versions.Clauses] = {}
        out: dict[str, tuple[int, versions.Clauses]] = {}
        for r in rows:
            vid = r["version_id"]
            if vid not in parsed:
                parsed[vid] = versions.load_clauses(r)
            out[r["person_tag"]] = (vid, parsed[vid])
        return out

    def _seal_recipient(self, name: str, group: str, platform: str, user_id: str) -> str:
        return self.store.encrypt_json(
            {"name": name, "group": group, "platform": platform, "user_id": user_id}, pad_to=256
        )

    # --- staff --------------------------------------------------------------------------
    def _my_row(self, db: Any, actor: Actor, reference: str) -> dict[str, Any] | None:
        member = self.directory.by_account(db, actor.platform, actor.user_id)
        if member is None:
            return None
        rows = list(
            db.query(
                "SELECT r.*, c.reference, c.due, c.version_id, v.title, v.content_hash, "
                "v.approval_date "
                "FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id "
                "JOIN policy_versions v ON v.id = c.version_id "
                "WHERE c.reference = ? AND r.person_tag = ?",
                [reference, self.directory.person_tag(member.id)],
            )
        )
        return rows[0] if rows else None

    def confirm(self, actor: Actor, reference: str) -> Confirmation:
        """Record that ``actor`` has read and understood the round's policy (once)."""
        reference = campaign_notices.round_of(reference.strip().upper())
        now = self.now()
        with self.store.transaction() as db:
            row = self._my_row(db, actor, reference)
            if row is None:
                return Confirmation(False, _not_yours(reference))
            if row["confirmed_at"]:
                return Confirmation(
                    True, f"You already confirmed '{row['title']}' on {_when(row['confirmed_at'])}.",
                    reference, row["confirmed_at"],
                )  # fmt: skip
            at = audit.stamp(now)
            rounds = confirmations.record(db, row["person_tag"], row["version_id"], at, reference)
            audit.append(
                self.store, db, when=now, action="confirm", actor=_actor_id(actor),
                reference=reference,
                detail=f"read and understood {row['title']} version "
                f"{versions.short(row['content_hash'])}"
                + (f" (counts for {', '.join(rounds)})" if rounds != [reference] else ""),
            )  # fmt: skip
        log.info("confirmed %s", reference)
        return Confirmation(
            True,
            f"Thank you: you confirmed you have read and understood '{row['title']}' "
            f"(version {versions.short(row['content_hash'])}) on {_when(at)}.",
            reference, at,
        )  # fmt: skip

    def clauses(self, actor: Actor, reference: str) -> tuple[str, versions.Clauses]:
        """The round's policy: (title, [(clause id, text), ...]). Recipients (recorded as
        opened) and publishers only; anyone else gets CampaignError."""
        reference = campaign_notices.round_of(reference.strip().upper())
        if self.may_publish(actor):
            rows = self.store.query(
                "SELECT v.title, v.clauses FROM campaigns c JOIN policy_versions v "
                "ON v.id = c.version_id WHERE c.reference = ?",
                [reference],
            )
            if rows:
                return rows[0]["title"], versions.load_clauses(rows[0])
            raise CampaignError(_not_yours(reference))
        with self.store.transaction() as db:
            row = self._my_row(db, actor, reference)
            if row is None:
                raise CampaignError(_not_yours(reference))
            if not row["opened_at"]:
                db.execute(
                    "UPDATE campaign_recipients SET opened_at = ? WHERE id = ?",
                    [audit.stamp(self.now()), row["id"]],
                )
            version = list(
                db.query(
                    "SELECT v.clauses FROM campaigns c JOIN policy_versions v ON v.id = c.version_id "
                    "WHERE c.reference = ?",
                    [reference],
                )
            )[0]
        return row["title"], versions.load_clauses(version)

    def my_campaigns(self, actor: Actor) -> list[MyCampaign]:
        """The rounds sent to ``actor``, newest first: only their own."""
        with self.store.read() as db:
            member = self.directory.by_account(db, actor.platform, actor.user_id)
            if member is None:
                return []
            rows = list(
                db.query(
                    "SELECT r.confirmed_at, c.reference, c.due, v.title, v.content_hash, "
                    "v.approval_date FROM campaign_recipients r "
                    "JOIN campaigns c ON c.id = r.campaign_id "
                    "JOIN policy_versions v ON v.id = c.version_id "
                    "WHERE r.person_tag = ? ORDER BY c.id DESC",
                    [self.directory.person_tag(member.id)],
                )
            )
        return [
            MyCampaign(
                reference=r["reference"],
                title=r["title"],
                version=versions.short(r["content_hash"]),
                approval_date=r["approval_date"],
                due=r["due"],
                confirmed_at=r["confirmed_at"] or "",
            )  # fmt: skip
            for r in rows
        ]

    # --- the publisher's view -----------------------------------------------------------
    def progress(self, actor: Actor, reference: str) -> Progress:
        self._require_publisher(actor)
        reference = campaign_notices.round_of(reference.strip().upper())
        with self.store.read() as db:
            rows = list(
                db.query(
                    f"SELECT {round_progress.ROUND_COLUMNS} FROM campaigns c "
                    "JOIN policy_versions v ON v.id = c.version_id WHERE c.reference = ?",
                    [reference],
                )
            )
            if not rows:
                raise CampaignError(f"There is no policy round {reference}.")
            return round_progress.of_round(self.store, db, rows[0])

    def campaigns(self, actor: Actor) -> list[CampaignSummary]:
        """Every round, newest first, with its counts (publishers only)."""
        self._require_publisher(actor)
        rows = self.store.query(
            "SELECT c.reference, c.audience, c.due, v.title, v.content_hash, "
            "COUNT(r.id) AS total, COUNT(r.confirmed_at) AS confirmed FROM campaigns c "
            "JOIN policy_versions v ON v.id = c.version_id "
            "LEFT JOIN campaign_recipients r ON r.campaign_id = c.id "
            "GROUP BY c.id ORDER BY c.id DESC"
        )
        return [
            CampaignSummary(
                reference=r["reference"],
                title=r["title"],
                version=versions.short(r["content_hash"]),
                audience=r["audience"],
                due=r["due"],
                confirmed=r["confirmed"],
                total=r["total"],
            )  # fmt: skip
            for r in rows
        ]

    def receipts(self, actor: Actor, title: str) -> list[Progress]:
        """Every round of the policy called ``title`` (any version), oldest first."""
        self._require_publisher(actor)
        wanted = " ".join(title.split()).lower()
        with self.store.read() as db:
            rows = [
                r
                for r in db.query(
                    f"SELECT {round_progress.ROUND_COLUMNS} FROM campaigns c "
                    "JOIN policy_versions v ON v.id = c.version_id ORDER BY c.id"
                )
                if r["title"].lower() == wanted or (wanted and wanted in r["title"].lower())
            ]
            if not rows:
                raise CampaignError(f"No policy called '{title}' has been sent to staff yet.")
            out = [round_progress.of_round(self.store, db, r) for r in rows]
        audit.record(self.store, action="export", actor=_actor_id(actor),
                     detail=f"receipts of {out[0].title}")  # fmt: skip
        return out

    # --- reminders ----------------------------------------------------------------------
    def send_reminders(self, now: datetime | None = None) -> int:
        """Queue the reminders now due (one per person per scheduled time, never after they
        confirmed, never after the due date). Returns how many were queued."""
        now = now or self.now()
        at = audit.stamp(now)
        today = now.astimezone(self.tz).date().isoformat()
        queued = 0
        open_rounds = self.store.query(
            "SELECT c.*, v.title, v.content_hash, v.approval_date FROM campaigns c "
            "JOIN policy_versions v ON v.id = c.version_id WHERE c.due >= ? "
            # a round superseded by a later round of the same policy to the same people (or
            # to all) is not chased: they are asked to confirm the newer one
            "AND NOT EXISTS (SELECT 1 FROM campaigns c2 JOIN policy_versions v2 "
            "ON v2.id = c2.version_id WHERE v2.title = v.title AND c2.id > c.id "
            "AND (c2.audience = c.audience OR c2.audience = 'all'))",
            [today],
        )
        for c in open_rounds:
            due_count = sum(1 for t in json.loads(c["reminders"] or "[]") if t <= at)
            if not due_count:
                continue
            with self.store.transaction() as db:
                waiting = list(
                    db.query(
                        "SELECT * FROM campaign_recipients WHERE campaign_id = ? "
                        "AND confirmed_at IS NULL AND reminders_sent < ?",
                        [c["id"], due_count],
                    )
                )
                n = 0
                for r in waiting:
                    who = self.store.decrypt_json(r["sealed"])
                    db.execute(
                        "UPDATE campaign_recipients SET reminders_sent = ? WHERE id = ?",
                        [due_count, r["id"]],
                    )
                    if not who["platform"]:
                        continue
                    notice = campaign_notices.policy_notice(
                        f"{c['reference']}.{r['number']}", title=c["title"],
                        version=versions.short(c["content_hash"]),
                        approval_date=c["approval_date"], due=c["due"],
                        message=self.store.decrypt(c["message"]), changes=None,
                        reminder=due_count,
                    )  # fmt: skip
                    self.reports.outbox.enqueue(
                        db, None, notice.reference, "staff",
                        Address(who["platform"], who["user_id"]), notice, now,
                        idempotency_key=f"{notice.reference}/{REMINDER_NOTICE}/{due_count}",
                    )  # fmt: skip
                    n += 1
                if n:
                    audit.append(
                        self.store, db, when=now, action="remind", actor="system",
                        reference=c["reference"], detail=f"reminder {due_count} to {n} staff",
                    )  # fmt: skip
            queued += n
        if queued:
            self.reports.outbox.interrupt()
        return queued


def _next_reference(db: Any, year: int) -> str:
    (number,) = db.execute(
        "INSERT INTO counters (kind, year, last) VALUES ('campaign', ?, 1) "
        "ON CONFLICT(kind, year) DO UPDATE SET last = last + 1 RETURNING last",
        [year],
    ).fetchone()
    return f"{PREFIX}-{year}-{number:04d}"


def _actor_id(actor: Actor) -> str:
    from bot.reports.service import actor_id

    return actor_id(actor)


def _not_yours(reference: str) -> str:
    return f"There is no policy {reference} sent to you. Check the reference in your message."


def _when(stamp: str) -> str:
    return stamp.replace("T", " ").replace("Z", " UTC")


__all__ = ["CampaignService", "ClauseChange"]
