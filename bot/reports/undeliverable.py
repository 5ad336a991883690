"""What happens when a record's first notice does not arrive: its submitter is told to speak to
the person directly, and an urgent concern goes to the next role (bot/reports/escalation.py
decides who; this module sends it). The outbox calls these inside its own transaction, when a
platform refuses a person for good or a notice is late (bot/reports/outbox.py); each happens
once per notice (the outbox's ``submitter_told`` / ``escalated`` flags).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlite_utils

from bot.people import CHAT_PLATFORMS
from bot.reports import audit, escalation, evidence, notices, records
from bot.reports.models import Address
from bot.reports.sealing import ORIGINAL_NOTICES, open_outbox

if TYPE_CHECKING:
    from bot.reports.outbox import Outbox

log = logging.getLogger(__name__)


def tell_submitter(
    outbox: Outbox,
    db: sqlite_utils.Database,
    report: dict[str, Any],
    row: dict[str, Any],
    now: datetime,
) -> None:
    """The record's first notice did not reach ``row``'s person: tell whoever sent it."""
    mark_submitter_told(db, row["id"])
    if report["submitter_platform"] not in CHAT_PLATFORMS:
        return
    notice = notices.undeliverable_notice(
        report["reference"], report["kind"], tuple(row["role"].split("+"))
    )
    outbox.to_submitter(db, report, notice, now)
    log.info("%s: submitter told it could not be delivered", report["reference"])


def escalate(
    outbox: Outbox,
    db: sqlite_utils.Database,
    report: dict[str, Any],
    row: dict[str, Any],
    now: datetime,
) -> None:
    """An urgent concern's first notice failed or is late: send it to the next role, once,
    unless someone has already acted on it."""
    store = outbox.store
    sent_to, missing = escalate_missed(outbox, db, report["id"], row, now)
    if report["status"] != "open":
        return  # someone has already acted on it
    target = escalation.next_recipient(
        about_headteacher=bool(report["about_headteacher"]),
        already_roles=[r["role"] for r in report["recipients"]],
        already_addresses=[Address(o["platform"], o["user_id"]) for o in sent_to],
        people=outbox.settings.people,
        submitter_platform=report["submitter_platform"],
    )
    missed = tuple(dict.fromkeys(role for r in [row, *missing] for role in r["role"].split("+")))
    if target is None:
        log.warning("%s: not delivered and nobody left to escalate to", report["reference"])
        return
    data = store.decrypt_json(report["body"])
    platform, user_id = report["submitter_platform"], report["submitter_id"]
    by = notices.submitter_label(report["submitter_name"], platform, user_id)
    notice = notices.concern_notice(
        report["reference"], data, urgent=True, reporter=by, roles=target.roles,
        escalated_from=missed, account=(platform, user_id),
    )  # fmt: skip
    added = [records.recipient_entry(role, target.person) for role in target.roles]
    records.set_recipients(store, db, report, [*report["recipients"], *added])
    for sent in [notice, *evidence.file_notices(store, db, report, target.roles)]:
        outbox.enqueue(
            db, report["id"], report["reference"], target.role_key, target.address, sent, now
        )
    audit.append(
        store, db, when=now, action="escalate", actor="system", reference=report["reference"],
        detail=f"to {target.role_key}: not delivered to {'+'.join(missed)}",
    )  # fmt: skip
    log.warning("%s escalated to %s", report["reference"], target.role_key)


# --- the flags that make each of these happen once per notice -------------------------------
def mark_escalated(db: sqlite_utils.Database, row_id: int) -> None:
    db.execute("UPDATE outbox SET escalated = 1 WHERE id = ?", [row_id])


def mark_submitter_told(db: sqlite_utils.Database, row_id: int) -> None:
    db.execute("UPDATE outbox SET submitter_told = 1 WHERE id = ?", [row_id])


def escalate_missed(
    outbox: Outbox, db: sqlite_utils.Database, report_id: int, row: dict[str, Any], now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Flag ``row`` and every other first notice of the record that has failed or is late as
    escalated (one escalation covers them all). Returns (all its recipient rows, the others
    flagged)."""
    late = now.timestamp() - outbox.settings.escalate_urgent_after_minutes * 60
    sent_to = outbox.recipient_rows(db, report_id)
    missing = [
        r
        for r in sent_to
        if r["notice_type"] in ORIGINAL_NOTICES
        and r["status"] != "sent"
        and not r["escalated"]
        and r["id"] != row["id"]
        and (r["status"] == "failed" or audit.parse_stamp(r["created_at"]) <= late)
    ]
    mark_escalated(db, row["id"])
    for other in missing:
        mark_escalated(db, other["id"])
    return sent_to, missing


def check_overdue(outbox: Outbox, now: datetime) -> None:
    """The time-based half of the rule (every delivery pass): an urgent concern not delivered
    within escalate_urgent_after_minutes goes to the next role; a recipient still unreachable
    after undelivered_alert_minutes gets the submitter told. Each happens once per notice."""
    store, settings = outbox.store, outbox.settings
    iso = audit.stamp
    escalate_before = iso(now - timedelta(minutes=settings.escalate_urgent_after_minutes))
    alert_before = iso(now - timedelta(minutes=settings.undelivered_alert_minutes))
    marks = ",".join("?" for _ in ORIGINAL_NOTICES)
    # created_at is ISO 8601 UTC in one format, so it compares as text; only due rows come
    # back. Urgency is sealed, so every late first notice is due for the escalation rule and
    # gets `escalated` set whether or not it escalates: the flag reveals nothing.
    due = store.query(
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
        with store.transaction() as db:
            raw = records.one(db, "SELECT * FROM outbox WHERE id = ?", [d["id"]])
            if raw is None or raw["status"] not in ("pending", "sending"):
                continue
            row = open_outbox(store, raw)
            report = records.by_id(store, db, row["report_id"])
            if report is None:
                continue
            if d["escalate"] and not row["escalated"]:
                if records.is_urgent_concern(report):
                    escalate(outbox, db, report, row, now)
                else:
                    mark_escalated(db, row["id"])
            if d["tell"] and not row["submitter_told"]:
                tell_submitter(outbox, db, report, row, now)
    if due:
        outbox.interrupt()
