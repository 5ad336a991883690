"""Policies as documents and clauses with the policy's own ids.

`load_corpus(folder)` reads every .txt, .md, .docx and .pdf policy in a folder.
"""

from bot.corpus.loader import CorpusError, corpus_fingerprint, load_corpus, load_document
from bot.corpus.model import Clause, Document

__all__ = [
    "Clause",
    "CorpusError",
    "Document",
    "corpus_fingerprint",
    "load_corpus",
    "load_document",
]
