"""A multi-academy trust: one policybot process serving many schools, each private to itself.

- ``config``: the trust's file (``POLICYBOT_TRUST``) — schools, where each one's things are,
  how Slack and Teams requests reach them, the trust's own policies and people;
- ``root``: the composition root, one :class:`~bot.runtime.Runtime` per school (``Trust``);
- ``handbook``: a school's policies layered over the trust's (parsed once, shadowed by title);
- ``embedding``: the one embedding model, and each policy text embedded once;
- ``overview``: the counts-only view for the trust's people;
- ``schools``: `policybot schools add|list|check` (the trust file edited, each school checked).

Without a trust file nothing here is used: a single school is a trust of one.
"""
