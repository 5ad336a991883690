"""A role changes hands: `policybot reports reassign --role ROLE` after the config names a new
headteacher, chair or DSL.

Every record the role received moves to the person the config names for it NOW: they can view
and act on it, the former holder no longer can, undelivered notices are re-addressed, and each
record not yet closed is sent to the new holder, with the evidence files the former holder
received. Never to anyone a record is about: a concern about the headteacher is skipped when
the new holder is the headteacher. One transaction; one audit entry per record.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.config import Settings
from bot.people import ROLE_LABELS, Actor
from bot.reports import audit, escalation, records
from bot.reports.models import ActionResult
from bot.reports.outbox import Outbox
from bot.reports.routing import choose_address
from bot.store import Store

log = logging.getLogger(__name__)


def reassign(
    store: Store,
    outbox: Outbox,
    settings: Settings,
    role: str,
    actor: Actor,
    now: datetime,
) -> ActionResult:
    person = settings.people.get(role)
    if role not in ROLE_LABELS or person is None:
        where = settings.config_path or "POLICYBOT_CONFIG"
        return ActionResult(
            False,
            f"No {ROLE_LABELS.get(role, role)} is configured ({where}: people.{role}), "
            "so there is nobody to move their reports to. Add them and restart first.",
        )
    head = settings.people.get("headteacher")
    moved: list[str] = []
    skipped = 0
    with store.transaction() as db:
        # whom a record went to is sealed: read every record, oldest first
        for report in reversed(records.every(store, db)):
            entries = report["recipients"]
            if not any(e["role"] == role and not records.same_ids(e, person) for e in entries):
                continue
            if (
                report["about_headteacher"]
                and head is not None
                and escalation.shares_an_id(person, head)
            ):
                skipped += 1
                continue
            holder = records.recipient_entry(role, person)
            records.set_recipients(
                store, db, report, [holder if e["role"] == role else e for e in entries]
            )
            address = choose_address(person, report["submitter_platform"])
            if address is not None:
                outbox.readdress(db, report, role, address, now)
            audit.append(
                store, db, when=now, action="reassign", actor=audit.actor_id(actor),
                reference=report["reference"], detail=f"{role} to the person now configured",
            )  # fmt: skip
            moved.append(report["reference"])
    log.info("reassigned %d records of %s", len(moved), role)
    label = ROLE_LABELS[role]
    message = (
        f"{len(moved)} record(s) of the {label} now belong to {person.name}"
        + (": " + ", ".join(moved) if moved else "")
        + "."
    )
    if skipped:
        message += f" {skipped} record(s) about the headteacher were left as they are."
    return ActionResult(True, message)
