"""Who receives a report, and on which platform.

- Concerns and declarations go to the headteacher.
- A concern about the headteacher goes to the chair of governors and NEVER to the
  headteacher (KCSIE: allegations about the head go to the chair) - not even when the
  headteacher is also the safeguarding lead.
- Urgent concerns (indecent images, radicalisation, a child at immediate risk) also go to
  the designated safeguarding lead.
- In a multi-academy trust, the trust safeguarding lead also receives the concerns the school's
  config consents to (``[trust] safeguarding_lead_receives``: "urgent", "about_headteacher"),
  exactly like a school role (bot/config.py, bot/trust/).
- A person is reached on the submitter's platform when they have an id there, else on any
  platform they have. One person holding two roles gets one message.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import SubmissionRefused
from bot.people import CHAT_PLATFORMS, ROLE_LABELS, Person
from bot.reports.models import Address

PLATFORM_ORDER = CHAT_PLATFORMS


@dataclass(frozen=True)
class Recipient:
    roles: tuple[str, ...]  # usually one; two when one person holds both roles
    person: Person
    address: Address

    @property
    def role_key(self) -> str:
        return "+".join(self.roles)

    @property
    def role_labels(self) -> list[str]:
        return [ROLE_LABELS[r] for r in self.roles]


def choose_address(person: Person, submitter_platform: str) -> Address | None:
    platforms = [submitter_platform] + [p for p in PLATFORM_ORDER if p != submitter_platform]
    for platform in platforms:
        user_id = person.address(platform)
        if user_id:
            return Address(platform, user_id)
    return None


def _same_person(a: Person, b: Person) -> bool:
    return bool(
        (a.slack_user and a.slack_user == b.slack_user)
        or (a.teams_user and a.teams_user == b.teams_user)
    )


def _missing(role: str) -> SubmissionRefused:
    return SubmissionRefused(
        f"This report could not be sent because no {ROLE_LABELS[role]} is set up in policybot, "
        "so nothing was saved. Please tell them in person now; if a child is in immediate "
        "danger, call 999."
    )


def route(
    kind: str,
    *,
    urgent: bool,
    about_headteacher: bool,
    submitter_platform: str,
    people: dict[str, Person],
    trust_routes: frozenset[str] = frozenset(),
) -> list[Recipient]:
    """Recipients for a new record. Raises SubmissionRefused when a required person is missing.
    ``trust_routes``: the concerns the school lets its trust's safeguarding lead receive."""
    head = people.get("headteacher")
    about_head = kind == "concern" and about_headteacher
    roles = ["chair_of_governors"] if about_head else ["headteacher"]
    if kind == "concern" and urgent:
        roles.append("safeguarding_lead")
    if kind == "concern" and (
        ("urgent" in trust_routes and urgent)
        or ("about_headteacher" in trust_routes and about_head)
    ):
        roles.append("trust_safeguarding_lead")

    recipients: list[Recipient] = []
    for role in roles:
        person = people.get(role)
        if person is None:
            raise _missing(role)
        if about_head and head is not None and _same_person(person, head):
            # The head also holds this role: the chair (already included) handles it.
            continue
        address = choose_address(person, submitter_platform)
        if address is None:  # config validation prevents this; refuse rather than lose it
            raise _missing(role)
        for i, existing in enumerate(recipients):
            if existing.address == address or _same_person(existing.person, person):
                recipients[i] = Recipient(
                    existing.roles + (role,), existing.person, existing.address
                )
                break
        else:
            recipients.append(Recipient((role,), person, address))
    if not recipients:  # e.g. the chair is configured with the headteacher's own ids
        raise _missing(roles[0])
    return recipients
