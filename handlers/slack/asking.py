"""Asking the policy: DM the bot, @mention it (reply in the thread), or ``/policy QUESTION``
(private reply with a "Share in channel" button). Helpful / not-helpful clicks are recorded by
the core for the headteacher's view of what staff find unclear."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.feedback import vote_note
from handlers.slack import blocks as bk
from handlers.slack.context import feedback_of, runtime_of
from handlers.slack.learning import offer_after_not_helpful, reply_blocks
from handlers.slack.util import post_response
from handlers.threads import off_loop, retrieve

if TYPE_CHECKING:
    from bot.answers import Answer
    from bot.runtime import Runtime

log = logging.getLogger("policybot.slack")

MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
USAGE = (
    "Ask me about school policy, e.g. `/policy Can I accept a parent's friend request?`. "
    "To raise a concern privately use `/report-concern`; to declare a relationship with a "
    "student use `/declare-relationship`."
)


async def ask(runtime: Runtime, question: str) -> Answer:
    """The core's answer ("still loading the policies" until they are loaded)."""
    answer: Answer = await retrieve(runtime.ask, question)
    return answer


def register(app: AsyncApp) -> None:
    app.event("message")(on_message)
    app.event("app_mention")(on_mention)
    app.command("/policy")(on_policy_command)
    app.action(bk.SHARE)(on_share)
    app.action(bk.HELPFUL)(on_feedback)
    app.action(bk.NOT_HELPFUL)(on_feedback)


async def on_message(event: dict, client: AsyncWebClient, context: dict) -> None:
    """A direct message to the bot is a question (events are acked by bolt before this runs)."""
    if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
        return
    question = MENTION.sub("", event.get("text") or "").strip()
    if not question:
        return
    answer = await ask(runtime_of(context), question)
    await client.chat_postMessage(
        channel=event["channel"],
        thread_ts=event.get("thread_ts"),
        text=bk.answer_fallback(answer),
        blocks=reply_blocks(answer),
        unfurl_links=False,
    )


async def on_mention(event: dict, client: AsyncWebClient, context: dict) -> None:
    """@policybot in a channel: answer in the message's thread."""
    if event.get("bot_id"):
        return
    question = MENTION.sub("", event.get("text") or "").strip()
    thread_ts = event.get("thread_ts") or event.get("ts")
    if not question:
        await client.chat_postMessage(channel=event["channel"], thread_ts=thread_ts, text=USAGE)
        return
    answer = await ask(runtime_of(context), question)
    await client.chat_postMessage(
        channel=event["channel"],
        thread_ts=thread_ts,
        text=bk.answer_fallback(answer),
        blocks=reply_blocks(answer, in_channel=True),
        unfurl_links=False,
    )


async def on_policy_command(ack: AsyncAck, command: dict, context: dict) -> None:
    """Ack at once; the answer follows privately through the command's response_url."""
    await ack()
    question = (command.get("text") or "").strip()
    url = command["response_url"]
    if not question:
        await post_response(context, url, response_type="ephemeral", text=USAGE)
        return
    answer = await ask(runtime_of(context), question)
    await post_response(
        context,
        url,
        response_type="ephemeral",
        text=bk.answer_fallback(answer),
        blocks=reply_blocks(answer, shareable=True),
    )


async def on_share(ack: AsyncAck, body: dict, action: dict, respond: AsyncRespond, context: dict):
    """Post the answer (not the question) to the channel, then remove the private copy."""
    await ack()
    question = bk.question_from_value(action.get("value", ""))
    if not question:
        return
    answer = await ask(runtime_of(context), question)
    if not bk.can_share(answer):
        await respond(
            response_type="ephemeral",
            replace_original=False,
            text="This one stays private: use /report-concern to raise it.",
        )
        return
    user = (body.get("user") or {}).get("id", "")
    await respond(
        response_type="in_channel",
        replace_original=False,
        text=bk.answer_fallback(answer),
        blocks=bk.answer_blocks(answer, feedback=False, shared_by=user),
    )
    await respond(delete_original=True)


async def on_feedback(
    ack: AsyncAck,
    body: dict,
    action: dict,
    respond: AsyncRespond,
    client: AsyncWebClient,
    context: dict,
) -> None:
    await ack()
    helpful = action.get("action_id") == bk.HELPFUL
    question = bk.question_from_value(action.get("value", ""))
    user = (body.get("user") or {}).get("id", "")
    kept = await off_loop(
        feedback_of(context).record,
        question=question,
        helpful=helpful,
        platform="slack",
        user_id=user,
    )
    note = vote_note(runtime_of(context).settings, helpful=helpful, kept=kept)
    message = body.get("message")
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    if message and channel and not container.get("is_ephemeral"):
        await client.chat_update(
            channel=channel,
            ts=message["ts"],
            text=message.get("text", ""),
            blocks=bk.without_actions(message.get("blocks") or [], note),
        )
    else:
        await respond(response_type="ephemeral", replace_original=False, text=note)
    if kept and not helpful:  # "Was it one of these?" (never for a question not kept)
        await offer_after_not_helpful(question, respond, context)
