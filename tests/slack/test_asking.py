"""Asking by DM, by @mention (answered in the thread) and by /policy (private, shareable), with
feedback buttons; Slack's retries of an event never produce a second answer."""

from __future__ import annotations

from bot.feedback import FeedbackLog
from tests.slack.conftest import STAFF
from tests.slack.fake_slack import BOT_ID, BOT_USER_ID

FRIEND = "Can I accept a friend request from a parent on Facebook?"


def dm_event(text: str, ts: str = "1700000001.000100", **extra) -> dict:
    return {
        "type": "message",
        "channel": "D0STAFF",
        "channel_type": "im",
        "user": STAFF,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        **extra,
    }


def actions(blocks) -> list[dict]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_a_direct_message_gets_a_cited_answer(slack):
    resp = slack.event(dm_event(FRIEND))
    assert resp.status == 200
    answer = slack.fake.wait_for(lambda: slack.fake.posts_to("D0STAFF"))[0].args
    text = str(answer["blocks"])
    assert "Social Media Policy §6.xi" in text
    assert answer["blocks"][0]["text"]["text"].startswith(">")  # the verbatim quote
    assert "review" in text  # the policy is past its review date (September 2026)
    assert [a["action_id"] for a in actions(answer["blocks"])] == [
        "feedback_helpful",
        "feedback_not_helpful",
    ]


def test_a_mention_is_answered_in_the_thread(slack):
    event = {
        "type": "app_mention",
        "channel": "C0STAFFROOM",
        "user": STAFF,
        "text": f"<@{BOT_USER_ID}> {FRIEND}",
        "ts": "1700000050.000200",
        "event_ts": "1700000050.000200",
    }
    assert slack.event(event).status == 200
    reply = slack.fake.wait_for(lambda: slack.fake.posts_to("C0STAFFROOM"))[0].args
    assert reply["thread_ts"] == "1700000050.000200"
    assert "§6.xi" in str(reply["blocks"])


def test_slash_policy_answers_privately_with_a_share_button(slack):
    resp = slack.command("/policy", FRIEND)
    assert resp.status == 200 and resp.text == ""  # acked at once; the answer follows
    answer = slack.fake.wait_for(lambda: slack.fake.calls_to("response_url"))[0]
    assert answer.path.endswith(resp.response_url.rsplit("/", 1)[1])
    assert answer.args["response_type"] == "ephemeral"
    assert "§6.xi" in str(answer.args["blocks"])
    share = actions(answer.args["blocks"])[0]
    assert share["action_id"] == "share_answer"

    click = slack.click(
        STAFF, "share_answer", share["value"], channel="C0STAFFROOM", ephemeral=True
    )
    assert click.status == 200
    posted = slack.fake.wait_for(
        lambda: [
            c
            for c in slack.fake.calls_to("response_url")
            if c.args.get("response_type") == "in_channel"
        ]
    )[0]
    assert "§6.xi" in str(posted.args["blocks"])
    assert f"<@{STAFF}>" in str(posted.args["blocks"])
    assert FRIEND not in str(posted.args)  # the answer is shared, not the question
    slack.fake.wait_for(
        lambda: [c for c in slack.fake.calls_to("response_url") if c.args.get("delete_original")]
    )


def test_a_question_that_sounds_like_a_concern_is_not_offered_for_sharing(slack):
    slack.command("/policy", "A pupil sent me an indecent image, what do I do?")
    answer = slack.fake.wait_for(lambda: slack.fake.calls_to("response_url"))[0].args
    ids = [a["action_id"] for a in actions(answer["blocks"])]
    assert "share_answer" not in ids
    assert "/report-concern" in str(answer["blocks"])


def test_feedback_is_stored_for_the_headteacher(slack, runtime):
    slack.event(dm_event("What is the lunch menu?"))
    message = slack.fake.wait_for(lambda: slack.fake.posts_to("D0STAFF"))[0].args
    stored = slack.fake.channels["D0STAFF"][0]
    not_helpful = actions(message["blocks"])[1]
    resp = slack.click(
        STAFF, "feedback_not_helpful", not_helpful["value"], message=stored, channel="D0STAFF"
    )
    assert resp.status == 200
    update = slack.fake.wait_for(lambda: slack.fake.calls_to("chat.update"))[0].args
    assert actions(update["blocks"]) == []  # the buttons give way to a thank-you
    log = FeedbackLog.for_settings(runtime.settings)
    assert [u.question for u in log.unclear()] == ["What is the lunch menu?"]


def test_a_retried_event_is_answered_once(slack):
    event = dm_event(FRIEND, ts="1700000099.000300")
    assert slack.event(event, event_id="Ev0RETRY").status == 200
    assert slack.event(event, event_id="Ev0RETRY", retry_num=1).status == 200
    assert slack.event(event, event_id="Ev0RETRY", retry_num=2).status == 200
    slack.fake.wait_for(lambda: slack.fake.posts_to("D0STAFF"))
    # a later, different question still gets through, and only then do we count
    slack.event(dm_event("What is trolling?", ts="1700000100.000100"))
    slack.fake.wait_for(lambda: len(slack.fake.posts_to("D0STAFF")) >= 2)
    replies = slack.fake.posts_to("D0STAFF")
    assert len(replies) == 2
    assert "§6.xi" in str(replies[0].args["blocks"])


def test_the_bots_own_messages_and_edits_are_ignored(slack):
    slack.event(dm_event("an answer", user=BOT_USER_ID, bot_id=BOT_ID, ts="1700000200.0001"))
    slack.event(dm_event("edited", subtype="message_changed", ts="1700000201.0001"))
    slack.event(dm_event(FRIEND, ts="1700000202.0001"))
    slack.fake.wait_for(lambda: slack.fake.posts_to("D0STAFF"))
    assert len(slack.fake.posts_to("D0STAFF")) == 1


def test_a_list_item_is_shown_under_the_sentence_that_introduces_it(slack):
    slack.event(
        dm_event(
            "Could my post lower someone's standing in the estimation of right-thinking "
            "members of society?",
            ts="1700000009.000200",
        )
    )
    answer = slack.fake.wait_for(lambda: slack.fake.posts_to("D0STAFF"))[0].args
    quote = answer["blocks"][0]["text"]["text"]
    assert quote.startswith(">…The laws of defamation and apply to statements which:\n")
    assert ">… c) Lower (an individual's) standing in the estimation" in quote


def test_a_quote_that_introduces_a_list_shows_the_list(slack):
    slack.event(
        dm_event(
            "What are the four things that make a statement defamatory?", ts="1700000009.000100"
        )
    )
    answer = slack.fake.wait_for(lambda: slack.fake.posts_to("D0STAFF"))[0].args
    quote = answer["blocks"][0]["text"]["text"]
    assert "statements which:" in quote
    assert ">a) Expose (an individual) to hatred, ridicule or contempt;" in quote
    assert ">d) Disparage (an individual in their) business, trade, office or profession." in quote
