"""What the school teaches the assistant: picks staff make and questions the policy owner writes.

A small model will never know every way a school's staff phrase a question (a local name for a
room, a brand of medicine, "the incident book"). The staff who asked and the policy owner do.
This package lets them teach it without ever storing what a concern looks like and without one
person changing what everyone is told:

- ``offers``: "Was it one of these?" after *Not helpful* (and under a *not covered* or *two
  policies* reply): the next rules the ranking found; a pick shows that rule at once and files a
  suggestion, never for a question the feedback filter refuses to keep (bot/feedback.py).
- ``suggestions``: the suggestions, sealed at rest like reports (bot/store.py, m009), each with
  the keyed hashes that stop one person voting twice and no other trace of who picked it.
- ``service``: who reviews (``[feedback] shown_to`` and ``[learning] reviewers``); approve,
  reject, remove; what is re-reviewed when a policy changes.
- ``curated``: ``questions.toml`` beside the policies, the policy owner's own questions.
- ``targets`` and ``matching``: which clause a taught question leads to, and when a new question
  is close enough to a taught one to be answered with it (bot/assistant.py does the answering).
"""
