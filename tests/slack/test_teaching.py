"""The school teaches it, through the real bolt app (events and clicks signed as Slack signs
them) with the real embedding model: a question answered with the wrong rule → *Not helpful* →
"Was it one of these?" → the member of staff picks the right rule → the headteacher approves it
in App Home → that question and three paraphrases of it, written before, get the picked rule
first for another member of staff. A rejected pick leaves answers as they were."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from bot.config import load_settings
from tests import real_model
from tests.slack.conftest import HEAD, OTHER, STAFF
from tests.slack.test_declarations_and_home import home_views

PICK = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "curated" / "staff_pick.json").read_text()
)
_ts = itertools.count(1)

pytestmark = pytest.mark.model


@pytest.fixture
def runtime(env):
    """The conftest's school, answering with the real model (from a warm embedding cache)."""
    from bot.runtime import Runtime

    real_model.warm_cache(load_settings(env).data_dir)
    runtime = Runtime.from_env(env, embedder=real_model.embedder())
    yield runtime
    runtime.close()


def dm(user: str) -> str:
    return f"D{user}"


def ask(slack, user: str, question: str) -> dict:
    """DM the bot; the answer it posts (args and the stored message)."""
    ts = f"17000{next(_ts):05d}.000100"
    before = len(slack.fake.posts_to(dm(user)))
    event = {"type": "message", "channel": dm(user), "channel_type": "im", "user": user,
             "text": question, "ts": ts, "event_ts": ts}  # fmt: skip
    assert slack.event(event).status == 200
    slack.fake.wait_for(lambda: len(slack.fake.posts_to(dm(user))) > before)
    return slack.fake.channels[dm(user)][-1]


def first_rule(message: dict) -> str:
    """The label under the first rule the answer quotes."""
    blocks = message["blocks"]
    quote = next(i for i, b in enumerate(blocks) if b["type"] == "section"
                 and b["text"]["text"].startswith(">"))  # fmt: skip
    return blocks[quote + 1]["elements"][0]["text"]


def buttons(blocks: list[dict]) -> list[dict]:
    out = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    return out + [b["accessory"] for b in blocks if b.get("accessory")]


def responses(slack, after: int = 0) -> list[dict]:
    return [c.args for c in slack.fake.calls_to("response_url")][after:]


def not_helpful_then_pick(slack, question: str, clause: str) -> dict:
    """Staff ask, press Not helpful, and pick `clause` from "Was it one of these?"."""
    message = ask(slack, STAFF, question)
    (vote,) = [b for b in buttons(message["blocks"]) if b["action_id"] == "feedback_not_helpful"]
    seen = len(responses(slack))
    slack.click(STAFF, vote["action_id"], vote["value"], message=message, channel=dm(STAFF))
    offer = slack.fake.wait_for(lambda: responses(slack, seen))[0]
    assert offer["response_type"] == "ephemeral" and offer["text"] == "Was it one of these?"
    picks = [b for b in buttons(offer["blocks"]) if b["action_id"] == "learn_pick"]
    assert 1 <= len(picks) <= 3 and any(b["action_id"] == "learn_none"
                                        for b in buttons(offer["blocks"]))  # fmt: skip
    (chosen,) = [b for b in picks if json.loads(b["value"])["c"] == clause]
    seen = len(responses(slack))
    slack.click(STAFF, "learn_pick", chosen["value"], channel=dm(STAFF), ephemeral=True)
    return slack.fake.wait_for(lambda: responses(slack, seen))[0]


def review(slack, user: str = HEAD) -> dict:
    seen = len(home_views(slack, user))
    slack.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": dm(user)})
    return slack.fake.wait_for(lambda: home_views(slack, user)[seen:])[0]


def decide(slack, view: dict, action_id: str, user: str = HEAD) -> dict:
    (button,) = [b for b in buttons(view["blocks"]) if b["action_id"] == action_id]
    seen = len(home_views(slack, user))
    slack.click(user, action_id, button["value"], in_home=True)
    return slack.fake.wait_for(lambda: home_views(slack, user)[seen:])[0]


def test_a_pick_the_headteacher_approves_answers_the_question_and_its_paraphrases(slack):
    question, right = PICK["question"], f"Social Media Policy §{PICK['right']}"
    before = [first_rule(ask(slack, OTHER, q)) for q in [question, *PICK["paraphrases"]]]
    assert not any(label.startswith(f"*{right}*") for label in before)

    picked = not_helpful_then_pick(slack, question, PICK["right"])
    assert picked["replace_original"] is True  # the offer gives way to the rule picked
    text = json.dumps(picked["blocks"], ensure_ascii=False)
    assert right in text and "only use the official school website" in text
    assert "the headteacher will see your suggestion" in text

    home = review(slack)
    text = json.dumps(home["blocks"], ensure_ascii=False)
    assert "1 suggestion to review" in text and question in text
    assert "First given: Social Media Policy §6.vi" in text and f"Picked: *{right}*" in text
    assert STAFF not in text  # who picked it is never shown

    home = decide(slack, home, "learn_approve")
    text = json.dumps(home["blocks"], ensure_ascii=False)
    assert f"Approved #1: “{question}”" in text and "Nothing waiting" in text

    for q in [question, *PICK["paraphrases"]]:
        assert first_rule(ask(slack, OTHER, q)).startswith(f"*{right}*"), q


def test_a_rejected_pick_leaves_answers_as_they_were(slack):
    rejected = PICK["rejected"]
    before = ask(slack, OTHER, rejected["question"])["blocks"]
    not_helpful_then_pick(slack, rejected["question"], rejected["picked"])
    home = decide(slack, review(slack), "learn_reject")
    assert "Rejected #1: answers stay as they were." in json.dumps(home["blocks"])
    after = ask(slack, OTHER, rejected["question"])["blocks"]
    strip = [b for b in after if b["type"] != "actions"]
    assert strip == [b for b in before if b["type"] != "actions"]


def test_someone_who_is_not_a_reviewer_cannot_approve(slack, runtime):
    not_helpful_then_pick(slack, PICK["question"], PICK["right"])
    view = review(slack)  # the head's buttons, pressed by someone else (a forged click)
    (approve,) = [b for b in buttons(view["blocks"]) if b["action_id"] == "learn_approve"]
    slack.click(OTHER, "learn_approve", approve["value"], in_home=True)
    refused = slack.fake.wait_for(lambda: home_views(slack, OTHER))[0]
    assert "Suggestions to review" not in json.dumps(refused["blocks"], ensure_ascii=False)
    assert runtime.learning.suggestions.get(1).status == "pending"
