"""The head's view on Teams: "open items", "register", "my reports" and "unclear questions" typed
in the 1:1 chat come back as cards built from the core's listings, with the core's access rules —
each person sees only what was sent to them or what they sent, and a concern about the head
never reaches the head's view. Everything goes through the real CloudAdapter over HTTP."""

from __future__ import annotations

import json
import re

import pytest

from bot.reports.models import Actor
from handlers.teams.bot import parse_command
from handlers.teams.package import template_dir
from handlers.teams.views import VIEWS
from tests.teams.conftest import CHAIR, DSL, HEAD, OTHER, TEACHER, say, shown

REF_RE = re.compile(r"\b([CR]-\d{4}-\d{4})\b")
DESCRIPTION = "A parent posted a photo of Year 5 pupils in a public group."
PUPIL = "Amy Reed"


def file_concern(teams, user, **fields) -> str:
    value = {
        "action": "submit_concern",
        "category": "cyberbullying",
        "description": DESCRIPTION,
        "immediate_risk": "false",
        "about_headteacher": "false",
        **fields,
    }
    match = REF_RE.search(say(teams, user, value=value).text)
    assert match
    return match.group(1)


def file_declaration(teams, user) -> str:
    value = {
        "action": "submit_declaration",
        "student_name": PUPIL,
        "year_group": "Year 4",
        "relationship": "niece_nephew",
        "platforms": "Facebook",
    }
    match = REF_RE.search(say(teams, user, value=value).text)
    assert match
    return match.group(1)


def buttons(reply, reference: str) -> list[str]:
    """The titles of the actions that act on ``reference`` (Add note's Save inside its card)."""
    titles = []
    for row in reply.card["body"]:
        for item in row.get("items", []):
            if item.get("type") != "ActionSet":
                continue
            for action in item["actions"]:
                data = action.get("data") or {}
                inner = (action.get("card") or {}).get("actions") or [{}]
                if reference in (data.get("reference"), inner[0].get("data", {}).get("reference")):
                    titles.append(action["title"])
    return titles


def status(teams, reference: str) -> str:
    (summary,) = [
        s
        for s in teams.runtime.reports.list_for_recipient(Actor("teams", HEAD.aad))
        if s.reference == reference
    ]
    return summary.status


# --- open items ---------------------------------------------------------------------------


def test_the_head_sees_open_items_with_acknowledge_note_close_and_view(teams):
    reference = file_concern(teams, TEACHER)
    reply = say(teams, HEAD, "open items")
    assert reference in reply.card_text()
    assert "Cyberbullying" in reply.card_text()
    assert buttons(reply, reference) == ["Acknowledge", "Add note", "Close", "View"]
    assert DESCRIPTION not in reply.card_text()  # a listing never carries the report's text


def test_a_concern_about_the_head_is_in_the_chairs_open_items_and_never_the_heads(teams):
    reference = file_concern(teams, TEACHER, about_headteacher="true")
    chair = say(teams, CHAIR, "open items")
    assert buttons(chair, reference) == ["Acknowledge", "Add note", "Close", "View"]
    for text in ("open items", "register", "my reports"):
        assert reference not in say(teams, HEAD, text).card_text()
    assert "Nothing waiting for you." in say(teams, HEAD, "open items").text_blocks()
    # a View or Close submitted by hand for that reference is refused, nothing said about it
    forged = say(teams, HEAD, value={"action": "view_record", "reference": reference})
    assert DESCRIPTION not in forged.card_text()
    assert "no report" in forged.text
    say(teams, HEAD, value={"action": "close", "reference": reference})
    (summary,) = teams.runtime.reports.list_for_recipient(Actor("teams", CHAIR.aad))
    assert summary.status == "open"


def test_staff_asking_for_the_heads_views_see_nothing_of_anyone_elses(teams):
    concern = file_concern(teams, TEACHER)
    declaration = file_declaration(teams, TEACHER)
    for text in ("open items", "register", "unclear questions"):
        reply = say(teams, OTHER, text)
        assert concern not in reply.card_text() and declaration not in reply.card_text()
        assert PUPIL not in reply.card_text()
        assert reply.text.startswith("Only ")
    assert "You haven't sent anything." in say(teams, OTHER, "my reports").text_blocks()


def test_staff_cannot_act_on_or_open_a_report_by_submitting_its_reference(teams):
    reference = file_concern(teams, TEACHER)
    for action in ("acknowledge", "close", "view_record"):
        reply = say(teams, OTHER, value={"action": action, "reference": reference})
        assert "no report" in reply.text
        assert DESCRIPTION not in reply.card_text()
    assert status(teams, reference) == "open"


# --- acting from the view -----------------------------------------------------------------


def test_acknowledge_from_open_items_tells_the_sender_and_the_item_leaves_the_list(teams):
    reference = file_concern(teams, TEACHER)
    say(teams, HEAD, "open items")
    reply = say(teams, HEAD, value={"action": "acknowledge", "reference": reference})
    assert reply.text == f"You acknowledged {reference}. The person who sent it has been told."
    teams.connector.wait_for(
        lambda calls: [
            c
            for c in calls
            if c.conversation_id == TEACHER.personal_conversation
            and "acknowledged" in c.text
            and reference in c.text
        ]
    )
    assert reference not in say(teams, HEAD, "open items").card_text()
    assert status(teams, reference) == "acknowledged"


def test_add_note_and_close_from_the_view_are_recorded_and_the_record_shows_them(teams):
    reference = file_concern(teams, TEACHER)
    note = say(teams, HEAD, value={"action": "add_note", "reference": reference, "note": "Called"})
    assert note.text == f"Your note was added to {reference}."
    closed = say(teams, HEAD, value={"action": "close", "reference": reference})
    assert closed.text == f"You closed {reference}."
    record = say(teams, HEAD, value={"action": "view_record", "reference": reference})
    blocks = shown(record)
    assert DESCRIPTION in blocks  # the recipient reads the whole record
    assert "Kate Baskeyfield (Headteacher): Called" in blocks
    assert re.search(r"· note · teams:", blocks) and re.search(r"· close · teams:", blocks)
    titles = [a["title"] for a in record.card.get("actions", [])]
    assert titles == ["Add note"]  # closed: no Acknowledge, no Close
    assert status(teams, reference) == "closed"


def test_the_sender_sees_their_own_report_but_not_the_recipients_notes(teams):
    reference = file_concern(teams, TEACHER)
    say(teams, HEAD, value={"action": "add_note", "reference": reference, "note": "Private"})
    mine = say(teams, TEACHER, "my reports")
    assert reference in mine.card_text()
    assert buttons(mine, reference) == ["View"]
    record = say(teams, TEACHER, value={"action": "view_record", "reference": reference})
    assert DESCRIPTION in shown(record)
    assert "Private" not in record.card_text()
    assert "History" not in record.text_blocks()
    assert record.card.get("actions", []) == []


# --- the register and unclear questions ---------------------------------------------------


def test_the_register_lists_declarations_for_the_head_without_pupils_names(teams):
    declaration = file_declaration(teams, TEACHER)
    concern = file_concern(teams, TEACHER)
    register = say(teams, HEAD, "register")
    assert declaration in register.card_text() and concern not in register.card_text()
    assert "Niece or nephew" in register.card_text()
    assert PUPIL not in register.card_text()  # only the record, opened with View, names them
    record = say(teams, HEAD, value={"action": "view_record", "reference": declaration})
    assert PUPIL in shown(record)
    chair = say(teams, CHAIR, "register")  # declarations go to the head alone
    assert declaration not in chair.card_text()
    assert "No relationships declared." in chair.text_blocks()


def test_unclear_questions_are_shown_to_the_configured_viewer_only(teams):
    question = "Can I take photos on a school trip?"
    vote = {"action": "feedback", "question": question, "helpful": False}
    say(teams, TEACHER, value=vote)
    head = say(teams, HEAD, "unclear questions")
    assert f"“{question}” · 1 not helpful, 0 helpful" in head.text_blocks()
    for user in (CHAIR, DSL, TEACHER):
        reply = say(teams, user, "unclear questions")
        assert question not in reply.card_text()
        assert reply.text == "Only the headteacher sees the questions staff marked not helpful."


# --- where the views are offered ----------------------------------------------------------


@pytest.mark.parametrize("text", ["open items", "register", "my reports"])
def test_views_are_never_posted_in_a_channel(teams, text):
    file_concern(teams, TEACHER)
    teams.connector.clear()
    teams.client.send(teams.client.channel(HEAD, text))
    (reply,) = teams.connector.wait_for(lambda calls: len(calls) == 1)
    assert "1:1 chat" in reply.text
    assert not REF_RE.search(reply.card_text() + reply.text)


def test_every_view_is_in_the_manifests_personal_command_menu():
    manifest = json.loads((template_dir() / "manifest.json").read_text())
    lists = manifest["bots"][0]["commandLists"]
    (personal,) = [lst for lst in lists if lst["scopes"] == ["personal"]]
    titles = [c["title"] for c in personal["commands"]]
    assert set(VIEWS) <= set(titles)
    assert len(titles) <= 10  # Teams shows at most ten commands per scope
    for title in titles:  # each menu entry is understood as that command, not as a question
        assert parse_command(title)[0] != "ask" or title == "ask"
