"""What concerns and declarations share: submit a modal's form to the core, answer the modal
(field errors, a refusal, or close) within Slack's 3 seconds, then confirm privately by DM.

A report must never vanish: once the modal has closed (the core took longer than ACK_BUDGET),
any failure of the core call is told to the person by DM (bot.reports.models.not_sent_message:
nothing was stored, send it again, who to speak to meanwhile); before that, it goes back on the
form, which keeps what they typed. Only the error's type is logged."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import FormError, SubmissionRefused
from bot.reports.models import Actor, Receipt, not_sent_message
from handlers.slack import blocks as bk
from handlers.slack import modals
from handlers.slack.modals import field_errors
from handlers.slack.util import actor_from, dm
from handlers.threads import off_loop

log = logging.getLogger("policybot.slack")

ACK_BUDGET = 2.0  # seconds of Slack's 3 we let the core use before closing the modal


async def submit(
    *,
    ack: AsyncAck,
    body: dict,
    client: AsyncWebClient,
    context: dict,
    submit_fn: Callable[..., Receipt],
    form: Any,
    fields: tuple[str, ...],
    fallback_field: str,
    kind: str,
    followup: Callable[[Actor, Receipt], Awaitable[str]] | None = None,
    followup_note: str = "",
) -> Receipt | None:
    """File the form; then, if given, ``followup`` (the concern's files: fetched and attached
    after filing, handlers/slack/evidence.py) runs before the DM receipt, which adds what it
    says. The receipt shown in the modal carries ``followup_note`` meanwhile."""
    actor = actor_from(body)
    name = modals.metadata(body.get("view") or {}).get("name")
    if name:
        actor = Actor(actor.platform, actor.user_id, name)
    # The core validates, stores, then may wait briefly for the first delivery so the receipt
    # can say "sent". Field errors must go back in the ack itself, but Slack allows 3 seconds:
    # if the core is still busy after ACK_BUDGET the form was valid, so close the modal now.
    # The modal's id names this one filled-in form: if Slack shows "trouble connecting" after
    # a slow answer and the user presses Submit again, the core files it once, not twice.
    view_id = (body.get("view") or {}).get("id")
    task = asyncio.ensure_future(off_loop(submit_fn, form, actor, view_id))
    done, _ = await asyncio.wait({task}, timeout=ACK_BUDGET)
    acked = not done
    if acked:
        await ack()
    try:
        receipt = await task
    except FormError as exc:
        if acked:
            await dm(client, actor.user_id, text=f"Not sent: {bk.esc(str(exc))}")
        else:
            await ack(
                response_action="errors", errors=field_errors(exc.errors, fields, fallback_field)
            )
        return None
    except SubmissionRefused as exc:
        if acked:
            await dm(client, actor.user_id, blocks=bk.refused_blocks(exc.message), text="Not sent")
        else:
            await ack(response_action="update", view=refusal_view(exc.message))
        return None
    except Exception as exc:  # the store locked, a disk full, a bug: never a silent loss
        log.error("%s could not be filed on Slack: %s", kind, type(exc).__name__)
        if acked:
            await _tell_not_sent(client, actor.user_id, kind)
        else:
            await ack(
                response_action="errors",
                errors={fallback_field: NOT_FILED_ON_FORM},
            )
        return None
    if not acked:
        # the confirmation travels in the HTTP response itself, so it survives a Web API outage
        pending = followup_note if followup is not None else ""
        await ack(response_action="update", view=receipt_view(receipt, pending))
    log.info("%s %s submitted on Slack", receipt.kind, receipt.reference)
    note = await followup(actor, receipt) if followup is not None else ""
    blocks = bk.receipt_blocks(receipt)
    if note:
        blocks.append(bk.mrkdwn(bk.esc(note), verbatim=True))
    text = bk.esc(" ".join(part for part in (receipt.message, note) if part))
    await dm(client, actor.user_id, text=text, blocks=blocks)
    return receipt


NOT_FILED_ON_FORM = "Not sent: something went wrong on our side. Press Submit to try again."


async def _tell_not_sent(client: AsyncWebClient, user_id: str, kind: str) -> None:
    message = not_sent_message(kind)
    try:
        await dm(client, user_id, text=message, blocks=bk.refused_blocks(message))
    except Exception as exc:
        log.error("could not tell the %s's sender it was not sent: %s", kind, type(exc).__name__)


def receipt_view(receipt: Receipt, note: str = "") -> dict:
    blocks = bk.receipt_blocks(receipt)
    if note:
        blocks.append(bk.context(bk.esc(note), verbatim=True))
    return {
        "type": "modal",
        "title": bk.plain("Sent privately", 24),
        "close": bk.plain("Done", 24),
        "blocks": blocks,
    }


def refusal_view(message: str) -> dict:
    return {
        "type": "modal",
        "title": bk.plain("Not sent", 24),
        "close": bk.plain("Close", 24),
        "blocks": bk.refused_blocks(message),
    }


async def refuse_if_unavailable(runtime: Any, respond: Any) -> bool:
    """Reports are not set up (no config or key): say so before the user types anything."""
    why = runtime.settings.reports_unavailable()
    if why:
        await respond(response_type="ephemeral", text=why)
        return True
    return False
