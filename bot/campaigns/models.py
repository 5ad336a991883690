"""What the campaign service returns to front ends and the command line: plain, frozen values
that hold only what the asker may see (a member of staff gets only their own rounds; the
progress and receipts of a round only reach a publisher)."""

from __future__ import annotations

from dataclasses import dataclass, field

# re-exported for front ends; it lives in bot/errors.py with every other error
from bot.errors import CampaignError as CampaignError

# The outbox notice types a campaign sends. The first one carries the actions
# ("confirm_read", "read_policy"); a reminder carries the same actions.
POLICY_NOTICE = "policy"
REMINDER_NOTICE = "policy_reminder"
CAMPAIGN_NOTICES = (POLICY_NOTICE, REMINDER_NOTICE)
CONFIRM_ACTION = "confirm_read"  # the "I have read and understood" button
READ_ACTION = "read_policy"  # show the policy's clauses (in a thread / a card)

STAFF_GROUPS = ("teaching", "support", "governors", "volunteers")
AUDIENCES = ("all", *STAFF_GROUPS)


@dataclass(frozen=True)
class ClauseChange:
    """One clause that differs from the version a person last confirmed."""

    kind: str  # added | removed | reworded
    clause_id: str  # as staff cite it: "§6.xi", or "Jewellery" where the policy has no numbers
    text: str  # the new text (added, reworded) or the old text (removed)

    @property
    def label(self) -> str:
        return f"{self.kind.capitalize()} {self.clause_id}"


@dataclass(frozen=True)
class PublishReceipt:
    """What the publisher is told after ``publish``."""

    reference: str  # the round, e.g. "RU-2026-0003"
    title: str
    version: str  # short content hash, e.g. "3f9a01c2"
    approval_date: str
    audience: str
    due: str  # ISO date
    sent_to: int  # DMs queued
    no_account: int  # staff in the audience with no Slack or Teams account: not sent
    already_confirmed: int  # confirmed this very version in an earlier round: not asked again
    new_version: bool  # True when this content had never been published before
    repeated: bool = False  # the same form was sent before: this is its first receipt, no DMs

    @property
    def message(self) -> str:
        msg = (
            ("Already sent: " if self.repeated else "")
            + f"{self.reference}: '{self.title}' (version {self.version}) sent to {self.sent_to} "
            f"of {self.audience} staff, due {self.due}."
        )
        if self.already_confirmed:
            msg += f" {self.already_confirmed} had already confirmed this version."
        if self.no_account:
            msg += (
                f" {self.no_account} have no Slack or Teams account on record and were not "
                "sent it: run `policybot staff list` to see who."
            )
        return msg


@dataclass(frozen=True)
class ReceiptRow:
    """One person in one round, for the publisher's view and the CSV export."""

    name: str
    group: str
    platform: str
    sent_at: str  # "" until delivered
    opened_at: str  # "" unless the platform told us (they opened the policy)
    confirmed_at: str  # "" while outstanding
    reminders: int


@dataclass(frozen=True)
class Progress:
    """A round as the publisher sees it: "31 of 38 confirmed; outstanding: ..."."""

    reference: str
    title: str
    version: str
    approval_date: str
    audience: str
    due: str
    published_at: str
    rows: tuple[ReceiptRow, ...] = field(default_factory=tuple)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def confirmed(self) -> int:
        return sum(1 for r in self.rows if r.confirmed_at)

    @property
    def outstanding(self) -> list[str]:
        return sorted(r.name for r in self.rows if not r.confirmed_at)

    @property
    def summary(self) -> str:
        text = f"{self.confirmed} of {self.total} confirmed"
        if self.outstanding:
            text += "; outstanding: " + ", ".join(self.outstanding)
        return text


@dataclass(frozen=True)
class CampaignSummary:
    """One round in the publisher's list."""

    reference: str
    title: str
    version: str
    audience: str
    due: str
    confirmed: int
    total: int


@dataclass(frozen=True)
class MyCampaign:
    """One round as the member of staff it was sent to sees it."""

    reference: str
    title: str
    version: str
    approval_date: str
    due: str
    confirmed_at: str  # "" while outstanding


@dataclass(frozen=True)
class Confirmation:
    """The answer to pressing "I have read and understood"."""

    ok: bool
    message: str
    reference: str = ""
    confirmed_at: str = ""
