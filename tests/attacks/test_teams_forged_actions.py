"""Attacks through the real CloudAdapter app over HTTP, as Teams would carry them: card submits
edited to another report's reference, an Adaptive Card Universal Action (``Action.Execute``
arrives as an ``invoke`` named ``adaptiveCard/action``) pressed by someone a report was not sent
to, the headteacher reaching for a concern about them, and a notice that must never land in a
channel just because its recipient last spoke to the bot there."""

from __future__ import annotations

import time

from bot.reports.models import Actor
from tests.teams.conftest import CHAIR, DSL, HEAD, OTHER, TEACHER
from tests.teams.test_reports import concern, submit, to, wait_sent

UNKNOWN = "C-2026-9999"


def everyone_installs(teams, *users) -> None:
    for user in users:
        teams.client.send(teams.client.install(user))
    teams.connector.wait_for(lambda calls: all(to(u)(calls) for u in users))


def said_to(teams, user, value: dict) -> str:
    before = len(to(user)(teams.connector.sent()))
    teams.client.send(teams.client.personal(user, value=value))
    calls = teams.connector.wait_for(lambda calls: len(to(user)(calls)) > before)
    return to(user)(calls)[before].text


def status(teams, reference: str) -> str:
    (summary,) = [
        s
        for s in teams.runtime.reports.list_for_submitter(Actor("teams", TEACHER.aad))
        if s.reference == reference
    ]
    return summary.status


def test_the_head_cannot_acknowledge_or_annotate_a_concern_about_them(teams):
    everyone_installs(teams, HEAD, CHAIR, TEACHER)
    reference = submit(teams, TEACHER, concern(about_headteacher="true"))
    wait_sent(teams, reference, {"chair_of_governors"})

    about = said_to(teams, HEAD, {"action": "acknowledge", "reference": reference})
    unknown = said_to(teams, HEAD, {"action": "acknowledge", "reference": UNKNOWN})
    assert about.replace(reference, "REF") == unknown.replace(UNKNOWN, "REF")
    note = {"action": "add_note", "reference": reference, "note": "Closing this myself."}
    said_to(teams, HEAD, note)
    assert status(teams, reference) == "open"
    detail = teams.runtime.reports.get(reference, Actor("teams", CHAIR.aad))
    assert "Closing this myself" not in str(detail)
    assert not [c for c in to(HEAD)(teams.connector.sent()) if reference in c.card_text()]


def test_a_card_edited_to_another_reference_is_refused(teams):
    everyone_installs(teams, HEAD, CHAIR, DSL, TEACHER)
    routine = submit(teams, TEACHER, concern())
    about_head = submit(teams, TEACHER, concern(about_headteacher="true"))
    wait_sent(teams, routine, {"headteacher"})
    wait_sent(teams, about_head, {"chair_of_governors"})
    # the head holds a card for `routine`; they edit its data to the other reference
    said_to(teams, HEAD, {"action": "acknowledge", "reference": about_head})
    said_to(teams, DSL, {"action": "acknowledge", "reference": routine})
    assert status(teams, about_head) == "open" and status(teams, routine) == "open"


def universal_action(teams, user, data: dict) -> dict:
    activity = teams.client.personal(user)
    activity.pop("textFormat", None)
    activity.update(
        type="invoke",
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": data["action"], "data": data}},
    )
    return activity


def test_an_action_execute_invoke_by_a_colleague_changes_nothing(teams):
    everyone_installs(teams, HEAD, TEACHER, OTHER)
    reference = submit(teams, TEACHER, concern())
    wait_sent(teams, reference, {"headteacher"})
    data = {"action": "acknowledge", "reference": reference}
    # the bot's cards use Action.Submit only: an invoke it does not handle gets Bot Framework's
    # "not implemented" (501), never a server error and never an acknowledgement
    response = teams.client.post(universal_action(teams, OTHER, data))
    assert response.status_code in (200, 501), (response.status_code, response.text)
    response = teams.client.post(universal_action(teams, HEAD, {**data, "reference": UNKNOWN}))
    assert response.status_code in (200, 501), (response.status_code, response.text)
    time.sleep(0.3)
    assert status(teams, reference) == "open"
    assert not [c for c in to(TEACHER)(teams.connector.sent()) if "was acknowledged" in c.text]


def test_a_notice_goes_to_the_heads_1to1_chat_even_after_they_spoke_in_a_channel(teams):
    everyone_installs(teams, HEAD, TEACHER)
    teams.client.send(teams.client.channel(HEAD, "what is the phone policy?"))
    time.sleep(0.3)
    reference = submit(teams, TEACHER, concern(description="Jamie Fox in Year 5 was threatened"))
    wait_sent(teams, reference, {"headteacher"})
    in_channel = [c for c in teams.connector.sent() if "thread" in c.conversation_id]
    assert not [c for c in in_channel if "Jamie" in c.text + c.card_text()]
    assert [c for c in to(HEAD)(teams.connector.sent()) if "Jamie" in c.card_text()]
