"""The school vocabulary's phrase rules run only where a text holds a phrase, and give exactly
what running every rule in order gives (on the policies, the questions, and every phrase beside
every other)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from bot.corpus import load_corpus
from bot.retrieval import vocabulary

ROOT = Path(__file__).resolve().parents[2]


def every_rule_in_order(text: str) -> str:
    t = text.lower().replace("’", "'").replace("‘", "'")
    for _, rx, replacement in vocabulary._PHRASE_RES:
        t = rx.sub(replacement, t)
    return t


def test_only_the_rules_a_text_needs_run_and_the_result_is_the_same():
    texts = [f"Can I say {k} here?" for k in vocabulary.PHRASES]
    texts += [f"{a} {b}" for a, b in itertools.product(vocabulary.PHRASES, repeat=2)]
    for folder in (ROOT / "policy_corpus", ROOT / "tests" / "fixtures" / "handbook"):
        for doc in load_corpus(folder):
            texts += [c.full_text for c in doc.clauses]
    for f in (ROOT / "benchmarks" / "data").glob("*.jsonl"):
        texts += [json.loads(line)["q"] for line in f.read_text().splitlines() if line.strip()]
    assert [vocabulary.normalise_text(t) for t in texts] == [every_rule_in_order(t) for t in texts]
