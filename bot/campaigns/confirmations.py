"""A confirmation is of a policy *version* by a person, not of one message.

The same version can reach someone in more than one round: a head sends it again to chase the
stragglers (those who confirmed are skipped, the rest are asked again), or sends it to a group
and later to everyone. Whichever round's button the person presses, the answer to "who has
confirmed version X" must be the same in every round of X: so a confirmation is written to
every round of that version the person was sent, with the instant they pressed and the round
whose button it was (``confirmed_round``, for the inspection export), and the reminders still
queued for them in any of those rounds are dropped. Migration ``m007`` applies the same rule
to confirmations recorded before it.
"""

from __future__ import annotations

from typing import Any

from bot.campaigns.models import REMINDER_NOTICE


def record(db: Any, person_tag: str, version_id: int, at: str, pressed: str) -> list[str]:
    """Mark ``person_tag`` as having confirmed ``version_id`` at ``at`` (pressed in round
    ``pressed``) in every round of that version they were sent and have not yet confirmed.
    Returns the rounds written, oldest first."""
    rows = list(
        db.query(
            "SELECT r.id, r.number, c.reference FROM campaign_recipients r "
            "JOIN campaigns c ON c.id = r.campaign_id "
            "WHERE r.person_tag = ? AND c.version_id = ? AND r.confirmed_at IS NULL "
            "ORDER BY c.id",
            [person_tag, version_id],
        )
    )
    for r in rows:
        db.execute(
            "UPDATE campaign_recipients SET confirmed_at = ?, confirmed_round = ? WHERE id = ?",
            [at, pressed, r["id"]],
        )
        # a reminder still waiting in the outbox is not sent once they have confirmed
        db.execute(
            "DELETE FROM outbox WHERE reference = ? AND notice_type = ? AND status = 'pending'",
            [f"{r['reference']}.{r['number']}", REMINDER_NOTICE],
        )
    return [r["reference"] for r in rows]
