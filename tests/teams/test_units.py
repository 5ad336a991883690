"""Small pieces of the Teams front end: mention stripping, command parsing, the notifier's own
failure reporting (the continue_conversation trap) and idempotency."""

from __future__ import annotations

import pytest
from botbuilder.schema import Activity

from bot.errors import RecipientUnreachable
from bot.reports.models import Address, Notice
from handlers.teams.bot import parse_command, strip_mentions
from handlers.teams.notifier import DeliveryFailed
from handlers.teams.server import NOTIFIER_KEY
from tests.teams.conftest import BOT_ID, HEAD, OTHER


def _activity(text: str, mention_name: str) -> Activity:
    at = f"<at>{mention_name}</at>"
    return Activity().deserialize(
        {
            "type": "message",
            "text": f"{at} {text}",
            "recipient": {"id": BOT_ID, "name": mention_name},
            "entities": [
                {"type": "mention", "text": at, "mentioned": {"id": BOT_ID, "name": mention_name}}
            ],
        }
    )


@pytest.mark.parametrize("name", ["PolicyBot", "Policy Bot (beta)", "Bot*+?", "Ms. O'Bot"])
def test_strip_mentions_handles_names_that_are_not_regex_safe(name):
    assert strip_mentions(_activity("can I friend a parent?", name)) == "can I friend a parent?"


def test_strip_mentions_removes_other_at_tags_and_nbsp():
    activity = _activity("hello&nbsp;<at>Tom</at> there", "PolicyBot")
    assert strip_mentions(activity) == "hello there"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("help", ("help", "")),
        ("", ("help", "")),
        ("Report concern", ("concern", "")),
        ("/report-concern", ("concern", "")),
        ("declare relationship", ("declaration", "")),
        ("ask", ("ask", "")),
        ("ask Can I post photos?", ("ask", "Can I post photos?")),
        ("Can I post photos?", ("ask", "Can I post photos?")),
        ("asking about photos", ("ask", "asking about photos")),
        ("Open items", ("open items", "")),
        ("my reports", ("my reports", "")),
        ("register", ("register", "")),
        ("receipts", ("receipts", "")),
        ("publish", ("publish", "")),
        ("sync staff", ("sync staff", "")),
        ("what are the open items?", ("ask", "what are the open items?")),
    ],
)
def test_parse_command(text, expected):
    assert parse_command(text) == expected


NOTICE = Notice(
    reference="C-2026-0001",
    notice_type="concern",
    urgent=False,
    title="New concern C-2026-0001: Cyberbullying",
    lines=[("Category", "Cyberbullying")],
    actions=("acknowledge", "note"),
    text="New concern C-2026-0001",
)


def test_notifier_raises_unreachable_for_someone_it_never_met(teams):
    notifier = teams.client.app[NOTIFIER_KEY]
    with pytest.raises(RecipientUnreachable):
        notifier.send(Address("teams", OTHER.aad), NOTICE, "k1")


def test_notifier_surfaces_a_failed_send_instead_of_losing_it(teams):
    """botbuilder would hand an exception in the callback to on_turn_error and swallow it."""
    teams.client.send(teams.client.install(HEAD))
    teams.connector.wait_for(lambda calls: len(calls) == 1)
    notifier = teams.client.app[NOTIFIER_KEY]
    teams.connector.fail_next = 1
    with pytest.raises(DeliveryFailed, match="500"):
        notifier.send(Address("teams", HEAD.aad), NOTICE, "k2")
    notifier.send(Address("teams", HEAD.aad), NOTICE, "k2")  # the retry goes through
    notifier.send(Address("teams", HEAD.aad), NOTICE, "k2")  # a repeat is not re-sent
    sent = [c for c in teams.connector.sent() if "C-2026-0001" in c.text]
    assert len(sent) == 1


def test_notifier_finds_people_by_teams_id_too(teams):
    teams.client.send(teams.client.install(HEAD))
    teams.connector.wait_for(lambda calls: len(calls) == 1)
    notifier = teams.client.app[NOTIFIER_KEY]
    notifier.send(Address("teams", HEAD.teams_id), NOTICE, "k3")
    assert [c for c in teams.connector.sent() if "C-2026-0001" in c.text]
