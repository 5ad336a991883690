"""Block Kit for "read and understood" policy rounds (bot/campaigns/): the member of staff's DM
and the policy's clauses posted under it when they press "Read the policy".

Policy wording (the title, each changed clause, every clause read) is shown exactly as the
school wrote it, the way Slack shows text literally: ``plain_text`` objects, which Slack never
parses for markup, mentions, channel names or links, with ``emoji`` off so ":x:" stays ":x:".
Nothing in it is escaped, swapped for a look-alike or "defanged". What is not policy text (the
head's message, the version line) is escaped for mrkdwn like every other notice
(``blocks.esc``). Slack refuses a message over 50 blocks or a section over 3,000 characters, so
a long clause is split between words over several sections and a long policy over several
messages (bot/campaigns/reading.py): every clause, word for word, in order.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.campaigns.notices import is_policy_text
from bot.campaigns.reading import pages, split_text
from bot.reports.models import Notice
from handlers.slack import blocks as bk

Block = bk.Block

MAX_BLOCKS = 50  # Slack's limit per message
SECTION_TEXT = 3000  # Slack's limit per section text
HEADER_TEXT = 150  # Slack's limit for a header block
PIECE = 2800  # policy text per section, leaving room for the clause's name above it


def literal(text: str) -> dict:
    """A text object Slack shows exactly as given (no markup, mentions, links or emoji)."""
    return {"type": "plain_text", "text": text, "emoji": False}


def literal_sections(label: str, text: str) -> list[Block]:
    """``label`` on its own line, then ``text``, as plain-text sections; a text longer than a
    section continues in the next ones ("… (continued)")."""
    out: list[Block] = []
    for n, piece in enumerate(split_text(text, PIECE)):
        name = label if n == 0 else f"{label} (continued)"
        out.append({"type": "section", "text": literal(f"{name}\n{piece}" if name else piece)})
    return out


def heading(text: str) -> Block:
    if len(text) <= HEADER_TEXT:
        return {"type": "header", "text": literal(text)}
    return {"type": "section", "text": literal(text)}


def policy_notice_blocks(notice: Notice) -> list[Block]:
    """The DM: what to read, which version, what changed (the new wording exactly), buttons."""
    blocks: list[Block] = [heading(notice.title)]
    for label, value in notice.lines:
        if is_policy_text(label):
            blocks.extend(literal_sections(label, value))
        else:
            blocks.append(bk.mrkdwn(f"*{bk.esc(label)}*\n{bk.esc(value) or '—'}", verbatim=True))
    blocks.append(bk.context(f"Reference `{bk.esc(notice.reference)}` · private to you",
                             verbatim=True))  # fmt: skip
    buttons = bk.notice_buttons(notice.reference, notice.actions)
    footer = [{"type": "actions", "block_id": "notice_actions", "elements": buttons}]
    if len(blocks) + len(footer) > MAX_BLOCKS:  # never: 25 changes at most (bot/campaigns)
        blocks = [*blocks[: MAX_BLOCKS - len(footer) - 1], blocks[-1]]
    return blocks + footer


def policy_notice_fallback(notice: Notice) -> str:
    """The notification text: the heading only, Slack's three control characters escaped."""
    return bk.policy_text(notice.title)


def clause_messages(title: str, clauses: Sequence[tuple[str, str]]) -> list[list[Block]]:
    """The whole policy as messages of at most 50 blocks, clause by clause in order; the first
    opens with the title."""
    sections = [s for clause_id, text in clauses for s in literal_sections(clause_id, text)]
    grouped = pages(sections, lambda _: 1, MAX_BLOCKS - 1)  # one block left for the title
    grouped[:1] = [[heading(title), *(grouped[0] if grouped else [])]]
    return grouped
