"""Attacks on a filed concern through Slack, made the way a staff member with an account (or
someone replaying what they captured) would: buttons pressed by people a report was not sent to,
button values and modal metadata edited to another reference, stale and mis-signed presses, and
the headteacher trying to reach a concern about them. Every refusal must look the same as the
answer for a reference that does not exist, so a refusal says nothing about the report."""

from __future__ import annotations

import json
import time

from bot.reports.models import Actor
from handlers.slack import modals
from tests.slack.conftest import CHAIR, DSL, HEAD, OTHER, STAFF
from tests.slack.test_concerns import dm, notices_for, submit_concern

UNKNOWN = "C-2026-9999"


def filed(slack, runtime, user=STAFF, **answers) -> str:
    before = {r.reference for r in runtime.reports.list_for_submitter(Actor("slack", user))}
    resp = submit_concern(slack, user=user, **answers)
    assert resp.status == 200
    after = {r.reference for r in runtime.reports.list_for_submitter(Actor("slack", user))}
    (reference,) = after - before
    return reference


def status(runtime, reference: str, user=STAFF) -> str:
    (record,) = [
        r
        for r in runtime.reports.list_for_submitter(Actor("slack", user))
        if r.reference == reference
    ]
    return record.status


def refusal_text(slack, resp) -> str:
    """What the clicker was told privately (an ephemeral reply on the response_url)."""
    path = "/" + resp.response_url.split("/", 3)[-1]
    call = slack.fake.wait_for(lambda: [c for c in slack.fake.calls if c.path == path])
    return str(call[-1].args)


def test_a_colleague_pressing_acknowledge_on_a_reference_changes_nothing(slack, runtime):
    reference = filed(slack, runtime)
    slack.fake.wait_for(lambda: notices_for(slack, HEAD))

    resp = slack.click(OTHER, "acknowledge", reference, channel=dm(OTHER))
    assert resp.status == 200
    told = refusal_text(slack, resp)
    assert "no report" in told.lower()
    assert status(runtime, reference) == "open"
    assert slack.fake.calls_to("chat.update") == []
    assert notices_for(slack, STAFF) == []  # the reporter is not told "acknowledged"


def test_a_refusal_reads_the_same_for_a_real_reference_and_an_unknown_one(slack, runtime):
    reference = filed(slack, runtime)
    real = refusal_text(slack, slack.click(OTHER, "acknowledge", reference, channel=dm(OTHER)))
    fake_ref = refusal_text(slack, slack.click(OTHER, "acknowledge", UNKNOWN, channel=dm(OTHER)))
    assert real.replace(reference, "REF") == fake_ref.replace(UNKNOWN, "REF")


def test_the_reporter_cannot_acknowledge_their_own_concern(slack, runtime):
    reference = filed(slack, runtime)
    slack.click(STAFF, "acknowledge", reference, channel=dm(STAFF))
    time.sleep(0.3)
    assert status(runtime, reference) == "open"


def test_the_head_cannot_acknowledge_a_concern_about_them(slack, runtime):
    reference = filed(slack, runtime, about_headteacher=True)
    slack.fake.wait_for(lambda: notices_for(slack, CHAIR))
    about = refusal_text(slack, slack.click(HEAD, "acknowledge", reference, channel=dm(HEAD)))
    unknown = refusal_text(slack, slack.click(HEAD, "acknowledge", UNKNOWN, channel=dm(HEAD)))
    assert about.replace(reference, "REF") == unknown.replace(UNKNOWN, "REF")
    assert status(runtime, reference) == "open"
    assert notices_for(slack, HEAD) == []


def test_the_head_cannot_open_the_note_form_on_a_concern_about_them(slack, runtime):
    reference = filed(slack, runtime, about_headteacher=True)
    slack.fake.wait_for(lambda: notices_for(slack, CHAIR))
    opened_before = len(slack.fake.calls_to("views.open"))
    resp = slack.click(HEAD, "note", reference, channel=dm(HEAD))
    assert "only the people" in refusal_text(slack, resp).lower()
    assert len(slack.fake.calls_to("views.open")) == opened_before


def note_submission(slack, user: str, reference: str, text: str):
    """A forged view_submission of the Add note modal whose private_metadata names
    ``reference``: Slack signs whatever its client sent, and the metadata is the app's own, but
    a recipient of one report can open the modal and an attacker who replays it can edit it."""
    view = {
        **modals.note_modal(reference),
        "id": "VNOTEFORGED",
        "state": {"values": {"note": {"note": {"type": "plain_text_input", "value": text}}}},
    }
    return slack.interact(
        {
            "type": "view_submission",
            "user": {"id": user, "username": user.lower(), "name": user.lower()},
            "trigger_id": "trigger.forged",
            "view": view,
        }
    )


def test_a_note_form_edited_to_another_reference_is_refused(slack, runtime):
    mine = filed(slack, runtime)  # to the head
    theirs = filed(slack, runtime, about_headteacher=True)  # to the chair
    slack.fake.wait_for(lambda: notices_for(slack, CHAIR))

    resp = note_submission(slack, HEAD, theirs, "Nothing to see here.")
    assert resp.status == 200
    assert resp.json()["response_action"] == "errors"
    history = runtime.reports.get(theirs, Actor("slack", CHAIR))
    assert "Nothing to see here" not in str(history)
    # the same head on their own report may add a note
    assert note_submission(slack, HEAD, mine, "Spoke to the parent.").status == 200
    assert "Spoke to the parent" in str(runtime.reports.get(mine, Actor("slack", HEAD)))


def test_a_stale_signed_acknowledge_is_refused_and_changes_nothing(slack, runtime):
    reference = filed(slack, runtime)
    slack.fake.wait_for(lambda: notices_for(slack, HEAD))
    payload = {
        "type": "block_actions",
        "user": {"id": HEAD, "username": "head", "name": "head"},
        "trigger_id": "trigger.old",
        "team": {"id": "T0SCHOOL"},
        "actions": [{"type": "button", "action_id": "acknowledge", "value": reference}],
    }
    from urllib.parse import urlencode

    body = urlencode({"payload": json.dumps(payload)})
    ten_minutes_ago = int(time.time()) - 600
    resp = slack.post(body, "application/x-www-form-urlencoded", timestamp=ten_minutes_ago)
    assert resp.status == 401
    wrong = slack.post(body, "application/x-www-form-urlencoded", secret="rotated-old-secret")
    assert wrong.status == 401
    assert status(runtime, reference) == "open"


def test_an_acknowledge_replayed_by_the_head_twice_tells_the_reporter_once(slack, runtime):
    reference = filed(slack, runtime)
    notice = slack.fake.wait_for(lambda: notices_for(slack, HEAD))[0]
    for _ in range(2):
        slack.click(HEAD, "acknowledge", reference, message=notice, channel=dm(HEAD))
    slack.fake.wait_for(lambda: notices_for(slack, STAFF))
    time.sleep(0.5)
    assert len(notices_for(slack, STAFF)) == 1


def test_the_dsl_cannot_act_on_a_routine_concern_sent_only_to_the_head(slack, runtime):
    reference = filed(slack, runtime)
    slack.fake.wait_for(lambda: notices_for(slack, HEAD))
    slack.click(DSL, "acknowledge", reference, channel=dm(DSL))
    time.sleep(0.3)
    assert status(runtime, reference) == "open"
