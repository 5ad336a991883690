"""Render the core's platform-neutral replies (Answer, Notice, Receipt, listings) as Block Kit.

Nothing here decides anything: it only lays out what the core returned. Every string that came
from a person (report fields, notes, questions) or from a policy document goes through
``slack_escape`` so it can never become a mention, a link or markup.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from bot.answers import Answer, Citation
from bot.feedback import invites_feedback
from bot.reports.models import Notice, Receipt, Summary
from bot.reports.neutralise import slack_escape
from bot.reports.notices import REPORTER_LINES

Block = dict[str, Any]

SECTION_LIMIT = 3000  # Slack's limit for a section's text
BUTTON_VALUE_LIMIT = 2000
FALLBACK_LIMIT = 3000

# action_ids the listeners register for
SHARE = "share_answer"
HELPFUL = "feedback_helpful"
NOT_HELPFUL = "feedback_not_helpful"
ACKNOWLEDGE = "acknowledge"
NOTE = "note"
CONFIRM_READ = "confirm_read"  # "I have read and understood" (bot/campaigns/)
READ_POLICY = "read_policy"  # the policy's clauses, in a thread


def esc(text: str | None) -> str:
    return slack_escape(text or "")


def policy_text(text: str | None) -> str:
    """Policy wording is trusted and quoted verbatim: only Slack's control characters are
    escaped, so the quote stays copyable word for word."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cap(text: str, limit: int = SECTION_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _md(text: str, verbatim: bool) -> dict:
    obj: dict[str, Any] = {"type": "mrkdwn", "text": _cap(text)}
    if verbatim:
        # user-typed text: Slack must not turn anything in it into a link or a channel name
        obj["verbatim"] = True
    return obj


def mrkdwn(text: str, *, verbatim: bool = False) -> Block:
    return {"type": "section", "text": _md(text, verbatim)}


def context(*texts: str, verbatim: bool = False) -> Block:
    return {"type": "context", "elements": [_md(t, verbatim) for t in texts]}


def plain(text: str, limit: int = 75) -> dict:
    return {"type": "plain_text", "text": _cap(text, limit), "emoji": True}


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    b: Block = {"type": "button", "text": plain(text), "action_id": action_id, "value": value}
    if style:
        b["style"] = style
    return b


# ---------------------------------------------------------------------------------------------
# Answers
# ---------------------------------------------------------------------------------------------


def question_value(question: str) -> str:
    """The button value that lets a later click re-ask or record the same question."""
    return json.dumps({"q": question[: BUTTON_VALUE_LIMIT - 20]})


def question_from_value(value: str) -> str:
    try:
        return str(json.loads(value).get("q", ""))
    except (ValueError, AttributeError):
        return ""


def quote_text(citation: Citation) -> str:
    """The citation's lines (the rule, or a list's lead-in and the items shown), quoted."""
    text = "\n".join(policy_text(line) for line in citation.lines)
    lines = "\n".join(f">{line}" if line.strip() else ">" for line in text.splitlines())
    return _cap(lines, SECTION_LIMIT - 200)


def cited(citation: Citation) -> str:
    """The citation's label in bold, and the headings above it."""
    label = f"*{policy_text(citation.label)}*"
    if citation.section:
        label += f" · {policy_text(citation.section)}"
    return label


def answer_blocks(
    answer: Answer,
    *,
    shareable: bool = False,
    feedback: bool = True,
    shared_by: str = "",
    in_channel: bool = False,
) -> list[Block]:
    """An answer as the core composed it: its lead ("Two policies speak to this.", "The
    school's policies don't mention …"), each quoted rule with its citation (a nearest rule under
    its caveat), see-also, the suggested command and the review warning; then the helpful /
    not-helpful (and, for /policy, share) buttons."""
    blocks: list[Block] = []
    if shared_by:
        blocks.append(context(f"Shared by <@{shared_by}> from policybot"))
    quoted = answer.quoted
    if answer.lead or not quoted:
        blocks.append(mrkdwn(esc(answer.lead or answer.text)))
    for c in quoted:
        if c.intro:
            blocks.append(context(f"_{esc(c.intro)}_"))
        blocks.append(mrkdwn(quote_text(c)))
        blocks.append(context(cited(c)))
    if answer.see_also:
        blocks.append(context("See also: " + "; ".join(cited(c) for c in answer.see_also)))
    if answer.ask_instead:
        blocks.append(context(f"Ask instead: {esc(answer.ask_instead)}"))
    if answer.suggested_command:
        why = esc(answer.suggestion) if answer.suggestion else ""
        blocks.append(
            mrkdwn(
                f"{why}\nUse `{esc(answer.suggested_command)}` — only the right people see it.".strip()
            )
        )
    if in_channel and answer.suggested_command == "/report-concern":
        blocks.append(
            context(":lock: If this is about a real incident, please don't discuss it here.")
        )
    if answer.review_warning:
        blocks.append(context(f":warning: {esc(answer.review_warning)}"))
    buttons: list[Block] = []
    if shareable and can_share(answer):
        buttons.append(button("Share in channel", SHARE, question_value(answer.question)))
    if feedback and invites_feedback(answer):
        value = question_value(answer.question)
        buttons.append(button("Helpful", HELPFUL, value))
        buttons.append(button("Not helpful", NOT_HELPFUL, value))
    if buttons:
        blocks.append({"type": "actions", "block_id": "answer_actions", "elements": buttons})
    return blocks


def can_share(answer: Answer) -> bool:
    """A question that looks like a concern is never offered for sharing in a channel."""
    return answer.suggested_command != "/report-concern"


def answer_fallback(answer: Answer) -> str:
    return _cap(esc(answer.text), FALLBACK_LIMIT)


def without_actions(blocks: Sequence[Block], note: str) -> list[Block]:
    """The same message with its buttons replaced by a one-line note (after a click)."""
    kept = [b for b in blocks if b.get("type") != "actions"]
    return [*kept, context(note)]


# ---------------------------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------------------------


def notice_blocks(notice: Notice) -> list[Block]:
    """A notice for one recipient (or the submitter): title, labelled lines, and its buttons."""
    title = f"*{esc(notice.title)}*"
    blocks: list[Block] = [
        mrkdwn(f":rotating_light: {title}" if notice.urgent else title, verbatim=True)
    ]
    for label, value in notice.lines:
        pieces = _pieces(value) or ["—"]
        if label in REPORTER_LINES and (mention := _mention(notice)):
            pieces[0] = f"{mention} · {pieces[0]}"  # Slack renders it from the live profile
        blocks.append(mrkdwn(f"*{esc(label)}*\n{pieces[0]}", verbatim=True))
        blocks.extend(mrkdwn(piece, verbatim=True) for piece in pieces[1:])
    blocks.append(context(f"Reference `{esc(notice.reference)}` · private to you", verbatim=True))
    buttons = notice_buttons(notice.reference, notice.actions)
    if buttons:
        blocks.append({"type": "actions", "block_id": "notice_actions", "elements": buttons})
    return blocks if len(blocks) <= 50 else [*blocks[:48], blocks[-2], blocks[-1]]


_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


def _mention(notice: Notice) -> str:
    """``<@U…>`` for a Slack sender whose id is well formed, else ""."""
    if notice.reporter_platform == "slack" and _SLACK_ID.match(notice.reporter_id):
        return f"<@{notice.reporter_id}>"
    return ""


def _pieces(value: str, size: int = 2000) -> list[str]:
    """A long value (a description can be 4,000 characters) split over several sections, since
    one section holds 3,000; split before escaping so an entity is never cut in half."""
    return [esc(value[i : i + size]) for i in range(0, len(value), size) if value[i : i + size]]


def notice_buttons(reference: str, actions: Iterable[str]) -> list[Block]:
    buttons = []
    for action in actions:
        if action == "acknowledge":
            buttons.append(button("Acknowledge", ACKNOWLEDGE, reference, style="primary"))
        elif action == "note":
            buttons.append(button("Add note", NOTE, reference))
        elif action == CONFIRM_READ:
            buttons.append(button("I have read and understood", CONFIRM_READ, reference, "primary"))
        elif action == READ_POLICY:
            buttons.append(button("Read the policy", READ_POLICY, reference))
    return buttons


def notice_fallback(notice: Notice) -> str:
    return _cap(esc(notice.text or notice.title), FALLBACK_LIMIT)


def receipt_blocks(receipt: Receipt) -> list[Block]:
    blocks = [mrkdwn(f":white_check_mark: {esc(receipt.message)}", verbatim=True)]
    facts = [f"Reference `{esc(receipt.reference)}`"]
    if receipt.recipients:
        facts.append("Sent to: " + ", ".join(esc(r) for r in receipt.recipients))
    if receipt.delivery_pending:
        facts.append("Delivery in progress")
    blocks.append(context(" · ".join(facts), verbatim=True))
    return blocks


def refused_blocks(message: str) -> list[Block]:
    return [mrkdwn(f":no_entry: {esc(message)}", verbatim=True)]


def summary_line(summary: Summary) -> str:
    status = summary.facts()
    bits = [f"`{esc(summary.reference)}`", esc(status[0]), f"_{esc(status[1])}_"]
    bits += [esc(fact) for fact in status[2:]]
    if summary.urgent:
        bits.insert(0, ":rotating_light:")
    return " · ".join(bits)
