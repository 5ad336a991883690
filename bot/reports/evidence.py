"""Evidence files on a concern: what may be attached, how it is kept, who gets it, when it goes.

The Social Media Policy asks staff to keep evidence ("take screen prints of messages or web
pages", §9.i.b, §9.ii.b) and to report to the headteacher; a concern about indecent images of
children must never carry one (§7.i: copying, keeping or forwarding such an image is an
offence, even to report it). So:

- Front ends fetch the files (Slack: ``files.info`` and the private download URL with the bot
  token; Teams: the attachment's download URL) and hand the core one :class:`IncomingFile`
  each: its name and bytes, or ``content=None`` when the download failed, so the sender is told
  which file could not be attached (the report is filed either way).
- :meth:`Evidence.attach` takes files only from the report's own submitter, never for a closed
  record and never for a category in ``NO_EVIDENCE_CATEGORIES`` (refused with the guidance,
  nothing kept, not even a name). A file's type is read from its first bytes (PNG, JPEG, GIF,
  WebP, HEIC/HEIF, PDF), never its name; how many and how big come from ``[evidence]``.
- Each file is sealed like report text: its bytes padded to ``EVIDENCE_BLOCK`` then Fernet, its
  name, type, size and checksum a sealed JSON, in the ``evidence`` table (m007) of the reports
  database, so backups carry it and ``key rotate`` re-encrypts it. In the same transaction one
  ``evidence`` notice per file goes to each person the record was sent to, and to nobody else
  (the outbox delivers it; the notifier uploads the file into their DM, or offers it on Teams).
- On Teams files arrive as chat messages: filing a concern, and "Add evidence" on its receipt,
  open a window of ``add_minutes`` in which the submitter's files go to that record
  (:meth:`Evidence.attach_sent`). Windows live in memory: a restart closes them.
- :meth:`Evidence.delete_expired` (every few minutes, from the delivery worker) deletes a closed
  record's files ``keep_days_after_close`` days after it was closed, audited; the record keeps
  their names and the date they were deleted.
- Nothing here logs a file's name, its content or a URL: references and counts only.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlite_utils

from bot.config import EvidenceLimits, Settings
from bot.errors import PermanentDeliveryError
from bot.people import Actor
from bot.reports import audit, forms, notices, records
from bot.reports.models import (
    EVIDENCE_TYPES,
    LIMITS,
    ActionResult,
    EvidenceFile,
    Notice,
    accepts_evidence,
    human_size,
)
from bot.reports.neutralise import clean_filename
from bot.reports.routing import choose_address
from bot.store import EVIDENCE_BLOCK, Store

if TYPE_CHECKING:
    from bot.reports.outbox import Outbox

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=10)  # how often the delivery worker looks for files to delete
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
ACCEPTED = "only PNG, JPEG, GIF, WebP or HEIC images and PDF documents are taken"


def sniff(content: bytes) -> str | None:
    """The media type a file's first bytes say it is, or None for anything evidence may not be."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if content[4:8] == b"ftyp" and content[8:12] in HEIF_BRANDS:
        return "image/heic"
    if b"%PDF-" in content[:1024]:  # the PDF header may follow a little junk
        return "application/pdf"
    return None


def clean_name(name: str, number: int, media_type: str | None = None) -> str:
    """A file's name as the record keeps it: the last part of any path, no control characters,
    capped; never empty."""
    text = clean_filename(name, LIMITS["evidence_name"])
    if text:
        return text
    extension = EVIDENCE_TYPES.get(media_type or "", ("", "bin"))[1]
    return f"file-{number}.{extension}"


@dataclass(frozen=True)
class IncomingFile:
    """A file a front end fetched for a report. ``content`` is None when it could not be
    fetched; ``size`` is the size the platform declared, for a file too big to fetch at all."""

    name: str
    content: bytes | None
    size: int | None = None


@dataclass(frozen=True)
class EvidenceResult:
    """What happened to the files a person sent: ``message`` (plain text) names each file that
    was kept and each that was not, with why."""

    ok: bool  # at least one file was kept
    message: str
    received: tuple[EvidenceFile, ...] = ()
    refused: tuple[str, ...] = ()  # the names of the files not kept


class Evidence:
    """The report service's evidence (``ReportService.evidence``). Shares the outbox's store,
    settings and clock."""

    def __init__(self, store: Store, outbox: Outbox) -> None:
        self.store = store
        self.outbox = outbox
        self._windows: dict[tuple[str, str], tuple[str, datetime]] = {}
        self._lock = threading.Lock()
        self._swept: datetime | None = None

    @property
    def settings(self) -> Settings:
        return self.outbox.settings

    @property
    def limits(self) -> EvidenceLimits:
        return self.settings.evidence

    def now(self) -> datetime:
        return self.outbox.clock()

    def what_to_send(self) -> str:
        """The limits, for the sender: what a file may be and how many."""
        limits = self.limits
        return (
            f"Screenshots or documents: up to {limits.max_files} files of at most "
            f"{limits.max_file_mb} MB each ({ACCEPTED})."
        )

    # --- Teams: files sent in the chat after filing -----------------------------------------
    def opened(self, reference: str, actor: Actor) -> None:
        """A concern was just filed: the submitter's files in the next ``add_minutes`` go to it
        (or, for a category that takes none, are refused with the guidance)."""
        until = self.now() + timedelta(minutes=self.limits.add_minutes)
        with self._lock:
            self._windows[(actor.platform, actor.user_id)] = (reference, until)

    def open_window(self, reference: str, actor: Actor) -> ActionResult:
        """ "Add evidence" on a receipt: the submitter's files in the next ``add_minutes`` go to
        this concern."""
        reference = forms.clean_reference(reference)
        with self.store.read() as db:
            report = records.by_reference(self.store, db, reference)
        refused = self._refusal(report, actor, reference)
        if refused:
            return ActionResult(False, refused)
        self.opened(reference, actor)
        return ActionResult(
            True,
            f"Send the files now, here in this chat: anything you send in the next "
            f"{self.limits.add_minutes} minutes is added to {reference} and goes only to the "
            f"people it was sent to. {self.what_to_send()}",
        )

    def attach_sent(self, actor: Actor, files: list[IncomingFile]) -> EvidenceResult:
        """Files the person sent in the chat: attached to the concern whose window is open, or
        refused (and not kept) when there is none."""
        refusal = self.window_refusal(actor)
        if refusal:
            return EvidenceResult(False, refusal, refused=tuple(f.name for f in files))
        return self.attach(self._window(actor), actor, files)

    def window_refusal(self, actor: Actor) -> str:
        """Why files this person sends in the chat now would not be kept ("" when they would):
        a front end asks first, so it never even downloads a file that would be refused."""
        reference = self._window(actor)
        if not reference:
            return (
                "These files were not kept: to add evidence to a concern you sent, press "
                "Add evidence on its confirmation first, then send the files within "
                f"{self.limits.add_minutes} minutes."
            )
        with self.store.read() as db:
            report = records.by_reference(self.store, db, reference)
        return self._refusal(report, actor, reference)

    def _window(self, actor: Actor) -> str:
        with self._lock:
            reference, until = self._windows.get((actor.platform, actor.user_id), ("", self.now()))
        return reference if reference and until >= self.now() else ""

    # --- attaching ---------------------------------------------------------------------------
    def attach(self, reference: str, actor: Actor, files: list[IncomingFile]) -> EvidenceResult:
        """Check, seal and store the files on the actor's own concern and send each to the
        record's recipients, in one transaction. Never raises for a bad file: each is named in
        the message with what was wrong."""
        reference = forms.clean_reference(reference)
        names = tuple(clean_name(f.name, i + 1) for i, f in enumerate(files))
        now = self.now()
        kept: list[EvidenceFile] = []
        problems: list[str] = []
        not_kept: list[str] = []
        with self.store.transaction() as db:
            report = records.by_reference(self.store, db, reference)
            refused = self._refusal(report, actor, reference)
            if refused or report is None:
                return EvidenceResult(False, refused, refused=names)
            have = db.execute(
                "SELECT COUNT(*) FROM evidence WHERE report_id = ?", [report["id"]]
            ).fetchone()[0]
            for name, incoming in zip(names, files, strict=True):
                problem, media_type = self._check(incoming, have + len(kept))
                if problem:
                    problems.append(f"{name} ({problem})")
                    not_kept.append(name)
                    continue
                assert incoming.content is not None and media_type is not None
                file = self._store(db, report, have + len(kept) + 1, name, media_type, incoming)
                kept.append(file)
                self._send(db, report, [file], now)
            if kept:
                sizes = ", ".join(f"{f.media_type} {human_size(f.size)}" for f in kept)
                audit.append(
                    self.store, db, when=now, action="evidence", actor=audit.actor_id(actor),
                    reference=reference, detail=f"{len(kept)} file(s) added: {sizes}",
                )  # fmt: skip
        log.info("%s: %d evidence file(s) kept, %d not", reference, len(kept), len(problems))
        if kept:
            self.outbox.wake()
        message = self._receipt(reference, kept, problems)
        return EvidenceResult(bool(kept), message, tuple(kept), tuple(not_kept))

    def _refusal(self, report: dict[str, Any] | None, actor: Actor, reference: str) -> str:
        """Why files may not go to this record from this person ("" when they may)."""
        if report is None or report["kind"] != "concern" or not records.filed_by(report, actor):
            return (
                f"There is no concern {reference} of yours to add files to, so none was kept. "
                "Only the person who sent a concern can add evidence to it."
            )
        if not accepts_evidence(report["category"]):
            return "None of the files was kept. " + notices.INDECENT_IMAGES_GUIDANCE
        if report["status"] == "closed":
            return (
                f"{reference} is closed, so files can no longer be added to it and none was "
                "kept: show them to the headteacher."
            )
        return ""

    def _check(self, incoming: IncomingFile, have: int) -> tuple[str, str | None]:
        limits = self.limits
        if have >= limits.max_files:
            return f"a concern carries at most {limits.max_files} files", None
        declared = incoming.size or 0
        if declared > limits.max_bytes or (
            incoming.content is not None and len(incoming.content) > limits.max_bytes
        ):
            size = max(declared, len(incoming.content or b""))
            return f"{human_size(size)}; the limit is {limits.max_file_mb} MB", None
        if incoming.content is None:
            return "it could not be downloaded: send it again, or show it to the headteacher", None
        if not incoming.content:
            return "the file is empty", None
        media_type = sniff(incoming.content)
        if media_type is None:
            return f"not a screenshot or PDF: {ACCEPTED}", None
        return "", media_type

    def _store(
        self,
        db: sqlite_utils.Database,
        report: dict[str, Any],
        number: int,
        name: str,
        media_type: str,
        incoming: IncomingFile,
    ) -> EvidenceFile:
        content = incoming.content or b""
        meta = {
            "name": name,
            "media_type": media_type,
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
        }
        padded = content + b"\0" * (-len(content) % EVIDENCE_BLOCK)
        db.table("evidence").insert(
            {
                "report_id": report["id"],
                "number": number,
                "created_at": audit.stamp(self.now()),
                "sealed": self.store.encrypt_json(meta, pad_to=512),
                "content": self.store.encrypt_bytes(padded),
            }
        )
        return EvidenceFile(report["reference"], number, name, media_type, len(content))

    def _send(
        self,
        db: sqlite_utils.Database,
        report: dict[str, Any],
        files: list[EvidenceFile],
        now: datetime,
    ) -> None:
        """One notice per file to each person the record was sent to (as it stands now)."""
        for person, roles in records.recipient_people(report):
            address = choose_address(person, report["submitter_platform"])
            if address is None:
                continue
            for file in files:
                notice = notices.evidence_notice(
                    report["reference"], file, urgent=bool(report["urgent"]), roles=roles
                )
                self.outbox.enqueue(
                    db, report["id"], report["reference"], "+".join(roles), address, notice, now
                )

    def _receipt(self, reference: str, kept: list[EvidenceFile], problems: list[str]) -> str:
        parts = []
        if kept:
            parts.append(
                f"{len(kept)} file(s) received for {reference}, and sent only to the people it "
                "went to: " + "; ".join(f.describe() for f in kept) + "."
            )
        if problems:
            parts.append("Not attached: " + "; ".join(problems) + ".")
        if not parts:
            parts.append(f"No file was received for {reference}.")
        return " ".join(parts)

    # --- reading -------------------------------------------------------------------------------
    def files(self, db: sqlite_utils.Database, report: dict[str, Any]) -> list[EvidenceFile]:
        """A record's files without their bytes (deleted ones too, with the date)."""
        return stored_files(self.store, db, report)

    def export(self, reference: str, actor: Actor) -> list[EvidenceFile] | ActionResult:
        """Every file of a record, with its bytes, for one of its recipients (the command line
        writes them out). Anyone else gets the usual refusal. Audited."""
        reference = forms.clean_reference(reference)
        with self.store.read() as db:
            report = records.by_reference(self.store, db, reference)
            me = records.matching_recipient(report, actor) if report else None
            if report is None or me is None:
                return ActionResult(False, notices.refusal(reference))
            rows = list(
                db.query(
                    "SELECT * FROM evidence WHERE report_id = ? ORDER BY number", [report["id"]]
                )
            )
            files = [opened_file(self.store, reference, r, self._bytes(r)) for r in rows]
        kept = [f for f in files if not f.deleted_at]
        self._audit(actor, reference, f"{len(kept)} file(s), as {me['role']}, to the console")
        return files

    def open_file(
        self, reference: str, number: int, actor: Actor, where: str
    ) -> EvidenceFile | ActionResult:
        """One file with its bytes, for one of the record's recipients (Teams uploads it after
        they accept it). Audited."""
        reference = forms.clean_reference(reference)
        with self.store.read() as db:
            report = records.by_reference(self.store, db, reference)
            me = records.matching_recipient(report, actor) if report else None
            row = (
                records.one(
                    db,
                    "SELECT * FROM evidence WHERE report_id = ? AND number = ?",
                    [report["id"], number],
                )
                if report and me
                else None
            )
            if report is None or me is None or row is None:
                return ActionResult(False, notices.refusal(reference))
            file = opened_file(self.store, reference, row, self._bytes(row))
        if file.deleted_at:
            return ActionResult(False, deleted_message(file, self.limits.keep_days_after_close))
        self._audit(actor, reference, f"file {number}, as {me['role']}, {where}")
        return file

    def with_content(self, notice: Notice) -> Notice:
        """The notice with its file's bytes, for the notifier (the outbox calls this just
        before sending). A file deleted meanwhile can never be sent."""
        filled = []
        for file in notice.files:
            row = self.store.query(
                "SELECT e.* FROM evidence e JOIN reports r ON r.id = e.report_id "
                "WHERE r.reference = ? AND e.number = ?",
                [file.reference, file.number],
            )
            if not row or row[0]["content"] is None:
                raise PermanentDeliveryError("the evidence file was deleted before it was sent")
            filled.append(replace(file, content=self._bytes(row[0])[: file.size]))
        return replace(notice, files=tuple(filled))

    def _bytes(self, row: dict[str, Any]) -> bytes:
        return self.store.decrypt_bytes(row["content"]) if row["content"] else b""

    def _audit(self, actor: Actor, reference: str, detail: str) -> None:
        with self.store.transaction() as db:
            audit.append(
                self.store, db, when=self.now(), action="evidence_open",
                actor=audit.actor_id(actor), reference=reference, detail=detail,
            )  # fmt: skip

    # --- retention -------------------------------------------------------------------------------
    def delete_expired(self, now: datetime | None = None) -> int:
        """Delete the files of records closed more than ``keep_days_after_close`` days ago (one
        transaction and one audit entry per record). Returns how many files went."""
        at = now or self.now()
        keep = self.limits.keep_days_after_close
        deleted = 0
        due = self.store.query(
            "SELECT DISTINCT e.report_id FROM evidence e JOIN reports r ON r.id = e.report_id "
            "WHERE r.status = 'closed' AND e.content IS NOT NULL"
        )
        for row in due:
            with self.store.transaction() as db:
                report = records.by_id(self.store, db, row["report_id"])
                closed = report["closed_at"] if report else None
                if report is None or not closed:
                    continue
                if audit.parse_stamp(closed) + keep * 86400 > at.timestamp():
                    continue
                count = db.execute(
                    "UPDATE evidence SET content = NULL, deleted_at = ? "
                    "WHERE report_id = ? AND content IS NOT NULL",
                    [audit.stamp(at), report["id"]],
                ).rowcount
                if not count:  # the other front end's worker got there first
                    continue
                audit.append(
                    self.store, db, when=at, action="evidence_delete", actor="system",
                    reference=report["reference"],
                    detail=f"{count} file(s), {keep} day(s) after the record was closed",
                )  # fmt: skip
            deleted += count
            log.info("%s: %d evidence file(s) deleted (retention)", report["reference"], count)
        return deleted

    def sweep(self, now: datetime) -> None:
        """The delivery worker's call each pass: ``delete_expired`` every ``SWEEP_EVERY``."""
        if self._swept is not None and now - self._swept < SWEEP_EVERY:
            return
        self._swept = now
        self.delete_expired(now)


def stored_files(
    store: Store, db: sqlite_utils.Database, report: dict[str, Any]
) -> list[EvidenceFile]:
    """A record's files without their bytes (deleted ones too, with the date)."""
    rows = db.query(
        "SELECT number, sealed, deleted_at FROM evidence WHERE report_id = ? ORDER BY number",
        [report["id"]],
    )
    return [opened_file(store, report["reference"], r) for r in rows]


def opened_file(
    store: Store, reference: str, row: dict[str, Any], content: bytes = b""
) -> EvidenceFile:
    meta = store.decrypt_json(row["sealed"])
    return EvidenceFile(
        reference, row["number"], meta["name"], meta["media_type"], meta["size"],
        row["deleted_at"] or "", content[: meta["size"]],
    )  # fmt: skip


def file_notices(
    store: Store, db: sqlite_utils.Database, report: dict[str, Any], roles: tuple[str, ...]
) -> list[Notice]:
    """A notice per file still kept, for a role the record now also goes to (escalation)."""
    return [
        notices.evidence_notice(report["reference"], f, urgent=bool(report["urgent"]), roles=roles)
        for f in stored_files(store, db, report)
        if not f.deleted_at
    ]


def deleted_message(file: EvidenceFile, keep_days: int) -> str:
    return (
        f"Evidence {file.number} of {file.reference} ({file.name}) was deleted on "
        f"{file.deleted_at[:10]}, {keep_days} day(s) after the record was closed "
        "([evidence] keep_days_after_close)."
    )
