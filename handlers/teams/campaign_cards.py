"""Adaptive Cards for "read and understood" policy rounds (bot/campaigns/): the member of staff's
direct message, the policy's clauses, the publisher's receipts and the publish form.

The core decides who is sent what and records every press; these functions only draw its values.
All text goes through ``teams_escape`` (TextBlocks render markdown: a clause reading "*Never*"
must not turn bold, a name must not become a link). Buttons carry the round's reference, never
a person's: the core knows who pressed from the authenticated account.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botbuilder.schema import Activity

from bot.campaigns.models import AUDIENCES, CONFIRM_ACTION, READ_ACTION, Progress
from bot.campaigns.notices import round_of
from bot.reports.models import Notice
from handlers.teams import cards
from handlers.teams.cards import esc

# Action.Submit "action" values (bot.py dispatches them).
CONFIRM = CONFIRM_ACTION
READ = READ_ACTION
OPEN_PUBLISH = "open_publish_form"
PUBLISH = "publish_policy"

CHANGE_PREFIXES = ("Added ", "Reworded ", "Removed ")  # ClauseChange.label
# Teams refuses a card over about 28 KB: a round for 2,000 staff is summarised, and the CSV
# export (`policybot policies receipts TITLE --csv`) has every row.
MAX_ROWS = 25  # people listed per round, outstanding first
MAX_NAMES = 30  # names in the "Outstanding:" line
MAX_CLAUSES = 60


def is_change(label: str) -> bool:
    return label.startswith(CHANGE_PREFIXES)


def policy_notice_card(notice: Notice) -> cards.Card:
    """The DM: what to read, which version, what changed (quoting the new text), two buttons."""
    body: list[dict] = [cards._text(esc(notice.title), weight="Bolder", size="Medium")]
    facts = [
        {"title": esc(label), "value": esc(value)}
        for label, value in notice.lines
        if label in ("Policy", "Version", "Due")
    ]
    body.append({"type": "FactSet", "facts": facts})
    for label, value in notice.lines:
        if label in ("Policy", "Version", "Due"):
            continue
        if is_change(label):
            body.append(
                {
                    "type": "Container",
                    "style": "emphasis",
                    "spacing": "Small",
                    "items": [
                        cards._text(esc(label), weight="Bolder", size="Small"),
                        cards._text(esc(value), spacing="None"),
                    ],
                }
            )
        else:
            body.append(cards._text(esc(label), weight="Bolder", size="Small", spacing="Medium"))
            body.append(cards._text(esc(value), spacing="None"))
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
    return cards.card(body, actions, fallback=notice.text or notice.title)


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
    return cards.message(policy_notice_card(notice), notice.text or notice.title)


def clauses_message(title: str, clauses: Sequence[tuple[str, str]], reference: str) -> Activity:
    """The whole policy, clause by clause, with the confirm button at the end."""
    body: list[dict] = [cards._text(esc(title), weight="Bolder", size="Medium")]
    for clause_id, text in list(clauses)[:MAX_CLAUSES]:
        body.append(cards._text(f"**{esc(clause_id)}** {esc(text)}", spacing="Small"))
    if len(clauses) > MAX_CLAUSES:
        more = f"{len(clauses) - MAX_CLAUSES} more clauses: ask me about them here."
        body.append(cards._text(esc(more), isSubtle=True, size="Small"))
    actions = [
        cards._submit(
            "I have read and understood",
            {"action": CONFIRM, "reference": reference},
            style="positive",
        )
    ]
    text = f"{title}: {len(clauses)} clauses"
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
        elif not row.sent_at and not row.confirmed_at:
            when = "not delivered yet"
        extra = f", {row.reminders} reminder(s)" if row.reminders else ""
        line = f"{esc(row.name)} · {esc(row.group)} · {esc(when)}{esc(extra)}"
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
