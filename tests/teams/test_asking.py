"""Asking in Teams: personal chat, the `ask` command, @mention in a channel and a group chat,
help, feedback — as Teams posts them, with replies read back from the fake Bot Connector."""

from __future__ import annotations

import sqlite3

import pytest

from tests.teams.conftest import BOT_NAME, TEACHER

FRIEND_A_PARENT = "Can I friend a parent on Facebook?"


def _one_reply(teams, conversation_id=None):
    (reply,) = teams.connector.wait_for(lambda calls: len(calls) >= 1)
    if conversation_id is not None:
        assert reply.conversation_id == conversation_id
    return reply


def test_question_in_personal_chat_gets_a_cited_answer_card(teams):
    activity = teams.client.personal(TEACHER, FRIEND_A_PARENT)
    teams.client.send(activity)
    reply = _one_reply(teams, TEACHER.personal_conversation)
    assert reply.reply_to_id == activity["id"]  # threaded under the question
    assert "6.xi" in reply.text  # plain-text fallback carries the citation
    card = reply.card
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    text = reply.card_text()
    assert "Social Media Policy §6.xi" in text  # the citation label
    assert "accepting parents of students as friends on Facebook" in text  # verbatim quote
    assert "See also" in text
    assert card["fallbackText"] == reply.text
    assert not reply.body.get("text")  # Teams shows an activity's text above its card: no echo
    feedback = [a["data"] for a in reply.submit_actions() if a["data"]["action"] == "feedback"]
    assert [f["helpful"] for f in feedback] == [True, False]
    assert feedback[0]["question"] == FRIEND_A_PARENT


def test_review_warning_is_shown(teams):
    teams.client.send(teams.client.personal(TEACHER, FRIEND_A_PARENT))
    reply = _one_reply(teams)
    assert "due for review" in reply.card_text()


def test_ask_command_strips_the_word_ask(teams):
    teams.client.send(teams.client.personal(TEACHER, "ask " + FRIEND_A_PARENT))
    assert "6.xi" in _one_reply(teams).text


def test_bare_ask_command_prompts_for_a_question(teams):
    teams.client.send(teams.client.personal(TEACHER, "ask"))
    reply = _one_reply(teams)
    assert "What would you like to ask" in reply.text
    assert not reply.cards


def test_channel_mention_is_stripped_and_answered_in_the_thread(teams):
    activity = teams.client.channel(TEACHER, FRIEND_A_PARENT)
    assert activity["text"].startswith(f"<at>{BOT_NAME}</at>")
    teams.client.send(activity)
    reply = _one_reply(teams)
    assert reply.conversation_id == activity["conversation"]["id"]
    assert reply.reply_to_id == activity["id"]
    assert "6.xi" in reply.text
    assert "<at>" not in reply.text


def test_channel_mention_with_ask_command(teams):
    teams.client.send(teams.client.channel(TEACHER, "ask " + FRIEND_A_PARENT))
    assert "6.xi" in _one_reply(teams).text


def test_channel_message_without_mention_is_ignored(teams):
    teams.client.send(teams.client.channel(TEACHER, FRIEND_A_PARENT, mention=False))
    teams.client.send(teams.client.personal(TEACHER, "help"))  # a marker we do expect
    reply = _one_reply(teams)
    assert reply.conversation_id == TEACHER.personal_conversation


def test_group_chat_mention_is_answered(teams):
    activity = teams.client.group_chat(TEACHER, FRIEND_A_PARENT)
    teams.client.send(activity)
    reply = _one_reply(teams, activity["conversation"]["id"])
    assert "6.xi" in reply.text


def test_mention_alone_shows_help(teams):
    teams.client.send(teams.client.channel(TEACHER, ""))
    assert "report concern" in _one_reply(teams).text


def test_uncovered_question_says_who_to_ask(teams):
    teams.client.send(teams.client.personal(TEACHER, "What is on the lunch menu on Friday?"))
    reply = _one_reply(teams)
    assert "The school's policies don't mention the lunch menu." in reply.text
    assert "line manager" in reply.card_text()


def test_answer_suggesting_a_report_offers_the_form_button(teams):
    teams.client.send(
        teams.client.personal(TEACHER, "What should I do if I see indecent images of a pupil?")
    )
    reply = _one_reply(teams)
    actions = [a["data"]["action"] for a in reply.submit_actions()]
    assert "open_concern_form" in actions


@pytest.mark.parametrize("text", ["help", "Help", "/help", "?"])
def test_help(teams, text):
    teams.client.send(teams.client.personal(TEACHER, text))
    reply = _one_reply(teams)
    for command in ("ask", "report concern", "declare relationship", "help"):
        assert command in reply.text


def test_install_in_personal_scope_sends_a_welcome(teams):
    teams.client.send(teams.client.install(TEACHER))
    reply = _one_reply(teams, TEACHER.personal_conversation)
    assert "report concern" in reply.text


def test_feedback_buttons_record_a_vote(teams):
    value = {"action": "feedback", "question": FRIEND_A_PARENT, "helpful": False}
    teams.client.send(teams.client.personal(TEACHER, value=value))
    assert "Thanks" in _one_reply(teams).text
    db = sqlite3.connect(teams.runtime.settings.data_dir / "feedback.db")
    try:
        rows = db.execute("SELECT helpful, platform FROM feedback").fetchall()
    finally:
        db.close()
    assert rows == [(0, "teams")]


def test_a_list_item_is_shown_under_the_sentence_that_introduces_it(teams):
    teams.client.send(
        teams.client.personal(
            TEACHER,
            "Could my post lower someone's standing in the estimation of right-thinking "
            "members of society?",
        )
    )
    texts = _one_reply(teams).card_text()
    assert "The laws of defamation and apply to statements which:" in texts
    assert "… c) Lower (an individual's) standing in the estimation" in texts


def test_a_quote_that_introduces_a_list_shows_the_list(teams):
    teams.client.send(
        teams.client.personal(TEACHER, "What are the four things that make a statement defamatory?")
    )
    texts = _one_reply(teams).card_text()
    assert "statements which:" in texts
    assert "a) Expose (an individual) to hatred, ridicule or contempt;" in texts


def test_a_concern_asked_as_a_question_offers_no_feedback_and_a_forged_vote_is_not_kept(teams):
    concern = "The head keeps messaging a Y9 pupil on Instagram, what do I do?"
    teams.client.send(teams.client.personal(TEACHER, concern))
    reply = _one_reply(teams)
    assert [a for a in reply.submit_actions() if a["data"]["action"] == "feedback"] == []
    forged = {"action": "feedback", "question": concern, "helpful": False}
    teams.client.send(teams.client.personal(TEACHER, value=forged))
    teams.connector.wait_for(lambda calls: [c for c in calls if "isn't kept" in (c.text or "")])
    db = sqlite3.connect(teams.runtime.settings.data_dir / "feedback.db")
    try:
        assert db.execute("SELECT COUNT(*) FROM feedback").fetchone() == (0,)
    finally:
        db.close()
