"""When a notice cannot reach its recipient: who else an urgent concern goes to.

The rule, applied by the delivery loop in ``bot/reports/service.py``:

- A notice the platform refuses for good (:class:`~bot.reports.models.PermanentDeliveryError`)
  is never retried; its submitter is told at once to speak to the person (or the DSL) directly.
  So is the submitter of a notice whose recipient is still unreachable (never opened the bot)
  after ``undelivered_alert_minutes``.
- An URGENT concern that has not reached a recipient within ``escalate_urgent_after_minutes``
  (or was refused for good) also goes to the next role: the designated safeguarding lead, else
  the chair of governors - whoever is configured now and has not already been sent it.
- Never to anyone the concern is about: a concern about the headteacher never escalates to the
  headteacher, nor to a role the headteacher also holds. The headteacher is never a next role.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.people import CHAT_PLATFORMS, Person
from bot.reports.models import Address
from bot.reports.routing import Recipient, choose_address

ESCALATION_ORDER = ("safeguarding_lead", "chair_of_governors")


def next_recipient(
    *,
    about_headteacher: bool,
    already_roles: Iterable[str],
    already_addresses: Iterable[Address],
    people: dict[str, Person],
    submitter_platform: str,
) -> Recipient | None:
    """The next person an undeliverable urgent concern goes to, or None when nobody is left."""
    roles = set(already_roles)
    addresses = set(already_addresses)
    head = people.get("headteacher")
    for role in ESCALATION_ORDER:
        person = people.get(role)
        if role in roles or person is None:
            continue
        if about_headteacher and head is not None and shares_an_id(person, head):
            continue  # the headteacher also holds this role: it is about them
        mine = {Address(p, uid) for p in CHAT_PLATFORMS if (uid := person.address(p))}
        if mine & addresses:
            continue  # already sent to this person under another role
        address = choose_address(person, submitter_platform)
        if address is not None:
            return Recipient((role,), person, address)
    return None


def shares_an_id(a: Person, b: Person) -> bool:
    return bool(
        (a.slack_user and a.slack_user == b.slack_user)
        or (a.teams_user and a.teams_user == b.teams_user)
    )
