"""What the school teaches it, on Slack: "Was it one of these?" (under a *not covered* or *two
policies* reply, or after *Not helpful*), a pick, *None of these*, and a reviewer's Approve /
Reject in App Home. Every decision is the core's (bot/learning/service.py); this module only
carries the clicks there and the replies back."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.feedback import vote_note
from bot.learning.service import inline_offer
from bot.reports.models import Actor
from handlers.slack import blocks as bk
from handlers.slack import home
from handlers.slack import learning_blocks as lb
from handlers.slack.context import feedback_of, runtime_of
from handlers.threads import off_loop

if TYPE_CHECKING:
    from bot.answers import Answer

log = logging.getLogger("policybot.slack")


def register(app: AsyncApp) -> None:
    app.action(lb.PICK)(on_pick)
    app.action(lb.NONE)(on_none)
    app.action(lb.APPROVE)(on_decision)
    app.action(lb.REJECT)(on_decision)


def reply_blocks(answer: Answer, **options: Any) -> list[bk.Block]:
    """An answer, and under a *not covered* or *two policies* reply, "Was it one of these?"."""
    blocks = bk.answer_blocks(answer, **options)
    offer = inline_offer(answer)
    return blocks + lb.offer_blocks(offer, follow_up=False) if offer else blocks


async def offer_after_not_helpful(question: str, respond: AsyncRespond, context: dict) -> None:
    """After *Not helpful* on a plain answer: the other rules, privately to the voter."""
    offer = await off_loop(runtime_of(context).learning.offer, question)
    if offer is None or offer.inline:
        return  # nothing to offer, a question not kept, or the reply already offers them
    await respond(
        response_type="ephemeral",
        replace_original=False,
        text=lb.ASK,
        blocks=lb.offer_blocks(offer, follow_up=True),
    )


async def on_pick(ack: AsyncAck, body: dict, action: dict, respond: AsyncRespond, context: dict):
    await ack()
    value = lb.read_value(action.get("value", ""))
    user = (body.get("user") or {}).get("id", "")
    picked = await off_loop(
        runtime_of(context).learning.pick,
        str(value.get("q", "")),
        str(value.get("s", "")),
        str(value.get("c", "")),
        Actor(platform="slack", user_id=user),
    )
    await respond(
        response_type="ephemeral",
        replace_original=bool(value.get("f")),  # a follow-up offer gives way to the pick
        text=lb.picked_text(picked),
        blocks=lb.picked_blocks(picked),
    )


async def on_none(ack: AsyncAck, body: dict, action: dict, respond: AsyncRespond, context: dict):
    """ "None of these": counted as *Not helpful* (the question, if it may be kept, joins those
    the headteacher sees as unclear)."""
    await ack()
    value = lb.read_value(action.get("value", ""))
    user = (body.get("user") or {}).get("id", "")
    kept = await off_loop(
        feedback_of(context).record,
        question=str(value.get("q", "")),
        helpful=False,
        platform="slack",
        user_id=user,
    )
    note = vote_note(runtime_of(context).settings, helpful=False, kept=kept)
    await respond(
        response_type="ephemeral",
        replace_original=bool(value.get("f")),
        text=note,
        blocks=[bk.context(bk.esc(note))],
    )


async def on_decision(
    ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient, context: dict
) -> None:
    """Approve / Reject in App Home: the core decides (and refuses anyone not a reviewer);
    the home tab is published again with the outcome on top of the list."""
    await ack()
    user = (body.get("user") or {}).get("id", "")
    actor = Actor(platform="slack", user_id=user)
    learning = runtime_of(context).learning
    try:
        number = int(action.get("value", ""))
    except ValueError:
        number = 0
    decide = learning.approve if action.get("action_id") == lb.APPROVE else learning.reject
    decision = await off_loop(decide, number, actor)
    await home.publish(client, context, actor, note=decision.message)
