"""Policies as documents and clauses with the policy's own ids.

`load_corpus(folder)` reads every .txt, .md, .html, .docx and .pdf policy in a folder and its
sub-folders; `read_corpus(folder)` also returns the files that could not be used, with the fix.
"""

from bot.corpus.loader import (
    Corpus,
    Failure,
    corpus_fingerprint,
    load_corpus,
    load_document,
    read_corpus,
)
from bot.corpus.model import Clause, Document
from bot.errors import CorpusError

__all__ = [
    "Clause",
    "Corpus",
    "Failure",
    "read_corpus",
    "CorpusError",
    "Document",
    "corpus_fingerprint",
    "load_corpus",
    "load_document",
]
