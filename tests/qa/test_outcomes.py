"""Three outcomes, decided in the core, as staff meet them in the console: one rule answered (a
list item pinpointed under its lead-in), two policies that both speak to the question, and a
question the policies don't cover (what they don't mention, who to ask, and a nearest rule only
ever under its caveat). Three small policies whose topics overlap (phones, photographs, the site)
are enough to meet each; the decision rules themselves are checked on the evidence they read."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest

from bot.answers import NEAREST_INTRO, NOT_COVERED, TWO_POLICIES
from bot.assistant import Assistant
from bot.cli import main
from bot.corpus.model import Clause
from bot.outcomes import Abstention, Judge, Nearest, TwoPolicies, unmentioned
from bot.retrieval.index import Hit, Result, Unit

OUTCOMES = Path(__file__).resolve().parents[1] / "fixtures" / "outcomes"
PHOTOS_ON_MY_PHONE = "Can I take photographs of pupils on my personal phone?"
REGISTER_IN_A_FIRE = "Do I take the register when the fire alarm goes off?"
BIKE = "Where can I park my bicycle?"
GYM = "Do staff get a discount at the gym?"


@pytest.fixture(scope="module")
def bot() -> Assistant:
    return Assistant.load(OUTCOMES, embedder="none", today=lambda: dt.date(2026, 1, 10))


@pytest.fixture
def console(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("POLICYBOT_CORPUS_DIR", str(OUTCOMES))
    monkeypatch.delenv("POLICYBOT_CONFIG", raising=False)


def chat(capsys, monkeypatch, *questions: str) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join([*questions, "quit"]) + "\n"))
    assert main(["chat", "--no-model"]) == 0
    return capsys.readouterr().out


def ask_json(capsys, question: str) -> dict:
    assert main(["ask", "--json", "--no-model", question]) == 0
    return json.loads(capsys.readouterr().out)


# ---- answered: one rule, the item that answers under its lead-in ------------------------------


def test_one_item_of_a_list_is_quoted_under_its_lead_in_with_its_label(
    console, capsys, monkeypatch
):
    out = chat(capsys, monkeypatch, REGISTER_IN_A_FIRE)
    assert "bot> “When the fire alarm sounds, staff must:\n" in out
    assert "… (b) take the class register with them; …”" in out
    assert "lead their class to the assembly point" not in out  # not the whole list
    assert "— Site Safety Policy §3.1(b) (Fire)" in out


def test_the_json_citation_carries_the_item_and_never_only_the_lead_in(console, capsys):
    data = ask_json(capsys, REGISTER_IN_A_FIRE)
    assert data["outcome"] == "answered" and data["answered"] is True
    first = data["citations"][0]
    assert first["clause"] == "3.1(b)"
    assert first["items"] == [{"label": "(b)", "text": "take the class register with them;"}]
    assert first["quote"] == (
        "When the fire alarm sounds, staff must:\n… (b) take the class register with them; …"
    )
    assert first["quoted"] is True and first["nearest"] is False
    for c in data["citations"]:
        assert not c["quote"].rstrip().endswith(":"), c  # a lead-in alone shows no rule


def test_a_question_asking_for_the_steps_gets_the_whole_list(bot):
    best = bot.ask("What are the steps when the fire alarm sounds?").best
    assert best.clause == "3.1" and best.quote == "When the fire alarm sounds, staff must:"
    assert [i.label for i in best.items] == ["(a)", "(b)", "(c)", "(d)"]
    assert [i.clause for i in best.items] == ["3.1(a)", "3.1(b)", "3.1(c)", "3.1(d)"]


def test_an_item_is_never_see_also_beside_its_own_list(bot):
    answer = bot.ask(REGISTER_IN_A_FIRE)
    assert all(not c.clause.startswith("3.1") for c in answer.see_also)


# ---- two policies --------------------------------------------------------------------------


def test_two_policies_that_speak_to_a_question_are_both_quoted_best_first(
    console, capsys, monkeypatch
):
    out = chat(capsys, monkeypatch, PHOTOS_ON_MY_PHONE)
    assert "bot> Two policies speak to this." in out
    phones = out.index("“Staff must not use a personal phone to take photographs")
    photos = out.index("“Photographs of pupils are taken only on school cameras")
    assert out.index("— Mobile Phone Policy §1.1") > phones
    assert out.index("— Photography Policy §1.1") > photos
    data = ask_json(capsys, PHOTOS_ON_MY_PHONE)
    assert data["outcome"] == TWO_POLICIES and data["answered"] is True
    quoted = [c for c in data["citations"] if c["quoted"]]
    assert [c["document"] for c in quoted] == ["Mobile Phone Policy", "Photography Policy"]
    assert not any(c["nearest"] for c in data["citations"])


# ---- not covered ---------------------------------------------------------------------------


def test_not_covered_names_what_the_policies_do_not_mention_and_who_to_ask(console, capsys):
    data = ask_json(capsys, GYM)
    assert data["outcome"] == NOT_COVERED and data["answered"] is False
    assert data["text"] == (
        "The school's policies don't mention discount or the gym. Please ask your line manager "
        "or a member of the leadership team."
    )
    assert data["citations"] == []


def test_a_nearest_rule_is_labelled_as_such_never_as_the_answer(console, capsys, monkeypatch):
    out = chat(capsys, monkeypatch, BIKE)
    assert "bot> The school's policies don't mention bicycle. Please ask" in out
    caveat = out.index(NEAREST_INTRO)
    assert out.index("“The car park is locked at 6pm") > caveat
    data = ask_json(capsys, BIKE)
    assert data["outcome"] == NOT_COVERED and data["answered"] is False
    assert [(c["clause"], c["nearest"], c["quoted"]) for c in data["citations"]] == [
        ("1.1", True, True)
    ]


def test_a_not_covered_reply_carries_the_next_rules_for_a_follow_up(bot):
    answer = bot.ask(BIKE)
    assert answer.candidates and len(answer.candidates) <= 3
    shown = {(c.document, c.clause) for c in answer.citations}
    assert not shown & {(c.document, c.clause) for c in answer.candidates}


def test_a_request_for_a_password_is_not_covered_with_no_nearest_rule(bot):
    answer = bot.ask("What's the wifi password?")
    assert answer.outcome == NOT_COVERED and answer.citations == []
    assert "don't hold passwords" in answer.text


def test_small_talk_is_no_outcome_of_a_policy_question(bot):
    assert bot.ask("Hello!").outcome == "other"


@pytest.mark.parametrize(
    ("question", "subjects"),
    [
        ("Where can I park my bicycle?", ["bicycle"]),
        ("What is on the lunch menu on Friday?", ["the lunch menu"]),
        (
            "How do I book annual leave?",
            ["annual leave"],
        ),  # "book" is what is done, not asked about
        ("has anyone fixed the kettle yet", ["the kettle"]),  # "fixed": a verb
        ("Can I take photographs of pupils?", []),  # every word is the policies'
        ("wat is the xyzzy for staff", []),  # no English word: nothing to name
    ],
)
def test_the_subject_the_policies_do_not_mention_comes_from_the_questions_own_words(
    bot, question, subjects
):
    assert unmentioned(question, bot.index.knows) == subjects


# ---- the decision rules, on the evidence they read --------------------------------------------


def _hit(doc: int, clause: str, score: float, dense: float, covered: float = 0.5) -> Hit:
    unit = Unit(doc, Clause(id=clause, section=clause[:1], section_title="t", text="x"))
    return Hit(unit, score, 4.0, dense, covered)


def _result(*hits: Hit, logistics: bool = False, school_life: bool = False) -> Result:
    top = max(h.dense for h in hits)
    return Result(list(hits), 1.0, top, True, ["t"], logistics, asks_school_life=school_life)


def test_two_policies_when_the_next_policys_best_clause_is_close_and_itself_an_answer():
    judge = Judge(two_policies=TwoPolicies(max_gap=0.5))
    close = _result(_hit(0, "1.1", 2.0, 0.6), _hit(0, "1.2", 1.9, 0.6), _hit(1, "4.1", 1.6, 0.5))
    assert judge(close).outcome == TWO_POLICIES
    assert [h.unit.clause.id for h in judge(close).quoted] == ["1.1", "4.1"]
    far = _result(_hit(0, "1.1", 2.0, 0.6), _hit(1, "4.1", 1.2, 0.5))
    assert judge(far).outcome == "answered"
    weak = _result(_hit(0, "1.1", 2.0, 0.6), _hit(1, "4.1", 1.9, 0.1, covered=0.0))
    assert judge(weak).outcome == "answered"  # close in rank, but no answer on its own


def test_a_nearest_rule_is_shown_only_when_it_falls_just_short_of_an_answer():
    judge = Judge(Abstention(min_evidence=0.4), nearest=Nearest(margin=0.1))
    just_short = judge(_result(_hit(0, "1.1", 2.0, 0.28, covered=0.2)))
    assert just_short.outcome == NOT_COVERED and just_short.nearest
    far_off = judge(_result(_hit(0, "1.1", 2.0, 0.1, covered=0.2)))
    assert far_off.outcome == NOT_COVERED and not far_off.nearest and far_off.quoted == ()
    # logistics questions need more evidence to be answered, and so to be shown a nearest rule
    logistics = judge(_result(_hit(0, "1.1", 2.0, 0.38, covered=0.2), logistics=True))
    assert logistics.outcome == NOT_COVERED and logistics.nearest


def test_a_school_life_question_needs_a_clause_that_holds_its_words_not_only_its_drift():
    judge = Judge(Abstention(min_evidence=0.4, logistics_margin=0.1, guarded_covered=0.3))
    # "What time does the office close on a Friday?" is faintly like any clause with a time in it
    drift = _hit(0, "3.1", 2.0, 0.55, covered=0.15)
    assert judge(_result(drift, logistics=True, school_life=True)).outcome == NOT_COVERED
    # "How many adults do I need for a trip to the farm?" may ask what a rule sets: the clause
    # on ratios says "adult to every six children", not "farm"
    assert judge(_result(drift, logistics=True)).outcome == "answered"
    # "What time does the register close?" and the clause that says when it closes
    same_words = _hit(0, "4.2", 2.0, 0.5, covered=0.6)
    assert judge(_result(same_words, logistics=True, school_life=True)).outcome == "answered"
