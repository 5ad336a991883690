"""Each outcome of a question as Teams shows it (the real CloudAdapter over HTTP, replies read
back from the fake Bot Connector): one rule with the list item that answers, two policies each
under its own label, and a question not covered, whose nearest rule sits under its caveat."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from bot.answers import NEAREST_INTRO, TWO_POLICIES_LEAD
from tests.teams.conftest import TEACHER

OUTCOMES = Path(__file__).resolve().parents[1] / "fixtures" / "outcomes"


@pytest.fixture
def teams_env(teams_env):
    """The conftest's data dir and config, asking three small policies whose topics overlap."""
    return {**teams_env, "POLICYBOT_CORPUS_DIR": str(OUTCOMES)}


def ask(teams, question: str):
    teams.client.send(teams.client.personal(TEACHER, question))
    (reply,) = teams.connector.wait_for(lambda calls: len(calls) >= 1)
    return reply


def blocks(card: dict) -> list[str]:
    """The card's text blocks in reading order, containers opened, as a reader sees them
    (TextBlocks render markdown, so policy text arrives with its punctuation escaped)."""
    out: list[str] = []

    def walk(items: list[dict]) -> None:
        for item in items:
            if item["type"] == "TextBlock":
                out.append(html.unescape(re.sub(r"\\(.)", r"\1", item["text"])))
            elif item["type"] == "Container":
                walk(item["items"])

    walk(card["body"])
    return out


def test_one_rule_shows_the_item_that_answers_under_its_lead_in(teams):
    reply = ask(teams, "Do I take the register when the fire alarm goes off?")
    shown = blocks(reply.card)
    assert shown[:3] == [
        "Site Safety Policy §3.1(b)",
        "Fire",
        "When the fire alarm sounds, staff must:",
    ]
    assert shown[3] == "… (b) take the class register with them; …"
    assert "lead their class" not in reply.card_text()


def test_two_policies_are_each_quoted_under_their_own_label_best_first(teams):
    reply = ask(teams, "Can I take photographs of pupils on my personal phone?")
    shown = blocks(reply.card)
    assert shown[0] == TWO_POLICIES_LEAD
    phones, photos = shown.index("Mobile Phone Policy §1.1"), shown.index("Photography Policy §1.1")
    assert phones < photos
    assert shown[phones + 2].startswith("Staff must not use a personal phone")
    assert shown[photos + 2].startswith("Photographs of pupils are taken only on school cameras")
    assert reply.text.startswith(TWO_POLICIES_LEAD)  # the plain-text fallback says the same


def test_not_covered_says_what_the_policies_do_not_mention_and_labels_the_nearest_rule(teams):
    reply = ask(teams, "Where can I park my bicycle?")
    shown = blocks(reply.card)
    assert shown[0].startswith("The school's policies don't mention bicycle. Please ask")
    caveat = shown.index(NEAREST_INTRO)
    assert shown[caveat + 1] == "Site Safety Policy §1.1"
    assert "The car park is locked at 6pm" in shown[caveat + 3]
    feedback = [a["data"] for a in reply.submit_actions() if a["data"]["action"] == "feedback"]
    assert feedback and feedback[0]["question"] == "Where can I park my bicycle?"


def test_not_covered_with_nothing_near_quotes_no_rule(teams):
    reply = ask(teams, "Do staff get a discount at the gym?")
    shown = blocks(reply.card)
    assert shown[0].startswith("The school's policies don't mention discount or the gym.")
    assert not any("§" in line for line in shown)
