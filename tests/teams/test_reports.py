"""Reports in Teams: the concern and declaration forms, routing (head, chair, DSL), proactive
delivery to the recipient's 1:1 chat, acknowledge, and delivery through connector outages."""

from __future__ import annotations

import re
import sqlite3

import pytest

from bot.reports.models import CONCERN_CATEGORIES, RELATIONSHIPS, Actor
from tests.teams.conftest import CHAIR, DSL, HEAD, OTHER, TEACHER

REF_RE = re.compile(r"\b([CR]-\d{4}-\d{4})\b")
CONCERN_INPUTS = {
    "category",
    "description",
    "occurred_on",
    "where",
    "link",
    "people_involved",
    "immediate_risk",
    "about_headteacher",
}


def concern(**fields) -> dict:
    value = {
        "action": "submit_concern",
        "category": "cyberbullying",
        "description": "A parent posted a photo of Year 5 pupils in a public group.",
        "occurred_on": "Monday",
        "where": "Facebook group",
        "link": "",
        "people_involved": "",
        "immediate_risk": "false",
        "about_headteacher": "false",
    }
    value.update(fields)
    return value


def declaration(**fields) -> dict:
    value = {
        "action": "submit_declaration",
        "student_name": "Amy Reed",
        "year_group": "Year 4",
        "relationship": "niece_nephew",
        "platforms": "Facebook, WhatsApp",
        "notes": "",
    }
    value.update(fields)
    return value


def to(user):
    return lambda calls: [c for c in calls if c.conversation_id == user.personal_conversation]


def wait_sent(teams, reference: str, roles: set[str]) -> None:
    """Until the outbox says every listed role's notice is sent (the core's own record)."""

    def done(_calls):
        status = {s.role: s.status for s in teams.runtime.reports.delivery_status(reference)}
        return all(status.get(r) == "sent" for r in roles)

    teams.connector.wait_for(done)


def submit(teams, user, value) -> str:
    """Post a card submit; return the reference from the receipt sent back to ``user``."""
    before = len(to(user)(teams.connector.sent()))
    teams.client.send(teams.client.personal(user, value=value))
    calls = teams.connector.wait_for(lambda calls: len(to(user)(calls)) > before)
    receipt = to(user)(calls)[before]
    match = REF_RE.search(receipt.text)
    assert match, receipt.text
    return match.group(1)


# --- the forms ----------------------------------------------------------------------------


def test_report_concern_command_sends_the_form(teams):
    teams.client.send(teams.client.personal(TEACHER, "report concern"))
    (reply,) = teams.connector.wait_for(lambda calls: len(calls) == 1)
    inputs = reply.inputs()
    assert set(inputs) == CONCERN_INPUTS
    assert inputs["category"]["type"] == "Input.ChoiceSet"
    assert {c["value"] for c in inputs["category"]["choices"]} == set(CONCERN_CATEGORIES)
    assert inputs["about_headteacher"]["type"] == "Input.Toggle"
    assert inputs["immediate_risk"]["type"] == "Input.Toggle"
    assert inputs["description"]["isMultiline"] is True
    (send,) = [a["data"] for a in reply.submit_actions() if a["data"]["action"] != "cancel"]
    assert send["action"] == "submit_concern"
    assert re.fullmatch(r"[0-9a-f]{32}", send["form_id"])  # names this one form


def test_declare_relationship_command_sends_the_form(teams):
    teams.client.send(teams.client.personal(TEACHER, "declare relationship"))
    (reply,) = teams.connector.wait_for(lambda calls: len(calls) == 1)
    inputs = reply.inputs()
    assert {"student_name", "year_group", "relationship"} <= set(inputs)
    assert {c["value"] for c in inputs["relationship"]["choices"]} == set(RELATIONSHIPS)
    actions = [a["data"]["action"] for a in reply.submit_actions()]
    assert actions == ["submit_declaration", "cancel"]


def test_suggested_report_button_opens_the_form(teams):
    teams.client.send(teams.client.personal(TEACHER, value={"action": "open_concern_form"}))
    (reply,) = teams.connector.wait_for(lambda calls: len(calls) == 1)
    assert set(reply.inputs()) == CONCERN_INPUTS


@pytest.mark.parametrize("text", ["report concern", "declare relationship"])
def test_forms_are_never_posted_in_a_channel(teams, text):
    teams.client.send(teams.client.channel(TEACHER, text))
    (reply,) = teams.connector.wait_for(lambda calls: len(calls) == 1)
    assert "1:1 chat" in reply.text
    assert reply.inputs() == {}


def test_a_submit_from_a_channel_is_refused_and_nothing_is_stored(teams):
    activity = teams.client.channel(TEACHER, "")
    activity["value"] = concern()
    teams.client.send(activity)
    (reply,) = teams.connector.wait_for(lambda calls: len(calls) == 1)
    assert "1:1 chat" in reply.text
    assert teams.runtime.reports.list_for_submitter(Actor("teams", TEACHER.aad)) == []


def test_concern_validation_errors_come_back_on_the_form(teams):
    value = concern(category="", description="", where="Facebook group", form_id="f0a1")
    teams.client.send(teams.client.personal(TEACHER, value=value))
    (reply,) = teams.connector.wait_for(lambda calls: len(calls) == 1)
    inputs = reply.inputs()
    assert set(inputs) == CONCERN_INPUTS  # the form again
    assert inputs["where"]["value"] == "Facebook group"  # what they typed is kept
    blocks = reply.text_blocks()
    # each message sits right under its field
    body = reply.card["body"]
    ids = [el.get("id") for el in body]
    for field in ("category", "description"):
        error = body[ids.index(field) + 1]
        assert error["type"] == "TextBlock" and error["color"] == "Attention"
    assert any("check" in b.lower() for b in blocks)
    assert teams.runtime.reports.list_for_submitter(Actor("teams", TEACHER.aad)) == []
    # the corrected form is still the same form
    (send,) = [a["data"] for a in reply.submit_actions() if a["data"]["action"] != "cancel"]
    assert send["form_id"] == "f0a1"


def test_declaration_validation_errors_come_back_on_the_form(teams):
    value = declaration(student_name="", relationship="cousin")
    teams.client.send(teams.client.personal(TEACHER, value=value))
    (reply,) = teams.connector.wait_for(lambda calls: len(calls) == 1)
    body = reply.card["body"]
    ids = [el.get("id") for el in body]
    for field in ("student_name", "relationship"):
        assert body[ids.index(field) + 1].get("color") == "Attention"
    assert reply.inputs()["year_group"]["value"] == "Year 4"


# --- delivery and routing -----------------------------------------------------------------


def test_concern_goes_to_the_head_who_installed_the_bot(teams):
    teams.client.send(teams.client.install(HEAD))
    teams.connector.wait_for(to(HEAD))  # the welcome
    reference = submit(teams, TEACHER, concern())
    assert reference.startswith("C-")
    receipt = to(TEACHER)(teams.connector.sent())[-1]
    assert reference in receipt.card_text()
    wait_sent(teams, reference, {"headteacher"})
    notices = [c for c in to(HEAD)(teams.connector.sent()) if reference in c.text]
    assert len(notices) == 1
    notice = notices[0]
    assert notice.reply_to_id is None or notice.reply_to_id != ""  # a new post, not a reply
    assert "Cyberbullying" in notice.card_text()
    assert {"action": "acknowledge", "reference": reference} in [
        a["data"] for a in notice.submit_actions()
    ]
    # nothing about it went to anyone else
    assert not [
        c
        for c in teams.connector.sent()
        if c.conversation_id not in {HEAD.personal_conversation, TEACHER.personal_conversation}
    ]


def test_pressing_send_twice_files_one_concern(teams):
    teams.client.send(teams.client.install(HEAD))
    teams.connector.wait_for(to(HEAD))
    first = submit(teams, TEACHER, concern(form_id="5e1f0a"))
    again = submit(teams, TEACHER, concern(form_id="5e1f0a"))

    assert again == first
    receipt = to(TEACHER)(teams.connector.sent())[-1]
    assert "already sent, so nothing was filed twice" in receipt.card_text()
    assert len(teams.runtime.reports.list_for_submitter(Actor("teams", TEACHER.aad))) == 1
    wait_sent(teams, first, {"headteacher"})
    assert len([c for c in to(HEAD)(teams.connector.sent()) if first in c.text]) == 1
    # a new form is a new report
    assert submit(teams, TEACHER, concern(form_id="77aa")) != first


def test_concern_about_the_head_goes_to_the_chair_and_never_the_head(teams):
    for user in (HEAD, CHAIR):
        teams.client.send(teams.client.install(user))
    teams.connector.wait_for(lambda calls: to(HEAD)(calls) and to(CHAIR)(calls))
    reference = submit(teams, TEACHER, concern(about_headteacher="true"))
    wait_sent(teams, reference, {"chair_of_governors"})
    assert [c for c in to(CHAIR)(teams.connector.sent()) if reference in c.text]
    assert not [c for c in to(HEAD)(teams.connector.sent()) if reference in c.text]


@pytest.mark.parametrize("fields", [{"immediate_risk": "true"}, {"category": "indecent_images"}])
def test_urgent_concern_also_goes_to_the_dsl(teams, fields):
    for user in (HEAD, DSL):
        teams.client.send(teams.client.install(user))
    teams.connector.wait_for(lambda calls: to(HEAD)(calls) and to(DSL)(calls))
    reference = submit(teams, TEACHER, concern(**fields))
    receipt = to(TEACHER)(teams.connector.sent())[-1]
    assert "URGENT" in receipt.text
    wait_sent(teams, reference, {"headteacher", "safeguarding_lead"})
    for user in (HEAD, DSL):
        (notice,) = [c for c in to(user)(teams.connector.sent()) if reference in c.text]
        assert notice.card["body"][0]["color"] == "Attention"


def test_declaration_goes_to_the_head(teams):
    teams.client.send(teams.client.install(HEAD))
    teams.connector.wait_for(to(HEAD))
    reference = submit(teams, TEACHER, declaration())
    assert reference.startswith("R-")
    wait_sent(teams, reference, {"headteacher"})
    (notice,) = [c for c in to(HEAD)(teams.connector.sent()) if reference in c.text]
    assert "Amy Reed" in notice.card_text()


def test_head_never_installed_is_queued_then_delivered_when_they_message(teams):
    reference = submit(teams, TEACHER, concern())
    receipt = to(TEACHER)(teams.connector.sent())[-1]
    assert "pending" in receipt.text  # recorded, delivery pending: nothing lost

    def unreachable(_calls):
        status = {s.role: s.status for s in teams.runtime.reports.delivery_status(reference)}
        return status.get("headteacher") == "recipient not reachable on Teams"

    teams.connector.wait_for(unreachable)
    assert teams.client.healthz()["unreachable_recipients"] == [
        "chair_of_governors",
        "headteacher",
        "safeguarding_lead",
    ]
    assert not to(HEAD)(teams.connector.sent())

    teams.client.send(teams.client.personal(HEAD, "hello"))  # first contact
    wait_sent(teams, reference, {"headteacher"})
    notices = [c for c in to(HEAD)(teams.connector.sent()) if reference in c.text]
    assert len(notices) == 1
    assert "headteacher" not in teams.client.healthz()["unreachable_recipients"]


def test_head_known_only_from_a_team_gets_a_new_1to1_chat(teams):
    teams.client.send(teams.client.team_install(OTHER, members=[HEAD, TEACHER]))
    reference = submit(teams, TEACHER, concern())
    wait_sent(teams, reference, {"headteacher"})
    (created,) = teams.connector.created
    assert created["members"][0]["id"] == HEAD.teams_id
    assert created["isGroup"] is False
    assert created["channelData"]["tenant"]["id"]  # Teams reads the tenant from here
    (notice,) = [
        c
        for c in teams.connector.sent()
        if reference in c.text and c.conversation_id.startswith("a:dm-")
    ]
    assert notice.conversation_id == f"a:dm-{HEAD.teams_id}"
    # never in the team's channel
    assert not [c for c in teams.connector.sent() if "thread" in c.conversation_id]


def test_references_survive_a_restart(start_bot):
    first = start_bot()
    first.client.send(first.client.install(HEAD))
    first.connector.wait_for(to(HEAD))
    first.stop()
    second = start_bot()  # same data dir and config, new process state
    reference = submit(second, TEACHER, concern())
    wait_sent(second, reference, {"headteacher"})
    assert [c for c in to(HEAD)(second.connector.sent()) if reference in c.text]


def test_connector_outage_still_delivers_exactly_once(teams):
    teams.client.send(teams.client.install(HEAD))
    teams.connector.wait_for(to(HEAD))
    teams.client.send(teams.client.personal(TEACHER, "hi"))
    teams.connector.wait_for(to(TEACHER))
    teams.connector.fail_next = 4  # the next four posts to Teams get 500
    # The receipt (a reply in this turn) may be one of the failures: the record is what counts.
    teams.client.post(teams.client.personal(TEACHER, value=concern()))
    (summary,) = teams.runtime.reports.list_for_submitter(Actor("teams", TEACHER.aad))
    reference = summary.reference
    wait_sent(teams, reference, {"headteacher"})
    (status,) = [
        s for s in teams.runtime.reports.delivery_status(reference) if s.role == "headteacher"
    ]
    assert status.attempts >= 2  # it did fail and retry
    notices = [c for c in to(HEAD)(teams.connector.sent()) if reference in c.text]
    assert len(notices) == 1
    failed = [c for c in teams.connector.calls if c.status == 500]
    assert len(failed) == 4


# --- acknowledge ----------------------------------------------------------------------------


def _delivered(teams):
    for user in (HEAD, TEACHER, OTHER):
        teams.client.send(teams.client.personal(user, "hi"))
    teams.connector.wait_for(lambda calls: all(to(u)(calls) for u in (HEAD, TEACHER, OTHER)))
    reference = submit(teams, TEACHER, concern())
    wait_sent(teams, reference, {"headteacher"})
    return reference


def test_head_acknowledges_and_the_reporter_is_told(teams):
    reference = _delivered(teams)
    before = len(to(HEAD)(teams.connector.sent()))
    ack = {"action": "acknowledge", "reference": reference}
    teams.client.send(teams.client.personal(HEAD, value=ack))
    calls = teams.connector.wait_for(lambda calls: len(to(HEAD)(calls)) > before)
    assert "You acknowledged" in to(HEAD)(calls)[before].text
    (summary,) = teams.runtime.reports.list_for_submitter(Actor("teams", TEACHER.aad))
    assert summary.status == "acknowledged"
    wait_sent(teams, reference, {"submitter"})
    told = [c for c in to(TEACHER)(teams.connector.sent()) if "was acknowledged" in c.text]
    assert len(told) == 1 and reference in told[0].text
    assert told[0].submit_actions() == []  # the reporter gets no recipient buttons


def test_someone_else_cannot_acknowledge(teams):
    reference = _delivered(teams)
    before = len(to(OTHER)(teams.connector.sent()))
    ack = {"action": "acknowledge", "reference": reference}
    teams.client.send(teams.client.personal(OTHER, value=ack))
    calls = teams.connector.wait_for(lambda calls: len(to(OTHER)(calls)) > before)
    assert "Only the people a report was sent to" in to(OTHER)(calls)[before].text
    (summary,) = teams.runtime.reports.list_for_submitter(Actor("teams", TEACHER.aad))
    assert summary.status == "open"
    assert not [
        s for s in teams.runtime.reports.delivery_status(reference) if s.role == "submitter"
    ]


def test_reporter_cannot_acknowledge_their_own_report(teams):
    reference = _delivered(teams)
    teams.client.send(
        teams.client.personal(TEACHER, value={"action": "acknowledge", "reference": reference})
    )
    (summary,) = teams.runtime.reports.list_for_submitter(Actor("teams", TEACHER.aad))
    assert summary.status == "open"


def test_head_adds_a_note(teams):
    reference = _delivered(teams)
    before = len(to(HEAD)(teams.connector.sent()))
    note = {"action": "add_note", "reference": reference, "note": "Spoken to the parent."}
    teams.client.send(teams.client.personal(HEAD, value=note))
    calls = teams.connector.wait_for(lambda calls: len(to(HEAD)(calls)) > before)
    assert "note was added" in to(HEAD)(calls)[before].text


def test_report_text_cannot_inject_markup_into_the_notice(teams):
    teams.client.send(teams.client.install(HEAD))
    teams.connector.wait_for(to(HEAD))
    nasty = "<at>Everyone</at> @channel **now** [click](https://evil.example.com/x) <b>hi</b>"
    reference = submit(teams, TEACHER, concern(description=nasty, where="<script>x</script>"))
    wait_sent(teams, reference, {"headteacher"})
    (notice,) = [c for c in to(HEAD)(teams.connector.sent()) if reference in c.text]
    rendered = "\n".join(notice.text_blocks())
    assert "<at>" not in rendered and "<b>" not in rendered and "<script>" not in rendered
    assert "](https://" not in rendered and "**now**" not in rendered
    assert "@channel" not in rendered  # broken with a word joiner


def test_the_head_sees_the_reporters_teams_account_beside_their_name(teams):
    teams.client.send(teams.client.install(HEAD))
    teams.connector.wait_for(to(HEAD))
    reference = submit(teams, TEACHER, concern())
    wait_sent(teams, reference, {"headteacher"})
    (notice,) = [c for c in to(HEAD)(teams.connector.sent()) if reference in c.text]
    shown = [re.sub(r"\\(.)", r"\1", t) for t in text_blocks(notice.card)]  # as Teams renders
    assert f"Teams account: {TEACHER.aad}" in shown


def test_links_in_report_text_are_inert_in_the_heads_card(teams):
    teams.client.send(teams.client.install(HEAD))
    teams.connector.wait_for(to(HEAD))
    hostile = "see https://evil.example.photography/x and [click](https://x.y) **now**"
    reference = submit(teams, TEACHER, concern(description=hostile, link="grooming.site/abc"))
    wait_sent(teams, reference, {"headteacher"})
    (notice,) = [c for c in to(HEAD)(teams.connector.sent()) if reference in c.text]
    shown = "\n".join(text_blocks(notice.card))  # TextBlocks render markdown: all escaped
    assert "evil.example" not in shown and "grooming.site" not in shown
    assert "https://" not in shown and "](" not in shown and "**now**" not in shown
    assert "evil.example" not in notice.card["fallbackText"]


def text_blocks(node) -> list[str]:
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "TextBlock" else []
        return own + [t for v in node.values() for t in text_blocks(v)]
    if isinstance(node, list):
        return [t for v in node for t in text_blocks(v)]
    return []


def test_a_concern_that_cannot_be_stored_tells_the_reporter_nothing_was_sent(teams, monkeypatch):
    def locked(form, reporter, submission_key=None):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(teams.runtime.reports, "submit_concern", locked)
    teams.client.send(teams.client.personal(TEACHER, value=concern(people_involved="Jamie Fox")))
    (reply,) = teams.connector.wait_for(to(TEACHER))
    shown = reply.card_text()
    assert "NOT sent" in shown and "nothing was stored" in shown and "Jamie" not in shown
    assert teams.runtime.reports.list_for_submitter(Actor("teams", TEACHER.aad)) == []
