"""A question that asks for a time or an amount is answered only by a clause that states one.

"When are the school photos being taken?" finds the clause on photographs of pupils, close in
topic; but that clause sets no date, so it is not the answer, and the reply is *not covered*.
"How long has the head got to acknowledge a complaint?" is answered by the clause that says
"within five school days". Driven through the assistant with the small hashing embedder.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.answers import NOT_COVERED
from bot.assistant import Assistant
from bot.outcomes import Abstention
from bot.retrieval.intent import classify, clause_kinds
from tests.fakes import HashingEmbedder

POLICY = """# Staff Handbook

Approved by governors: 1 September 2025. Next review: September 2027.

## 1. Photographs

1.1 Photographs of pupils are taken only with the written consent of their parents.

## 2. Complaints

2.1 The headteacher will acknowledge a complaint in writing within five school days.

## 3. Visits

3.1 Head counts are taken before leaving school and when getting on and off transport.

3.2 The fire alarm is tested every Monday at 8.00am.
"""


def _assistant(folder: Path, **kw: object) -> Assistant:
    (folder / "handbook.md").write_text(POLICY, encoding="utf-8")
    return Assistant.load(
        folder,
        folder / "cache",
        embedder=HashingEmbedder(),
        today=lambda: dt.date(2026, 1, 10),
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    return _assistant(tmp_path_factory.mktemp("answer-type"))


def test_a_question_about_when_is_not_answered_by_a_clause_that_sets_no_time(bot, tmp_path):
    answer = bot.ask("When are photographs of pupils taken?")
    assert answer.outcome == NOT_COVERED and not answer.answered
    # the topic alone would have answered it: the rule, not weak evidence, declines it
    without_rule = _assistant(tmp_path, abstention=Abstention(answer_type=False))
    assert without_rule.ask("When are photographs of pupils taken?").answered


def test_a_question_about_how_long_is_answered_by_the_clause_that_states_the_time(bot):
    answer = bot.ask("How long does the headteacher have to acknowledge a complaint?")
    assert answer.answered
    assert answer.citations[0].clause == "2.1"


def test_when_may_be_answered_by_an_occasion_rather_than_a_clock_time(bot):
    answer = bot.ask("When are head counts taken?")
    assert answer.answered
    assert answer.citations[0].clause == "3.1"


def test_a_question_asking_whether_it_may_is_not_held_to_stating_a_time(bot):
    # "Can …?" asks for a rule, not a time: the consent clause answers it
    answer = bot.ask("Can photographs of pupils be taken?")
    assert answer.answered
    assert answer.citations[0].clause == "1.1"


@pytest.mark.parametrize(
    "question",
    [
        "How long does the head have to reply to a complaint?",
        "how many adults do I need for a trip?",
        "What time does the register close?",
        "When are the school photos being taken this year?",
        "When's the next INSET day?",
        "parents keep asking when the photographer is coming in",
        "what's on the lunch menu next thursday?",
        "What are the training days for next term?",
    ],
)
def test_questions_that_ask_for_a_time_or_an_amount(question):
    assert classify(question).asks_time_or_amount


@pytest.mark.parametrize(
    "question",
    [
        "When do I need to tell the headteacher?",  # asks for a rule, worded with "when"
        "Can I take photographs of pupils on my phone?",
        "What should I do when a child discloses abuse?",
        "I'm off sick today, who do I ring?",  # pinned to a day, but asks who
        "What is the procedure for a fire drill?",
    ],
)
def test_questions_that_do_not(question):
    assert not classify(question).asks_time_or_amount


def test_what_a_clause_states_a_time_an_amount_or_an_occasion():
    texts = [
        "The headteacher will acknowledge a complaint within five school days.",
        "The fire alarm is tested every Monday at 8.00am.",
        "Staff may claim £20 towards the cost of a first aid course.",
        "Staff may take photographs of pupils with consent.",  # "may" is no month
        "Head counts are taken before leaving school.",
    ]
    kinds = clause_kinds(texts)
    assert list(kinds.states_time_or_amount) == [1.0, 1.0, 1.0, 0.0, 0.0]
    assert list(kinds.states_occasion) == [0.0, 0.0, 0.0, 0.0, 1.0]
