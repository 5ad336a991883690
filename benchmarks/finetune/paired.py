"""An assistant whose questions are embedded by a tuned question encoder, its policies by the
starting model.

fit.py tunes the question side only, so a tuned model is judged as the index it was trained
against: the starting model's vectors of every clause and sentence view (attached, and cached
under the starting model's name, when the assistant is built) and the tuned encoder for each
question. Once the policies are attached, `index.embedder` embeds only questions (the index's
own, and on main the learned matcher's questions against taught ones, which are questions too),
so the question side is that one attribute. No school runs such a pair, so bot/ knows nothing
of it.
"""

from __future__ import annotations

from bot.assistant import Assistant
from bot.retrieval.embedders import Embedder


def with_question_encoder(assistant: Assistant, questions: Embedder) -> Assistant:
    """`assistant`, its policies' vectors kept, asking `questions` to embed each question."""
    if not assistant.index.dense_ready:
        raise ValueError("build the assistant with the starting model first")
    assistant.index.embedder = questions
    return assistant
