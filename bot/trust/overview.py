"""The trust's view of its schools: counts only, never what a report says or who is in it.

Per school that consents (its config's ``[trust] overview = true``): open concerns by age,
notices not delivered, policies overdue for review, and "read and understood" progress. Every
count comes from what the database keeps in plain columns for that purpose (kinds, statuses,
times; docs/threat-model.md (c)), so the view opens no sealed record and cannot show content:
a trust role reads a report only as one of its recipients, through their own notices.

Who sees it: the trust's people (the trust file's ``[trust.people.ROLE]``), recognised in each
school's workspace or tenant by the ids the trust file gives them or the school's own
``[trust.accounts.ROLE]``; and the IT admin from the command line (`policybot trust overview`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.people import TRUST_ROLES, Actor, Person
from bot.reports.audit import stamp

if TYPE_CHECKING:
    from bot.config import Settings

AGES = ("under 1 day", "1 to 7 days", "over 7 days")


@dataclass(frozen=True)
class SchoolCounts:
    school: str  # the name in the trust file
    title: str  # the school's own name (its config's [school] name)
    shared: bool  # the school consents to the trust's view; nothing else is filled in if not
    open_concerns: dict[str, int] = field(default_factory=dict)  # AGES -> how many
    undelivered: int = 0  # notices on open reports refused for good or late
    policies: int | None = None  # None while the policies load
    overdue_policies: int | None = None
    rounds: int = 0  # "read and understood" rounds sent
    sent: int = 0  # people they went to (one per person per round)
    confirmed: int = 0
    outstanding_past_due: int = 0

    @property
    def open_total(self) -> int:
        return sum(self.open_concerns.values())

    def line(self) -> str:
        """One line of plain text: what every front end shows."""
        if not self.shared:
            return f"{self.title} ({self.school}): not shared with the trust"
        ages = ", ".join(f"{n} {age}" for age, n in self.open_concerns.items() if n) or "none"
        policies = (
            "policies loading"
            if self.policies is None
            else f"{self.overdue_policies} of {self.policies} policies overdue for review"
        )
        reading = (
            f"read and understood {self.confirmed} of {self.sent} in {self.rounds} round(s), "
            f"{self.outstanding_past_due} past due"
            if self.rounds
            else "no policy rounds"
        )
        return (
            f"{self.title} ({self.school}): open concerns {self.open_total} ({ages}); "
            f"undelivered notices {self.undelivered}; {policies}; {reading}"
        )


def school_counts(name: str, runtime: Any) -> SchoolCounts:
    """One school's counts, from plain columns only (see the module docstring)."""
    settings = runtime.settings
    if not settings.trust_overview:
        return SchoolCounts(name, settings.school_name, shared=False)
    now = runtime.reports.clock()
    store = runtime.store
    day, week = stamp(now - timedelta(days=1)), stamp(now - timedelta(days=7))
    ages = store.query(
        "SELECT SUM(created_at > ?) AS a, SUM(created_at <= ? AND created_at > ?) AS b, "
        "SUM(created_at <= ?) AS c FROM reports WHERE kind = 'concern' AND status != 'closed'",
        [day, day, week, week],
    )[0]
    alert = stamp(now - timedelta(minutes=settings.undelivered_alert_minutes))
    undelivered = store.query(
        "SELECT COUNT(*) AS n FROM outbox o JOIN reports r ON r.id = o.report_id "
        "WHERE o.status != 'sent' AND r.status != 'closed' "
        "AND (o.status = 'failed' OR o.created_at < ?)",
        [alert],
    )[0]["n"]
    rounds = store.query(
        "SELECT COUNT(DISTINCT c.id) AS rounds, COUNT(r.id) AS sent, "
        "SUM(r.confirmed_at IS NOT NULL) AS confirmed, "
        "SUM(r.confirmed_at IS NULL AND c.due < ?) AS late "
        "FROM campaigns c LEFT JOIN campaign_recipients r ON r.campaign_id = c.id",
        [now.date().isoformat()],
    )[0]
    policies = overdue = None
    if runtime.handbook.loaded:
        documents = runtime.handbook.documents()
        policies = len(documents)
        overdue = sum(1 for d in documents if d.overdue(now.date()))
    return SchoolCounts(
        name,
        settings.school_name,
        shared=True,
        open_concerns=dict(
            zip(AGES, (ages["a"] or 0, ages["b"] or 0, ages["c"] or 0), strict=True)
        ),  # fmt: skip
        undelivered=undelivered,
        policies=policies,
        overdue_policies=overdue,
        rounds=rounds["rounds"] or 0,
        sent=rounds["sent"] or 0,
        confirmed=rounds["confirmed"] or 0,
        outstanding_past_due=rounds["late"] or 0,
    )


def trust_accounts(people: Mapping[str, Person], settings: Settings) -> dict[str, dict[str, str]]:
    """role -> platform -> id: the trust's people as one school knows them (the school's own
    ``[trust.accounts.ROLE]`` first, else the trust file's ids)."""
    out: dict[str, dict[str, str]] = {}
    for role, person in people.items():
        ids = {p: v for p in ("slack", "teams") if (v := person.address(p))}
        ids.update(settings.trust_accounts.get(role, {}))
        out[role] = ids
    return out


def trust_person(role: str, person: Person, settings: Settings) -> Person:
    """A trust person as one school reaches them (its own ids for them, where it gives any)."""
    ids = trust_accounts({role: person}, settings)[role]
    return Person(role, person.name, ids.get("slack"), ids.get("teams"), person.email)


class TrustView:
    """The counts-only view, for the trust's people (and the command line)."""

    def __init__(
        self, name: str, people: Mapping[str, Person], schools: Callable[[], Mapping[str, Any]]
    ) -> None:
        self.name = name
        self.people = dict(people)
        self._schools = schools  # name -> runtime, as the trust holds them

    def overview(self) -> list[SchoolCounts]:
        return [school_counts(n, r) for n, r in sorted(self._schools().items())]

    def role_of(self, settings: Settings, actor: Actor) -> str | None:
        """The trust role ``actor`` holds, as the school whose settings these are knows them."""
        if actor.platform == "cli" or not actor.user_id:
            return None
        for role, ids in trust_accounts(self.people, settings).items():
            if role in TRUST_ROLES and ids.get(actor.platform) == actor.user_id:
                return role
        return None

    def for_actor(self, settings: Settings, actor: Actor) -> list[SchoolCounts] | None:
        """The overview when ``actor`` holds a trust role, else None (nothing to show)."""
        return self.overview() if self.role_of(settings, actor) else None


def overview_text(name: str, counts: list[SchoolCounts]) -> str:
    lines = [f"{name}: {len(counts)} school(s). Counts only: no report is shown here."]
    lines += [f"• {c.line()}" for c in counts]
    return "\n".join(lines)
