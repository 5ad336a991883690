"""The school teaches it, through the real CloudAdapter over HTTP (replies read back from the
fake Bot Connector) with the real embedding model: a question answered with the wrong rule →
*Not helpful* → "Was it one of these?" → the teacher picks the right rule → the headteacher
approves it from `suggestions` → that question and three paraphrases of it, written before, get
the picked rule first for another member of staff. A rejected pick leaves answers as they were."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from tests import real_model
from tests.teams.conftest import HEAD, OTHER, TEACHER, say

PICK = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "curated" / "staff_pick.json").read_text()
)
pytestmark = pytest.mark.model


@pytest.fixture
def teams(start_bot, teams_env):
    """The bot, answering with the real model (from a warm embedding cache)."""
    from bot.config import load_settings
    from bot.reports.service import ReportService
    from bot.runtime import Runtime
    from bot.store import Store

    settings = load_settings(teams_env)
    real_model.warm_cache(settings.data_dir)
    store = Store(settings.db_path, settings.key, key_source=settings.key_source)
    reports = ReportService(store, settings, backoff_base=0.05, backoff_cap=0.5)
    runtime = Runtime(settings, store, reports, embedder=real_model.embedder())
    runtime.assistant  # noqa: B018 - loaded now, as the server does at start
    return start_bot(runtime=runtime)


def shown(reply) -> list[str]:
    """The card's text blocks as a reader sees them (markdown escapes removed)."""
    return [html.unescape(re.sub(r"\\(.)", r"\1", t)) for t in reply.text_blocks()]


def first_rule(reply) -> str:
    return shown(reply)[0]


def actions(reply, action: str) -> list[dict]:
    return [a["data"] for a in reply.submit_actions() if a["data"].get("action") == action]


def not_helpful_then_pick(teams, question: str, clause: str):
    answer = say(teams, TEACHER, question)
    (vote,) = [v for v in actions(answer, "feedback") if v["helpful"] is False]
    offer = say(teams, TEACHER, value=vote)
    assert "Was it one of these?" in shown(offer)
    assert offer.text.startswith("Thanks: the headteacher will see this one.")
    picks = actions(offer, "learn_pick")
    assert 1 <= len(picks) <= 3 and actions(offer, "learn_none")
    (chosen,) = [p for p in picks if p["clause"] == clause]
    return say(teams, TEACHER, value=chosen)


def test_a_pick_the_headteacher_approves_answers_the_question_and_its_paraphrases(teams):
    question, right = PICK["question"], f"Social Media Policy §{PICK['right']}"
    asked = [question, *PICK["paraphrases"]]
    assert all(first_rule(say(teams, OTHER, q)) != right for q in asked)

    picked = not_helpful_then_pick(teams, question, PICK["right"])
    assert shown(picked)[0] == right
    assert "only use the official school website" in picked.card_text()
    assert "the headteacher will see your suggestion" in picked.card_text()

    review = say(teams, HEAD, "suggestions")
    text = "\n".join(shown(review))
    assert "1 suggestion to review" in text and question in text
    assert "First given: Social Media Policy §6.vi" in text and f"Picked: {right}" in text
    assert TEACHER.name not in text and TEACHER.aad not in review.card_text()
    (approve,) = actions(review, "learn_approve")
    done = say(teams, HEAD, value=approve)
    assert any(t.startswith(f"Approved #1: “{question}”") for t in shown(done))

    for q in asked:
        assert first_rule(say(teams, OTHER, q)) == right, q


def test_a_rejected_pick_leaves_answers_as_they_were(teams):
    rejected = PICK["rejected"]
    before = shown(say(teams, OTHER, rejected["question"]))
    not_helpful_then_pick(teams, rejected["question"], rejected["picked"])
    (reject,) = actions(say(teams, HEAD, "suggestions"), "learn_reject")
    done = say(teams, HEAD, value=reject)
    assert "Rejected #1: answers stay as they were." in shown(done)
    assert shown(say(teams, OTHER, rejected["question"])) == before


def test_only_a_reviewer_sees_or_decides_suggestions(teams):
    not_helpful_then_pick(teams, PICK["question"], PICK["right"])
    refused = say(teams, OTHER, "suggestions")
    assert refused.text == "Only the headteacher can review what staff suggest."
    forged = say(teams, OTHER, value={"action": "learn_approve", "number": 1})
    assert "Only the headteacher can review what staff suggest." in shown(forged)
    assert teams.runtime.learning.suggestions.get(1).status == "pending"
