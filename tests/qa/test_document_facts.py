"""Questions about a policy itself are answered from its document-control table, as written."""

import datetime as dt

import pytest

from bot.corpus.model import Document
from bot.document_facts import facts_answer


def test_when_is_the_policy_due_for_review(bm25_bot):
    answer = bm25_bot.ask("When is this policy due for review?")
    assert "From the Social Media Policy's document control:" in answer.text
    assert "• Date of next review: September 2026" in answer.text
    assert "• Review frequency: Triennial" in answer.text
    assert "Main amendments" not in answer.text
    assert "that date has passed" in answer.text  # today is 25 November 2026
    # no clause answers it, so nothing is cited and the JSON says so
    assert not answer.answered and answer.citations == []


def test_who_approved_it_names_the_approver(bm25_bot):
    answer = bm25_bot.ask("Who approved the social media policy?")
    assert "• Approved by: Elizabeth Dunstan (Chair of Governors)" in answer.text
    assert "• Approval date: October 2023" in answer.text
    assert "Written by" not in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "Who must approve a new official school social media site?",
        "What should new staff review on their social networking sites?",
        "Does this policy apply to governors?",
    ],
)
def test_rule_questions_that_mention_approval_or_review_still_get_the_rule(bm25_bot, question):
    answer = bm25_bot.ask(question)
    assert answer.answered and answer.citations
    assert "document control" not in answer.text


def test_with_several_policies_the_named_one_answers():
    def doc(title: str, reviewed: str) -> Document:
        control = {"Policy title": title, "Date of next review": reviewed}
        return Document(title=title, source=f"{title}.txt", clauses=[], control=control)

    docs = [doc("Social Media Policy", "September 2026"), doc("Staff Dress Code", "July 2027")]
    one = facts_answer("When is the staff dress code due for review?", docs, dt.date(2026, 1, 1))
    assert one is not None and "Staff Dress Code" in one.text and "Social Media" not in one.text
    both = facts_answer("When is the policy due for review?", docs, dt.date(2026, 1, 1))
    assert both is not None and "Staff Dress Code" in both.text and "Social Media" in both.text
    assert facts_answer("Can I wear jeans on Friday?", docs) is None
