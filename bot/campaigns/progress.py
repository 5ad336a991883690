"""The publisher's view of a round: who it was sent to, whether the message reached them,
who opened the policy and who confirmed it (``Progress``, for App Home, the Teams receipts card,
`policybot policies receipts` and its CSV).

Whether a message reached someone is read from its outbox row, never assumed from its having
been queued: a person the chat app cannot message yet (on Teams, someone who has never opened
policybot and is in no team the bot can reach them through) is "not reachable yet" until it
can, not "sent"."""

from __future__ import annotations

from typing import Any

from bot.campaigns import versions
from bot.campaigns.models import (
    DELIVERED,
    NO_ACCOUNT,
    NOT_DELIVERED,
    NOT_REACHABLE,
    POLICY_NOTICE,
    SENDING,
    Progress,
    ReceiptRow,
)

ROUND_COLUMNS = "c.*, v.title, v.content_hash, v.approval_date"  # what ``of_round`` reads


def of_round(store: Any, db: Any, c: dict[str, Any]) -> Progress:
    """``c``: a campaigns row joined with its version (``ROUND_COLUMNS``)."""
    outbox = {
        r["reference"]: r
        for r in db.query(
            "SELECT reference, status, unreachable, sent_at FROM outbox "
            "WHERE reference LIKE ? AND notice_type = ?",
            [f"{c['reference']}.%", POLICY_NOTICE],
        )
    }
    people = []
    for r in db.query(
        "SELECT * FROM campaign_recipients WHERE campaign_id = ? ORDER BY number", [c["id"]]
    ):
        who = store.decrypt_json(r["sealed"])
        message = outbox.get(f"{c['reference']}.{r['number']}")
        people.append(
            ReceiptRow(
                name=who["name"],
                group=who["group"],
                platform=who["platform"],
                sent_at=(message["sent_at"] or "")
                if message and message["status"] == "sent"
                else "",
                opened_at=r["opened_at"] or "",
                confirmed_at=r["confirmed_at"] or "",
                reminders=r["reminders_sent"],
                delivery=delivery(who["platform"], message),
                confirmed_in=r["confirmed_round"] or "",
            )  # fmt: skip
        )
    return Progress(
        reference=c["reference"], title=c["title"], version=versions.short(c["content_hash"]),
        approval_date=c["approval_date"], audience=c["audience"], due=c["due"],
        published_at=c["created_at"], rows=tuple(sorted(people, key=lambda p: p.name.lower())),
    )  # fmt: skip


def delivery(platform: str, message: dict[str, Any] | None) -> str:
    """Where the round's first message to one person stands."""
    if not platform:
        return NO_ACCOUNT
    if message is None:  # not queued: nothing to say yet but that it waits
        return SENDING
    if message["status"] == "sent":
        return DELIVERED
    if message["status"] == "failed":
        return NOT_DELIVERED
    return NOT_REACHABLE if message["unreachable"] else SENDING
