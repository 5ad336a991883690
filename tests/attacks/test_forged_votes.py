"""The list of questions staff marked not helpful is shown to one role (the headteacher by
default). A vote's button carries its question, so anyone can forge a vote on any text: a concern
in disguise about the person who reads the list must never be stored or shown to them, even
when it names them the way people type, in lower case ("kate", "baskeyfield")."""

from __future__ import annotations

import json
import time

import pytest

from bot.feedback import FeedbackLog
from tests.slack.conftest import HEAD, STAFF
from tests.slack.test_concerns import dm
from tests.slack.test_declarations_and_home import home_views


def forge_vote(slack, question: str) -> None:
    value = json.dumps({"q": question})
    resp = slack.click(STAFF, "feedback_not_helpful", value, channel=dm(STAFF), ephemeral=True)
    assert resp.status == 200


def heads_home(slack) -> str:
    before = len(home_views(slack, HEAD))
    slack.event({"type": "app_home_opened", "user": HEAD, "channel": dm(HEAD), "tab": "home"})
    return str(slack.fake.wait_for(lambda: home_views(slack, HEAD)[before:])[-1])


@pytest.mark.parametrize(
    "question",
    [
        "what if kate keeps texting a pupil at night",
        "is it ok that baskeyfield adds pupils on snapchat",
        "can kate baskeyfield give a pupil a lift home",
    ],
)
def test_a_forged_vote_naming_the_head_in_lower_case_is_never_shown_to_them(
    slack, runtime, question
):
    forge_vote(slack, question)
    time.sleep(0.3)
    assert FeedbackLog.for_settings(runtime.settings).unclear() == []
    assert "texting" not in heads_home(slack) and "pupil" not in heads_home(slack).lower()


def test_a_plain_policy_question_marked_not_helpful_still_reaches_the_head(slack, runtime):
    forge_vote(slack, "can staff use their own phones in the classroom")
    assert "own phones in the classroom" in slack.fake.wait_for(
        lambda: "own phones" in heads_home(slack) and heads_home(slack)
    )
