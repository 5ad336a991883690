"""A Teams identity the client chose. The Bot Framework token binds the bot, the service URL and
the channel, not the user: on Web Chat or Direct Line (on by default for an Azure Bot) the client
sets ``from.id`` and ``channelData`` itself. The issue's forgery — a Web Chat activity with no
``aadObjectId``, ``from.id`` set to the head's Entra object id and the school's tenant in
``channelData`` — got the head's open items and a concern's text. Now only a Teams-channel
activity carrying ``from.aadObjectId`` acts as a person: another channel is refused before
anything runs, and a Teams activity without an object id is told politely that it cannot be
served. Neither gets anything of the head's, nor becomes where the head's notices are sent.

Driven through the real CloudAdapter app over HTTP, as the issue reproduced it (local testing,
where the same fields reach the bot as after real authentication), and with credentials on."""

from __future__ import annotations

import sqlite3

import pytest

from bot.reports.models import Actor
from handlers.teams.bot import NO_IDENTITY
from handlers.teams.server import TeamsAuth
from tests.teams.conftest import HEAD, TEACHER, TENANT
from tests.teams.test_reports import concern, submit, to, wait_sent

APP_ID = "4a1b2c3d-0000-4000-8000-00000000b007"
ATTACKER_CHAT = "webchat-3Kx9-attacker"


@pytest.fixture
def school(teams):
    """The head and a teacher have the app; the teacher's concern has reached the head."""
    for user in (HEAD, TEACHER):
        teams.client.send(teams.client.install(user))
    teams.connector.wait_for(lambda calls: all(to(u)(calls) for u in (HEAD, TEACHER)))
    teams.reference = submit(teams, TEACHER, concern(description="Sam in Year 4 was sent images"))
    wait_sent(teams, teams.reference, {"headteacher"})
    teams.connector.clear()
    return teams


def forged_web_chat(teams, text=None, value=None, **from_extra) -> dict:
    """The issue's activity: Web Chat, the head's object id as from.id, the school's tenant."""
    activity = {
        "type": "message",
        "id": "webchat-activity-1",
        "serviceUrl": teams.client.service_url,
        "channelId": "webchat",
        "from": {"id": HEAD.aad, "name": HEAD.name, **from_extra},
        "conversation": {"id": ATTACKER_CHAT},
        "recipient": {"id": "policybot@abc", "name": "PolicyBot"},
        "channelData": {"tenant": {"id": TENANT}, "clientActivityID": "x1"},
    }
    if text is not None:
        activity["text"] = text
    if value is not None:
        activity["value"] = value
    return activity


def without_object_id(teams, text=None, value=None) -> dict:
    """A Teams-channel activity with the head's object id as from.id and no aadObjectId."""
    activity = teams.client.personal(HEAD, text, value)
    activity["from"] = {"id": HEAD.aad, "name": HEAD.name}
    return activity


def audited_views(teams) -> int:
    db = sqlite3.connect(teams.runtime.settings.db_path)
    try:
        return db.execute("SELECT COUNT(*) FROM audit WHERE action = 'view'").fetchone()[0]
    finally:
        db.close()


def nothing_of_the_heads(teams) -> None:
    """No card went anywhere with the concern on it, nobody viewed it, and the head's notices
    still go to the head's own 1:1 chat."""
    assert not [c for c in teams.connector.calls if teams.reference in str(c.body)]
    assert not [c for c in teams.connector.calls if "Year 4" in str(c.body)]
    assert audited_views(teams) == 0
    stored = teams.app_references().find(HEAD.aad)
    assert stored.personal.conversation.id == HEAD.personal_conversation
    assert teams.app_references().find(ATTACKER_CHAT) is None


@pytest.mark.parametrize(
    "what",
    [
        {"text": "open items"},
        {"value": {"action": "view_record", "reference": "REF"}},
        {"value": {"action": "acknowledge", "reference": "REF"}},
        {"text": "my reports"},
    ],
)
@pytest.mark.parametrize("claimed", [{}, {"aadObjectId": HEAD.aad}])
def test_the_forged_web_chat_activity_gets_nothing_of_the_heads(school, what, claimed):
    if "value" in what:
        what = {"value": {**what["value"], "reference": school.reference}}
    response = school.client.post(forged_web_chat(school, **what, **claimed))
    assert response.status_code == 403
    assert "Microsoft Teams only" in response.text
    assert school.connector.calls == []
    nothing_of_the_heads(school)
    assert status(school) == "open"


def status(teams) -> str:
    (summary,) = teams.runtime.reports.list_for_submitter(Actor("teams", TEACHER.aad))
    return summary.status


def test_a_teams_activity_without_an_object_id_is_told_it_cannot_be_served(school):
    for activity in (
        without_object_id(school, "open items"),
        without_object_id(school, value={"action": "view_record", "reference": school.reference}),
        without_object_id(school, value={"action": "acknowledge", "reference": school.reference}),
        without_object_id(school, "Can I accept a friend request from a parent?"),
    ):
        school.connector.clear()
        school.client.send(activity)
        (reply,) = school.connector.wait_for(lambda calls: len(calls) >= 1)
        assert reply.text == NO_IDENTITY
        assert reply.conversation_id == HEAD.personal_conversation
    nothing_of_the_heads(school)
    assert status(school) == "open"


def test_the_head_still_gets_their_notices_in_their_own_chat_after_the_attempts(school):
    school.client.post(forged_web_chat(school, "open items"))
    school.client.send(without_object_id(school, "open items"))
    reference = submit(school, TEACHER, concern())
    wait_sent(school, reference, {"headteacher"})
    notices = [c for c in school.connector.sent() if reference in c.card_text()]
    assert [
        c.conversation_id for c in notices if c.conversation_id != TEACHER.personal_conversation
    ] == [HEAD.personal_conversation]


def test_the_real_head_on_teams_still_sees_their_open_items(school):
    school.client.send(school.client.personal(HEAD, "open items"))
    (reply,) = school.connector.wait_for(lambda calls: len(calls) >= 1)
    assert school.reference in reply.card_text()


def test_the_emulator_acts_as_its_user_only_when_testing_locally(school, start_bot):
    emulator = forged_web_chat(school, "help")
    emulator["channelId"] = "emulator"
    emulator["from"] = {"id": "emulator-user-1", "name": "Tester"}
    school.client.send(emulator)
    (reply,) = school.connector.wait_for(lambda calls: len(calls) >= 1)
    assert "report concern" in reply.text

    school.connector.clear()
    secured = start_bot(TeamsAuth(app_id=APP_ID, app_password="not-a-real-secret"))
    secured.client.service_url = "https://webchat.botframework.com/"
    for channel in ("emulator", "webchat", "directline"):
        activity = {**forged_web_chat(secured, "open items"), "channelId": channel}
        response = secured.client.post(activity, {"Authorization": "Bearer x.y.z"})
        assert response.status_code == 403  # refused before its token is even looked at
    assert secured.connector.calls == []
