"""What a trust's schools share, and what stays each school's: the trust's policies are read
once and held once, each policy text is embedded once by one model, a school's own policy
replaces the trust's of the same title for that school alone, and a restart embeds nothing."""

from __future__ import annotations

import threading
from collections import Counter

import numpy as np

from bot.corpus.model import Clause, Document
from bot.trust.embedding import MemoEmbedder, SharedModel
from bot.trust.handbook import layer
from tests.fakes import HashingEmbedder


class Recording(HashingEmbedder):
    """The fake model, keeping every text it was asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            self.seen += texts
        return super().encode(texts)


def doc(title: str, text: str = "Staff must be kind.") -> Document:
    return Document(title=title, source=f"{title.lower()}.md", clauses=[Clause("1", "1", "", text)])


def test_a_schools_policy_replaces_the_trusts_of_the_same_title_for_that_school():
    trust = [doc("Code of Conduct"), doc("Social Media Policy")]
    own = [doc("code of  CONDUCT", "Our own rule."), doc("Minibus Policy")]
    merged, shadows = layer(trust, own)
    assert [d.title for d in merged] == [
        "Social Media Policy",
        "code of  CONDUCT",
        "Minibus Policy",
    ]
    assert [(s.school.title, s.trust.title) for s in shadows] == [
        ("code of  CONDUCT", "Code of Conduct")
    ]
    assert merged[0] is trust[1]  # the trust's own object, not a copy


def test_the_trusts_policies_are_read_once_and_held_once(trust):
    hill = trust.schools["hill-top"].runtime.handbook.documents()
    valley = trust.schools["valley"].runtime.handbook.documents()
    shared = [d for d in hill if any(d is v for v in valley)]
    assert {d.title for d in shared} == {"Social Media Policy", "Acceptable Use of IT Policy"}
    assert "Swimming Policy" in {d.title for d in hill} - {d.title for d in valley}
    assert "Minibus Policy" in {d.title for d in valley} - {d.title for d in hill}
    hill_conf = next(d for d in hill if d.title == "Confidentiality Policy")
    valley_conf = next(d for d in valley if d.title == "Confidentiality Policy")
    assert hill_conf.source == "confidentiality.txt" and valley_conf.source == "confidentiality.md"


def test_one_model_embeds_each_policy_text_once_for_every_school(trust_files):
    model = Recording()
    loads = []
    trust = trust_files.trust(embedder=model)
    trust.model._loader = lambda name: loads.append(name) or model  # count the model's loads
    try:
        trust.start()
        assert trust.wait(60) and trust.model.settled(60)
        assert len(loads) == 1
        for school in trust.schools.values():
            assert school.runtime.loaded_assistant.dense_ready
        assert max(Counter(model.seen).values()) == 1  # no text embedded twice
        memo = trust.model.embedder
        assert memo.reused > 0  # the trust's clauses, for the second school
        assert memo.kept == 0  # dropped once every school had its vectors

        # a question goes straight to the model and is never kept
        runtime = trust.schools["valley"].runtime
        answer = runtime.ask("Who may drive the school minibus?")
        assert "Minibus Policy" in answer.text
        assert memo.kept == 0 and model.seen[-1].endswith("minibus?")
    finally:
        trust.close()

    again = Recording()  # a restart reads every school's vectors from its own cache
    restarted = trust_files.trust(embedder=again)
    try:
        restarted.start()
        assert restarted.wait(60) and restarted.model.settled(60)
        assert again.seen == []
        assert all(s.runtime.loaded_assistant.dense_ready for s in restarted.schools.values())
    finally:
        restarted.close()


def test_the_memo_keeps_corpus_batches_only():
    model = Recording()
    memo = MemoEmbedder(model)
    corpus = [f"Clause number {i} about staff conduct." for i in range(20)]
    first = memo.encode(corpus)
    again = memo.encode(list(reversed(corpus)))
    assert np.allclose(first[::-1], again)
    assert len(model.seen) == 20 and memo.reused == 20
    memo.encode(["Can I give Poppy a lift home?"])
    assert memo.kept == 20  # a question is never kept


def test_without_a_model_every_school_answers_with_bm25():
    model = SharedModel(None, loader=lambda _: None)
    model.expect(1)

    class Assistant:
        dense_error = None

    assistant = Assistant()
    model.attach(assistant, None)
    assert model.settled(10)
    assert assistant.dense_error == "no embedding model available"
    model.stop()
