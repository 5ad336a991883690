"""The private forms on Teams, one row each: report a concern and declare a relationship, sent
as Adaptive Cards in the 1:1 chat and submitted back as a message whose value holds the inputs.

Both forms behave the same way and differ only in what the table below names (what to type,
the card, how the submitted values become the core's form, which core call files it), as
:mod:`handlers.slack.forms` does for Slack. Values from a card are untrusted: anything that is
not text becomes "", and text is cut one character past the core's limit so that the core's own
length check, not a silent cut, tells the person."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.reports.models import LIMITS, ConcernForm, DeclarationForm
from handlers.teams import cards

if TYPE_CHECKING:
    from bot.reports.models import Receipt
    from bot.reports.service import ReportService


def clipped(value: Any, limit: int) -> str:
    """A card input as text: "" for anything that is not text, else at most limit + 1 chars."""
    if value is None or isinstance(value, dict | list):
        return ""
    # Keep one character over the limit so the core's own length check reports it.
    return str(value)[: limit + 1]


def concern_from(value: dict) -> ConcernForm:
    return ConcernForm(
        category=clipped(value.get("category"), 100),
        description=clipped(value.get("description"), LIMITS["description"]),
        occurred_on=clipped(value.get("occurred_on"), LIMITS["occurred_on"]),
        where=clipped(value.get("where"), LIMITS["where"]),
        link=clipped(value.get("link"), LIMITS["link"]),
        people_involved=clipped(value.get("people_involved"), LIMITS["people_involved"]),
        immediate_risk=cards.truthy(value.get("immediate_risk")),
        about_headteacher=cards.truthy(value.get("about_headteacher")),
    )


def declaration_from(value: dict) -> DeclarationForm:
    raw = clipped(value.get("platforms"), 2000)
    platforms = [p.strip() for p in re.split(r"[,;\n]", raw) if p.strip()]
    return DeclarationForm(
        student_name=clipped(value.get("student_name"), LIMITS["student_name"]),
        year_group=clipped(value.get("year_group"), LIMITS["year_group"]),
        relationship=clipped(value.get("relationship"), 100),
        platforms=platforms,
        notes=clipped(value.get("notes"), LIMITS["notes"]),
    )


@dataclass(frozen=True)
class TeamsForm:
    kind: str  # "concern" | "declaration": the core's word, and parse_command's
    command: str  # what to type in the 1:1 chat to open it
    title: str  # the form message's title
    opens: str  # the Action.Submit "action" that asks for the form
    submits: str  # the Action.Submit "action" its Send button carries
    card: Callable[..., cards.Card]  # (values, errors, form_id) -> the form card
    read: Callable[[dict], Any]  # the submitted values -> the core's form
    fields: tuple[str, ...]  # the inputs whose values go back on the card after a field error
    filed_by: Callable[[ReportService], Callable[..., Receipt]]  # the core call that files it

    def values(self, submitted: dict) -> dict:
        """What the person typed, to put back on the card when a field needs fixing."""
        return {
            f: submitted.get(f) for f in self.fields if isinstance(submitted.get(f), str | bool)
        }


FORMS = {
    form.kind: form
    for form in (
        TeamsForm(
            kind="concern",
            command="report concern",
            title="Report a concern",
            opens=cards.OPEN_CONCERN,
            submits=cards.SUBMIT_CONCERN,
            card=cards.concern_form,
            read=concern_from,
            fields=cards.CONCERN_FIELDS,
            filed_by=lambda reports: reports.submit_concern,
        ),
        TeamsForm(
            kind="declaration",
            command="declare relationship",
            title="Declare a relationship",
            opens=cards.OPEN_DECLARATION,
            submits=cards.SUBMIT_DECLARATION,
            card=cards.declaration_form,
            read=declaration_from,
            fields=cards.DECLARATION_FIELDS,
            filed_by=lambda reports: reports.declare_relationship,
        ),
    )
}
