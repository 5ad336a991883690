"""Each outcome of a question as Slack shows it (the real bolt app, events signed as Slack signs
them): one rule with the list item that answers, two policies each quoted under its own label,
and a question the policies don't cover, whose nearest rule sits under its caveat."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answers import NEAREST_INTRO, TWO_POLICIES_LEAD
from tests.slack.conftest import STAFF

OUTCOMES = Path(__file__).resolve().parents[1] / "fixtures" / "outcomes"


@pytest.fixture
def env(env):
    """The conftest's data dir and config, asking three small policies whose topics overlap."""
    return {**env, "POLICYBOT_CORPUS_DIR": str(OUTCOMES)}


def ask(slack, question: str, ts: str) -> list[dict]:
    event = {
        "type": "message",
        "channel": "D0STAFF",
        "channel_type": "im",
        "user": STAFF,
        "text": question,
        "ts": ts,
        "event_ts": ts,
    }
    assert slack.event(event).status == 200
    return slack.fake.wait_for(lambda: slack.fake.posts_to("D0STAFF"))[0].args["blocks"]


def texts(blocks: list[dict]) -> list[str]:
    """Each block's text, in order (a context block's elements joined)."""
    out = []
    for b in blocks:
        if b["type"] == "section":
            out.append(b["text"]["text"])
        elif b["type"] == "context":
            out.append(" ".join(e["text"] for e in b["elements"]))
    return out


def test_one_rule_shows_the_item_that_answers_under_its_lead_in(slack):
    blocks = ask(slack, "Do I take the register when the fire alarm goes off?", "1700000201.1")
    quote, label = texts(blocks)[:2]
    assert (
        quote
        == ">When the fire alarm sounds, staff must:\n>… (b) take the class register with them; …"
    )
    assert label.startswith("*Site Safety Policy §3.1(b)*")


def test_two_policies_are_each_quoted_under_their_own_label_best_first(slack):
    blocks = ask(slack, "Can I take photographs of pupils on my personal phone?", "1700000202.1")
    shown = texts(blocks)
    assert shown[0] == TWO_POLICIES_LEAD
    assert shown[1].startswith(">Staff must not use a personal phone to take photographs")
    assert shown[2].startswith("*Mobile Phone Policy §1.1*")
    assert shown[3].startswith(">Photographs of pupils are taken only on school cameras")
    assert shown[4].startswith("*Photography Policy §1.1*")


def test_not_covered_says_what_the_policies_do_not_mention_and_labels_the_nearest_rule(slack):
    blocks = ask(slack, "Where can I park my bicycle?", "1700000203.1")
    shown = texts(blocks)
    assert shown[0].startswith("The school's policies don't mention bicycle. Please ask")
    assert shown[1] == f"_{NEAREST_INTRO}_"
    assert shown[2] == ">The car park is locked at 6pm and staff must move their cars before then."
    assert shown[3].startswith("*Site Safety Policy §1.1*")
    assert any(t.startswith("Ask instead:") for t in shown)


def test_not_covered_with_nothing_near_quotes_no_rule(slack):
    blocks = ask(slack, "Do staff get a discount at the gym?", "1700000204.1")
    shown = texts(blocks)
    assert shown[0].startswith("The school's policies don't mention discount or the gym.")
    assert not any(t.startswith(">") for t in shown)
