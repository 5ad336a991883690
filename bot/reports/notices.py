"""Build the plain-text :class:`Notice` each person is sent, and the wording the sender and the
recipients read back (receipts, refusals, a record's fields). Every value passes through
``neutralise.clean`` (control characters stripped, links defanged, length capped).

A refusal reads the same whether the record does not exist or belongs to someone else: it must
not tell anyone that a report they cannot see (e.g. a concern about the headteacher) exists."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bot.people import PLATFORM_LABELS, ROLE_LABELS
from bot.reports.models import (
    CONCERN_CATEGORIES,
    LIMITS,
    NO_EVIDENCE_CATEGORIES,
    RELATIONSHIPS,
    EvidenceFile,
    Notice,
    human_size,
)
from bot.reports.neutralise import clean, clean_filename

VALUE_LIMIT = LIMITS["description"]

# What a member of staff is told instead of being offered a file field: on the Slack form when
# they choose the category, on the receipt, and when they send a file for such a concern anyway.
INDECENT_IMAGES_GUIDANCE = (
    "Do not copy, screenshot, save or forward the image, and do not attach it here: keeping or "
    "sending an indecent image of a child is an offence, even to report it. Note where it is "
    "instead: the device, the website or app, and the date and time you saw it. Tell the "
    "headteacher now, in person (the chair of governors if it is about the headteacher): “Where indecent images of children are found by any adult, "
    "the Headteacher must be informed immediately.” (Social Media Policy §7.i)"
)


def _lines(pairs: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    return [
        (label, clean(str(value), VALUE_LIMIT)) for label, value in pairs if value not in ("", None)
    ]


def _text(title: str, lines: list[tuple[str, str]], footer: str = "") -> str:
    body = "\n".join(f"{label}: {value}" for label, value in lines)
    return "\n".join(part for part in (title, body, footer) if part)


REPORTER_LINES = ("Reported by", "Declared by")  # the lines front ends show the account beside


def submitter_label(display_name: str, platform: str, user_id: str = "") -> str:
    """The name the sender goes by (their own display name: they can change it, so it is never
    proof of who they are) and, for notices, the account their platform authenticated."""
    name = clean(display_name, LIMITS["display_name"]) or "A member of staff"
    via = PLATFORM_LABELS.get(platform, platform)
    account = clean(user_id, 100)
    return f"{name} (via {via}, account {account})" if account else f"{name} (via {via})"


def concern_notice(
    reference: str,
    data: dict[str, Any],
    *,
    urgent: bool,
    reporter: str,
    roles: tuple[str, ...],
    escalated_from: tuple[str, ...] = (),
    account: tuple[str, str] = ("", ""),
) -> Notice:
    category = CONCERN_CATEGORIES[data["category"]]
    if data["about_headteacher"]:
        title = f"Concern about the headteacher {reference}: {category}"
    else:
        title = f"New concern {reference}: {category}"
    if urgent:
        title = "URGENT " + title[0].lower() + title[1:]
    named = [e["name"] for e in data["evidence"]]
    evidence = (
        f"{len(named)} file(s) named on the form, each sent to you as a message of its own: "
        + "; ".join(named)
        if named
        else ""
    )
    lines = _lines(
        [
            ("Reference", reference),
            ("Category", category),
            (
                "Urgent",
                "URGENT: a child may be at immediate risk"
                if data["immediate_risk"]
                else ("URGENT: this category is always urgent" if urgent else ""),
            ),
            ("About the headteacher", "Yes" if data["about_headteacher"] else ""),
            ("Reported by", reporter),
            ("When", data["occurred_on"]),
            ("Where", data["where"]),
            ("Link", data["link"]),
            ("People involved", data["people_involved"]),
            ("Description", data["description"]),
            ("Evidence", evidence),
        ]
    )
    footer = "You received this as " + " and ".join(ROLE_LABELS[r] for r in roles) + "."
    if escalated_from:
        missed = " and the ".join(ROLE_LABELS[r] for r in escalated_from)
        lines.append(
            ("Escalated", f"It could not be delivered to the {missed} in time, so it comes to you.")
        )
    return Notice(
        reference=reference,
        notice_type="concern",
        urgent=urgent,
        title=title,
        lines=lines,
        actions=("acknowledge", "note"),
        text=_text(title, lines, footer),
        recipient_role="+".join(roles),
        reporter_platform=account[0],
        reporter_id=account[1],
    )


def declaration_notice(
    reference: str,
    data: dict[str, Any],
    *,
    declarant: str,
    roles: tuple[str, ...],
    account: tuple[str, str] = ("", ""),
) -> Notice:
    title = f"Relationship declaration {reference}"
    lines = _lines(
        [
            ("Reference", reference),
            ("Declared by", declarant),
            ("Pupil", data["student_name"]),
            ("Class or year group", data["year_group"]),
            ("Relationship", RELATIONSHIPS[data["relationship"]]),
            ("Social media contact", ", ".join(data["platforms"]) or "None declared"),
            ("Notes", data["notes"]),
        ]
    )
    return Notice(
        reference=reference,
        notice_type="declaration",
        urgent=False,
        title=title,
        lines=lines,
        actions=("acknowledge", "note"),
        text=_text(title, lines, "Please acknowledge it so it is formally recorded (§6.ix)."),
        recipient_role="+".join(roles),
        reporter_platform=account[0],
        reporter_id=account[1],
    )


def evidence_notice(
    reference: str, file: EvidenceFile, *, urgent: bool, roles: tuple[str, ...]
) -> Notice:
    """To a recipient: one evidence file of a record they received, with the file itself."""
    name = clean_filename(file.name, LIMITS["evidence_name"])  # its dots kept: "chat.png"
    title = f"Evidence {file.number} for {reference}: {name}"
    lines = [
        ("Reference", reference),
        ("File", name),
        ("Type", file.kind),
        ("Size", human_size(file.size)),
    ]
    return Notice(
        reference=reference,
        notice_type="evidence",
        urgent=urgent,
        title=title,
        lines=lines,
        text=f"{title} ({file.kind}, {human_size(file.size)})",
        recipient_role="+".join(roles),
        files=(file,),
    )


def status_notice(reference: str, notice_type: str, kind: str, by: str, *, urgent: bool) -> Notice:
    """To the submitter: their report was acknowledged or closed."""
    what = "report" if kind == "concern" else "declaration"
    verb = {"acknowledged": "acknowledged", "closed": "closed"}[notice_type]
    title = f"Your {what} {reference} was {verb} by {clean(by, 200)}"
    lines = _lines([("Reference", reference), ("Status", verb.capitalize()), ("By", by)])
    return Notice(
        reference=reference,
        notice_type=notice_type,
        urgent=False,
        title=title,
        lines=lines,
        actions=(),
        text=title + ".",
        recipient_role="",
    )


def undeliverable_notice(reference: str, kind: str, roles: tuple[str, ...]) -> Notice:
    """To the submitter: their report could not reach these roles. Says only what they already
    knew from their receipt (the reference and who it was for) and what to do now."""
    what = "concern" if kind == "concern" else "relationship declaration"
    labels = [ROLE_LABELS[r] for r in roles]
    who = " and the ".join(labels)
    title = f"Your {what} {reference} could not be delivered to the {who}"
    advice = f"Please speak to the {who} directly as soon as you can"
    if kind == "concern" and "safeguarding_lead" not in roles:
        advice += ", or to the Designated Safeguarding Lead"
    advice += "."
    if kind == "concern":
        advice += " If a child is in immediate danger, call 999."
    body = (
        f"It is safely recorded as {reference}, but policybot could not reach the {who}. {advice}"
    )
    lines = _lines([("Reference", reference), ("What to do", body)])
    return Notice(
        reference=reference,
        notice_type="undeliverable",
        urgent=False,
        title=title,
        lines=lines,
        actions=(),
        text=f"{title}. {body}",
        recipient_role="",
    )


def note_notice(
    reference: str, by: str, text: str, *, urgent: bool, roles: tuple[str, ...]
) -> Notice:
    """To the other recipients: a note was added to a record they received."""
    title = f"Note added to {reference} by {clean(by, 200)}"
    lines = _lines([("Reference", reference), ("By", by), ("Note", text)])
    return Notice(
        reference=reference,
        notice_type="note",
        urgent=urgent,
        title=title,
        lines=lines,
        actions=("note",),
        text=_text(title, lines),
        recipient_role="+".join(roles),
    )


def to_json(notice: Notice) -> dict[str, Any]:
    """A notice as the outbox seals it: a file's description travels, never its bytes."""
    data = asdict(notice)
    for file in data["files"]:
        del file["content"]
    return data


def from_json(data: dict[str, Any]) -> Notice:
    data = dict(data)
    data["lines"] = [tuple(pair) for pair in data["lines"]]
    data["actions"] = tuple(data["actions"])
    data["files"] = tuple(EvidenceFile(**f) for f in data.get("files", ()))
    return Notice(**data)


# --- what the sender and the recipients read back -----------------------------------------
ALREADY_SENT = "This form was already sent, so nothing was filed twice. "


def receipt_message(
    kind: str, reference: str, labels: list[str], pending: bool, urgent: bool, category: str = ""
) -> str:
    what = "concern" if kind == "concern" else "relationship declaration"
    to = _join(labels)
    if pending:
        msg = (
            f"Your {what} is safely recorded as {reference}. Delivery to the {to} is "
            "pending: it will keep being retried automatically, and you will be told if it "
            "cannot be delivered."
        )
    else:
        msg = f"Your {what} is recorded as {reference} and has been sent to the {to}."
    if urgent:
        msg += " It is marked URGENT. If a child is in immediate danger, call 999 now."
    msg += " You will be told when it is acknowledged."
    if category in NO_EVIDENCE_CATEGORIES:
        msg += " " + INDECENT_IMAGES_GUIDANCE
    return msg


def refusal(reference: str) -> str:
    return (
        f"There is no report {reference} that you can act on. Only the people a report was "
        "sent to can view, acknowledge, annotate or close it."
    )


def record_fields(kind: str, data: dict[str, Any]) -> list[tuple[str, str]]:
    """A record's fields as its reader sees them, labelled, empty ones left out."""
    if kind == "concern":
        pairs = [
            ("Category", CONCERN_CATEGORIES[data["category"]]),
            ("A child may be at immediate risk", "Yes" if data["immediate_risk"] else "No"),
            ("About the headteacher", "Yes" if data["about_headteacher"] else "No"),
            ("When", data["occurred_on"]),
            ("Where", data["where"]),
            ("Link", data["link"]),
            ("People involved", data["people_involved"]),
            ("Description", data["description"]),
            ("Files named on the form", ", ".join(e["name"] for e in data.get("evidence", []))),
        ]
    else:
        pairs = [
            ("Pupil", data["student_name"]),
            ("Class or year group", data["year_group"]),
            ("Relationship", RELATIONSHIPS[data["relationship"]]),
            ("Social media contact", ", ".join(data["platforms"]) or "None declared"),
            ("Notes", data["notes"]),
        ]
    return [(label, clean(value)) for label, value in pairs if value]


def _join(labels: list[str]) -> str:
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and the " + labels[-1]
