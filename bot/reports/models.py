"""The platform-neutral vocabulary of concern reports and relationship declarations.

Front ends (Slack, Teams, CLI) build a :class:`ConcernForm` or :class:`DeclarationForm` from
what the user typed, call :class:`bot.reports.service.ReportService`, and render what comes
back (:class:`Receipt`, :class:`ActionResult`, :class:`Summary`, :class:`ReportDetail`).
Recipients are reached through a :class:`Notifier` each front end registers; it is handed a
:class:`Notice` (plain text only: front ends escape it for their markup with
``bot.reports.neutralise.slack_escape`` / ``teams_escape``).

Errors a front end must handle when submitting (both defined in bot/errors.py):

- :class:`FormError` (a ``ValueError``): ``.errors`` maps a form field name (exactly the
  dataclass field names below) to a message to show on that field. Nothing was stored.
- :class:`SubmissionRefused`: reports cannot be accepted right now (no config, no recipient
  configured, no encryption key). ``str(exc)`` is the message for the user. Nothing was stored.
  ``FormError`` is a subclass, so ``except SubmissionRefused`` catches both.

Identity (:class:`bot.people.Actor`): ``Actor.user_id`` is the Slack user id (``U0123ABCD``) on
Slack and the Azure AD object id (``from.aadObjectId``, a GUID) on Teams; the CLI has none and
acts as ``Actor.role`` (``"headteacher"``).
Recipients are matched against the ``slack_user`` / ``teams_user`` in the school's config (which
refuses a bot-scoped ``29:`` Teams id for that reason: it could never match an acting user).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Protocol, runtime_checkable

# Roles, platforms and Actor live in bot.people; named here too for the front ends' imports.
from bot.people import PLATFORM_LABELS as PLATFORM_LABELS
from bot.people import PLATFORMS as PLATFORMS
from bot.people import ROLE_LABELS as ROLE_LABELS
from bot.people import Actor as Actor

CONCERN_CATEGORIES: dict[str, str] = {
    "cyberbullying": "Cyberbullying",
    "trolling": "Trolling",
    "indecent_images": "Inappropriate or indecent images",
    "radicalisation": "Radicalisation / Prevent",
    "contact_with_student": "Inappropriate contact with a student",
    "data_breach": "Confidentiality or data breach",
    "discriminatory": "Discriminatory or offensive content",
    "other": "Other",
}
# Categories that are always urgent (also routed to the designated safeguarding lead).
URGENT_CATEGORIES = frozenset({"indecent_images", "radicalisation"})
# Categories that never carry a file: an indecent image of a child must not be copied, kept or
# forwarded, not even to report it (Social Media Policy §7.i; bot/reports/evidence.py).
NO_EVIDENCE_CATEGORIES = frozenset({"indecent_images"})


def accepts_evidence(category: str) -> bool:
    """Whether a concern of this category may carry evidence files."""
    return category in CONCERN_CATEGORIES and category not in NO_EVIDENCE_CATEGORIES


RELATIONSHIPS: dict[str, str] = {
    "child": "Child",
    "grandchild": "Grandchild",
    "niece_nephew": "Niece or nephew",
    "sibling": "Sibling",
    "other": "Other",
}

# Field limits in characters (after trimming). Front ends may use them for max_length.
LIMITS: dict[str, int] = {
    "description": 4000,
    "occurred_on": 100,
    "where": 200,
    "link": 1000,
    "people_involved": 1000,
    "evidence": 10,  # number of files
    "evidence_name": 200,
    "evidence_ref": 1000,
    "student_name": 100,
    "year_group": 50,
    "platforms": 20,  # number of platforms
    "platform": 50,
    "notes": 2000,
    "note": 2000,  # a recipient's note on a record
    "display_name": 200,
}


@dataclass
class Evidence:
    """A file named on a concern form (Slack's file field): the front end fetches it after
    filing and hands its bytes to ``ReportService.evidence.attach``."""

    name: str  # file name as uploaded
    ref: str  # platform file id


# What evidence may be, read from a file's first bytes (never its name): label, extension.
EVIDENCE_TYPES: dict[str, tuple[str, str]] = {
    "image/png": ("PNG image", "png"),
    "image/jpeg": ("JPEG image", "jpg"),
    "image/gif": ("GIF image", "gif"),
    "image/webp": ("WebP image", "webp"),
    "image/heic": ("HEIC image", "heic"),
    "application/pdf": ("PDF document", "pdf"),
}


def human_size(size: int) -> str:
    """ "812 bytes", "120 KB", "2.1 MB"."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB"


@dataclass(frozen=True)
class EvidenceFile:
    """One evidence file on a record, as people see it: its number on the record, the name it
    was sent with, its type (read from its content) and size, and when it was deleted (the
    retention period, ``[evidence] keep_days_after_close``). ``content`` is filled only when a
    notifier or the command line needs the bytes; a notice stores the rest, never the file."""

    reference: str
    number: int
    name: str
    media_type: str
    size: int
    deleted_at: str = ""  # ISO 8601 UTC, "" while kept
    content: bytes = field(default=b"", repr=False, compare=False)

    @property
    def kind(self) -> str:
        return EVIDENCE_TYPES.get(self.media_type, ("file", ""))[0]

    @property
    def extension(self) -> str:
        return EVIDENCE_TYPES.get(self.media_type, ("", "bin"))[1]

    def describe(self) -> str:
        """ "screenshot.png (PNG image, 120 KB)": how every list of files names one."""
        return f"{self.name} ({self.kind}, {human_size(self.size)})"


@dataclass
class ConcernForm:
    category: str  # a key of CONCERN_CATEGORIES
    description: str
    occurred_on: str = ""  # free text or ISO date
    where: str = ""  # platform / place, e.g. "Facebook group"
    link: str = ""
    people_involved: str = ""
    immediate_risk: bool = False  # "a child may be at immediate risk"
    about_headteacher: bool = False  # "this concern is about the headteacher"
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class DeclarationForm:
    student_name: str
    year_group: str  # class or year group
    relationship: str  # a key of RELATIONSHIPS
    platforms: list[str] = field(default_factory=list)  # social media contact, e.g. ["Facebook"]
    notes: str = ""


NOT_SENT_COMMANDS = {"concern": "/report-concern", "declaration": "/declare-relationship"}


def not_sent_message(kind: str) -> str:
    """What the person is told when filing failed after their form had closed (the store was
    locked, the disk full…): the submit call raised, so nothing was stored or sent. It repeats
    nothing they wrote, and says what to do now."""
    command = NOT_SENT_COMMANDS.get(kind, "the same command")
    message = (
        f"Your {kind} was NOT sent: something went wrong on our side after the form closed, "
        f"and nothing was stored. Please send it again with {command} in a few minutes."
    )
    if kind == "concern":
        message += (
            " If a child may be at risk, don't wait: speak to the designated safeguarding lead "
            "(or the headteacher) in person now."
        )
    else:
        message += " If it cannot wait, tell the headteacher in person."
    return message


@dataclass(frozen=True)
class Receipt:
    reference: str  # e.g. "C-2026-0007"
    kind: str  # "concern" | "declaration"
    urgent: bool
    delivery_pending: bool  # True until every recipient has been sent it
    recipients: list[str]  # role labels, e.g. ["Headteacher"]
    message: str  # what to tell the submitter (plain text)
    # a concern whose category may carry files: Teams offers "Add evidence" on the receipt
    accepts_evidence: bool = False


@dataclass(frozen=True)
class Notice:
    """What one person is sent. All strings are plain text: control characters stripped,
    lengths capped, links defanged. Front ends escape them for their own markup. (A policy
    round's message quotes the policy's own wording as written, links and all:
    bot/campaigns/notices.py says which lines those are.)"""

    reference: str
    notice_type: str  # concern | declaration | evidence | acknowledged | note | closed | …
    urgent: bool
    title: str
    lines: list[tuple[str, str]]  # (label, value)
    actions: tuple[str, ...] = ()  # e.g. ("acknowledge", "note"); buttons to offer
    text: str = ""  # plain-text fallback summarising the notice
    recipient_role: str = ""  # role of the person it is for ("" for the submitter)
    # The sender's account as their platform authenticated it (not the name they typed or
    # chose): front ends show it beside the "Reported by" / "Declared by" line, e.g. Slack's
    # <@U…> mention rendered from the live profile. Empty on notices to the submitter.
    reporter_platform: str = ""
    reporter_id: str = ""
    # an "evidence" notice carries its file (one): the notifier uploads it into the DM (Slack)
    # or offers it (Teams' file consent); the outbox fills in the bytes just before sending
    files: tuple[EvidenceFile, ...] = ()


@dataclass(frozen=True)
class Address:
    platform: str  # "slack" | "teams"
    user_id: str


@runtime_checkable
class Notifier(Protocol):
    """Sends one notice to one person by direct message (never to a channel).

    Raise on any failure (the outbox retries later with backoff); raise
    :class:`RecipientUnreachable` when the person cannot be reached yet, and
    :class:`PermanentDeliveryError` when they never can be at this address. The same
    ``idempotency_key`` is passed on every retry of the same notice: use it to avoid
    sending a duplicate when the platform allows (e.g. remember keys already sent).
    An evidence notice's file comes with its bytes unless the notifier says
    ``sends_file_bytes = False`` (Teams offers the file first and uploads it when accepted)."""

    platform: str

    def send(self, to: Address, notice: Notice, idempotency_key: str) -> None: ...


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    message: str  # plain text for the person who acted


@dataclass(frozen=True)
class Summary:
    """One row of a listing. Built from unencrypted columns only."""

    reference: str
    kind: str  # "concern" | "declaration"
    status: str  # "open" | "acknowledged" | "closed"
    urgent: bool
    created_at: str  # ISO 8601 UTC
    label: str  # category label (concern) or relationship label (declaration)
    about_headteacher: bool = False
    acknowledged_by: str = ""  # e.g. "Kate Baskeyfield (Headteacher)"
    acknowledged_at: str = ""
    recipients: tuple[str, ...] = ()  # role labels
    delivery_pending: bool = False

    def facts(self) -> list[str]:
        """What a listing says after the reference, in order, as plain text: the label, the
        status, who acknowledged it (or that delivery is still in progress) and the date. Each
        front end marks up the reference and urgency its own way and escapes these."""
        facts = [self.label, self.status]
        if self.acknowledged_by:
            facts.append(f"acknowledged by {self.acknowledged_by}")
        elif self.delivery_pending:
            facts.append("delivery in progress")
        facts.append(self.created_at[:10])
        return facts


@dataclass(frozen=True)
class Note:
    at: str
    author: str  # e.g. "Kate Baskeyfield (Headteacher)"
    text: str


@dataclass(frozen=True)
class ReportDetail:
    """A whole record, decrypted, for a recipient (or its own submitter, without notes)."""

    summary: Summary
    submitted_by: str  # display name and platform
    fields: list[tuple[str, str]]  # (label, value) plain text via neutralise.clean (links defanged)
    evidence: list[EvidenceFile]  # files attached (without their bytes), deleted ones included
    notes: list[Note]
    closed_by: str = ""
    closed_at: str = ""

    @property
    def reference(self) -> str:
        return self.summary.reference


class DeliveryStatus(NamedTuple):
    role: str  # "headteacher" ... or "submitter"
    platform: str
    status: str  # "pending" | "sending" | "sent" | "failed" | "recipient not reachable on Teams"
    attempts: int
    last_error: str
