"""The list of questions staff marked not helpful is shown to the headteacher, so a question
naming a person or a school role is never kept. Staff name people by initials ("can KB give a
pupil a lift home") and roles by their abbreviations ("the HT", "the DHT", "SLT", "my SENCO"):
those count as naming someone, through the real Slack and Teams vote buttons, forged or not.
Capitals the policy itself uses ("IT", "ICT") are its vocabulary, not initials: such a question
is still offered the buttons, and its vote reaches the head."""

from __future__ import annotations

import json
import sqlite3

import pytest

from bot.feedback import NOT_KEPT_NOTE, FeedbackLog
from tests.slack.conftest import STAFF
from tests.slack.test_asking import actions, dm_event
from tests.teams.conftest import TEACHER
from tests.teams.test_reports import to

NAMING = [
    "can the HT give a pupil a lift home",  # the three
    "can KB give a pupil a lift home",
    "is it ok if HH adds pupils on snapchat",
    "can K.B. follow pupils on instagram",
    "is the DHT allowed to message pupils at night",
    "what if the AHT's son adds my class on tiktok",
    "the SLT share photos of pupils, is that ok",
    "my SENCO texts a pupil every evening",
    "can the DSL see my facebook",
    "our LSA follows pupils on snapchat",
    "the NQT adds parents on facebook",
    "should I tell the CoG about the head's posts",
]
MONITORED = "Does the school monitor my use of its IT resources?"  # "IT" is in the policy


def votes(data_dir) -> int:
    db = sqlite3.connect(data_dir / "feedback.db")
    try:
        return db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0]
    finally:
        db.close()


# --- Slack -------------------------------------------------------------------------------------


@pytest.mark.parametrize("question", NAMING)
def test_slack_a_vote_naming_someone_by_initials_or_role_is_not_kept(slack, runtime, question):
    slack.event(dm_event(question))
    answer = slack.fake.wait_for(lambda: slack.fake.posts_to("D0STAFF"))[0].args
    assert "feedback_not_helpful" not in [a["action_id"] for a in actions(answer["blocks"])]
    forged = slack.click(
        STAFF, "feedback_not_helpful", json.dumps({"q": question}), channel="D0STAFF",
        ephemeral=True,
    )  # fmt: skip
    assert forged.status == 200
    told = slack.fake.wait_for(lambda: slack.fake.calls_to("response_url"))
    assert NOT_KEPT_NOTE in str(told[-1].args)
    assert votes(runtime.settings.data_dir) == 0


def test_slack_a_question_using_the_policys_own_capitals_is_still_voted_on(slack, runtime):
    slack.event(dm_event(MONITORED))
    answer = slack.fake.wait_for(lambda: slack.fake.posts_to("D0STAFF"))[0].args
    not_helpful = next(
        a for a in actions(answer["blocks"]) if a["action_id"] == "feedback_not_helpful"
    )
    stored = slack.fake.channels["D0STAFF"][0]
    slack.click(STAFF, "feedback_not_helpful", not_helpful["value"], message=stored,
                channel="D0STAFF")  # fmt: skip
    slack.fake.wait_for(lambda: slack.fake.calls_to("chat.update"))
    log = FeedbackLog.for_settings(runtime.settings, runtime.policy_terms)
    assert [u.question for u in log.unclear()] == [MONITORED]


# --- Teams -------------------------------------------------------------------------------------


def teams_reply(teams, value=None, text=None):
    """Send one message (or card submit) in the teacher's 1:1 chat; the bot's reply to it."""
    before = len(to(TEACHER)(teams.connector.sent()))
    teams.client.send(teams.client.personal(TEACHER, text, value))
    calls = teams.connector.wait_for(lambda calls: len(to(TEACHER)(calls)) > before)
    return to(TEACHER)(calls)[before]


def feedback_buttons(reply) -> list[dict]:
    return [a["data"] for a in reply.submit_actions() if a["data"]["action"] == "feedback"]


@pytest.mark.parametrize("question", NAMING)
def test_teams_a_vote_naming_someone_by_initials_or_role_is_not_kept(teams, question):
    assert feedback_buttons(teams_reply(teams, text=question)) == []
    forged = {"action": "feedback", "question": question, "helpful": False}
    assert "isn't kept" in teams_reply(teams, value=forged).text
    assert votes(teams.runtime.settings.data_dir) == 0


def test_teams_a_question_using_the_policys_own_capitals_is_still_voted_on(teams):
    (helpful, not_helpful) = feedback_buttons(teams_reply(teams, text=MONITORED))
    assert not_helpful["question"] == MONITORED and not_helpful["helpful"] is False
    assert "will see this one" in teams_reply(teams, value=not_helpful).text
    assert votes(teams.runtime.settings.data_dir) == 1
