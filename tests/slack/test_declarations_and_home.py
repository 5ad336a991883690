"""/declare-relationship, notes on a record, and App Home for staff and for recipients."""

from __future__ import annotations

from bot.feedback import FeedbackLog
from bot.reports.models import Actor
from handlers.slack import blocks as bk
from tests.slack.conftest import CHAIR, DSL, HEAD, OTHER, STAFF
from tests.slack.test_concerns import buttons, dm, notices_for, open_modal, submit_concern


def declare(slack, user=STAFF, **answers):
    opened = open_modal(slack, text="", user=user, command="/declare-relationship")
    answers = {
        "student_name": "Jamie Fox",
        "year_group": "Year 5",
        "relationship": "niece_nephew",
        "platforms": "Facebook, Instagram",
        **answers,
    }
    return opened, slack.submit(user, opened["view"], answers)


def home_views(slack, user):
    return [
        c.args["view"] for c in slack.fake.calls_to("views.publish") if c.args["user_id"] == user
    ]


def test_declare_relationship_modal_and_delivery_to_the_head(slack, runtime):
    opened, resp = declare(slack)
    view = opened["view"]
    assert view["callback_id"] == "declare_relationship"
    action_ids = {b["element"]["action_id"] for b in view["blocks"] if b["type"] == "input"}
    assert action_ids == {"student_name", "year_group", "relationship", "platforms", "notes"}
    assert resp.status == 200 and resp.json()["response_action"] == "update"

    notice = slack.fake.wait_for(lambda: notices_for(slack, HEAD))[0]
    assert "Jamie Fox" in str(notice["blocks"]) and "Instagram" in str(notice["blocks"])
    reference = buttons(notice)[0]["value"]
    assert buttons(notice)[0]["action_id"] == "acknowledge"
    slack.click(HEAD, "acknowledge", reference, message=notice, channel=dm(HEAD))
    slack.fake.wait_for(lambda: notices_for(slack, STAFF))
    assert runtime.reports.list_for_submitter(Actor("slack", STAFF))[0].status == "acknowledged"


def test_declaration_errors_show_on_the_fields(slack):
    _, resp = declare(slack, student_name="", relationship=None)
    body = resp.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"student_name", "relationship"}


def test_a_recipient_adds_a_note_and_others_cannot(slack, runtime):
    submit_concern(slack)
    notice = slack.fake.wait_for(lambda: notices_for(slack, HEAD))[0]
    reference = buttons(notice)[1]["value"]

    slack.click(OTHER, "note", reference, message=notice, channel=dm(HEAD))
    refused = slack.fake.wait_for(lambda: slack.fake.calls_to("response_url"))[0]
    assert refused.args["response_type"] == "ephemeral"

    slack.click(HEAD, "note", reference, message=notice, channel=dm(HEAD))
    modal = slack.fake.wait_for(
        lambda: [
            c
            for c in slack.fake.calls_to("views.open")
            if c.args["view"]["callback_id"] == "add_note"
        ]
    )[0].args["view"]
    assert slack.submit(HEAD, modal, {"note": ""}).json()["response_action"] == "errors"
    resp = slack.submit(HEAD, modal, {"note": "Spoke to Jamie's parents."})
    assert resp.status == 200 and resp.text == ""
    detail = runtime.reports.get(reference, Actor("slack", HEAD))
    assert [n.text for n in detail.notes] == ["Spoke to Jamie's parents."]


def test_staff_home_shows_how_to_and_their_own_submissions_only(slack, runtime):
    submit_concern(slack)
    slack.fake.wait_for(lambda: notices_for(slack, HEAD))
    slack.event({"type": "app_home_opened", "user": STAFF, "tab": "home", "channel": "D0STAFF"})
    view = slack.fake.wait_for(lambda: home_views(slack, STAFF))[0]
    text = str(view["blocks"])
    assert view["type"] == "home"
    (mine,) = runtime.reports.list_for_submitter(Actor("slack", STAFF))
    assert "/report-concern" in text and "Your submissions" in text and mine.reference in text
    assert "Open items" not in text and "Jamie" not in text
    assert buttons(view) == []


def test_head_home_shows_open_items_register_and_unclear_questions(slack, runtime):
    submit_concern(slack)
    declare(slack, user=OTHER)
    slack.fake.wait_for(lambda: len(notices_for(slack, HEAD)) == 2)
    # a not-helpful vote from staff
    slack.event(
        {
            "type": "message",
            "channel": "D0STAFF",
            "channel_type": "im",
            "user": STAFF,
            "text": "What is the lunch menu?",
            "ts": "1700000300.0001",
        }
    )
    answer = slack.fake.wait_for(lambda: slack.fake.channels.get("D0STAFF"))[0]
    value = buttons(answer)[1]["value"]
    slack.click(STAFF, "feedback_not_helpful", value, message=answer, channel="D0STAFF")
    slack.fake.wait_for(lambda: slack.fake.calls_to("chat.update"))

    slack.event({"type": "app_home_opened", "user": HEAD, "tab": "home", "channel": "D0HEAD"})
    view = slack.fake.wait_for(lambda: home_views(slack, HEAD))[0]
    text = str(view["blocks"])
    assert "Open items" in text and "Relationship register" in text
    assert "What is the lunch menu?" in text
    acks = [b for b in buttons(view) if b["action_id"] == "acknowledge"]
    (concern,) = runtime.reports.list_for_submitter(Actor("slack", STAFF))
    (declaration,) = runtime.reports.list_for_submitter(Actor("slack", OTHER))
    assert sorted(b["value"] for b in acks) == [concern.reference, declaration.reference]

    # acknowledging from App Home republishes it
    slack.click(HEAD, "acknowledge", concern.reference, in_home=True)
    slack.fake.wait_for(lambda: len(home_views(slack, HEAD)) == 2)
    again = home_views(slack, HEAD)[1]
    assert [b["value"] for b in buttons(again) if b["action_id"] == "acknowledge"] == [
        declaration.reference
    ]


CONCERN_AS_QUESTION = "The head keeps messaging a Y9 pupil on Instagram, what do I do?"


def ask_in_dm(slack, user, text, ts):
    slack.event(
        {
            "type": "message",
            "channel": dm(user),
            "channel_type": "im",
            "user": user,
            "text": text,
            "ts": ts,
        }
    )
    return slack.fake.wait_for(lambda: slack.fake.channels.get(dm(user)))[-1]


def test_a_concern_asked_as_a_question_is_never_kept_or_shown_to_the_head(slack, runtime):
    answer = ask_in_dm(slack, STAFF, CONCERN_AS_QUESTION, "1700000400.0001")
    assert [b["action_id"] for b in buttons(answer)] == []  # no Helpful / Not helpful offered
    # a forged Not helpful click carrying the question is refused too
    forged = bk.question_value(CONCERN_AS_QUESTION)
    slack.click(STAFF, "feedback_not_helpful", forged, message=answer, channel=dm(STAFF))
    update = slack.fake.wait_for(lambda: slack.fake.calls_to("chat.update"))[0].args
    assert "isn't kept" in str(update["blocks"])
    assert FeedbackLog.for_settings(runtime.settings).unclear() == []

    slack.event({"type": "app_home_opened", "user": HEAD, "tab": "home", "channel": dm(HEAD)})
    text = str(slack.fake.wait_for(lambda: home_views(slack, HEAD))[0]["blocks"])
    assert "What staff find unclear" in text and "No answers marked not helpful." in text
    assert "Y9" not in text and "messaging" not in text


def test_unclear_questions_are_shown_to_the_headteacher_only_by_default(slack):
    answer = ask_in_dm(slack, STAFF, "What is the lunch menu?", "1700000500.0001")
    not_helpful = [b for b in buttons(answer) if b["action_id"] == "feedback_not_helpful"][0]
    slack.click(STAFF, "feedback_not_helpful", not_helpful["value"], message=answer, channel="x")
    slack.fake.wait_for(lambda: slack.fake.calls_to("chat.update"))
    for user in (HEAD, CHAIR, DSL):
        slack.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": dm(user)})
    views = {
        u: str(slack.fake.wait_for(lambda u=u: home_views(slack, u))[0]) for u in (HEAD, CHAIR, DSL)
    }
    assert "What is the lunch menu?" in views[HEAD]
    for user in (CHAIR, DSL):
        assert "What staff find unclear" not in views[user]
        assert "lunch menu" not in views[user]
