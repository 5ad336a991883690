"""Taught questions with the real embedding model: the curated fixture (ten entries beside the
whole handbook) answers each entry's question and a paraphrase written before the matcher with
the entry's clause; a question close to a taught one is recognised, one on the same topic that
asks something else is not. How much the taught questions move the rest is measured on every
question set by benchmarks/eval_learned.py."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.learning.curated import read_curated
from bot.learning.matching import LEARNED, Taught
from bot.learning.targets import Target, resolve, target_of
from tests import real_model

ROOT = Path(__file__).resolve().parents[2]
CURATED = ROOT / "tests" / "fixtures" / "curated"
PICK = json.loads((CURATED / "staff_pick.json").read_text())
TODAY = dt.date(2026, 11, 25)
pytestmark = pytest.mark.model

# Paraphrases this model does not bring close enough to their entry's question to tell them
# from other questions on the same topic (cosine with the entry's question, measured): the
# bar (bot/learning/matching.py) sits where no other question of the eval sets moves.
NOT_RECOGNISED = {
    "A pupil keeps arriving late, who should I let know?": 0.63,
    "On a school outing, who looks after the children's medicines?": 0.33,
    "How should I get rid of paperwork with pupils' names on?": 0.11,
}


@pytest.fixture(scope="module")
def handbook(tmp_path_factory) -> Assistant:
    folder = tmp_path_factory.mktemp("handbook")
    for source in (ROOT / "tests" / "fixtures" / "handbook", ROOT / "policy_corpus"):
        for f in source.iterdir():
            if f.is_file():
                shutil.copy(f, folder / f.name)
    shutil.copy(CURATED / "questions.toml", folder / "questions.toml")
    bot = Assistant.load(
        folder, tmp_path_factory.mktemp("cache"), embedder=real_model.embedder(),
        today=lambda: TODAY,
    )  # fmt: skip
    curated = read_curated(folder, bot.documents)
    assert curated.failures == [] and len(curated.taught) == 11
    bot.teach(lambda documents: (1, curated.taught))
    return bot


def entries() -> list[tuple[str, str, str]]:
    """(the entry's clause, its first question, the paraphrase written for it)."""
    import tomllib

    data = tomllib.loads((CURATED / "questions.toml").read_text(encoding="utf-8"))
    paraphrases = {
        json.loads(line)["ref"]: json.loads(line)["paraphrase"]
        for line in (CURATED / "paraphrases.jsonl").read_text(encoding="utf-8").splitlines()
    }
    return [(e["ref"], e["questions"][0], paraphrases[e["ref"]]) for e in data["clause"]]


def first(bot: Assistant, question: str) -> Target | None:
    answer = bot.ask(question)
    if answer.outcome == "not_covered" or not answer.citations:
        return None
    return target_of(answer.citations[0], bot.documents)


@pytest.mark.parametrize(("ref", "question", "paraphrase"), entries())
def test_each_curated_question_is_answered_with_its_clause(handbook, ref, question, paraphrase):
    assert first(handbook, question) == resolve(ref, handbook.documents).target


@pytest.mark.parametrize(
    ("ref", "paraphrase"),
    [(ref, paraphrase) for ref, _, paraphrase in entries() if paraphrase not in NOT_RECOGNISED],
)
def test_a_paraphrase_of_a_curated_question_is_answered_with_its_clause(handbook, ref, paraphrase):
    assert first(handbook, paraphrase) == resolve(ref, handbook.documents).target


@pytest.mark.parametrize("paraphrase", sorted(NOT_RECOGNISED))
def test_a_paraphrase_the_model_cannot_place_is_left_to_the_ranking(handbook, paraphrase):
    """Seven of the ten paraphrases are recognised; these three are too far from their entry's
    question for this model (the cosines above). Rather than guess, the taught link stays out
    of it: staff get what the ranking alone gives, exactly as if nothing had been taught."""
    with_taught = [c.label for c in handbook.ask(paraphrase).quoted]
    teaching = handbook._teaching
    handbook.teach(None)
    try:
        assert [c.label for c in handbook.ask(paraphrase).quoted] == with_taught
    finally:
        handbook.teach(teaching)


@pytest.fixture(scope="module")
def policy(tmp_path_factory) -> Assistant:
    cache = tmp_path_factory.mktemp("data")
    real_model.warm_cache(cache)
    return Assistant.load(
        ROOT / "policy_corpus", cache / "cache", embedder=real_model.embedder(),
        today=lambda: TODAY,
    )  # fmt: skip


def test_a_question_on_the_same_topic_that_asks_something_else_is_not_moved(policy):
    seesaw = Taught(PICK["question"], Target("social-media-policy.txt", PICK["right"]), LEARNED)
    other = "Can I message my class on WhatsApp from my own phone?"
    before = [c.label for c in policy.ask(other).quoted]
    policy.teach(lambda documents: (1, [seesaw]))
    try:
        for paraphrase in PICK["paraphrases"]:
            assert policy.ask(paraphrase).best.clause == PICK["right"]
        assert [c.label for c in policy.ask(other).quoted] == before
    finally:
        policy.teach(None)
