"""Policy rounds on Teams: what the 1:1 chat's "publish" and "receipts" commands and the policy
card's buttons do, each one call to :class:`bot.campaigns.service.CampaignService`.

Who may publish or see receipts is the core's decision (``may_publish``; ``CampaignError``
otherwise) and who may confirm or read a round is too (only the people it was sent to). Here:
translate card inputs to the core's arguments, and the core's answers and refusals to cards.
A member of staff who types "receipts" sees their own rounds, never anyone else's.

A publish card pressed twice (or re-sent by Teams, even after a restart) must not send the
policy to every member of staff twice: the card's Send carries a ``form_id``, passed to the core
as the submission key, and a form already published answers with its first receipt.
"""

from __future__ import annotations

import threading
import uuid
from typing import TYPE_CHECKING

from botbuilder.schema import Activity

from bot.campaigns.models import CampaignError, MyCampaign, PublishReceipt
from bot.reports.models import Actor
from handlers.teams import campaign_cards, cards
from handlers.teams.cards import esc
from handlers.teams.forms import clipped

if TYPE_CHECKING:
    from bot.runtime import Runtime

MAX_ROUNDS = 3  # rounds on the receipts card, newest first; the CLI exports every round
PUBLISH_FIELDS = ("policy", "audience", "due", "message")


def _text(title: str, text: str) -> Activity:
    return cards.message(cards.notice_text_card(title, text), text)


def publish_form(runtime: Runtime, actor: Actor) -> Activity:
    campaigns = runtime.campaigns
    if not campaigns.may_publish(actor):
        return _text("Publish a policy", refusal(runtime, actor))
    try:
        titles = [d.title for d in campaigns.policies()]
    except CampaignError as err:  # still loading the policies: the core says so
        return _text("Publish a policy", str(err))
    if not titles:
        return _text("Publish a policy", "No policies are loaded: check the policy folder.")
    card = campaign_cards.publish_form(titles, form_id=uuid.uuid4().hex)
    return cards.message(card, "Send a policy to read")


def refusal(runtime: Runtime, actor: Actor) -> str:
    """The core's own wording for someone who may not publish: its publisher-only listing
    refuses them before reading anything."""
    try:
        runtime.campaigns.campaigns(actor)
    except CampaignError as err:
        return str(err)
    return "Only the headteacher can send policies to staff."


class Publisher:
    """Publishes a card's values once per form (see the module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def publish(self, runtime: Runtime, actor: Actor, value: dict) -> Activity:
        if not runtime.campaigns.may_publish(actor):  # never the form to someone who may not
            return _text("Publish a policy", refusal(runtime, actor))
        values = {f: clipped(value.get(f), 600).strip() for f in PUBLISH_FIELDS}
        form_id = clipped(value.get("form_id"), 100).strip()
        with self._lock:  # one publish at a time: a second press waits, then finds the first
            try:
                receipt = runtime.campaigns.publish(
                    actor, values["policy"], values["audience"], values["due"], values["message"],
                    submission_key=form_id or None,
                )  # fmt: skip
            except CampaignError as err:
                try:
                    titles = [d.title for d in runtime.campaigns.policies()]
                except CampaignError:
                    return _text("Publish a policy", str(err))
                card = campaign_cards.publish_form(titles, values, str(err), form_id=form_id)
                return cards.message({**card, "fallbackText": str(err)}, str(err))
        return receipt_message(receipt)


def receipt_message(receipt: PublishReceipt) -> Activity:
    text = receipt.message
    body = [
        cards._text(
            "Already sent" if receipt.repeated else "Policy sent", weight="Bolder", color="Good"
        ),
        cards._text(esc(text)),
        cards._text("Type `receipts` to see who has confirmed.", isSubtle=True, size="Small"),
    ]
    return cards.message(cards.card(body, fallback=text), text)


def receipts(runtime: Runtime, actor: Actor) -> Activity:
    """The publisher's progress of the latest rounds; anyone else's own rounds."""
    campaigns = runtime.campaigns
    if not campaigns.may_publish(actor):
        return my_rounds(campaigns.my_campaigns(actor))
    latest = campaigns.campaigns(actor)[:MAX_ROUNDS]
    return campaign_cards.receipts_message([campaigns.progress(actor, c.reference) for c in latest])


def my_rounds(mine: list[MyCampaign]) -> Activity:
    if not mine:
        return _text("Your policies", "No policy has been sent to you to read.")
    body: list[dict] = [cards._text("Policies sent to you", weight="Bolder", size="Medium")]
    for c in mine[:10]:
        state = f"confirmed {c.confirmed_at[:10]}" if c.confirmed_at else f"due {c.due}"
        line = f"**{esc(c.title)}** · version {esc(c.version)} · {esc(state)}"
        row: dict = {"type": "Container", "separator": True, "items": [cards._text(line)]}
        if not c.confirmed_at:
            row["items"].append(
                {"type": "ActionSet", "actions": campaign_cards.round_actions(c.reference)}
            )
        body.append(row)
    outstanding = sum(1 for c in mine if not c.confirmed_at)
    text = f"Policies sent to you: {len(mine)}, {outstanding} to confirm"
    return cards.message(cards.card(body, fallback=text), text)


def confirm(runtime: Runtime, actor: Actor, value: dict) -> Activity:
    reference = clipped(value.get("reference"), 50).strip()
    if not reference:
        return _text("Not recorded", "That card has no policy reference.")
    result = runtime.campaigns.confirm(actor, reference)
    return _text("Recorded" if result.ok else "Not recorded", result.message)


def read(runtime: Runtime, actor: Actor, value: dict) -> Activity:
    """The policy's clauses, one part per press (a long policy is over Teams' card limit)."""
    reference = clipped(value.get("reference"), 50).strip()
    try:
        title, clauses = runtime.campaigns.clauses(actor, reference)
    except CampaignError as err:
        return _text("Not available", str(err))
    part = clipped(value.get("part"), 6).strip()
    return campaign_cards.clauses_message(
        title, clauses, reference, int(part) if part.isdigit() else 1
    )
