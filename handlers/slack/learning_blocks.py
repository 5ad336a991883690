"""Block Kit for what the school teaches it (bot/learning/): "Was it one of these?" for staff,
the rule they picked, and "N suggestions to review" in the reviewer's App Home.

Only lays out what the core returned. Policy text is quoted as answers quote it
(``blocks._quote``); a question someone typed is escaped and marked verbatim, so it never
becomes a mention or a link.
"""

from __future__ import annotations

import json
from typing import Any

from bot.answers import Citation
from bot.learning.service import Offer, Picked, Review, ReviewItem, given_text
from handlers.slack import blocks as bk

Block = bk.Block

PICK = "learn_pick"  # "This one" under a rule offered
NONE = "learn_none"  # "None of these"
APPROVE = "learn_approve"
REJECT = "learn_reject"
ASK = "Was it one of these?"
MAX_REVIEW = 10  # suggestions listed in the home tab (three blocks each); the CLI lists all


def pick_value(question: str, citation: Citation, follow_up: bool) -> str:
    """What a pick carries: the question, the rule (its policy file and clause as cited) and
    whether the offer is a message of its own (then the pick replaces it)."""
    room = bk.BUTTON_VALUE_LIMIT - len(citation.source) - len(citation.clause) - 60
    return json.dumps(
        {
            "q": question[: max(room, 0)],
            "s": citation.source,
            "c": citation.clause,
            "f": int(follow_up),
        }  # fmt: skip
    )


def none_value(question: str, follow_up: bool) -> str:
    return json.dumps({"q": question[: bk.BUTTON_VALUE_LIMIT - 30], "f": int(follow_up)})


def read_value(value: str) -> dict[str, Any]:
    try:
        data = json.loads(value)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def offer_blocks(offer: Offer, *, follow_up: bool) -> list[Block]:
    """Each rule offered, quoted and labelled as in an answer, with "This one"; then "None of
    these". ``follow_up``: a message of its own (after *Not helpful*), not part of the reply."""
    blocks: list[Block] = [bk.mrkdwn(f"*{ASK}*")]
    for n, c in enumerate(offer.choices):
        section = bk.mrkdwn(bk.quote_text(c))
        section["accessory"] = bk.button("This one", PICK, pick_value(offer.question, c, follow_up))
        section["block_id"] = f"learn_choice_{n}"
        blocks += [section, bk.context(bk.cited(c))]
    blocks.append(
        {
            "type": "actions",
            "block_id": "learn_none",
            "elements": [bk.button("None of these", NONE, none_value(offer.question, follow_up))],
        }
    )
    return blocks


def picked_blocks(picked: Picked) -> list[Block]:
    """The rule picked, quoted and cited as an answer, and what happens next."""
    blocks: list[Block] = []
    if picked.citation is not None:
        blocks += [bk.mrkdwn(bk.quote_text(picked.citation)), bk.context(bk.cited(picked.citation))]
    blocks.append(bk.context(bk.esc(picked.message)))
    return blocks


def picked_text(picked: Picked) -> str:
    if picked.citation is None:
        return picked.message
    return f"{picked.citation.shown}\n— {picked.citation.label}"


def review_blocks(review: Review, note: str = "") -> list[Block]:
    """ "N suggestions to review" for a reviewer (nothing for anyone else)."""
    if not review.allowed:
        return []
    n = len(review.items)
    title = "Suggestions to review" if n == 0 else f"{n} suggestion{'s' * (n != 1)} to review"
    blocks: list[Block] = [{"type": "divider"}, {"type": "header", "text": bk.plain(title, 150)}]
    if note:
        blocks.append(bk.context(bk.esc(note), verbatim=True))
    if not review.items:
        blocks.append(bk.context("Nothing waiting: staff have not suggested a rule since."))
    for item in review.items[:MAX_REVIEW]:
        blocks += _item(item)
    if n > MAX_REVIEW:
        blocks.append(
            bk.context(f"{n - MAX_REVIEW} more: `policybot learned list` shows them all.")
        )
    return blocks


def _item(item: ReviewItem) -> list[Block]:
    lines = [f"*#{item.number}* “{bk.esc(item.question)}”"]
    if item.status == "review":
        lines.append(f":warning: Held for re-review: {bk.esc(item.note)}.")
    lines.append(f"First given: {bk.esc(given_text(item))}")
    lines.append(f"Picked: *{bk.policy_text(item.picked)}*" + _votes(item.votes))
    quote = "\n".join(f">{bk.policy_text(line)}" for line in item.picked_lines)
    text = "\n".join(lines) + (f"\n{quote}" if quote else "")
    return [
        bk.mrkdwn(text, verbatim=True),
        {
            "type": "actions",
            "block_id": f"learn_review_{item.number}",
            "elements": [
                bk.button("Approve", APPROVE, str(item.number), style="primary"),
                bk.button("Reject", REJECT, str(item.number), style="danger"),
            ],
        },
    ]


def _votes(votes: int) -> str:
    return f" ({votes} staff picked it)" if votes > 1 else ""
