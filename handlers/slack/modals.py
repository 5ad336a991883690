"""The three modals (report a concern, declare a relationship, add a note) and the conversion of
their submitted state into the core's forms. Each input's block_id is the core's form field
name, so a :class:`FormError` maps straight onto the field it is about."""

from __future__ import annotations

import json
from typing import Any

from bot.reports.models import (
    CONCERN_CATEGORIES,
    LIMITS,
    RELATIONSHIPS,
    ConcernForm,
    DeclarationForm,
    Evidence,
    accepts_evidence,
)
from bot.reports.notices import INDECENT_IMAGES_GUIDANCE
from handlers.slack.blocks import Block, esc, plain

REPORT_CONCERN = "report_concern"
DECLARE_RELATIONSHIP = "declare_relationship"
ADD_NOTE = "add_note"
YES = "yes"

CONCERN_FIELDS = (
    "category",
    "description",
    "about_headteacher",
    "immediate_risk",
    "occurred_on",
    "where",
    "link",
    "people_involved",
    "evidence",
)
DECLARATION_FIELDS = ("student_name", "year_group", "relationship", "platforms", "notes")


def _input(
    field: str, label: str, element: Block, *, optional: bool = False, hint: str = ""
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": field,
        "label": plain(label, 2000),
        "element": {**element, "action_id": field},
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def _text(field: str, *, multiline: bool = False, initial: str = "", placeholder: str = ""):
    element: Block = {"type": "plain_text_input", "multiline": multiline}
    if field in LIMITS:
        element["max_length"] = LIMITS[field]
    if initial:
        element["initial_value"] = initial[: LIMITS.get(field, 3000)]
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return element


def _options(choices: dict[str, str]) -> list[Block]:
    return [{"text": plain(label), "value": value} for value, label in choices.items()]


def _tick(text: str, description: str) -> Block:
    option = {"text": plain(text), "value": YES, "description": plain(description, 150)}
    return {"type": "checkboxes", "options": [option]}


def _modal(callback_id: str, title: str, submit: str, blocks: list[Block], meta: dict) -> Block:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "submit": plain(submit, 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps(meta),
        "blocks": blocks,
    }


def concern_modal(
    prefill: str = "", meta: dict | None = None, *, category: str = "", max_files: int = 5
) -> Block:
    """The concern form. Choosing a category sends an action (``dispatch_action``) so the form
    can be rebuilt for it (handlers/slack/evidence.py): a category that never carries files
    gets the guidance where the file field was. Block ids never change, so Slack keeps what was
    typed across the update."""
    category_select: Block = {
        "type": "static_select",
        "placeholder": plain("Choose one"),
        "options": _options(CONCERN_CATEGORIES),
    }
    if category in CONCERN_CATEGORIES:
        category_select["initial_option"] = {
            "text": plain(CONCERN_CATEGORIES[category]),
            "value": category,
        }
    blocks: list[Block] = [
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "Only the people the school's policy names will see this. "
                    "If a child is in danger right now, call 999.",
                }
            ],
        },
        {**_input("category", "What kind of concern?", category_select), "dispatch_action": True},
        _input(
            "description",
            "What happened?",
            _text("description", multiline=True, initial=prefill),
            hint="Facts as you saw them. Don't forward or copy any images.",
        ),
        _input(
            "about_headteacher",
            "About the headteacher?",
            _tick(
                "This concern is about the headteacher",
                "It goes to the Chair of Governors instead of the headteacher.",
            ),
            optional=True,
        ),
        _input(
            "immediate_risk",
            "Immediate risk?",
            _tick(
                "A child may be at immediate risk",
                "The Designated Safeguarding Lead is told straight away too.",
            ),
            optional=True,
        ),
        _input("occurred_on", "When did it happen?", {"type": "datepicker"}, optional=True),
        _input(
            "where",
            "Where?",
            _text("where", placeholder="e.g. a Facebook group, a WhatsApp chat, the playground"),
            optional=True,
        ),
        _input(
            "link",
            "Link",
            _text("link", placeholder="Where it can be found (it will not be clickable)"),
            optional=True,
        ),
        _input(
            "people_involved",
            "People involved",
            _text("people_involved", multiline=True),
            optional=True,
        ),
    ]
    if accepts_evidence(category) or not category:
        blocks.append(
            _input(
                "evidence",
                "Evidence",
                {
                    "type": "file_input",
                    "max_files": min(max_files, LIMITS["evidence"]),
                    # a convenience only: the core reads each file's type from its content
                    "filetypes": ["png", "jpg", "jpeg", "gif", "webp", "heic", "pdf"],
                },
                optional=True,
                hint="Screenshots of the messages or pages, or PDFs. Note the time, date and "
                "site too. Never an indecent image of a child: describe it and where it is.",
            )
        )
    else:
        blocks.append(
            {
                "type": "section",
                "block_id": "evidence_guidance",
                "text": {"type": "mrkdwn", "text": ":no_entry: " + esc(INDECENT_IMAGES_GUIDANCE)},
            }
        )
    return _modal(REPORT_CONCERN, "Report a concern", "Send privately", blocks, meta or {})


def declaration_modal(meta: dict | None = None) -> Block:
    blocks: list[Block] = [
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "Declaring a relationship with a student keeps you and them "
                    "safe. Only the headteacher sees it.",
                }
            ],
        },
        _input("student_name", "Student's name", _text("student_name")),
        _input(
            "year_group",
            "Class or year group",
            _text("year_group", placeholder="e.g. Year 4 or Oak class"),
        ),
        _input(
            "relationship",
            "Relationship",
            {
                "type": "static_select",
                "placeholder": plain("Choose one"),
                "options": _options(RELATIONSHIPS),
            },
        ),
        _input(
            "platforms",
            "Social media you share",
            _text("platforms", placeholder="e.g. Facebook, Instagram"),
            optional=True,
            hint="Separate with commas.",
        ),
        _input("notes", "Anything else", _text("notes", multiline=True), optional=True),
    ]
    return _modal(
        DECLARE_RELATIONSHIP, "Declare relationship", "Send privately", blocks, meta or {}
    )


def note_modal(reference: str) -> Block:
    blocks = [
        _input("note", f"Note on {reference}", _text("note", multiline=True)),
    ]
    return _modal(ADD_NOTE, "Add a note", "Save note", blocks, {"reference": reference})


# ---------------------------------------------------------------------------------------------
# state → forms
# ---------------------------------------------------------------------------------------------


def _value(values: dict, field: str) -> Any:
    return (values.get(field) or {}).get(field) or {}


def _str(values: dict, field: str) -> str:
    v = _value(values, field)
    t = v.get("type")
    if t in ("static_select", "radio_buttons"):
        return ((v.get("selected_option") or {}).get("value")) or ""
    if t == "datepicker":
        return v.get("selected_date") or ""
    return v.get("value") or ""


def _ticked(values: dict, field: str) -> bool:
    return any(o.get("value") == YES for o in _value(values, field).get("selected_options") or [])


def concern_form(view: dict) -> ConcernForm:
    values = (view.get("state") or {}).get("values") or {}
    files = _value(values, "evidence").get("files") or []
    return ConcernForm(
        category=_str(values, "category"),
        description=_str(values, "description"),
        occurred_on=_str(values, "occurred_on"),
        where=_str(values, "where"),
        link=_str(values, "link"),
        people_involved=_str(values, "people_involved"),
        immediate_risk=_ticked(values, "immediate_risk"),
        about_headteacher=_ticked(values, "about_headteacher"),
        evidence=[
            Evidence(name=f.get("name") or f.get("title") or f.get("id", ""), ref=f.get("id", ""))
            for f in files
        ],
    )


def declaration_form(view: dict) -> DeclarationForm:
    values = (view.get("state") or {}).get("values") or {}
    platforms = [p.strip() for p in _str(values, "platforms").split(",") if p.strip()]
    return DeclarationForm(
        student_name=_str(values, "student_name"),
        year_group=_str(values, "year_group"),
        relationship=_str(values, "relationship"),
        platforms=platforms,
        notes=_str(values, "notes"),
    )


def note_text(view: dict) -> str:
    values = (view.get("state") or {}).get("values") or {}
    return _str(values, "note")


def metadata(view: dict) -> dict:
    try:
        return json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}


def field_errors(errors: dict[str, str], fields: tuple[str, ...], fallback: str) -> dict[str, str]:
    """The core's field → message map, keyed by the modal's block_ids. Errors about a field the
    modal does not show (e.g. ``evidence_name``, ``platform``) go on the closest one."""
    out: dict[str, str] = {}
    for field, message in errors.items():
        block = field if field in fields else _closest(field, fields, fallback)
        out[block] = f"{out[block]} {message}" if block in out else message
    return out


def _closest(field: str, fields: tuple[str, ...], fallback: str) -> str:
    for candidate in fields:
        if field.startswith(candidate.rstrip("s")):
            return candidate
    return fallback
