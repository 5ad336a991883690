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

CHANGE_KINDS = ("added", "reworded", "removed")  # ClauseChange.kind

STAFF_GROUPS = ("teaching", "support", "governors", "volunteers")
AUDIENCES = ("all", *STAFF_GROUPS)


@dataclass(frozen=True)
class ClauseChange:
    """One clause that differs from the version a person last confirmed."""

    kind: str  # one of CHANGE_KINDS
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
    sent_to: int  # DMs queued (including the ``not_reachable`` ones, which wait)
    no_account: int  # staff in the audience with no Slack or Teams account: not sent
    already_confirmed: int  # confirmed this very version in an earlier round: not asked again
    new_version: bool  # True when this content had never been published before
    repeated: bool = False  # the same form was sent before: this is its first receipt, no DMs
    # of ``sent_to``, how many their chat app cannot message yet, as far as this process can
    # tell (a server whose front end registered a reachability check; the CLI cannot tell)
    not_reachable: int = 0

    @property
    def message(self) -> str:
        msg = (
            ("Already sent: " if self.repeated else "")
            + f"{self.reference}: '{self.title}' (version {self.version}) sent to "
            f"{self.sent_to - self.not_reachable} of {self.audience} staff, due {self.due}."
        )
        if self.not_reachable:
            msg += (
                f" {self.not_reachable} more cannot be reached in chat yet (they have not opened "
                "policybot): theirs is delivered when they first do; the receipts show who."
            )
        if self.already_confirmed:
            msg += f" {self.already_confirmed} had already confirmed this version."
        if self.no_account:
            msg += (
                f" {self.no_account} have no Slack or Teams account on record and were not "
                "sent it: run `policybot staff list` to see who."
            )
        return msg


# Where a round's message to one person stands (ReceiptRow.delivery), from its outbox row.
DELIVERED = "delivered"
SENDING = "being sent"  # queued, or retrying after an error
NOT_REACHABLE = "not reachable yet"  # the chat app cannot message them until they open it
NOT_DELIVERED = "could not be delivered"  # the platform refused it for good
NO_ACCOUNT = "no chat account"


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
    delivery: str = DELIVERED  # one of the states above
    # the round whose button they pressed: a confirmation counts for every round of its
    # version (bot/campaigns/confirmations.py), so it may be another round's
    confirmed_in: str = ""


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
    def not_reachable(self) -> list[str]:
        """Outstanding people their chat app cannot message yet: the head's count of "sent"
        must not include them."""
        return sorted(
            r.name for r in self.rows if not r.confirmed_at and r.delivery == NOT_REACHABLE
        )

    @property
    def summary(self) -> str:
        text = f"{self.confirmed} of {self.total} confirmed"
        if self.outstanding:
            text += "; outstanding: " + ", ".join(self.outstanding)
        if self.not_reachable:
            text += f"; {NOT_REACHABLE} (they have not opened policybot in chat): " + ", ".join(
                self.not_reachable
            )
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
