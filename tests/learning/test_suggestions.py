"""Staff pick a rule after "Was it one of these?"; the policy owner approves or rejects it; only
then does everyone else get that rule first. Through the core use cases, on a real SQLite file
with the school's key (BM25 answers: an approved question asked again in other words of the same
stems is the same question)."""

from __future__ import annotations

import sqlite3

from bot.learning.suggestions import APPROVED, PENDING, REJECTED
from bot.people import Actor
from tests.learning.conftest import DSL, HEAD, OTHER, SEESAW, SMP, STAFF, staff

HEAD_ = Actor(platform="slack", user_id=HEAD)


def offered(runtime, question: str = SEESAW) -> list[str]:
    offer = runtime.learning.offer(question)
    assert offer is not None
    return [c.clause for c in offer.choices]


def pick(runtime, clause: str = "6.i", user: str = STAFF, question: str = SEESAW):
    return runtime.learning.pick(question, SMP, clause, staff(user))


def test_was_it_one_of_these_offers_other_rules_and_a_pick_shows_it_at_once(runtime):
    before = runtime.ask(SEESAW)
    assert before.outcome == "not_covered" and before.quoted[0].clause == "6.vi"  # nearest rule
    assert "6.i" in offered(runtime)
    picked = pick(runtime)
    assert picked.citation is not None and picked.citation.label == "Social Media Policy §6.i"
    assert "personal telephones" in picked.citation.shown
    assert picked.message.startswith("Thanks: the headteacher will see your suggestion.")
    (suggestion,) = runtime.learning.suggestions.select()
    assert (suggestion.status, suggestion.question, suggestion.votes) == (PENDING, SEESAW, 1)
    assert suggestion.given is not None and suggestion.given.label == "Social Media Policy §6.vi"
    assert suggestion.picked.label == "Social Media Policy §6.i"


def test_nothing_changes_for_anyone_until_the_policy_owner_approves(runtime):
    pick(runtime)
    pick(runtime, user=OTHER)
    assert runtime.ask(SEESAW).quoted[0].clause == "6.vi"  # still the nearest rule, not covered


def test_once_approved_the_rule_comes_first_for_everyone(runtime):
    pick(runtime)
    (suggestion,) = runtime.learning.suggestions.select()
    decision = runtime.learning.approve(suggestion.number, HEAD_)
    assert decision.ok, decision.message
    assert decision.message == (
        f"Approved #{suggestion.number}: “{SEESAW}” and questions like it now get Social Media "
        "Policy §6.i first, for everyone."
    )
    answer = runtime.ask("can I message my class on seesaw from my own phone")
    assert answer.outcome == "answered"
    assert answer.best.label == "Social Media Policy §6.i"
    assert "Social Media Policy §6.vi" in [c.label for c in answer.see_also]  # still named
    assert "taught" not in answer.text.lower() and "suggest" not in answer.text.lower()


def test_one_person_counts_once_and_a_second_person_counts_too(runtime):
    pick(runtime)
    pick(runtime)
    (suggestion,) = runtime.learning.suggestions.select()
    assert suggestion.votes == 1
    pick(runtime, user=OTHER)
    (suggestion,) = runtime.learning.suggestions.select()
    assert suggestion.votes == 2


def test_picking_another_rule_for_the_same_question_moves_that_persons_vote(runtime):
    others = [c for c in offered(runtime) if c != "6.i"]
    pick(runtime)
    pick(runtime, clause=others[0])
    (suggestion,) = runtime.learning.suggestions.select()  # the first pick had no other vote
    assert suggestion.picked.target.clause == others[0]


def test_a_question_the_feedback_filter_refuses_is_never_offered_nor_kept(runtime):
    for question in (
        "Can Mrs Patel message my class on seesaw from her own phone?",  # names someone
        "Can I message my class on Seesaw from my own phone?",  # a capitalised word: a name?
        "Can the TA message my class on seesaw from her own phone?",  # a school role
        "Can I message Y5 on seesaw from my own phone?",  # a year group
        "Someone is trolling me on seesaw, what do I do?",  # points to /report-concern
    ):
        assert runtime.learning.offer(question) is None, question
        for clause in ("6.i", "9.ii.b"):  # a forged pick is refused just the same
            picked = runtime.learning.pick(question, SMP, clause, staff())
            assert picked.citation is None and "isn't kept" in picked.message
    assert runtime.learning.suggestions.select() == []


def test_a_forged_pick_of_a_rule_that_was_not_offered_files_nothing(runtime):
    assert "1.i" not in offered(runtime)
    picked = pick(runtime, clause="1.i")
    assert picked.citation is None
    assert picked.message.startswith("That rule is no longer among those offered")
    assert runtime.learning.suggestions.select() == []


def test_only_the_policy_owner_and_the_named_reviewers_review(runtime, config, start):
    pick(runtime)
    (suggestion,) = runtime.learning.suggestions.select()
    for user in (STAFF, DSL):
        review = runtime.learning.to_review(staff(user))
        assert not review.allowed and review.items == []
        assert review.message == "Only the headteacher can review what staff suggest."
        refused = runtime.learning.approve(suggestion.number, staff(user))
        assert not refused.ok and refused.message == review.message
    assert runtime.learning.suggestions.get(suggestion.number).status == PENDING  # unchanged
    (item,) = runtime.learning.to_review(HEAD_).items
    assert item.question == SEESAW and item.picked == "Social Media Policy §6.i"
    assert item.given == "Social Media Policy §6.vi" and item.votes == 1
    assert any("personal telephones" in line for line in item.picked_lines)

    config.write_text(config.read_text() + '\n[learning]\nreviewers = ["safeguarding_lead"]\n')
    restarted = start()
    dsl = Actor(platform="slack", user_id=DSL)
    assert restarted.learning.to_review(dsl).allowed
    assert restarted.learning.reject(suggestion.number, dsl).ok
    assert restarted.learning.suggestions.get(suggestion.number).decided_by == "safeguarding_lead"


def test_bad_decisions_say_what_is_wrong_and_change_nothing(runtime):
    pick(runtime)
    (suggestion,) = runtime.learning.suggestions.select()
    n = suggestion.number
    assert runtime.learning.approve(999, HEAD_).message == "There is no suggestion #999."
    assert runtime.learning.approve(n, HEAD_).ok
    twice = runtime.learning.approve(n, HEAD_)
    assert not twice.ok and twice.message == f"Suggestion #{n} is already approved."
    assert runtime.learning.suggestions.get(n).status == APPROVED
    assert runtime.learning.reject(n, HEAD_).ok
    again = runtime.learning.reject(n, HEAD_)
    assert not again.ok and again.message == f"Suggestion #{n} is already rejected."
    assert runtime.learning.suggestions.get(n).status == REJECTED


def test_a_rejected_suggestion_leaves_answers_as_they_were(runtime):
    before = runtime.ask(SEESAW)
    pick(runtime)
    (suggestion,) = runtime.learning.suggestions.select()
    assert runtime.learning.reject(suggestion.number, HEAD_).ok
    after = runtime.ask(SEESAW)
    assert (after.outcome, after.text) == (before.outcome, before.text)


def test_a_suggestion_is_sealed_and_names_nobody(runtime):
    pick(runtime)
    pick(runtime, user=OTHER)
    assert runtime.learning.approve(1, HEAD_).ok
    raw = runtime.settings.db_path.read_bytes()
    for secret in (b"Seesaw", SEESAW.encode(), STAFF.encode(), OTHER.encode(), b"6.vi"):
        assert secret not in raw
    with sqlite3.connect(runtime.settings.db_path) as db:
        (row,) = db.execute("SELECT status, sealed FROM suggestions").fetchall()
    assert row[0] == APPROVED and row[1].startswith("gAAAAA")  # a Fernet token
    assert len(runtime.store.decrypt(row[1]).encode()) % 1024 == 0  # padded: its length tells
