"""The direct message a member of staff is sent for a round, as a plain-text
:class:`bot.reports.models.Notice` (front ends render it).

Shape, for renderers (Slack blocks, Teams cards):

- ``reference``: "RU-2026-0003.17" (the round, a dot, the person's number in it). The round's
  reference (before the dot) is what ``CampaignService.confirm`` / ``clauses`` take; front ends
  put it in the button values.
- ``notice_type``: "policy" (first message) or "policy_reminder".
- ``title``: "Please read: Social Media Policy" (or "Reminder: please read: ...").
- ``lines``: ("Policy", title), ("Version", "approved 12 March 2026 (version 3f9a01c2)"),
  ("Due", "2026-12-04"), ("Message", the head's note) then, when the person confirmed an
  earlier version, ("What changed", "3 clauses since the version you confirmed") followed by
  one line per change labelled "Added §6.xi" / "Reworded Expectations, item 2" / "Removed §9.i" with the new
  (for removed: the old) clause text.
- ``actions``: ("confirm_read", "read_policy"): an "I have read and understood" button and a
  "Read the policy" button that shows the clauses (``CampaignService.clauses``).

**Policy text is quoted as written.** The title and each changed clause are the school's own
published wording: only control and invisible characters are taken out (``verbatim``), never
links "defanged" ("paragraph 2.vi" must not read "2[.]vi", nor "www.gov.uk" "www[.]gov[.]uk").
:func:`is_policy_text` tells renderers which lines those are, so they show them the platforms'
own literal way (Slack ``plain_text``, Teams ``TextRun``) rather than altering them. Only what a
person typed, the head's message, is cleaned like every report field (``neutralise.clean``).
"""

from __future__ import annotations

from bot.campaigns.models import (
    CHANGE_KINDS,
    CONFIRM_ACTION,
    POLICY_NOTICE,
    READ_ACTION,
    REMINDER_NOTICE,
    ClauseChange,
)
from bot.reports.models import Notice
from bot.reports.neutralise import clean, strip_controls

MAX_CHANGES_LISTED = 25
CHANGE_TEXT_LIMIT = 600  # a changed clause longer than this is quoted up to a word, then "…"
TITLE_LIMIT = 200
POLICY_LINE = "Policy"  # the line holding the policy's title
MORE_LINE = "More"  # after the changes listed: how many more there are
_CHANGE_PREFIXES = tuple(f"{kind.capitalize()} " for kind in CHANGE_KINDS)


def round_of(notice_reference: str) -> str:
    """The round's reference in a notice's: "RU-2026-0003.17" -> "RU-2026-0003"."""
    return notice_reference.split(".", 1)[0]


def is_change(label: str) -> bool:
    """A "What changed" line: "Added §6.xi", "Reworded Expectations, item 2", "Removed §9.i"."""
    return label.startswith(_CHANGE_PREFIXES)


def is_policy_text(label: str) -> bool:
    """True for the lines whose value is the policy's own wording (its title, a changed
    clause): renderers show those exactly, as literal text, never as markup or links."""
    return label == POLICY_LINE or is_change(label)


def more_line(count: int) -> tuple[str, str]:
    """The line after the changes listed, for ``count`` changes not listed."""
    return (MORE_LINE, f"{count} more: read the whole policy")


def more_count(lines: list[tuple[str, str]]) -> int:
    """How many changes the ``more_line`` among ``lines`` says were left out (0 if none)."""
    value = dict(lines).get(MORE_LINE, "")
    return int(value.split(" ", 1)[0]) if value[:1].isdigit() else 0


def verbatim(text: str, limit: int) -> str:
    """Policy wording as written: control and invisible characters out, nothing else changed.
    Longer than ``limit``, it is cut after the last whole word that fits and ends in "…", so
    what is shown is still a word-for-word span of the clause."""
    text = strip_controls(str(text)).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + " …"


def policy_notice(
    reference: str,
    *,
    title: str,
    version: str,
    approval_date: str,
    due: str,
    message: str,
    changes: list[ClauseChange] | None,
    reminder: int = 0,
) -> Notice:
    """``changes`` is None for someone who never confirmed an earlier version."""
    title = verbatim(title, TITLE_LIMIT)
    heading = f"Please read: {title}"
    if reminder:
        heading = "Reminder: " + heading[0].lower() + heading[1:]
    approved = f"approved {approval_date} " if approval_date else ""
    lines: list[tuple[str, str]] = [
        (POLICY_LINE, title),
        ("Version", f"{approved}(version {version})"),
        ("Due", due),
    ]
    if message:
        lines.append(("Message", clean(message, 500)))  # typed by the head: defanged
    if changes is not None:
        if changes:
            n = len(changes)
            lines.append(
                (
                    "What changed",
                    f"{n} clause{'s' if n != 1 else ''} since the version you confirmed",
                )
            )
            for change in changes[:MAX_CHANGES_LISTED]:
                lines.append((change.label, verbatim(change.text, CHANGE_TEXT_LIMIT)))
            if n > MAX_CHANGES_LISTED:
                lines.append(more_line(n - MAX_CHANGES_LISTED))
        else:
            lines.append(("What changed", "No clause changed since the version you confirmed"))
    footer = (
        'Please read the policy, then press "I have read and understood". You can ask me '
        "questions about it here."
    )
    text = "\n".join([heading, *(f"{label}: {value}" for label, value in lines), footer])
    return Notice(
        reference=reference,
        notice_type=REMINDER_NOTICE if reminder else POLICY_NOTICE,
        urgent=False,
        title=heading,
        lines=lines,
        actions=(CONFIRM_ACTION, READ_ACTION),
        text=text,
        recipient_role="staff",
    )
