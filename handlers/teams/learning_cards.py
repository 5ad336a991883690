"""Adaptive Cards for what the school teaches it (bot/learning/): "Was it one of these?" (under a
*not covered* or *two policies* answer, or its own card after *Not helpful*), the rule picked,
and the reviewer's "N suggestions to review" with Approve / Reject.

Only lays out what the core returned; every text goes through ``cards.esc`` like any answer.
"""

from __future__ import annotations

from botbuilder.schema import Activity

from bot.answers import Answer, Citation
from bot.learning.service import Offer, Picked, Review, ReviewItem, given_text, inline_offer
from handlers.teams import cards
from handlers.teams.cards import esc

# Action.Submit "action" values (bot.py dispatches them)
PICK = "learn_pick"
NONE = "learn_none"
APPROVE = "learn_approve"
REJECT = "learn_reject"
SUBMITS = (PICK, NONE, APPROVE, REJECT)
ASK = "Was it one of these?"
MAX_REVIEW = 10  # suggestions on one card; `policybot learned list` shows them all
QUESTION_LIMIT = 500


def answer_message(answer: Answer) -> Activity:
    """The answer card, with "Was it one of these?" under a not-covered or two-policies
    reply."""
    card = cards.answer_card(answer)
    offer = inline_offer(answer)
    if offer is not None:
        card["body"] = [*card["body"], *offer_body(offer)]
    return cards.message(card, answer.text)


def offer_body(offer: Offer) -> list[dict]:
    """Each rule offered, labelled and quoted as in an answer, with "This one"; then "None of
    these"."""
    question = offer.question[:QUESTION_LIMIT]
    body: list[dict] = [cards._text(ASK, weight="Bolder", spacing="Large", separator=True)]
    for c in offer.choices:
        data = {"action": PICK, "question": question, "source": c.source, "clause": c.clause}
        body += [
            *cards._citation(c),
            {"type": "ActionSet", "actions": [cards._submit("This one", data)]},
        ]
    none = {"action": NONE, "question": question}
    body.append({"type": "ActionSet", "actions": [cards._submit("None of these", none)]})
    return body


def offer_message(offer: Offer, note: str = "") -> Activity:
    """ "Was it one of these?" as a card of its own, under `note` (the thanks for the vote)."""
    lead = [cards._text(esc(note), isSubtle=True)] if note else []
    text = f"{note} {ASK}".strip()
    return cards.message(cards.card([*lead, *offer_body(offer)], fallback=text), text)


def picked_message(picked: Picked) -> Activity:
    """The rule picked, quoted and cited as in an answer, and what happens next."""
    body: list[dict] = cards._citation(picked.citation) if picked.citation else []
    body.append(cards._text(esc(picked.message), isSubtle=True, spacing="Medium"))
    return cards.message(cards.card(body, fallback=picked.message), _fallback(picked))


def _fallback(picked: Picked) -> str:
    c: Citation | None = picked.citation
    return picked.message if c is None else f"{c.shown}\n— {c.label}\n{picked.message}"


def review_message(review: Review, note: str = "") -> Activity:
    """ "N suggestions to review", each with Approve / Reject (a refusal for anyone else)."""
    if not review.allowed:
        return cards.message(cards.notice_text_card("Suggestions", review.message), review.message)
    n = len(review.items)
    title = "Suggestions to review" if n == 0 else f"{n} suggestion{'s' * (n != 1)} to review"
    body: list[dict] = [cards._text(esc(title), weight="Bolder", size="Medium")]
    if note:
        body.append(cards._text(esc(note), isSubtle=True))
    if not review.items:
        body.append(cards._text("Nothing waiting: staff have not suggested a rule since.",
                                isSubtle=True))  # fmt: skip
    for item in review.items[:MAX_REVIEW]:
        body.append(_item(item))
    if n > MAX_REVIEW:
        more = f"{n - MAX_REVIEW} more: `policybot learned list` shows them all."
        body.append(cards._text(esc(more), isSubtle=True, size="Small"))
    return cards.message(cards.card(body, fallback=title), title)


def _item(item: ReviewItem) -> dict:
    items: list[dict] = [cards._text(f"**#{item.number}** “{esc(item.question)}”")]
    if item.status == "review":
        items.append(cards._text(esc(f"⚠ Held for re-review: {item.note}."), color="Warning"))
    items.append(cards._text(esc(f"First given: {given_text(item)}"), size="Small"))
    votes = f" ({item.votes} staff picked it)" if item.votes > 1 else ""
    items.append(cards._text(esc(f"Picked: {item.picked}{votes}"), weight="Bolder"))
    if item.picked_lines:
        items.append(
            {
                "type": "Container",
                "style": "emphasis",
                "items": [cards._text(esc(line), spacing="Small") for line in item.picked_lines],
            }
        )
    approve = {"action": APPROVE, "number": item.number}
    reject = {"action": REJECT, "number": item.number}
    items.append(
        {
            "type": "ActionSet",
            "actions": [
                cards._submit("Approve", approve, style="positive"),
                cards._submit("Reject", reject, style="destructive"),
            ],
        }
    )
    return {"type": "Container", "separator": True, "items": items}
