"""Adaptive Cards (schema 1.5, what Teams renders) for the core's replies.

Every function returns plain dicts: :func:`message` wraps a card in an Activity with a plain-text
fallback in ``activity.text`` (and the card's ``fallbackText``) for clients that cannot render
cards, notifications and screen readers.

Escaping: policy text and *all* report field text goes through ``teams_escape`` before it lands
in a TextBlock (TextBlocks render markdown). Input ``value``s are not markdown and stay raw.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from botbuilder.schema import Activity, ActivityTypes, Attachment

from bot.answers import Answer, Citation
from bot.feedback import invites_feedback
from bot.reports.models import (
    CONCERN_CATEGORIES,
    LIMITS,
    PLATFORM_LABELS,
    RELATIONSHIPS,
    Notice,
    Receipt,
)
from bot.reports.neutralise import teams_escape
from bot.reports.notices import REPORTER_LINES

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"

# Action.Submit "action" values the bot understands (see bot.py).
OPEN_CONCERN = "open_concern_form"
OPEN_DECLARATION = "open_declaration_form"
SUBMIT_CONCERN = "submit_concern"
SUBMIT_DECLARATION = "submit_declaration"
ACKNOWLEDGE = "acknowledge"
ADD_NOTE = "add_note"
FEEDBACK = "feedback"
CANCEL = "cancel"
ADD_EVIDENCE = "add_evidence"  # a concern's receipt: files sent next go to it (evidence.py)

CONCERN_FIELDS = (
    "category",
    "description",
    "occurred_on",
    "where",
    "link",
    "people_involved",
    "immediate_risk",
    "about_headteacher",
)
DECLARATION_FIELDS = ("student_name", "year_group", "relationship", "platforms", "notes")

Card = dict[str, Any]


def esc(text: str) -> str:
    return teams_escape(text or "")


def card(body: list[dict], actions: Sequence[dict] = (), fallback: str = "") -> Card:
    result: Card = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "msteams": {"width": "Full"},
        "body": body,
    }
    if actions:
        result["actions"] = list(actions)
    if fallback:
        result["fallbackText"] = fallback
    return result


def message(content: Card, text: str) -> Activity:
    """An Activity carrying one card. ``text`` becomes the card's ``fallbackText`` (clients that
    cannot render cards) and the notification ``summary``, not the activity's text: Teams shows
    an activity's text above its card, so every answer would appear twice."""
    content = {**content, "fallbackText": content.get("fallbackText") or text}
    return Activity(
        type=ActivityTypes.message,
        summary=text[:200],
        attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=content)],
    )


def _text(text: str, **style: Any) -> dict:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _submit(title: str, data: Mapping[str, Any], **extra: Any) -> dict:
    return {"type": "Action.Submit", "title": title, "data": dict(data), **extra}


# --- answers ------------------------------------------------------------------------------


COMMAND_BUTTONS = {
    "/report-concern": ("Report a concern", OPEN_CONCERN),
    "/declare-relationship": ("Declare a relationship", OPEN_DECLARATION),
}


def _citation(c: Citation) -> list[dict]:
    """One quoted rule: its caveat when it is only the nearest rule, its label and section, and
    its lines (the rule, or a list's lead-in and the items shown) in an emphasis container."""
    body: list[dict] = []
    if c.intro:
        body.append(_text(esc(c.intro), isSubtle=True, spacing="Medium", size="Small"))
    body.append(_text(esc(c.label), weight="Bolder"))
    if c.section:
        body.append(_text(esc(c.section), isSubtle=True, spacing="None", size="Small"))
    lines = c.lines
    body.append(
        {
            "type": "Container",
            "style": "emphasis",
            "items": [
                _text(esc(lines[0])),
                *(_text(esc(line), spacing="Small") for line in lines[1:]),
            ],
        }
    )
    return body


def answer_card(answer: Answer) -> Card:
    body: list[dict] = []
    best = answer.best
    quoted = answer.quoted
    if answer.lead or not quoted:
        body.append(_text(esc(answer.lead or answer.text)))
    for c in quoted:
        body.extend(_citation(c))
    if answer.see_also:
        body.append(_text("See also", weight="Bolder", spacing="Medium", size="Small"))
        for c in answer.see_also:
            line = esc(c.label) + (f" — {esc(c.section)}" if c.section else "")
            body.append(_text(line, size="Small", spacing="None"))
    if answer.ask_instead:
        body.append(_text(esc(answer.ask_instead), isSubtle=True))
    if answer.review_warning:
        body.append(_text("⚠ " + esc(answer.review_warning), color="Warning", size="Small"))
    actions: list[dict] = []
    if answer.suggested_command in COMMAND_BUTTONS:
        if answer.suggestion:
            body.append(_text(esc(answer.suggestion), spacing="Medium"))
        title, action = COMMAND_BUTTONS[answer.suggested_command]
        actions.append(_submit(title, {"action": action}, style="positive"))
    if invites_feedback(answer):
        feedback = {"action": FEEDBACK, "question": answer.question[:500]}
        if best is not None:
            feedback["clause"] = best.label
        actions.append(_submit("👍 Helpful", {**feedback, "helpful": True}))
        actions.append(_submit("👎 Not helpful", {**feedback, "helpful": False}))
    return card(body, actions, fallback=answer.text)


def answer_message(answer: Answer) -> Activity:
    return message(answer_card(answer), answer.text)


# --- help and simple notes ----------------------------------------------------------------

HELP_TEXT = (
    "I answer questions from the school's policies, quoting the policy itself.\n"
    "• ask <question> — or just type your question (in a channel, @mention me first)\n"
    "• report concern — privately report a concern (only the people who must see it will)\n"
    "• declare relationship — declare a family relationship with a pupil\n"
    "• my reports — what you have sent and where it stands\n"
    "• open items, register — for the people reports go to: what waits for you, declared "
    "relationships\n"
    "• receipts — policies sent to you to read (the headteacher: who has confirmed)\n"
    "• publish — the headteacher: send a policy to staff to read and confirm\n"
    "• suggestions — the headteacher: rules staff picked after “Was it one of these?”\n"
    "• help — this message"
)


def help_card() -> Card:
    lines = [
        ("ask <question>", "or just type your question (in a channel, @mention me first)"),
        ("report concern", "privately report a concern; only the people who must see it will"),
        ("declare relationship", "declare a family relationship with a pupil"),
        ("my reports", "what you have sent and where it stands"),
        ("open items, register", "for the people reports go to: what waits for you, the register"),
        ("receipts", "policies sent to you to read (the headteacher: who has confirmed)"),
        ("publish", "the headteacher: send a policy to staff to read and confirm"),
        ("suggestions", "the headteacher: rules staff picked, to approve or reject"),
        ("help", "this message"),
    ]
    body = [
        _text("I answer questions from the school's policies, quoting the policy itself."),
        {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in lines]},
    ]
    actions = [
        _submit("Report a concern", {"action": OPEN_CONCERN}),
        _submit("Declare a relationship", {"action": OPEN_DECLARATION}),
    ]
    return card(body, actions, fallback=HELP_TEXT)


def help_message() -> Activity:
    return message(help_card(), HELP_TEXT)


def notice_text_card(title: str, text: str, *, color: str = "Default") -> Card:
    """A short card: title + text, both escaped."""
    return card([_text(esc(title), weight="Bolder", color=color), _text(esc(text))], fallback=text)


# --- forms --------------------------------------------------------------------------------


def _error(errors: Mapping[str, str], field: str) -> list[dict]:
    if field not in errors:
        return []
    return [_text(esc(errors[field]), color="Attention", size="Small", spacing="None")]


def _input_text(
    field: str,
    label: str,
    values: Mapping[str, Any],
    errors: Mapping[str, str],
    *,
    required: bool = False,
    multiline: bool = False,
    placeholder: str = "",
    style: str = "",
) -> list[dict]:
    element: dict[str, Any] = {
        "type": "Input.Text",
        "id": field,
        "label": label,
        "isMultiline": multiline,
        "value": str(values.get(field) or ""),
    }
    if field in LIMITS:
        element["maxLength"] = LIMITS[field]
    if required:
        element["isRequired"] = True
        element["errorMessage"] = f"{label} is required."
    if placeholder:
        element["placeholder"] = placeholder
    if style:
        element["style"] = style
    return [element, *_error(errors, field)]


def _choice_set(
    field: str,
    label: str,
    choices: Mapping[str, str],
    values: Mapping[str, Any],
    errors: Mapping[str, str],
) -> list[dict]:
    element = {
        "type": "Input.ChoiceSet",
        "id": field,
        "label": label,
        "style": "compact",
        "isRequired": True,
        "errorMessage": f"Please choose: {label.lower()}",
        "placeholder": "Choose…",
        "choices": [{"title": title, "value": value} for value, title in choices.items()],
        "value": str(values.get(field) or ""),
    }
    return [element, *_error(errors, field)]


def _toggle(
    field: str, title: str, values: Mapping[str, Any], errors: Mapping[str, str]
) -> list[dict]:
    element = {
        "type": "Input.Toggle",
        "id": field,
        "title": title,
        "valueOn": "true",
        "valueOff": "false",
        "value": "true" if truthy(values.get(field)) else "false",
    }
    return [element, *_error(errors, field)]


def truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in {"true", "1", "yes", "on"}


def _banner(errors: Mapping[str, str]) -> list[dict]:
    if not errors:
        return []
    # Field errors are shown under their inputs; anything else (e.g. "_form") goes on top.
    other = [m for f, m in errors.items() if f not in CONCERN_FIELDS + DECLARATION_FIELDS]
    text = "Please check the highlighted fields." + ("\n" + "\n".join(other) if other else "")
    return [_text(esc(text), color="Attention", weight="Bolder")]


def new_form_id() -> str:
    return uuid.uuid4().hex


def _send_and_cancel(title: str, action: str, form_id: str | None) -> list[dict]:
    """A form's buttons. Send carries the form's id (kept when the form comes back with
    errors), so a second press of Send, or Teams re-sending the submit, files it once."""
    data = {"action": action, "form_id": form_id or new_form_id()}
    return [
        _submit(title, data, style="positive"),
        _submit("Cancel", {"action": CANCEL}, associatedInputs="none"),
    ]


def concern_form(
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    form_id: str | None = None,
) -> Card:
    values = values or {}
    errors = errors or {}
    body = [
        _text("Report a concern", weight="Bolder", size="Medium"),
        _text(
            "This is private. It goes to the headteacher (or to the chair of governors if it "
            "is about the headteacher) and, if urgent, to the designated safeguarding lead. "
            "Screenshots or PDFs can be added after you send it. Never an indecent image of a "
            "child: describe it and say where it is.",
            isSubtle=True,
            size="Small",
        ),
        *_banner(errors),
        *_choice_set("category", "What is it about?", CONCERN_CATEGORIES, values, errors),
        *_input_text(
            "description",
            "What happened?",
            values,
            errors,
            required=True,
            multiline=True,
            placeholder="Describe what you saw or were told",
        ),
        *_input_text("occurred_on", "When?", values, errors, placeholder="e.g. 3 November"),
        *_input_text("where", "Where?", values, errors, placeholder="e.g. a Facebook group"),
        *_input_text("link", "Link (if any)", values, errors, style="Url"),
        *_input_text("people_involved", "People involved", values, errors, multiline=True),
        *_toggle("immediate_risk", "A child may be at immediate risk", values, errors),
        *_toggle("about_headteacher", "This concern is about the headteacher", values, errors),
    ]
    actions = _send_and_cancel("Send report", SUBMIT_CONCERN, form_id)
    return card(body, actions, fallback="Report a concern: this needs a client that shows cards.")


def declaration_form(
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    form_id: str | None = None,
) -> Card:
    values = dict(values or {})
    if isinstance(values.get("platforms"), list):
        values["platforms"] = ", ".join(values["platforms"])
    errors = errors or {}
    body = [
        _text("Declare a relationship", weight="Bolder", size="Medium"),
        _text(
            "Declare a family relationship with a pupil (for example if your child or niece "
            "attends the school), and any social media contact you have with them. "
            "It goes to the headteacher only.",
            isSubtle=True,
            size="Small",
        ),
        *_banner(errors),
        *_input_text("student_name", "Pupil's name", values, errors, required=True),
        *_input_text(
            "year_group",
            "Class or year group",
            values,
            errors,
            required=True,
            placeholder="e.g. Year 4",
        ),
        *_choice_set("relationship", "Relationship", RELATIONSHIPS, values, errors),
        *_input_text(
            "platforms",
            "Social media you are in contact on (comma separated)",
            values,
            errors,
            placeholder="e.g. Facebook, WhatsApp",
        ),
        *_input_text("notes", "Anything else", values, errors, multiline=True),
    ]
    actions = _send_and_cancel("Send declaration", SUBMIT_DECLARATION, form_id)
    return card(
        body, actions, fallback="Declare a relationship: this needs a client that shows cards."
    )


# --- receipts and notices -----------------------------------------------------------------


def receipt_card(receipt: Receipt) -> Card:
    title = "Declaration received" if receipt.kind == "declaration" else "Concern received"
    facts = [{"title": "Reference", "value": esc(receipt.reference)}]
    if receipt.recipients:
        facts.append({"title": "Sent to", "value": esc(", ".join(receipt.recipients))})
    if receipt.urgent:
        facts.append({"title": "Priority", "value": "Urgent"})
    body = [
        _text(esc(title), weight="Bolder", color="Good"),
        {"type": "FactSet", "facts": facts},
        _text(esc(receipt.message)),
    ]
    actions = []
    if receipt.accepts_evidence:  # screenshots / PDFs sent in this chat next (evidence.py)
        body.append(
            _text(
                "Have screenshots of the messages or pages, or a PDF? Press Add evidence, then "
                "send them here. Never an indecent image of a child.",
                isSubtle=True,
                size="Small",
            )
        )
        data = {"action": ADD_EVIDENCE, "reference": receipt.reference}
        actions.append(_submit("Add evidence", data))
    return card(body, actions, fallback=receipt.message)


def receipt_message(receipt: Receipt) -> Activity:
    text = f"{receipt.message} (reference {receipt.reference})"
    if receipt.reference in receipt.message:
        text = receipt.message
    return message(receipt_card(receipt), text)


def notice_card(notice: Notice) -> Card:
    body: list[dict] = []
    colour = "Attention" if notice.urgent else "Default"  # the title already says URGENT
    body.append(_text(esc(notice.title), weight="Bolder", size="Medium", color=colour))
    body.append(
        {"type": "FactSet", "facts": [{"title": "Reference", "value": esc(notice.reference)}]}
    )
    for label, value in notice.lines:
        # A FactSet squeezes long values; each field gets a label line and a wrapped value.
        body.append(_text(esc(label), weight="Bolder", size="Small", spacing="Small"))
        body.append(_text(esc(value), spacing="None"))
        if label in REPORTER_LINES and notice.reporter_id:
            # the account Teams (or Slack) authenticated, beside the name they go by
            platform = PLATFORM_LABELS.get(notice.reporter_platform, notice.reporter_platform)
            account = f"{platform} account: {notice.reporter_id}"
            body.append(_text(esc(account), isSubtle=True, size="Small", spacing="None"))
    actions: list[dict] = []
    if "acknowledge" in notice.actions:
        actions.append(
            _submit(
                "Acknowledge",
                {"action": ACKNOWLEDGE, "reference": notice.reference},
                style="positive",
            )
        )
    if "note" in notice.actions:
        actions.append(note_action(notice.reference))
    return card(body, actions, fallback=notice.text or notice.title)


def note_action(reference: str) -> dict:
    """Add note: a card with one input that Save submits (notices and the head's view)."""
    return {
        "type": "Action.ShowCard",
        "title": "Add note",
        "card": {
            "type": "AdaptiveCard",
            "body": [
                {
                    "type": "Input.Text",
                    "id": "note",
                    "label": "Note",
                    "isMultiline": True,
                    "isRequired": True,
                    "errorMessage": "Write a note first.",
                    "maxLength": LIMITS["note"],
                }
            ],
            "actions": [_submit("Save note", {"action": ADD_NOTE, "reference": reference})],
        },
    }


def notice_message(notice: Notice) -> Activity:
    return message(notice_card(notice), notice.text or notice.title)
