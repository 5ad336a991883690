"""What the benchmarks share: the percentile they report and the questions the chat front ends
are asked."""

from __future__ import annotations

CHAT_QUESTIONS = [
    "Can I accept a friend request from a parent on Facebook?",
    "What should I do if a pupil is being cyberbullied?",
    "Can I post photos of pupils on my own Instagram?",
    "What is trolling?",
    "Can I message a student on WhatsApp?",
    "What does the Prevent duty mean for social media?",
    "Who approves posts on the school's social media accounts?",
    "What happens if I breach the social media policy?",
]


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank p-th percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
