"""The policy's own wording reaches staff exactly as written (only what a person typed is made
inert), and the head's receipts never count someone as sent whom the chat app cannot reach."""

from __future__ import annotations

from bot.campaigns.models import NOT_REACHABLE
from bot.campaigns.notices import is_policy_text

from .conftest import ANN, BOB, HEAD, STAFF, FakeNotifier

ONLINE_SAFETY = (
    "Online Safety Policy (www.gov.uk model)\n\n"
    "1. Reporting\n\n"
    "1.1 Staff report concerns as set out in paragraph 2.vi of the safeguarding policy.\n\n"
    "1.2 Guidance for parents is at www.gov.uk/guidance.\n"
)
REVIEWED = ONLINE_SAFETY.replace(
    "at www.gov.uk/guidance.",
    "at https://www.gov.uk/guidance & 192.168.0.10 <see the DSL> @channel :x: *now*.",
)


def test_what_changed_quotes_the_new_wording_exactly_and_defangs_only_the_heads_message(
    staffed, slack, service, handbook
):
    (handbook / "online.txt").write_text(ONLINE_SAFETY)
    first = staffed.publish(HEAD, "online safety", "teaching", "2026-12-18")
    staffed.confirm(ANN, first.reference)
    (handbook / "online.txt").write_text(REVIEWED)

    staffed.publish(HEAD, "online safety", "teaching", "2026-12-18", "See https://evil.example/x")
    service.deliver_due()

    dm = slack.inbox(ANN.user_id)[-1]
    lines = dict(dm.lines)
    assert dm.title == "Please read: Online Safety Policy (www.gov.uk model)"
    assert lines["Policy"] == "Online Safety Policy (www.gov.uk model)"
    assert lines["Reworded §1.2"] == (
        "Guidance for parents is at https://www.gov.uk/guidance & 192.168.0.10 <see the DSL> "
        "@channel :x: *now*."
    )
    assert lines["Message"] == "See hxxps://evil[.]example/x"  # typed by the head: inert
    assert [label for label, _ in dm.lines if is_policy_text(label)] == ["Policy", "Reworded §1.2"]
    # Sam never confirmed: his first message quotes nothing changed, and its title is exact too
    assert slack.inbox(STAFF.user_id)[-1].title == dm.title


def test_a_long_changed_clause_is_quoted_up_to_a_whole_word_and_marked_as_cut(
    staffed, slack, service, handbook
):
    long_clause = "1.2 " + " ".join(f"word{n}" for n in range(200)) + ".\n"
    (handbook / "online.txt").write_text(ONLINE_SAFETY)
    first = staffed.publish(HEAD, "online safety", "teaching", "2026-12-18")
    staffed.confirm(ANN, first.reference)
    (handbook / "online.txt").write_text(ONLINE_SAFETY.replace(
        "1.2 Guidance for parents is at www.gov.uk/guidance.\n", long_clause))  # fmt: skip
    staffed.publish(HEAD, "online safety", "teaching", "2026-12-18")
    service.deliver_due()

    quoted = dict(slack.inbox(ANN.user_id)[-1].lines)["Reworded §1.2"]
    assert quoted.endswith(" …") and len(quoted) <= 600
    assert long_clause[4:].startswith(quoted.removesuffix(" …") + " ")


def test_who_the_chat_app_cannot_reach_yet_is_counted_apart_and_named_in_the_receipts(
    staffed, service
):
    notifier = FakeNotifier("slack", unreachable={BOB.user_id})
    service.register_notifier(notifier)
    staffed.register_reach("slack", lambda user: user not in notifier.unreachable)

    receipt = staffed.publish(HEAD, "dress code", "all", "2026-12-18")
    service.deliver_due()

    assert (receipt.sent_to, receipt.not_reachable) == (3, 1)
    assert "sent to 2 of all staff" in receipt.message
    assert "1 more cannot be reached in chat yet" in receipt.message
    progress = staffed.progress(HEAD, receipt.reference)
    rows = {r.name: r for r in progress.rows}
    assert rows["Bob Support"].delivery == NOT_REACHABLE and not rows["Bob Support"].sent_at
    assert rows["Ann Teacher"].delivery == "delivered" and rows["Ann Teacher"].sent_at
    assert rows["Gina Governor"].delivery == "no chat account"
    assert progress.summary.endswith(
        "; not reachable yet (they have not opened policybot in chat): Bob Support"
    )

    notifier.unreachable.clear()  # Bob opens the bot: the front end wakes the outbox
    service.wake()
    service.deliver_due()
    bob = next(r for r in staffed.progress(HEAD, receipt.reference).rows if r.name == "Bob Support")
    assert bob.delivery == "delivered" and bob.sent_at
