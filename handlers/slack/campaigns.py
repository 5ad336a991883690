"""Slack's side of "read and understood" campaigns (bot/campaigns/): it only translates.

- ``/policy-publish``: the head (or a role ``[campaigns] publishers`` allows) gets a modal to
  choose the policy, the audience, the due date and a one-line message; anyone else is told
  privately that only the head can. Opening it first refreshes the staff directory from
  ``users.list`` (bots, guests and deactivated accounts are left out by the core).
- The staff DM's buttons: "I have read and understood" (confirm, then the message shows when)
  and "Read the policy" (its clauses, posted in a thread under the DM, word for word, in as
  many messages as Slack's limits need: handlers/slack/campaign_blocks.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.campaigns.models import AUDIENCES, CampaignError, Progress
from bot.people import Actor
from bot.staff import WorkspaceUser
from handlers.slack import blocks as bk
from handlers.slack import campaign_blocks
from handlers.slack.context import runtime_of
from handlers.slack.util import actor_from, dm
from handlers.threads import off_loop

log = logging.getLogger("policybot.slack")

COMMAND = "/policy-publish"
PUBLISH_VIEW = "policy_publish"
FIELDS = ("policy", "audience", "due", "message")
AUDIENCE_LABELS = {
    "all": "All staff",
    "teaching": "Teaching staff",
    "support": "Support staff",
    "governors": "Governors",
    "volunteers": "Volunteers",
}
USERS_PAGE = 200
SYNC_WAIT_SECONDS = 2.0  # Slack wants a view_submission answered within 3 s
_syncing: dict[int, asyncio.Future[None]] = {}  # per runtime: the staff sync in flight


def register(app: AsyncApp) -> None:
    app.command(COMMAND)(on_command)
    app.view(PUBLISH_VIEW)(on_submitted)
    app.action(bk.CONFIRM_READ)(on_confirm)
    app.action(bk.READ_POLICY)(on_read)


# --- the head: publishing ----------------------------------------------------------------
async def on_command(ack: AsyncAck, body: dict, client: AsyncWebClient, context: dict) -> None:
    runtime = runtime_of(context)
    actor = Actor("slack", body.get("user_id", ""))
    if not runtime.campaigns.may_publish(actor):
        await ack(
            response_type="ephemeral",
            text=":no_entry: Only the headteacher can send policies to staff to confirm.",
        )
        return
    await ack()
    try:
        titles = [d.title for d in await off_loop(runtime.campaigns.policies)]
    except CampaignError as exc:  # still loading the policies: the core says so
        await dm(client, actor.user_id, text=str(exc))
        return
    except Exception as exc:  # the policy folder cannot be read: say so, send nothing
        log.warning("cannot list policies: %s", type(exc).__name__)
        titles = []
    if not titles:
        await dm(client, actor.user_id, text="No policies are loaded, so there is nothing to send.")
        return
    await client.views_open(trigger_id=body["trigger_id"], view=publish_modal(titles))
    # refresh the staff list while the head fills in the modal; the submission waits for it
    _syncing[id(runtime)] = asyncio.ensure_future(sync_staff(client, runtime))


def publish_modal(titles: list[str]) -> dict:
    def option(value: str, label: str) -> dict:
        return {"text": bk.plain(label, 75), "value": value[:150]}

    def select(options: list[dict]) -> dict:
        return {"type": "static_select", "options": options[:100]}

    def field(block_id: str, label: str, element: dict, *, optional: bool = False) -> dict:
        return {"type": "input", "block_id": block_id, "label": bk.plain(label),
                "element": {**element, "action_id": block_id}, "optional": optional}  # fmt: skip

    return {
        "type": "modal",
        "callback_id": PUBLISH_VIEW,
        "title": bk.plain("Send a policy to read"),
        "submit": bk.plain("Send"),
        "close": bk.plain("Cancel"),
        "blocks": [
            bk.mrkdwn(
                "Each member of staff gets a private message with the policy, what changed since "
                "the version they last confirmed, and an *I have read and understood* button."
            ),
            field("policy", "Policy", select([option(t, t) for t in titles])),
            field(
                "audience", "Send to", select([option(a, AUDIENCE_LABELS[a]) for a in AUDIENCES])
            ),
            field("due", "Confirm by", {"type": "datepicker"}),
            field(
                "message",
                "Message (one line)",
                {"type": "plain_text_input", "max_length": 500},
                optional=True,
            ),  # fmt: skip
        ],
    }


def _answers(view: dict) -> dict[str, str]:
    values = view.get("state", {}).get("values", {})
    out: dict[str, str] = {}
    for name in FIELDS:
        state = (values.get(name) or {}).get(name) or {}
        if state.get("type") == "static_select":
            out[name] = ((state.get("selected_option") or {}).get("value")) or ""
        elif state.get("type") == "datepicker":
            out[name] = state.get("selected_date") or ""
        else:
            out[name] = state.get("value") or ""
    return out


async def on_submitted(ack: AsyncAck, body: dict, view: dict, client: AsyncWebClient,
                       context: dict) -> None:  # fmt: skip
    runtime = runtime_of(context)
    actor = actor_from(body)
    a = _answers(view)
    missing = {f: "Please choose one." for f in ("policy", "audience", "due") if not a[f]}
    if missing:
        await ack(response_action="errors", errors=missing)
        return
    syncing = _syncing.pop(id(runtime), None)
    if syncing is not None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(syncing), SYNC_WAIT_SECONDS)
    try:
        # the modal's id: Submit pressed again after a slow answer publishes nothing twice
        receipt = await off_loop(
            functools.partial(runtime.campaigns.publish, submission_key=view.get("id")),
            actor, a["policy"], a["audience"], a["due"], a["message"],
        )  # fmt: skip
    except CampaignError as exc:
        await ack(response_action="errors", errors={exc.field or "policy": str(exc)[:150]})
        return
    await ack()
    await dm(client, actor.user_id, text=f":white_check_mark: {bk.esc(receipt.message)}")


async def sync_staff(client: AsyncWebClient, runtime: Any) -> None:
    """Refresh the staff directory from the workspace (users.list, every page). A failure
    leaves the directory as it was: publishing still works from the last good list."""
    users: list[WorkspaceUser] = []
    cursor = ""
    try:
        while True:
            page = await client.users_list(limit=USERS_PAGE, cursor=cursor or None)
            for m in page.get("members") or []:
                profile = m.get("profile") or {}
                users.append(
                    WorkspaceUser(
                        user_id=str(m.get("id", "")),
                        name=profile.get("real_name") or m.get("real_name") or m.get("name", ""),
                        email=profile.get("email", "") or "",
                        is_bot=bool(m.get("is_bot") or m.get("is_app_user")),
                        is_guest=bool(m.get("is_restricted") or m.get("is_ultra_restricted")),
                        deleted=bool(m.get("deleted")),
                    )
                )
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or ""
            if not cursor:
                break
    except Exception as exc:
        log.warning("staff sync from Slack failed: %s", type(exc).__name__)
        return
    campaigns = runtime.campaigns
    await off_loop(campaigns.directory.sync_workspace, "slack", users, "slack:users.list",
                   campaigns.now())  # fmt: skip


# --- staff: the DM's buttons ---------------------------------------------------------------
async def on_confirm(ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient,
                     respond: AsyncRespond, context: dict) -> None:  # fmt: skip
    await ack()
    runtime = runtime_of(context)
    result = await off_loop(runtime.campaigns.confirm, actor_from(body), action.get("value", ""))
    if not result.ok:
        await _privately(body, client, respond, f":no_entry: {bk.esc(result.message)}")
        return
    message = body.get("message")
    container = body.get("container") or {}
    if container.get("type") == "message" and message:
        await client.chat_update(
            channel=container.get("channel_id") or (body.get("channel") or {}).get("id"),
            ts=message["ts"],
            text=message.get("text", ""),
            blocks=confirmed_blocks(message.get("blocks") or [], result.message),
        )
    elif container.get("type") == "view":  # pressed in App Home: show it updated
        from handlers.slack import home  # home imports this module for its sections

        await home.publish(client, context, actor_from(body))
    else:
        await dm(
            client, actor_from(body).user_id, text=f":white_check_mark: {bk.esc(result.message)}"
        )


def confirmed_blocks(blocks: list[dict], note: str) -> list[dict]:
    """The DM as it was, without its confirm button, saying when they confirmed."""
    out: list[dict] = []
    for block in blocks:
        if block.get("type") == "actions":
            kept = [e for e in block.get("elements", []) if e.get("action_id") != bk.CONFIRM_READ]
            if kept:
                out.append({**block, "elements": kept})
            continue
        out.append(block)
    out.append(bk.context(f":white_check_mark: {bk.esc(note)}", verbatim=True))
    return out


async def on_read(ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient,
                  respond: AsyncRespond, context: dict) -> None:  # fmt: skip
    await ack()
    runtime = runtime_of(context)
    try:
        title, clauses = await off_loop(
            runtime.campaigns.clauses, actor_from(body), action.get("value", "")
        )
    except CampaignError as exc:
        await _privately(body, client, respond, f":no_entry: {bk.esc(str(exc))}")
        return
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    thread = (body.get("message") or {}).get("ts")
    if not channel:  # from App Home: the DM
        opened = await client.conversations_open(users=actor_from(body).user_id)
        channel, thread = opened["channel"]["id"], None
    messages = campaign_blocks.clause_messages(title, clauses)
    for n, blocks in enumerate(messages, 1):
        part = f" (part {n} of {len(messages)})" if len(messages) > 1 else ""
        await client.chat_postMessage(
            channel=channel, thread_ts=thread, text=bk.policy_text(title) + part,
            blocks=blocks, unfurl_links=False, unfurl_media=False,
        )  # fmt: skip


async def _privately(body: dict, client: AsyncWebClient, respond: AsyncRespond, text: str) -> None:
    if body.get("response_url"):
        await respond(response_type="ephemeral", replace_original=False, text=text)
    else:
        await dm(client, actor_from(body).user_id, text=text)


# --- App Home sections -------------------------------------------------------------------
def progress_line(p: Progress) -> str:
    return (
        f"`{bk.esc(p.reference)}` *{bk.esc(p.title)}* (version {bk.esc(p.version)}) to "
        f"{bk.esc(AUDIENCE_LABELS.get(p.audience, p.audience))}, due {bk.esc(p.due)}\n"
        f"{bk.esc(p.summary)}"
    )
