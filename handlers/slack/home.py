"""App Home: everyone sees how to use the bot and the status of what they submitted; the people
reports go to (headteacher, chair, DSL) also see open items with their buttons, the relationship
register; the one configured role (bot.feedback.viewer_role) also sees the questions staff marked
not helpful; the reviewers (that role and ``[learning] reviewers``) see "N suggestions to review"
with Approve / Reject (handlers/slack/learning.py). In a multi-academy trust, the
trust's people also see each school's counts."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.feedback import may_see_unclear
from bot.reports.models import Actor, Summary
from handlers.slack import blocks as bk
from handlers.slack import campaigns
from handlers.slack.context import feedback_of, runtime_of
from handlers.slack.learning_blocks import review_blocks
from handlers.threads import off_loop

HOW_TO = (
    "*Ask about school policy*: message me here, @mention me in a channel, or use "
    "`/policy your question` (only you see the answer).\n"
    "*Raise a concern privately*: `/report-concern` — it goes only to the people the policy "
    "names, never to a channel.\n"
    "*Declare a relationship with a student*: `/declare-relationship`."
)
MAX_ITEMS = 15
MAX_ROUNDS = 5  # the newest rounds with their outstanding names; the CLI has every one


def register(app: AsyncApp) -> None:
    app.event("app_home_opened")(on_home_opened)


async def on_home_opened(event: dict, client: AsyncWebClient, context: dict) -> None:
    if event.get("tab", "home") != "home":
        return
    await publish(client, context, Actor(platform="slack", user_id=event["user"]))


def is_recipient_person(runtime: Any, user_id: str) -> bool:
    return any(p.slack_user == user_id for p in runtime.settings.people.values())


async def publish(client: AsyncWebClient, context: dict, actor: Actor, note: str = "") -> None:
    """The home tab for `actor`; `note` (what their last Approve / Reject did) tops the
    suggestions to review."""
    runtime = runtime_of(context)
    mine = await off_loop(runtime.reports.list_for_submitter, actor)
    received: list[Summary] | None = None
    unclear: list[Any] = []
    if is_recipient_person(runtime, actor.user_id):
        received = await off_loop(runtime.reports.list_for_recipient, actor)
    show_unclear = may_see_unclear(runtime.settings, "slack", actor.user_id)
    if show_unclear:
        unclear = await off_loop(feedback_of(context).unclear)
    view = home_view(mine, received, unclear, show_unclear=show_unclear)
    review = await off_loop(runtime.learning.to_review, actor)  # nothing for non-reviewers
    extra = await campaign_blocks(runtime, actor) + await trust_blocks(runtime, actor)
    view["blocks"] = (view["blocks"] + review_blocks(review, note) + extra)[:100]
    await client.views_publish(user_id=actor.user_id, view=view)


async def trust_blocks(runtime: Any, actor: Actor) -> list[dict]:
    """For a trust's people (bot/trust/overview.py): each school's counts, never content."""
    if getattr(runtime, "trust", None) is None:
        return []
    counts = await off_loop(runtime.trust.for_actor, runtime.settings, actor)
    if counts is None:
        return []
    blocks: list[dict] = [
        {"type": "divider"},
        {"type": "header", "text": bk.plain(f"{runtime.trust.name}: schools", 150)},
        bk.context("Counts only: a report reaches you only when it was sent to you."),
    ]
    blocks += [bk.mrkdwn(bk.esc(c.line()), verbatim=True) for c in counts[:40]]
    return blocks


async def campaign_blocks(runtime: Any, actor: Actor) -> list[dict]:
    """ "Read and understood": the publisher's rounds with progress ("31 of 38 confirmed;
    outstanding: ..."); for everyone, their own policies still to confirm, with the button."""
    blocks: list[dict] = []
    service = runtime.campaigns
    if service.may_publish(actor):
        rounds = await off_loop(service.campaigns, actor)
        blocks += [
            {"type": "divider"},
            {"type": "header", "text": bk.plain("Policies sent to staff", 150)},
        ]
        if not rounds:
            blocks.append(bk.context("None yet: use `/policy-publish` to send one."))
        for summary in rounds[:MAX_ROUNDS]:
            progress = await off_loop(service.progress, actor, summary.reference)
            blocks.append(bk.mrkdwn(campaigns.progress_line(progress), verbatim=True))
    mine = [c for c in await off_loop(service.my_campaigns, actor) if not c.confirmed_at]
    if mine:
        blocks += [
            {"type": "divider"},
            {"type": "header", "text": bk.plain("Policies for you to read", 150)},
        ]
        for c in mine[:MAX_ITEMS]:
            blocks += [
                bk.mrkdwn(
                    f"*{bk.esc(c.title)}* (version {bk.esc(c.version)}) · confirm by "
                    f"{bk.esc(c.due)}",
                    verbatim=True,
                ),
                {
                    "type": "actions",
                    "block_id": f"read_{c.reference}",
                    "elements": bk.notice_buttons(c.reference, (bk.CONFIRM_READ, bk.READ_POLICY)),
                },
            ]
    return blocks


def home_view(
    mine: list[Summary],
    received: list[Summary] | None,
    unclear: list[Any],
    *,
    show_unclear: bool = False,
) -> dict:
    blocks: list[dict] = [
        {"type": "header", "text": bk.plain("policybot", 150)},
        bk.mrkdwn(HOW_TO),
    ]
    if received is not None:
        open_items = [s for s in received if s.status == "open"]
        register = [s for s in received if s.kind == "declaration"]
        blocks += [{"type": "divider"}, {"type": "header", "text": bk.plain("Open items", 150)}]
        if not open_items:
            blocks.append(bk.context("Nothing waiting for you."))
        for s in open_items[:MAX_ITEMS]:
            blocks += _item(s)
        blocks += [
            {"type": "divider"},
            {"type": "header", "text": bk.plain("Relationship register", 150)},
        ]
        if not register:
            blocks.append(bk.context("No relationships declared."))
        for s in register[:MAX_ITEMS]:
            blocks.append(bk.mrkdwn(bk.summary_line(s), verbatim=True))
    if show_unclear:
        blocks += [
            {"type": "divider"},
            {"type": "header", "text": bk.plain("What staff find unclear", 150)},
        ]
        if not unclear:
            blocks.append(bk.context("No answers marked not helpful."))
        for u in unclear[:10]:
            blocks.append(
                bk.mrkdwn(
                    f"“{bk.esc(u.question)}” · {u.not_helpful} not helpful, {u.helpful} helpful",
                    verbatim=True,
                )
            )
    blocks += [{"type": "divider"}, {"type": "header", "text": bk.plain("Your submissions", 150)}]
    if not mine:
        blocks.append(bk.context("You haven't sent anything."))
    for s in mine[:MAX_ITEMS]:
        blocks.append(bk.mrkdwn(bk.summary_line(s), verbatim=True))
    return {"type": "home", "blocks": blocks[:100]}


def _item(summary: Summary) -> list[dict]:
    actions = ("acknowledge", "note") if summary.status == "open" else ("note",)
    return [
        bk.mrkdwn(bk.summary_line(summary), verbatim=True),
        {
            "type": "actions",
            "block_id": f"item_{summary.reference}",
            "elements": bk.notice_buttons(summary.reference, actions),
        },
    ]
