"""Conversations with the Q&A core (BM25 only, no model): quotes are verbatim and cited."""

import datetime as dt
from pathlib import Path

import pytest

from bot.answers import Item
from bot.assistant import Assistant
from tests.qa.conftest import CORPUS

POLICY = " ".join((CORPUS / "social-media-policy.txt").read_text().replace("**", "").split())


def verbatim(quote: str) -> bool:
    return " ".join(quote.split()) in POLICY


def test_a_parent_friend_request(bm25_bot):
    answer = bm25_bot.ask("A parent sent me a friend request on Facebook, can I accept?")
    assert answer.answered
    assert answer.best.label == "Social Media Policy §6.xi"
    assert answer.best.quote.startswith(
        "Adults must be cautious about following or being followed by parents/carers"
    )
    assert verbatim(answer.best.quote)
    assert "§6.xi" in answer.text and answer.best.quote[:40] in answer.text


def test_every_quote_is_verbatim_policy_text(bm25_bot):
    for q in [
        "Can I post photos of the school trip on Instagram?",
        "What should I do if I'm being trolled?",
        "What are the four things that make a statement defamatory?",
        "Who is responsible for the day to day management of this policy?",
        "Does the school filter the internet?",
    ]:
        answer = bm25_bot.ask(q)
        assert answer.answered, q
        for c in answer.citations:
            assert verbatim(c.quote), (q, c.clause)


def test_long_clause_is_trimmed_to_the_sentences_that_matter(bm25_bot):
    answer = bm25_bot.ask("Is internet safety part of the ICT curriculum?")
    assert answer.best.clause == "10.iv"
    assert answer.best.quote.startswith("Internet safety is integral")
    assert answer.best.trimmed_before
    assert answer.text.startswith("“…Internet safety is integral")


def test_see_also_cites_other_clauses(bm25_bot):
    answer = bm25_bot.ask("Can I be friends with a pupil on social media?")
    assert len(answer.citations) >= 2
    assert len({c.clause for c in answer.citations}) == len(answer.citations)
    assert "See also:" in answer.text


def test_not_covered_says_so_and_who_to_ask(bm25_bot):
    answer = bm25_bot.ask("How do I book annual leave?")
    assert not answer.answered and answer.outcome == "not_covered"
    assert all(c.nearest for c in answer.citations)  # a nearest rule is never the answer
    assert answer.text.startswith("The school's policies don't mention annual leave.")
    assert "line manager or a member of the leadership team" in answer.text


def test_empty_question_gets_guidance(bm25_bot):
    answer = bm25_bot.ask("   ")
    assert not answer.answered and "Ask me a question" in answer.text


def test_family_relationship_points_to_declare(bm25_bot):
    answer = bm25_bot.ask("My niece is in Year 4. Can I follow her on Instagram?")
    assert answer.best.clause in {"6.viii", "6.ix"}
    assert answer.suggested_command == "/declare-relationship"
    assert "/declare-relationship" in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "I'm being cyberbullied by a parent, what do I do?",
        "I found indecent images of children on a colleague's laptop",
        "I think a pupil is being radicalised online",
    ],
)
def test_concerns_point_to_report(bm25_bot, question):
    answer = bm25_bot.ask(question)
    assert answer.answered
    assert answer.suggested_command == "/report-concern"


def test_review_date_warning(bm25_bot):
    answer = bm25_bot.ask("Can I post photos of pupils on Facebook?")
    assert "due for review in September 2026" in answer.review_warning
    fresh = Assistant.load(CORPUS, embedder="none", today=lambda: dt.date(2026, 6, 1))
    assert fresh.ask("Can I post photos of pupils on Facebook?").review_warning is None


def test_school_vocabulary_and_typos(bm25_bot):
    # mum/carer, pupil/student, insta/Instagram, sacked/dismissal, a typo
    assert bm25_bot.ask("can my pupils mum follow me on insta").best.clause == "6.xi"
    assert bm25_bot.ask("Could I get sacked for a breach?").best.clause in {"11.i", "3.iv", "6.vii"}
    assert bm25_bot.ask("what is cyberbullyng").best.clause.startswith("9.i")


def test_json_shape(bm25_bot):
    data = bm25_bot.ask("Can I upload a video of the school play to YouTube?").to_json()
    assert set(data) == {"question", "answered", "outcome", "text", "citations"}
    assert data["answered"] is True and data["outcome"] == "answered"
    assert data["citations"][0] == {
        "document": "Social Media Policy",
        "clause": "6.xviii",
        "quote": data["citations"][0]["quote"],
        "source": "social-media-policy.txt",  # the file, relative to the corpus folder
        "items": [],
        "quoted": True,
        "nearest": False,
    }
    assert verbatim(data["citations"][0]["quote"])
    assert [c["quoted"] for c in data["citations"][1:]] == [False] * (len(data["citations"]) - 1)


def test_dense_path_with_cached_embeddings(tmp_path):
    from tests.fakes import HashingEmbedder

    first = HashingEmbedder()
    Assistant.load(CORPUS, tmp_path, embedder=first)
    assert first.texts_encoded > 70  # clauses + sentences + question views
    again = HashingEmbedder()
    bot = Assistant.load(CORPUS, tmp_path, embedder=again)
    assert again.texts_encoded == 0  # the restart read the cache
    assert bot.dense_ready
    answer = bot.ask("Can I accept a friend request from a parent on Facebook?")
    assert answer.best.clause == "6.xi"
    assert again.texts_encoded == 1  # only the question


def test_cache_is_rebuilt_when_the_policy_changes(tmp_path):
    from tests.fakes import HashingEmbedder

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = (CORPUS / "social-media-policy.txt").read_text()
    (corpus / "p.txt").write_text(text)
    Assistant.load(corpus, tmp_path / "cache", embedder=HashingEmbedder())
    (corpus / "p.txt").write_text(text.replace("Photographs, videos", "Photographs, films, videos"))
    e = HashingEmbedder()
    Assistant.load(corpus, tmp_path / "cache", embedder=e)
    assert e.texts_encoded > 70


def test_no_model_anywhere_falls_back_to_bm25(monkeypatch, caplog, tmp_path):
    import bot.retrieval.embedders as emb

    monkeypatch.setattr(emb, "packaged_model_path", lambda: None)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    bot = Assistant.load(CORPUS, tmp_path, model=str(tmp_path / "no-such-model"))
    monkeypatch.setattr(emb, "HUB_NAME", str(tmp_path / "no-hub-here"))
    assert bot.warm_up() is False
    assert "BM25 only" in caplog.text
    assert not bot.dense_ready and not bot.dense_available
    answer = bot.ask("A parent sent me a friend request on Facebook, can I accept?")
    assert answer.best.clause == "6.xi"


def test_bm25_answers_while_the_model_is_still_loading(tmp_path, monkeypatch):
    import threading

    import bot.retrieval.embedders as emb
    from tests.fakes import HashingEmbedder

    release = threading.Event()

    def slow_loader(model, cache_dir=None):
        release.wait(10)
        return HashingEmbedder()

    monkeypatch.setattr("bot.assistant.load_embedder", slow_loader)
    assert emb  # the real loader is not touched
    bot = Assistant.load(CORPUS, tmp_path)
    thread = bot.start_warmup()
    assert not bot.dense_ready
    assert bot.ask("Can I be friends with a pupil on Facebook?").answered
    release.set()
    thread.join(10)
    assert bot.dense_ready


def test_corpus_path_is_configurable(tmp_path):
    (tmp_path / "dress.md").write_text(
        "# Dress Code\n\n## Shoes\n\nTrainers may be worn on sports day.\n"
    )
    bot = Assistant.load(Path(tmp_path), embedder="none")
    # an unnumbered paragraph is cited by its place, without "§"
    assert bot.ask("Can I wear trainers on sports day?").best.label == "Dress Code — Shoes"


def test_bm25_scores_are_rank_bm25s_bm25plus(bm25_bot):
    """The inverted-index scoring is a speed-up of rank-bm25's BM25Plus, not a different model
    (with no length floor; the floor is the one deliberate difference, tested below)."""
    import numpy as np

    from bot.retrieval.index import ClauseIndex, Weights

    index = ClauseIndex(bm25_bot.documents, Weights(min_length=0.0))
    for question in ["friend request from a parent", "social contact concerns", "radicalisation"]:
        terms = index.query_terms(question)
        pairs = [f"{a}_{b}" for a, b in zip(terms, terms[1:], strict=False)]

        def bm25plus(t):
            return np.asarray(index.bm25.get_scores([t])) - index.bm25.idf[t] * index.bm25.delta

        expected = sum(bm25plus(t) for t in terms if t in index.df) + sum(
            index.weights.bigram * bm25plus(p) for p in pairs if p in index.df
        )
        got = index.search(question, k=len(index.units))
        by_unit = {h.unit.key: h.bm25 for h in got.hits}
        for i, unit in enumerate(index.units):
            assert abs(by_unit[unit.key] - expected[i]) < 1e-9


def test_a_five_word_list_item_does_not_outrank_the_rule_on_one_shared_word(tmp_path):
    """BM25 divides by a clause's length, so a tiny list item that shares one word with the
    question looked like it was all about that word. No clause counts as shorter than half
    the average."""
    (tmp_path / "attendance.txt").write_text(
        "Attendance Policy\n\n1. Absence\n\n"
        "1.1 If a pupil is absent and no reason has been given, the office will:\n"
        "a) send a text message to parents;\nb) phone parents at 10am.\n\n"
        "1.2 Registers are taken at 8.50am and again after lunch, and are kept by the office "
        "for three years as the law requires.\n\n"
        "1.3 Parents must tell the school on the first morning of any absence, giving the reason "
        "and how long the absence is likely to last, and must provide medical evidence when the "
        "school asks for it.\n"
    )
    (tmp_path / "online.txt").write_text(
        "Online Conduct Policy\n\n1. Contact with pupils\n\n1.1 Staff must never exchange "
        "private messages with pupils on Instagram, Facebook or any other social network, and "
        "must report to the headteacher any attempt by a pupil to make contact that way.\n\n"
        "1.2 Staff should keep their own social network profiles private and should not share "
        "details of their personal life with pupils or their families at any time.\n"
    )
    bot = Assistant.load(Path(tmp_path), embedder="none")
    answer = bot.ask("Can I send a pupil a birthday message on Facebook?")
    assert answer.best.label == "Online Conduct Policy §1.1"


def test_greetings_and_thanks_get_a_friendly_word_not_a_refusal(bm25_bot):
    hello = bm25_bot.ask("Hi!")
    assert "Hello!" in hello.text and "don't cover" not in hello.text
    assert bm25_bot.ask("thanks a lot").text.startswith("You're welcome")
    assert not bm25_bot.ask("Hi, can I friend a parent on Facebook?").text.startswith("Hello")


def test_abstention_weighs_the_cited_clause_meaning_and_words():
    from bot.assistant import Abstention
    from bot.corpus.model import Clause
    from bot.retrieval.index import Hit, Result, Unit

    cited = Unit(0, Clause(id="6.ii", section="6", section_title="t", text="x"))
    other = Unit(0, Clause(id="7.iii", section="7", section_title="t", text="y"))

    def result(dense: float, covered: float, bm25: float, *, elsewhere: float = 0.0) -> Result:
        hits = [Hit(cited, 2.0, bm25, dense, covered), Hit(other, 1.0, 0.0, elsewhere, 1.0)]
        # a big handbook knows every word of the question somewhere: coverage 1.0
        return Result(hits, 1.0, max(dense, elsewhere), True, ["t"])

    rule = Abstention()
    assert rule.covered(result(dense=0.55, covered=0.0, bm25=0.0))  # the model is sure
    assert not rule.covered(result(dense=0.20, covered=0.6, bm25=5.0))  # weak on every count
    assert rule.covered(result(dense=0.20, covered=0.6, bm25=11.0))  # the policy's own words
    # a strong match on one rare word, while the clause holds little of what was asked
    assert not rule.covered(result(dense=0.20, covered=0.2, bm25=11.0))
    # every word known to the handbook somewhere, but not to the clause that would be quoted
    assert not rule.covered(result(dense=0.32, covered=0.1, bm25=2.0))
    # The evidence is the clause that would be quoted, not a faint likeness to some other clause.
    assert not rule.covered(result(dense=0.24, covered=0.5, bm25=5.0, elsewhere=0.45))


def test_logistics_questions_need_more_evidence_and_no_word_match_shortcut():
    from bot.assistant import Abstention
    from bot.corpus.model import Clause
    from bot.retrieval.index import Hit, Result, Unit

    unit = Unit(0, Clause(id="6.i", section="6", section_title="t", text="x"))

    def result(dense: float, bm25: float, logistics: bool) -> Result:
        return Result([Hit(unit, 1.0, bm25, dense, 0.6)], 0.6, dense, True, ["t"], logistics)

    rule = Abstention()
    assert rule.covered(result(0.30, 0.0, logistics=False))
    assert not rule.covered(result(0.30, 0.0, logistics=True))
    assert rule.covered(result(0.20, 9.0, logistics=False))  # "phone unlocked" → 6.ii
    assert not rule.covered(result(0.20, 9.0, logistics=True))  # "reset my email password"
    assert rule.covered(result(0.45, 0.0, logistics=True))  # "how do I report cyberbullying"


def test_unanchored_questions_need_more_evidence(bm25_bot):
    from bot.assistant import Abstention
    from bot.corpus.model import Clause
    from bot.retrieval.index import Hit, Result, Unit

    unit = Unit(0, Clause(id="11.ii", section="11", section_title="t", text="x"))
    rule = Abstention()
    weak = Result([Hit(unit, 1.0, 9.0, 0.30)], 0.6, 0.30, True, ["t"], False, True)
    assert not rule.covered(weak)
    # only words found all over the policy ("school", "pupil") beside ones it never uses
    assert bm25_bot.search("What is the school policy on dinners?").unanchored
    assert bm25_bot.search("Can a pupil follow me on a dinner-party app?").unanchored is False


@pytest.mark.parametrize(
    ("question", "logistics"),
    [
        ("How do I book annual leave?", True),
        ("How many sick days do I get?", True),
        ("What time does the staffroom close?", True),
        ("When is the next training day?", True),
        ("Where are the spare laptops kept?", True),
        ("What is the procedure for claiming mileage?", True),
        ("When do I need to tell the headteacher about my niece?", False),
        ("How should I respond to a parent on Facebook?", False),
        ("Can I follow a parent on Instagram?", False),
        ("Who do I tell about a worrying post?", False),
    ],
)
def test_question_forms_that_ask_about_logistics(bm25_bot, question, logistics):
    assert bm25_bot.search(question).asks_logistics is logistics


def test_what_to_do_questions_get_the_rule_and_what_is_questions_the_definition(bm25_bot):
    assert bm25_bot.ask("I'm being trolled on Twitter. What should I do?").best.clause == "9.ii.b"
    assert bm25_bot.ask("What counts as cyberbullying?").best.clause == "9.i.a"


def test_everyday_words_for_criticising_and_former_pupils(bm25_bot):
    assert (
        bm25_bot.ask("Is it OK to moan about my headteacher on Facebook?").best.clause == "6.xiii"
    )
    assert (
        bm25_bot.ask("A pupil who left last year wants to add me on Snapchat").best.clause == "6.x"
    )


def test_without_the_model_logistics_and_unanchored_questions_need_more_of_their_words_known(
    bm25_bot,
):
    for question in [
        "Where is the staff first aid kit kept?",
        "How many sick days can staff take?",
        "What is the school policy on dinners?",
    ]:
        assert not bm25_bot.ask(question).answered, question
    assert bm25_bot.ask("How do I report cyberbullying?").best.clause == "9.iii"


@pytest.mark.parametrize(
    ("question", "clause"),
    [
        ("Are podcasts covered by the policy?", "2.vi"),  # named in the definition of social media
        ("Do agency staff have to follow this policy?", "2.i"),  # named in whom it applies to
    ],
)
def test_is_x_covered_finds_the_scope_clause_that_names_x(bm25_bot, question, clause):
    # the clause, or the item of its list that names X ("2.vi, point 1": social media means …)
    assert bm25_bot.ask(question).best.clause.startswith(clause)


def test_a_list_item_is_quoted_under_the_sentence_that_introduces_it(bm25_bot):
    # the item itself is the best match: it comes with its lead-in, items before it elided
    answer = bm25_bot.ask(
        "Could my post lower someone's standing in the estimation of right-thinking members "
        "of society?"
    )
    best = answer.best
    assert best.clause == "6.xxv.c"
    assert best.quote == "The laws of defamation and apply to statements which:"
    assert best.items == (
        Item(
            "c)",
            "Lower (an individual's) standing in the estimation of right-thinking members of "
            "society or;",
            "6.xxv.c",
            skipped_before=True,
        ),
    )
    assert answer.text.startswith(
        "“…The laws of defamation and apply to statements which:\n"
        "   … c) Lower (an individual's) standing in the estimation of right-thinking members "
        "of society or; …”"
    )
    clause = next(d for d in bm25_bot.documents).clause("6.xxv")
    assert best.quote in clause.text  # verbatim, from the clause above the item
    assert answer.to_json()["citations"][0]["items"] == [
        {"label": "c)", "text": best.items[0].text}
    ]


def test_an_item_matched_inside_its_clause_is_pinpointed_under_the_lead_in(bm25_bot):
    answer = bm25_bot.ask(
        "Is it defamatory to post something that causes someone to be shunned or avoided?"
    )
    best = answer.best
    assert best.clause == "6.xxv.b"
    assert best.quote == "The laws of defamation and apply to statements which:"
    assert [(i.label, i.text) for i in best.items] == [
        ("b)", "Cause (an individual) to be shunned or avoided;")
    ]
    quote = answer.to_json()["citations"][0]["quote"]
    assert quote.endswith(":\n… b) Cause (an individual) to be shunned or avoided; …")


def test_a_question_asking_for_the_list_gets_the_whole_list(bm25_bot):
    answer = bm25_bot.ask("What are the things that make a statement defamatory?")
    best = answer.best
    assert best.clause == "6.xxv"
    assert [i.label for i in best.items] == ["a)", "b)", "c)", "d)"]
    assert not any(i.skipped_before for i in best.items) and not best.trimmed_after


@pytest.mark.parametrize(
    ("question", "school_life"),
    [
        ("What time does the school office close on a Friday?", True),
        ("Which room is the parents evening in?", True),
        ("when's the next INSET day?", True),
        ("Do staff get a discount at the gym?", True),  # staff benefits
        ("Can I claim mileage for a course?", True),
        ("How many adults do I need for a trip?", False),  # may ask what a rule sets
        ("How long do we keep safeguarding records?", False),
        ("Will I get in trouble if I report a colleague?", False),
    ],
)
def test_questions_about_the_running_of_the_school(bm25_bot, question, school_life):
    result = bm25_bot.search(question)
    assert result.asks_logistics is (school_life or question.startswith("How"))
    assert result.asks_school_life is school_life
