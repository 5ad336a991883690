"""Answering with what was taught: the taught clause comes first, quoted and cited as usual, and
nothing in the reply says who taught it. A link can put a rule first but never take a
safeguarding, child protection or whistleblowing rule out of the reply: it stays under "See
also". With the model, a question close in meaning to a taught one counts too (here the small
hashing embedder stands in for it; tests/learning/test_with_the_model.py uses the real one)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.assistant import Assistant
from bot.corpus import load_corpus
from bot.learning.matching import CURATED, Closeness, Taught
from bot.learning.targets import Target, is_protected
from tests.fakes import HashingEmbedder

TODAY = dt.date(2026, 11, 25)
POLICIES = {
    "safeguarding.md": "# Safeguarding Policy\n\n## 1. Disclosures\n\n"
    "1.1 If a child tells you about abuse at home, listen, never promise to keep it secret, and "
    "tell the designated safeguarding lead the same day.\n\n"
    "1.2 Write down what the child said in their own words.\n",
    "conduct.md": "# Staff Code of Conduct\n\n## 1. Notes about pupils\n\n"
    "1.1 Notes about pupils are factual and are kept in the locked cabinet in the office.\n\n"
    "1.2 Staff must not take pupils' records home.\n",
    "whistleblowing.md": "# Whistleblowing Policy\n\n## 1. Raising a concern\n\n"
    "1.1 If a disclosure of abuse by a child was not acted on, staff may raise it with the "
    "Chair of Governors under this policy.\n",
}
ABUSE = "A child told me about abuse at home, what do I do?"


def handbook(tmp_path: Path) -> list:
    folder = tmp_path / "policies"
    folder.mkdir()
    for name, text in POLICIES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return load_corpus(folder)


def taught(*pairs: tuple[str, str, str]) -> list[Taught]:
    return [Taught(q, Target(source, clause), CURATED) for q, source, clause in pairs]


def test_a_safeguarding_rule_is_never_taught_away(tmp_path):
    bot = Assistant(handbook(tmp_path), embedder="none", today=lambda: TODAY)
    before = bot.ask(ABUSE)
    assert before.best.label == "Safeguarding Policy §1.1"
    bot.teach(lambda docs: (1, taught((ABUSE, "conduct.md", "1.1"))))
    after = bot.ask(ABUSE)
    assert after.outcome == "answered"
    assert after.best.label == "Staff Code of Conduct §1.1"  # the taught clause first …
    see_also = [c.label for c in after.see_also]
    assert "Safeguarding Policy §1.1" in see_also  # … and the safeguarding rule stays
    # every safeguarding and whistleblowing rule the reply named before, it names still
    protected = ["Whistleblowing Policy §1.1", "Safeguarding Policy §1.2"]
    assert [c.label for c in before.see_also] == protected
    assert set(protected) <= set(see_also)


def test_protected_means_safeguarding_child_protection_or_whistleblowing(tmp_path):
    docs = handbook(tmp_path)
    by_title = {d.title: d for d in docs}
    assert is_protected(by_title["Safeguarding Policy"], by_title["Safeguarding Policy"].clauses[0])
    assert is_protected(
        by_title["Whistleblowing Policy"], by_title["Whistleblowing Policy"].clauses[0]
    )
    conduct = by_title["Staff Code of Conduct"]
    assert not any(is_protected(conduct, c) for c in conduct.clauses)


def test_a_taught_answer_reads_like_any_other(tmp_path):
    bot = Assistant(handbook(tmp_path), embedder="none", today=lambda: TODAY)
    question = "Where do notes about pupils go?"
    bot.teach(lambda docs: (1, taught((question, "conduct.md", "1.1"))))
    answer = bot.ask(question)
    assert answer.text.startswith(
        "“Notes about pupils are factual and are kept in the locked cabinet in the office.”\n"
        "— Staff Code of Conduct §1.1"
    )
    assert answer.to_json()["outcome"] == "answered"


def test_with_the_model_a_question_close_to_a_taught_one_counts_and_a_distant_one_does_not(
    tmp_path,
):
    bot = Assistant(
        handbook(tmp_path),
        cache_dir=tmp_path / "cache",
        embedder=HashingEmbedder(),
        today=lambda: TODAY,
    )
    bot.closeness = Closeness(min_similarity=0.8)
    question = "Where do notes about pupils go?"
    bot.teach(lambda docs: (1, taught((question, "conduct.md", "1.1"))))
    assert bot.ask("Where exactly do the notes about pupils go?").best.label == (
        "Staff Code of Conduct §1.1"
    )
    assert bot.ask(ABUSE).best.label == "Safeguarding Policy §1.1"


def test_taught_questions_follow_what_is_taught_now(tmp_path):
    bot = Assistant(handbook(tmp_path), embedder="none", today=lambda: TODAY)
    state = {"version": 1, "taught": taught((ABUSE, "conduct.md", "1.1"))}
    bot.teach(lambda docs: (state["version"], state["taught"]))
    assert bot.ask(ABUSE).best.label == "Staff Code of Conduct §1.1"
    state.update(version=2, taught=[])  # a link removed, in this process or another
    assert bot.ask(ABUSE).best.label == "Safeguarding Policy §1.1"


def test_a_link_to_a_clause_not_in_the_index_is_never_an_answer(tmp_path):
    bot = Assistant(handbook(tmp_path), embedder="none", today=lambda: TODAY)
    bot.teach(lambda docs: (1, taught((ABUSE, "conduct.md", "9.9"), (ABUSE, "gone.md", "1.1"))))
    assert bot.ask(ABUSE).best.label == "Safeguarding Policy §1.1"
