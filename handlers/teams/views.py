"""The head's view on Teams: what Slack's App Home shows (handlers/slack/home.py), asked for by
name in the 1:1 chat — "open items", "register", "my reports", "unclear questions",
"suggestions" (what staff suggested after "Was it one of these?", for its reviewers) — and sent
back as Adaptive Cards whose buttons are the notice cards' (Acknowledge, Add note) plus Close
and View.

Every row comes from the core's use cases with the core's access rules: ``list_for_recipient``
returns only records sent to the asker (the head never sees a concern about the head, which went
to the chair), ``list_for_submitter`` only what the asker filed, ``get`` and ``history`` refuse
anyone else. This module decides only which card answers which command, and says plainly when a
view is not for the asker rather than showing an empty one (an empty "open items" would read as
"nothing reported"). Views are answered in the 1:1 chat only: they name references and people.

Listings carry what Slack's home shows (reference, category or relationship label, status,
who acknowledged, date), never the report's text or a pupil's name; "View" opens one record
through ``get``, which the core audits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botbuilder.schema import Activity

from bot.feedback import may_see_unclear, viewer_label
from bot.reports.models import ActionResult, Actor, ReportDetail, Summary
from handlers.teams import cards, learning_cards
from handlers.teams.cards import esc

if TYPE_CHECKING:
    from bot.feedback import FeedbackLog
    from bot.runtime import Runtime

MAX_ITEMS = 15  # as Slack's home; a card with more rows is slow to render on phones
MAX_UNCLEAR = 10

# Action.Submit "action" values the views add (bot.py dispatches them).
CLOSE = "close"
VIEW = "view_record"

NOT_A_RECIPIENT = (
    "Only the people reports are sent to (the headteacher, the chair of governors and the "
    "designated safeguarding lead, as the school's config names them) have {what}. "
    "Type `my reports` to see what you have sent."
)
NOT_THE_VIEWER = "Only {who} sees the questions staff marked not helpful."


@dataclass(frozen=True)
class View:
    command: str  # what to type in the 1:1 chat (and the manifest's command title)
    title: str
    render: Callable[[Runtime, FeedbackLog | None, Actor], Activity]


def is_recipient_person(runtime: Runtime, actor: Actor) -> bool:
    """Whether the school's config names this Teams account for a role reports go to."""
    return any(p.address("teams") == actor.user_id for p in runtime.settings.people.values())


# --- rows -----------------------------------------------------------------------------------


def summary_line(summary: Summary) -> str:
    status = summary.facts()
    bits = [f"**{esc(summary.reference)}**", esc(status[0]), f"_{esc(status[1])}_"]
    bits += [esc(fact) for fact in status[2:]]
    if summary.urgent:
        bits.insert(0, "🚨 URGENT")
    return " · ".join(bits)


def record_actions(reference: str, status: str, *, view: bool = True) -> list[dict]:
    actions: list[dict] = []
    if status == "open":
        data = {"action": cards.ACKNOWLEDGE, "reference": reference}
        actions.append(cards._submit("Acknowledge", data, style="positive"))
    actions.append(cards.note_action(reference))
    if status != "closed":
        actions.append(cards._submit("Close", {"action": CLOSE, "reference": reference}))
    if view:
        actions.append(cards._submit("View", {"action": VIEW, "reference": reference}))
    return actions


def _row(summary: Summary, actions: list[dict]) -> dict:
    row: dict[str, Any] = {
        "type": "Container",
        "separator": True,
        "items": [cards._text(summary_line(summary))],
    }
    if actions:
        row["items"].append({"type": "ActionSet", "actions": actions})
    return row


def _listing(
    title: str, rows: list[Summary], empty: str, actions: Callable[[Summary], list[dict]]
) -> Activity:
    body: list[dict] = [cards._text(esc(title), weight="Bolder", size="Medium")]
    if not rows:
        body.append(cards._text(esc(empty), isSubtle=True))
    for s in rows[:MAX_ITEMS]:
        body.append(_row(s, actions(s)))
    if len(rows) > MAX_ITEMS:
        more = f"{len(rows) - MAX_ITEMS} more not shown; the command line lists them all."
        body.append(cards._text(esc(more), isSubtle=True, size="Small"))
    count = f"{title}: {len(rows)}" if rows else f"{title}: {empty}"
    return cards.message(cards.card(body, fallback=count), count)


def _refusal(title: str, text: str) -> Activity:
    return cards.message(cards.notice_text_card(title, text), text)


# --- the views ------------------------------------------------------------------------------


def open_items(runtime: Runtime, feedback: FeedbackLog | None, actor: Actor) -> Activity:
    if not is_recipient_person(runtime, actor):
        return _refusal("Open items", NOT_A_RECIPIENT.format(what="open items"))
    received = runtime.reports.list_for_recipient(actor)
    rows = [s for s in received if s.status == "open"]
    return _listing(
        "Open items",
        rows,
        "Nothing waiting for you.",
        lambda s: record_actions(s.reference, s.status),
    )


def relationship_register(runtime: Runtime, feedback: FeedbackLog | None, actor: Actor) -> Activity:
    if not is_recipient_person(runtime, actor):
        return _refusal("Relationship register", NOT_A_RECIPIENT.format(what="a register"))
    received = runtime.reports.list_for_recipient(actor)
    rows = [s for s in received if s.kind == "declaration"]
    return _listing(
        "Relationship register",
        rows,
        "No relationships declared.",
        lambda s: [cards._submit("View", {"action": VIEW, "reference": s.reference})],
    )


def my_reports(runtime: Runtime, feedback: FeedbackLog | None, actor: Actor) -> Activity:
    mine = runtime.reports.list_for_submitter(actor)
    return _listing(
        "Your submissions",
        mine,
        "You haven't sent anything.",
        lambda s: [cards._submit("View", {"action": VIEW, "reference": s.reference})],
    )


def unclear_questions(runtime: Runtime, feedback: FeedbackLog | None, actor: Actor) -> Activity:
    settings = runtime.settings
    if not may_see_unclear(settings, "teams", actor.user_id):
        return _refusal("Unclear questions", NOT_THE_VIEWER.format(who=viewer_label(settings)))
    unclear = feedback.unclear(MAX_UNCLEAR) if feedback is not None else []
    body: list[dict] = [cards._text("What staff find unclear", weight="Bolder", size="Medium")]
    if not unclear:
        body.append(cards._text("No answers marked not helpful.", isSubtle=True))
    for u in unclear:
        line = f"“{esc(u.question)}” · {u.not_helpful} not helpful, {u.helpful} helpful"
        body.append({"type": "Container", "separator": True, "items": [cards._text(line)]})
    text = f"What staff find unclear: {len(unclear)} question(s)"
    return cards.message(cards.card(body, fallback=text), text)


def suggestions(runtime: Runtime, feedback: FeedbackLog | None, actor: Actor) -> Activity:
    """What staff suggested after "Was it one of these?", for the reviewers (bot/learning/)."""
    return learning_cards.review_message(runtime.learning.to_review(actor))


VIEWS = {
    view.command: view
    for view in (
        View("open items", "Open items", open_items),
        View("register", "Relationship register", relationship_register),
        View("my reports", "Your submissions", my_reports),
        View("unclear questions", "What staff find unclear", unclear_questions),
    )
}
# Typed in the 1:1 chat (Teams' command menu shows ten commands, and has ten already).
SUGGESTIONS = View("suggestions", "Suggestions to review", suggestions)
SUGGESTION_ALIASES = {
    "suggestions": "suggestions",
    "suggestions to review": "suggestions",
    "review suggestions": "suggestions",
}
ALIASES = {
    "open items": "open items",
    "open-items": "open items",
    "register": "register",
    "relationship register": "register",
    "my reports": "my reports",
    "my-reports": "my reports",
    "my submissions": "my reports",
    "unclear questions": "unclear questions",
    "unclear": "unclear questions",
}


# --- one record -----------------------------------------------------------------------------


def record(runtime: Runtime, reference: str, actor: Actor) -> Activity:
    """One record for its recipient (fields, notes, history, the buttons) or its submitter
    (fields only); anyone else gets the core's refusal, which does not say whether it exists."""
    detail = runtime.reports.get(reference, actor)
    if isinstance(detail, ActionResult):
        return _refusal("Not available", detail.message)
    recipient = runtime.reports.is_recipient(detail.reference, actor)
    history = runtime.reports.history(detail.reference, actor) if recipient else []
    return record_message(detail, history if isinstance(history, list) else [], recipient)


def record_message(detail: ReportDetail, history: list[Any], recipient: bool) -> Activity:
    summary = detail.summary
    body: list[dict] = [
        cards._text(summary_line(summary), weight="Bolder"),
        cards._text(esc(f"Sent by {detail.submitted_by}"), isSubtle=True, size="Small"),
    ]
    for label, value in detail.fields:
        body.append(cards._text(esc(label), weight="Bolder", size="Small", spacing="Small"))
        body.append(cards._text(esc(value), spacing="None"))
    if detail.evidence:  # the files themselves came as their own messages (evidence.py)
        body.append(cards._text("Evidence", weight="Bolder", size="Small", spacing="Small"))
        for f in detail.evidence:
            gone = f" · evidence deleted on {f.deleted_at[:10]}" if f.deleted_at else ""
            body.append(cards._text(esc(f"{f.number}. {f.describe()}{gone}"), spacing="None"))
    if detail.notes:
        body.append(cards._text("Notes", weight="Bolder", spacing="Medium"))
        for note in detail.notes:
            line = f"{esc(note.at[:16])} · {esc(note.author)}: {esc(note.text)}"
            body.append(cards._text(line, spacing="Small"))
    if history:
        body.append(cards._text("History", weight="Bolder", spacing="Medium"))
        for entry in history:
            line = f"{esc(entry.at[:16])} · {esc(entry.action)} · {esc(entry.actor)}"
            body.append(cards._text(line, size="Small", spacing="None"))
    actions = record_actions(summary.reference, summary.status, view=False) if recipient else []
    text = f"{summary.reference}: {summary.label}, {summary.status}"
    return cards.message(cards.card(body, actions, fallback=text), text)
