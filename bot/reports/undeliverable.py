"""What happens when a record's first notice does not arrive: its submitter is told to speak to
the person directly, and an urgent concern goes to the next role (bot/reports/escalation.py
decides who; this module sends it). The outbox calls these inside its own transaction, when a
platform refuses a person for good or a notice is late (bot/reports/outbox.py); each happens
once per notice (the outbox's ``submitter_told`` / ``escalated`` flags).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlite_utils

from bot.people import CHAT_PLATFORMS
from bot.reports import audit, escalation, notices, records
from bot.reports.models import Address

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
    outbox.mark_submitter_told(db, row["id"])
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
    sent_to, missing = outbox.escalate_missed(db, report["id"], row, now)
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
    outbox.enqueue(
        db, report["id"], report["reference"], target.role_key, target.address, notice, now
    )
    audit.append(
        store, db, when=now, action="escalate", actor="system", reference=report["reference"],
        detail=f"to {target.role_key}: not delivered to {'+'.join(missed)}",
    )  # fmt: skip
    log.warning("%s escalated to %s", report["reference"], target.role_key)
