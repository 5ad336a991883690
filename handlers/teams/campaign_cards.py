"""Adaptive Cards for "read and understood" policy rounds (bot/campaigns/): the member of staff's
direct message, the policy's clauses, the publisher's receipts and the publish form.

The core decides who is sent what and records every press; these functions only draw its values.
Policy wording (the title, a changed clause, every clause read) is shown exactly as written, the
way Adaptive Cards show literal text: ``TextRun``s in a ``RichTextBlock``, which Teams never reads
as markdown, so nothing in it is escaped, altered or "defanged" (``literal``). Everything else
goes through ``teams_escape`` (TextBlocks render markdown: a name must not become a link). Buttons
carry the round's reference, never a person's: the core knows who pressed from the authenticated
account.

Teams refuses a message over about 28 KB, and a policy can be longer (the bundled Social Media
Policy's 65 clauses make 31 KB of card): "Read the policy" shows it in parts, each card as full
as the cap allows, with a "Next" button to the following part and the confirm button on the
last (``clauses_message``; bot/campaigns/reading.py). Together the parts hold every clause.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from botbuilder.schema import Activity

from bot.campaigns.models import (
    AUDIENCES,
    CONFIRM_ACTION,
    NOT_DELIVERED,
    NOT_REACHABLE,
    READ_ACTION,
    Progress,
)
from bot.campaigns.notices import (
    MORE_LINE,
    POLICY_LINE,
    is_change,
    is_policy_text,
    more_count,
    more_line,
    round_of,
)
from bot.campaigns.reading import pages, split_text
from bot.reports.models import Notice
from handlers.teams import cards
from handlers.teams.cards import esc

# Action.Submit "action" values (bot.py dispatches them).
CONFIRM = CONFIRM_ACTION
READ = READ_ACTION
OPEN_PUBLISH = "open_publish_form"
PUBLISH = "publish_policy"

# Teams refuses a card over about 28 KB: a round for 2,000 staff is summarised, and the CSV
# export (`policybot policies receipts TITLE --csv`) has every row.
MAX_ROWS = 25  # people listed per round, outstanding first
MAX_NAMES = 30  # names in the "Outstanding:" line
MAX_ACTIVITY_BYTES = 28_000  # the cap every card this app sends stays under (Teams: ~28 KB)
CLAUSE_BUDGET = 24_000  # bytes of clauses on one "Read the policy" card; the rest is its frame
NOTICE_BUDGET = 26_000  # bytes of a policy DM's card: changes past it are counted, not quoted
PIECE = 3_000  # characters of one clause per block (a clause longer than this continues)
FACT_LINES = ("Version", "Due")  # shown as facts under the policy's title


def literal(text: str, **style: Any) -> dict:
    """Text Teams shows exactly as given: a RichTextBlock of one TextRun (never markdown)."""
    return {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": text, **style}]}


def policy_notice_card(notice: Notice) -> cards.Card:
    """The DM: what to read, which version, what changed (quoting the new text), two buttons.
    Changes that would take the card past ``NOTICE_BUDGET`` are left to "Read the policy" and
    counted on the "More" line (each change shown is still quoted whole)."""
    lines = list(notice.lines)
    while True:
        card = _policy_notice_card(notice, lines)
        changes = [i for i, (label, _) in enumerate(lines) if is_change(label)]
        if _size(card) <= NOTICE_BUDGET or len(changes) <= 1:
            return card
        left_out = more_count(lines) + 1
        del lines[changes[-1]]
        lines = [line for line in lines if line[0] != MORE_LINE] + [more_line(left_out)]


def _policy_notice_card(notice: Notice, lines: list[tuple[str, str]]) -> cards.Card:
    body: list[dict] = [literal(notice.title, weight="Bolder", size="Medium")]
    facts = [{"title": esc(k), "value": esc(v)} for k, v in lines if k in FACT_LINES]
    for label, value in lines:
        if label in FACT_LINES:
            continue
        if is_policy_text(label):
            item = [
                {**literal(label, weight="Bolder", size="Small"), "spacing": "Medium"},
                {**literal(value), "spacing": "None"},
            ]
            if is_change(label):
                item = [{"type": "Container", "style": "emphasis", "spacing": "Small",
                         "items": item}]  # fmt: skip
            body.extend(item)
        else:
            body.append(cards._text(esc(label), weight="Bolder", size="Small", spacing="Medium"))
            body.append(cards._text(esc(value), spacing="None"))
        if label == POLICY_LINE and facts:
            body.append({"type": "FactSet", "facts": facts})
    body.append(
        cards._text(
            "Read the policy, then press the button. You can ask me about it here.",
            isSubtle=True,
            size="Small",
        )
    )
    reference = round_of(notice.reference)
    actions = [
        a
        for a, wanted in zip(round_actions(reference), (CONFIRM_ACTION, READ_ACTION), strict=True)
        if wanted in notice.actions
    ]
    return cards.card(body, actions, fallback=notice_summary(notice))


def notice_summary(notice: Notice) -> str:
    """The DM's fallback and notification text: what to read and by when, never the clauses
    (the card quotes them; a copy here would double the message's size)."""
    lines = dict(notice.lines)
    text = notice.title
    if lines.get("Due"):
        text += f" by {lines['Due']}"
    if lines.get("What changed"):
        text += f". What changed: {lines['What changed']}"
    return text + "."


def round_actions(reference: str) -> list[dict]:
    """The two buttons a round's card carries: confirm, and read the clauses."""
    return [
        cards._submit(
            "I have read and understood",
            {"action": CONFIRM, "reference": reference},
            style="positive",
        ),
        cards._submit("Read the policy", {"action": READ, "reference": reference}),
    ]


def policy_notice_message(notice: Notice) -> Activity:
    return cards.message(policy_notice_card(notice), notice_summary(notice))


def clause_blocks(clauses: Sequence[tuple[str, str]]) -> list[dict]:
    """One RichTextBlock per clause (its name in bold, then its wording, both literal); a
    clause longer than ``PIECE`` continues in the next block(s)."""
    out: list[dict] = []
    for clause_id, text in clauses:
        for n, piece in enumerate(split_text(text, PIECE)):
            name = clause_id if n == 0 else f"{clause_id} (continued)"
            out.append(
                {
                    "type": "RichTextBlock",
                    "spacing": "Small",
                    "inlines": [
                        {"type": "TextRun", "text": name, "weight": "Bolder"},
                        {"type": "TextRun", "text": " " + piece},
                    ],
                }
            )
    return out


def _size(node: Any) -> int:
    """Bytes on the wire: JSON as the Bot Framework client sends it (non-ASCII escaped)."""
    return len(json.dumps(node))


def clause_pages(clauses: Sequence[tuple[str, str]]) -> list[list[dict]]:
    """The policy's blocks grouped into cards of at most ``CLAUSE_BUDGET`` bytes of clauses."""
    return pages(clause_blocks(clauses), lambda block: _size(block) + 2, CLAUSE_BUDGET) or [[]]


def clauses_message(
    title: str, clauses: Sequence[tuple[str, str]], reference: str, part: int = 1
) -> Activity:
    """Part ``part`` of the policy, clause by clause: a "Next" button to the following part,
    and on the last part the confirm button."""
    parts = clause_pages(clauses)
    part = min(max(part, 1), len(parts))
    body: list[dict] = [literal(title, weight="Bolder", size="Medium")]
    if len(parts) > 1:
        body.append(cards._text(f"Part {part} of {len(parts)}", isSubtle=True, spacing="None"))
    body.extend(parts[part - 1])
    if part < len(parts):
        actions = [
            cards._submit(
                f"Next: part {part + 1} of {len(parts)}",
                {"action": READ, "reference": reference, "part": part + 1},
            )
        ]
    else:
        actions = [
            cards._submit(
                "I have read and understood",
                {"action": CONFIRM, "reference": reference},
                style="positive",
            )
        ]
    text = f"{title}: {len(clauses)} clauses" + (
        f" (part {part} of {len(parts)})" if len(parts) > 1 else ""
    )
    return cards.message(cards.card(body, actions, fallback=text), text)


def receipts_card(progress: Progress) -> cards.Card:
    """One round for its publisher: "31 of 38 confirmed; outstanding: …" and who, when."""
    body: list[dict] = [
        cards._text(esc(f"{progress.title} — {progress.reference}"), weight="Bolder"),
        {
            "type": "FactSet",
            "facts": [
                {"title": "Version", "value": esc(_version(progress))},
                {"title": "Sent to", "value": esc(progress.audience)},
                {"title": "Due", "value": esc(progress.due)},
                {"title": "Confirmed", "value": f"{progress.confirmed} of {progress.total}"},
            ],
        },
    ]
    if progress.outstanding:
        names = progress.outstanding
        outstanding = "Outstanding: " + ", ".join(names[:MAX_NAMES])
        if len(names) > MAX_NAMES:
            outstanding += f" and {len(names) - MAX_NAMES} more"
        body.append(cards._text(esc(outstanding), color="Attention"))
    rows = sorted(progress.rows, key=lambda r: (bool(r.confirmed_at), r.name))
    for row in rows[:MAX_ROWS]:
        when = f"confirmed {row.confirmed_at[:16]}" if row.confirmed_at else "outstanding"
        if not row.confirmed_at and row.opened_at:
            when = "opened the policy, not confirmed yet"
        elif not row.confirmed_at and row.delivery == NOT_REACHABLE:
            when = f"{NOT_REACHABLE}: has not opened policybot in Teams"
        elif not row.confirmed_at and row.delivery == NOT_DELIVERED:
            when = NOT_DELIVERED
        elif not row.sent_at and not row.confirmed_at:
            when = "not delivered yet"
        extra = f", {row.reminders} reminder(s)" if row.reminders else ""
        line = " · ".join(esc(part) for part in (row.name, row.group, when + extra) if part)
        body.append(cards._text(line, size="Small", spacing="None"))
    if len(rows) > MAX_ROWS:
        more = f"{len(rows) - MAX_ROWS} more: export them with `policybot policies receipts`."
        body.append(cards._text(esc(more), isSubtle=True, size="Small"))
    return cards.card(body, fallback=short_summary(progress))


def short_summary(progress: Progress) -> str:
    """ "RU-2026-0003: 31 of 38 confirmed" — never the names (a fallback or a notification)."""
    return f"{progress.reference}: {progress.confirmed} of {progress.total} confirmed"


def _version(progress: Progress) -> str:
    if progress.approval_date:
        return f"approved {progress.approval_date} (version {progress.version})"
    return progress.version


def receipts_message(rounds: Sequence[Progress]) -> Activity:
    if not rounds:
        text = "No policy has been sent for reading yet. Type `publish` to send one."
        return cards.message(cards.notice_text_card("Receipts", text), text)
    body: list[dict] = [
        cards._text("Read and understood: receipts", weight="Bolder", size="Medium")
    ]
    for progress in rounds:
        content = {"type": "Container", "separator": True, "items": receipts_card(progress)["body"]}
        body.append(content)
    text = "; ".join(short_summary(p) for p in rounds)
    return cards.message(cards.card(body, fallback=text), text[:1000])


def publish_form(
    titles: Sequence[str],
    values: dict[str, Any] | None = None,
    error: str = "",
    *,
    form_id: str = "",
) -> cards.Card:
    """The head's publish card: policy, audience, due date, a one-line message."""
    values = values or {}
    body: list[dict] = [cards._text("Send a policy to read", weight="Bolder", size="Medium")]
    if error:
        body.append(cards._text(esc(error), color="Attention", weight="Bolder"))
    body += [
        {
            "type": "Input.ChoiceSet",
            "id": "policy",
            "label": "Policy",
            "style": "filtered",
            "isRequired": True,
            "errorMessage": "Choose a policy.",
            "choices": [{"title": t, "value": t} for t in titles],
            "value": str(values.get("policy") or ""),
        },
        {
            "type": "Input.ChoiceSet",
            "id": "audience",
            "label": "Send to",
            "style": "compact",
            "isRequired": True,
            "choices": [
                {"title": "All staff" if a == "all" else a.capitalize(), "value": a}
                for a in AUDIENCES
            ],
            "value": str(values.get("audience") or "all"),
        },
        {
            "type": "Input.Date",
            "id": "due",
            "label": "Due date",
            "isRequired": True,
            "errorMessage": "Choose the date staff should have read it by.",
            "value": str(values.get("due") or ""),
        },
        {
            "type": "Input.Text",
            "id": "message",
            "label": "A one-line message (optional)",
            "maxLength": 500,
            "value": str(values.get("message") or ""),
        },
    ]
    actions = [
        cards._submit("Send", {"action": PUBLISH, "form_id": form_id}, style="positive"),
        cards._submit("Cancel", {"action": cards.CANCEL}, associatedInputs="none"),
    ]
    return cards.card(
        body, actions, fallback="Send a policy to read: needs a client that shows cards."
    )
