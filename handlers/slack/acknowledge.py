"""Recipients' buttons on a notice: **Acknowledge** (value = the reference) and **Add note**.
The core decides who may act; anyone else is told privately and nothing changes."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from handlers.slack import blocks as bk
from handlers.slack import home, modals
from handlers.slack.context import runtime_of
from handlers.slack.util import actor_from, dm
from handlers.threads import off_loop

log = logging.getLogger("policybot.slack")


def register(app: AsyncApp) -> None:
    app.action(bk.ACKNOWLEDGE)(on_acknowledge)
    app.action(bk.NOTE)(on_note)
    app.view(modals.ADD_NOTE)(on_note_submitted)


async def tell_privately(
    body: dict, client: AsyncWebClient, respond: AsyncRespond, text: str
) -> None:
    """A reply only the clicker sees: ephemeral where the click came from a message, a DM
    when it came from App Home."""
    if body.get("response_url"):
        await respond(response_type="ephemeral", replace_original=False, text=text)
    else:
        await dm(client, actor_from(body).user_id, text=text)


async def on_acknowledge(
    ack: AsyncAck,
    body: dict,
    action: dict,
    client: AsyncWebClient,
    respond: AsyncRespond,
    context: dict,
) -> None:
    await ack()
    runtime = runtime_of(context)
    reference = action.get("value", "")
    actor = actor_from(body)
    result = await off_loop(runtime.reports.acknowledge, reference, actor)
    if not result.ok:
        log.info("refused an acknowledge of %s", reference)
        await tell_privately(body, client, respond, f":no_entry: {bk.esc(result.message)}")
        return
    await _mark_done(body, client, context, f":white_check_mark: {bk.esc(result.message)}")


async def _mark_done(body: dict, client: AsyncWebClient, context: dict, note: str) -> None:
    container = body.get("container") or {}
    message = body.get("message")
    if container.get("type") == "message" and message:
        await client.chat_update(
            channel=container.get("channel_id") or (body.get("channel") or {}).get("id"),
            ts=message["ts"],
            text=message.get("text", ""),
            blocks=after_acknowledge(message.get("blocks") or [], note),
        )
    elif container.get("type") == "view":
        await home.publish(client, context, actor_from(body))


def after_acknowledge(blocks: list[dict[str, Any]], note: str) -> list[dict[str, Any]]:
    """The notice as it was, without its Acknowledge button (Add note stays), plus who acked."""
    out: list[dict[str, Any]] = []
    for block in blocks:
        if block.get("type") == "actions":
            elements = [
                e for e in block.get("elements", []) if e.get("action_id") != bk.ACKNOWLEDGE
            ]
            if not elements:
                continue
            block = {**block, "elements": elements}
        out.append(block)
    out.insert(
        len(out) - 1 if out and out[-1].get("type") == "actions" else len(out), bk.context(note)
    )
    return out


async def on_note(
    ack: AsyncAck,
    body: dict,
    action: dict,
    client: AsyncWebClient,
    respond: AsyncRespond,
    context: dict,
) -> None:
    await ack()
    reference = action.get("value", "")
    actor = actor_from(body)
    allowed = await off_loop(runtime_of(context).reports.is_recipient, reference, actor)
    if not allowed:
        await tell_privately(
            body, client, respond, ":no_entry: Only the people this was sent to can add notes."
        )
        return
    await client.views_open(trigger_id=body["trigger_id"], view=modals.note_modal(reference))


async def on_note_submitted(ack: AsyncAck, body: dict, view: dict, context: dict) -> None:
    reference = modals.metadata(view).get("reference", "")
    result = await off_loop(
        runtime_of(context).reports.add_note, reference, actor_from(body), modals.note_text(view)
    )
    if not result.ok:
        await ack(response_action="errors", errors={"note": result.message[:150]})
        return
    await ack()
