"""/report-concern end to end: command → modal → submission → recipients' DMs → acknowledge →
the reporter's DM. Routing (chair, DSL) is the core's; these tests check Slack carries it out."""

from __future__ import annotations

import json
import sqlite3
import time

from bot.reports.models import Actor
from handlers.slack import reporting
from handlers.slack.notifier import EVENT_TYPE
from tests.slack.conftest import CHAIR, DSL, HEAD, OTHER, STAFF

SECRET_DETAIL = "Jamie Fox in Year 5 was sent threatening messages"


def dm(user: str) -> str:
    return "D" + user


def open_modal(slack, text=SECRET_DETAIL, user=STAFF, command="/report-concern"):
    before = len(slack.fake.calls_to("views.open"))
    resp = slack.command(command, text, user=user)
    assert resp.status == 200
    opened = slack.fake.wait_for(lambda: slack.fake.calls_to("views.open")[before:])
    return opened[0].args


def submit_concern(slack, user=STAFF, **answers):
    opened = open_modal(slack, user=user)
    answers = {"category": "cyberbullying", "description": SECRET_DETAIL, **answers}
    return slack.submit(user, opened["view"], answers)


def notices_for(slack, user):
    """Messages in the user's DM that the notifier sent (they carry our metadata)."""
    return [
        m
        for m in slack.fake.channels.get(dm(user), [])
        if (m.get("metadata") or {}).get("event_type") == EVENT_TYPE
    ]


def buttons(message):
    return [
        e
        for b in message.get("blocks", [])
        if b.get("type") == "actions"
        for e in b.get("elements", [])
    ]


def test_report_concern_opens_a_modal_prefilled_with_the_text(slack):
    args = open_modal(slack, text="posted a photo of a pupil")
    view = args["view"]
    assert args["trigger_id"].startswith("trigger.")
    assert view["callback_id"] == "report_concern"
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert {k: v["action_id"] for k, v in inputs.items()} == {k: k for k in inputs}
    assert inputs["category"]["type"] == "static_select"
    labels = [o["text"]["text"] for o in inputs["category"]["options"]]
    assert "Cyberbullying" in labels and "Radicalisation / Prevent" in labels
    assert inputs["description"]["multiline"] is True
    assert inputs["description"]["initial_value"] == "posted a photo of a pupil"
    assert len(inputs["about_headteacher"]["options"]) == 1
    assert len(inputs["immediate_risk"]["options"]) == 1
    assert inputs["evidence"]["type"] == "file_input"
    assert inputs["occurred_on"]["type"] == "datepicker"


def test_concern_reaches_the_head_who_acknowledges_and_the_reporter_is_told(slack, runtime):
    resp = submit_concern(slack, where="Facebook", evidence=[{"id": "F0EVIDENCE", "name": "a.png"}])
    assert resp.status == 200
    assert resp.json()["response_action"] == "update"  # the modal turns into the confirmation

    # the reporter: a private confirmation with the reference
    receipt = slack.fake.wait_for(lambda: slack.fake.posts_to(dm(STAFF)))[0]
    reference = runtime.reports.list_for_submitter(Actor("slack", STAFF))[0].reference
    assert reference in str(receipt.args["blocks"])

    # the head: a DM with the summary, Acknowledge (value = reference) and Add note
    notice = slack.fake.wait_for(lambda: notices_for(slack, HEAD))[0]
    assert "Jamie Fox" in str(notice["blocks"])
    assert [(b["action_id"], b["value"]) for b in buttons(notice)] == [
        ("acknowledge", reference),
        ("note", reference),
    ]
    assert notices_for(slack, CHAIR) == [] and notices_for(slack, DSL) == []

    resp = slack.click(HEAD, "acknowledge", reference, message=notice, channel=dm(HEAD))
    assert resp.status == 200
    update = slack.fake.wait_for(lambda: slack.fake.calls_to("chat.update"))[0]
    assert update.args["channel"] == dm(HEAD) and update.args["ts"] == notice["ts"]
    assert [b["action_id"] for b in buttons(update.args)] == ["note"]
    assert "acknowledged" in str(update.args["blocks"]).lower()

    told = slack.fake.wait_for(lambda: notices_for(slack, STAFF))[0]
    assert reference in str(told["blocks"]) and "acknowledged" in str(told["blocks"]).lower()
    assert runtime.reports.list_for_submitter(Actor("slack", STAFF))[0].status == "acknowledged"


def test_a_concern_about_the_head_goes_to_the_chair_only(slack):
    submit_concern(slack, about_headteacher=True)
    notice = slack.fake.wait_for(lambda: notices_for(slack, CHAIR))[0]
    assert "headteacher" in notice["text"].lower()
    slack.fake.wait_for(lambda: slack.fake.posts_to(dm(STAFF)))
    assert notices_for(slack, HEAD) == []
    assert notices_for(slack, DSL) == []


def test_immediate_risk_goes_to_the_dsl_too_marked_urgent(slack):
    submit_concern(slack, immediate_risk=True)
    to_dsl = slack.fake.wait_for(lambda: notices_for(slack, DSL))[0]
    to_head = slack.fake.wait_for(lambda: notices_for(slack, HEAD))[0]
    for notice in (to_dsl, to_head):
        assert notice["blocks"][0]["text"]["text"].startswith(":rotating_light: *URGENT")
    assert notices_for(slack, CHAIR) == []


def test_only_a_recorded_recipient_can_acknowledge(slack, runtime):
    submit_concern(slack)
    notice = slack.fake.wait_for(lambda: notices_for(slack, HEAD))[0]
    reference = buttons(notice)[0]["value"]

    for intruder in (OTHER, CHAIR, STAFF):
        resp = slack.click(intruder, "acknowledge", reference, message=notice, channel=dm(HEAD))
        assert resp.status == 200
        refusal = slack.fake.wait_for(
            lambda url=resp.response_url: [
                c for c in slack.fake.calls_to("response_url") if c.path.endswith(url[-6:])
            ]
        )[0]
        assert refusal.args["response_type"] == "ephemeral"
        assert refusal.args.get("replace_original") is False
        assert "only the people a report was sent to" in refusal.args["text"].lower()

    assert slack.fake.calls_to("chat.update") == []
    assert runtime.reports.list_for_submitter(Actor("slack", STAFF))[0].status == "open"
    assert notices_for(slack, STAFF) == []


def test_field_errors_come_back_on_the_fields_and_nothing_is_sent(slack, runtime):
    opened = open_modal(slack)
    resp = slack.submit(STAFF, opened["view"], {"category": None, "description": "  "})
    assert resp.status == 200
    body = resp.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"category", "description"}
    assert runtime.reports.list_for_submitter(Actor("slack", STAFF)) == []
    assert slack.fake.calls_to("chat.postMessage") == []


def test_a_failing_web_api_still_delivers_exactly_once(slack, runtime):
    slack.fake.fail("conversations.open", 2, 429)
    slack.fake.fail("chat.postMessage", 2, 500)
    # and one post that lands but whose response is lost: the retry finds it in the history
    slack.fake.fail("chat.postMessage", 1, 500, after_effect=True)
    resp = submit_concern(slack)
    assert resp.json()["response_action"] == "update"  # the confirmation, in the response
    reference = runtime.reports.list_for_submitter(Actor("slack", STAFF))[0].reference
    assert reference in str(resp.json()["view"]["blocks"])

    def delivered():
        rows = runtime.reports.delivery_status(reference)
        return rows and all(r.status == "sent" for r in rows)

    slack.fake.wait_for(delivered)
    slack.fake.wait_for(lambda: slack.fake.posts_to(dm(STAFF)))  # the receipt DM, retried too
    assert len(notices_for(slack, HEAD)) == 1
    assert [c.status for c in slack.fake.calls_to("conversations.open")].count(429) == 2
    assert [c.status for c in slack.fake.calls_to("chat.postMessage")].count(500) == 3


def test_pressing_submit_again_on_the_same_modal_files_one_report(slack, runtime):
    opened = open_modal(slack)
    answers = {"category": "cyberbullying", "description": SECRET_DETAIL}
    first = slack.submit(STAFF, opened["view"], answers, view_id="V0SAMEMODAL")
    again = slack.submit(STAFF, opened["view"], answers, view_id="V0SAMEMODAL")

    assert first.status == again.status == 200
    (report,) = runtime.reports.list_for_submitter(Actor("slack", STAFF))
    assert report.reference in str(again.json()["view"]["blocks"])
    assert "already sent, so nothing was filed twice" in str(again.json()["view"]["blocks"])
    slack.fake.wait_for(lambda: len(slack.fake.posts_to(dm(STAFF))) >= 2)  # both receipts
    slack.fake.wait_for(lambda: notices_for(slack, HEAD))
    assert len(notices_for(slack, HEAD)) == 1


def test_report_text_never_reaches_a_channel(slack):
    submit_concern(slack, immediate_risk=True, people_involved="Jamie Fox")
    notice = slack.fake.wait_for(lambda: notices_for(slack, HEAD))[0]
    slack.click(HEAD, "acknowledge", buttons(notice)[0]["value"], message=notice, channel=dm(HEAD))
    slack.fake.wait_for(lambda: notices_for(slack, STAFF))
    slack.click(OTHER, "acknowledge", buttons(notice)[0]["value"], channel="C0STAFFROOM")
    slack.fake.wait_for(lambda: len(slack.fake.calls_to("response_url")) >= 1)
    posted = [
        c
        for c in slack.fake.calls
        if c.method in ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url")
    ]
    assert posted
    for call in posted:
        channel = str(call.args.get("channel", ""))
        public = channel.startswith(("C", "G")) or call.args.get("response_type") == "in_channel"
        if public:
            assert "Jamie" not in call.text_blob(), call
        else:
            assert channel.startswith("D") or call.method == "response_url", call


def test_report_text_is_inert_and_whole_in_the_heads_dm(slack):
    hostile = "<!channel> *look* at <https://evil.example.com|this> @here " + "x" * 3900
    submit_concern(slack, description=hostile)
    notice = slack.fake.wait_for(lambda: notices_for(slack, HEAD))[0]
    texts = [b["text"]["text"] for b in notice["blocks"] if b.get("text")]
    blob = "".join(texts)
    assert "<!channel>" not in blob and "<https" not in blob and "*look*" not in blob
    assert "&lt;!channel&gt;" in blob
    assert "@here" not in blob  # broken with a word joiner
    assert blob.count("x") >= 3900  # a long description is split, not cut
    assert all(len(t) <= 3000 for t in texts)
    assert "<!channel>" not in notice["text"]


def _locked_store(delay: float):
    def submit(form, reporter, submission_key=None):
        time.sleep(delay)
        raise sqlite3.OperationalError("database is locked")

    return submit


def test_a_failure_after_the_form_closed_reaches_the_reporter_by_dm(slack, runtime, monkeypatch):
    monkeypatch.setattr(reporting, "ACK_BUDGET", 0.2)
    monkeypatch.setattr(runtime.reports, "submit_concern", _locked_store(delay=0.6))
    resp = submit_concern(slack, people_involved="Jamie Fox")
    assert resp.status == 200 and not resp.text  # the form closed before the core failed

    (told,) = slack.fake.wait_for(lambda: slack.fake.posts_to(dm(STAFF)))
    text = told.text_blob()
    assert "NOT sent" in text and "nothing was stored" in text
    assert "/report-concern" in text and "safeguarding lead" in text
    assert "Jamie" not in text and "threatening" not in text  # no report text in the DM
    assert notices_for(slack, HEAD) == []
    assert runtime.reports.list_for_submitter(Actor("slack", STAFF)) == []


def test_a_failure_before_the_form_closes_goes_back_on_the_form(slack, runtime, monkeypatch):
    monkeypatch.setattr(runtime.reports, "submit_concern", _locked_store(delay=0))
    resp = submit_concern(slack)
    assert resp.status == 200
    body = resp.json()
    assert body["response_action"] == "errors"  # the modal stays open with what they typed
    assert "try again" in body["errors"]["description"]
    assert slack.fake.posts_to(dm(STAFF)) == []


def test_the_head_sees_the_reporters_slack_account_not_just_a_chosen_name(slack):
    opened = open_modal(slack)
    # a display name anyone can set on their own profile
    opened["view"]["private_metadata"] = json.dumps({"name": "Kate Baskeyfield (Headteacher)"})
    slack.submit(STAFF, opened["view"], {"category": "cyberbullying", "description": "x y z"})
    notice = slack.fake.wait_for(lambda: notices_for(slack, HEAD))[0]
    reported = [b["text"]["text"] for b in notice["blocks"] if "Reported by" in str(b)]
    assert reported and reported[0].startswith(f"*Reported by*\n<@{STAFF}> · ")
    assert f"account {STAFF}" in reported[0]


def test_every_mrkdwn_text_carrying_report_text_is_verbatim(slack):
    submit_concern(slack, description="look at evil.example.photography and #general")
    notice = slack.fake.wait_for(lambda: notices_for(slack, HEAD))[0]
    texts = [
        t
        for b in notice["blocks"]
        for t in ([b.get("text")] + list(b.get("elements", [])))
        if isinstance(t, dict) and t.get("type") == "mrkdwn"
    ]
    assert texts and all(t.get("verbatim") is True for t in texts)
    assert "evil[.]example[.]photography" in str(texts)
