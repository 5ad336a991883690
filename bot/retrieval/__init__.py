"""Finding the clauses that answer a question, with the evidence to decide whether any does.

`ClauseIndex(documents)` indexes their clauses; `index.search(question)` returns a `Result` of
ranked `Hit`s. `classify(question)` reads what a question asks for (a `QuestionIntent`: who to
tell, what to do, a definition, scope, logistics, small talk) once. `load_embedder(configured)` finds the dense model offline, or returns
None and retrieval runs on BM25 alone. `tokens`, `stem` and `english_words` are the one shared
vocabulary, so the corpus readers, feedback and answers normalise text exactly as the index does.
"""

from bot.retrieval.embedders import Embedder, load_embedder, packaged_model_path
from bot.retrieval.index import ClauseIndex, Hit, Result, split_sentences
from bot.retrieval.intent import QuestionIntent, classify
from bot.retrieval.vocabulary import PLATFORM_NAMES, english_words, stem, tokens

__all__ = [
    "PLATFORM_NAMES",
    "ClauseIndex",
    "Embedder",
    "Hit",
    "QuestionIntent",
    "Result",
    "classify",
    "english_words",
    "load_embedder",
    "packaged_model_path",
    "split_sentences",
    "stem",
    "tokens",
]
