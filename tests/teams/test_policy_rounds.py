"""Policy rounds on Teams, through the real CloudAdapter over HTTP and the fake Bot Connector:

- the "what changed" card quotes the policy's new wording exactly, in TextRuns Teams never reads
  as markdown; only the head's typed message is made inert;
- "Read the policy" shows the bundled 65-clause policy (31 KB of card in one piece) and the
  largest handbook policy in parts, every activity under the 28 KB cap, every clause verbatim;
- a confirmation counts in every round of its version, whichever card's button was pressed;
- staff known only from `sync staff` get their card in a 1:1 chat the bot opens itself, and when
  Teams refuses that, the head's receipts count them as "not reachable yet" until they open it.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.campaigns.models import NOT_REACHABLE
from bot.campaigns.versions import clauses_of
from bot.corpus.loader import load_document
from bot.reports.models import Actor
from bot.staff import parse_csv
from handlers.teams.campaign_cards import MAX_ACTIVITY_BYTES
from tests.teams.conftest import DSL, HEAD, OTHER, TEACHER, open_chats, say, shown
from tests.teams.test_campaigns import (
    CONFIRM,
    GUEST,
    ROUND_RE,
    STAFF_CSV,
    member,
    policy_cards,
    press,
)

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "policy_corpus" / "social-media-policy.txt"
LARGEST = ROOT / "tests" / "fixtures" / "handbook" / "staff-code-of-conduct.pdf"
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
DUE = "2026-12-18"
ONLINE = "Online Safety Policy (www.gov.uk model)"
ONLINE_SAFETY = (
    f"{ONLINE}\n\n"
    "1. Reporting\n\n"
    "1.1 Staff report concerns as set out in paragraph 2.vi of the safeguarding policy.\n\n"
    "1.2 Guidance for parents is at www.gov.uk/guidance.\n"
)
NEW_WORDING = (
    "Guidance for parents is at https://www.gov.uk/guidance & 192.168.0.10 <at>Everyone</at> "
    "*now* [here](https://example.org) _today_."
)
REVIEWED = ONLINE_SAFETY.replace("Guidance for parents is at www.gov.uk/guidance.", NEW_WORDING)
LONG_CLAUSES = "Lettings Policy\n\n1. Terms\n\n" + "".join(
    f"1.{n} "
    + ("The hirer must leave the hall as they found it. " * (140 if n == 3 else 1))
    + "\n\n"
    for n in range(1, 61)
)
HEAD_ACTOR = Actor("teams", HEAD.aad)


@pytest.fixture
def teams_env(teams_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "online.txt").write_text(ONLINE_SAFETY)
    shutil.copy(BUNDLED, folder)
    shutil.copy(LARGEST, folder)
    (folder / "lettings.txt").write_text(LONG_CLAUSES)
    return {**teams_env, "POLICYBOT_CORPUS_DIR": str(folder)}


@pytest.fixture
def school(teams, teams_env):
    """Tom and Ann on the staff list, the head and both of them known to the bot; the
    service's clock fixed."""
    teams.runtime.reports.clock = lambda: NOW
    teams.runtime.campaigns.directory.import_csv(parse_csv(STAFF_CSV), "cli:test", NOW)
    open_chats(teams, HEAD, TEACHER, OTHER)
    teams.handbook = Path(teams_env["POLICYBOT_CORPUS_DIR"])
    return teams


def publish(teams, policy: str, message: str = ""):
    form = say(teams, HEAD, "publish")
    (send,) = [a["data"] for a in form.submit_actions() if a["data"]["action"] == "publish_policy"]
    value = {**send, "policy": policy, "audience": "all", "due": DUE, "message": message}
    receipt = say(teams, HEAD, value=value)
    return receipt, ROUND_RE.findall(receipt.text)[0]


def size(call) -> int:
    """The activity's bytes as JSON, as the Bot Framework client sends it."""
    return len(json.dumps(call.body))


# --- the policy's words, exactly -------------------------------------------------------------


def test_what_changed_quotes_the_new_wording_exactly_in_text_teams_never_reads_as_markdown(
    school,
):
    publish(school, ONLINE)
    (first,) = policy_cards(school, TEACHER)
    press(school, TEACHER, first, CONFIRM)
    (school.handbook / "online.txt").write_text(REVIEWED)

    publish(school, ONLINE, "See https://evil.example/x")

    card = policy_cards(school, TEACHER, 2)[-1]
    literal = card.literal_texts()
    assert literal[0] == f"Please read: {ONLINE}"
    assert literal[literal.index("Reworded §1.2") :][:2] == ["Reworded §1.2", NEW_WORDING]
    assert ONLINE in literal
    assert not any("[.]" in t or "hxxp" in t or "\\" in t for t in literal)
    # nowhere as markdown: no TextBlock or fact carries the policy's words
    markdown = [b for b in card.text_blocks() if b not in literal]
    assert not any("gov" in b or "Everyone" in b for b in markdown)
    # the head's message is what staff typed: inert, and escaped for markdown
    assert "See hxxps://evil[.]example/x" in shown(card)
    assert size(card) < MAX_ACTIVITY_BYTES


def test_a_review_rewording_every_clause_still_sends_a_card_under_the_cap(school):
    def policy(edition: str) -> str:
        clause = (
            "Staff must follow the school’s “procedures” for {n}, recording each step — and "
            "telling the DSL the same day — “no exceptions” ({edition} edition). "
        ) * 4  # about 570 characters, quoted whole; 25 of them are more than one card holds
        return "Procedures Policy\n\n1. Procedures\n\n" + "".join(
            f"1.{n} {clause.format(n=n, edition=edition).strip()}\n\n" for n in range(1, 31)
        )

    (school.handbook / "procedures.txt").write_text(policy("first"))
    publish(school, "Procedures Policy")
    (first,) = policy_cards(school, TEACHER)
    press(school, TEACHER, first, CONFIRM)
    (school.handbook / "procedures.txt").write_text(policy("second"))

    publish(school, "Procedures Policy")

    card = policy_cards(school, TEACHER, 2)[-1]
    assert size(card) < MAX_ACTIVITY_BYTES
    literal = card.literal_texts()
    quoted = [literal[i + 1] for i, text in enumerate(literal) if text.startswith("Reworded §")]
    clauses = dict(clauses_of(load_document(school.handbook / "procedures.txt")))
    assert quoted and all(text in clauses.values() for text in quoted)  # each one whole
    more = re.search(r"(\d+) more: read the whole policy", shown(card))
    assert more and len(quoted) + int(more[1]) == 30 and len(quoted) < 25  # the core lists 25
    assert "30 clauses since the version you confirmed" in shown(card)


# --- reading a long policy in parts ------------------------------------------------------------


def read_every_part(teams, user, card) -> list:
    parts = [press(teams, user, card, "Read the policy")]
    while nxt := [a for a in parts[-1].submit_actions() if a["title"].startswith("Next: ")]:
        parts.append(say(teams, user, value=nxt[0]["data"]))
    return parts


def clauses_shown(parts) -> dict[str, str]:
    """Clause name -> its wording, from the parts' TextRuns (a continued clause joined up)."""
    shown_: dict[str, str] = {}
    for part in parts:
        for block in _rich_text_blocks(part.card):
            runs = block["inlines"]
            if len(runs) == 2 and runs[0].get("weight") == "Bolder":
                name = runs[0]["text"].removesuffix(" (continued)")
                shown_[name] = shown_.get(name, "") + runs[1]["text"].removeprefix(" ")
    return shown_


def _rich_text_blocks(node) -> list[dict]:
    if isinstance(node, dict):
        found = [node] if node.get("type") == "RichTextBlock" else []
        return found + [b for v in node.values() for b in _rich_text_blocks(v)]
    if isinstance(node, list):
        return [b for v in node for b in _rich_text_blocks(v)]
    return []


@pytest.mark.parametrize(
    ("title", "source", "count"),
    [
        ("Social Media Policy", BUNDLED.name, 2),
        ("Staff Code of Conduct", LARGEST.name, 1),
        ("Lettings Policy", "lettings.txt", 1),  # one clause continues over three blocks
    ],
)
def test_read_the_policy_comes_in_parts_under_the_cap_holding_every_clause_verbatim(
    school, title, source, count
):
    publish(school, title)
    (card,) = policy_cards(school, TEACHER)
    assert size(card) < MAX_ACTIVITY_BYTES

    parts = read_every_part(school, TEACHER, card)

    assert len(parts) == count
    assert all(size(p) < MAX_ACTIVITY_BYTES for p in parts)
    clauses = clauses_of(load_document(school.handbook / source))
    assert clauses_shown(parts) == dict(clauses)  # every clause, exactly, nothing else
    assert list(clauses_shown(parts)) == [clause_id for clause_id, _ in clauses]
    if count > 1:
        assert [shown(p).split("\n")[1] for p in parts] == [
            f"Part {n} of {count}" for n in range(1, count + 1)
        ]
    # the last part ends with the confirm button, which records the confirmation
    assert [a["title"] for a in parts[-1].submit_actions()] == [CONFIRM]
    thanks = press(school, TEACHER, parts[-1], CONFIRM)
    assert thanks.text.startswith("Thank you: you confirmed you have read and understood")


def test_the_bundled_policy_in_one_card_would_have_been_over_the_cap(school):
    """Why the parts exist: the whole bundled policy is more than Teams takes in one card."""
    from handlers.teams.campaign_cards import clause_blocks

    clauses = clauses_of(load_document(BUNDLED))
    assert len(clauses) == 65
    assert len(json.dumps(clause_blocks(clauses))) > MAX_ACTIVITY_BYTES


# --- one answer per version ---------------------------------------------------------------------


def test_a_confirmation_counts_in_every_round_of_the_version_on_the_receipts_card(school):
    _, first = publish(school, ONLINE)
    policy_cards(school, OTHER)
    _, again = publish(school, ONLINE)  # the same version, sent again
    newer = policy_cards(school, TEACHER, 2)[-1]
    older = policy_cards(school, OTHER, 2)[0]

    press(school, TEACHER, newer, CONFIRM)  # the newer card's button
    press(school, OTHER, older, CONFIRM)  # the older card's button

    receipts = shown(say(school, HEAD, "receipts"))
    for name in (TEACHER.name, OTHER.name):
        assert len(re.findall(rf"{name} · \w+ · confirmed 2026-11-25T09:00", receipts)) == 2
    assert receipts.split("\n").count("2 of 2") == 2  # each round's "Confirmed" fact
    again_pressed = press(school, TEACHER, policy_cards(school, TEACHER, 2)[0], CONFIRM)
    assert again_pressed.text.startswith("You already confirmed")
    rounds = {p.reference: p.summary for p in school.runtime.campaigns.receipts(HEAD_ACTOR, ONLINE)}
    assert rounds == {first: "2 of 2 confirmed", again: "2 of 2 confirmed"}


# --- staff known only from the team's roster ---------------------------------------------------


def sync_staff(teams) -> None:
    teams.connector.roster = [member(TEACHER), member(OTHER), member(DSL), GUEST]
    teams.client.send(teams.client.channel(HEAD, "sync staff"))
    teams.connector.wait_for(lambda calls: [c for c in calls if "Staff list updated" in c.text])


def created_chat(user) -> str:
    """The 1:1 chat the fake Bot Connector creates for ``user`` (POST /v3/conversations)."""
    return f"a:dm-{user.teams_id}"


def cards_in(teams, conversation: str, count: int = 1) -> list:
    def cards(calls):
        return [c for c in calls if c.conversation_id == conversation and "please read" in
                c.text.lower()]  # fmt: skip

    return cards(teams.connector.wait_for(lambda calls: len(cards(calls)) >= count))


def test_staff_known_only_from_the_roster_get_their_card_in_a_chat_the_bot_opens(school):
    sync_staff(school)

    receipt, reference = publish(school, ONLINE)

    assert "sent to 3 of all staff" in receipt.text and "cannot be reached" not in receipt.text
    (card,) = cards_in(school, created_chat(DSL))  # Sam Patel never opened the bot
    (created,) = [c for c in school.connector.created if c["members"][0]["id"] == DSL.teams_id]
    assert created["isGroup"] is False and len(created["members"]) == 1
    assert created["members"][0]["aadObjectId"] == DSL.aad
    assert created["channelData"]["tenant"]["id"]
    assert created["bot"]["id"]
    # the guest is never staff and never messaged; nothing is posted in the team's channel
    assert not [c for c in school.connector.calls if GUEST["id"] in c.conversation_id]
    assert not [c for c in school.connector.sent() if "please read" in c.text.lower()
                and c.conversation_id.startswith("19:")]  # fmt: skip
    thanks = press(school, DSL, card, CONFIRM)
    assert thanks.text.startswith("Thank you")
    assert f"{DSL.name} · " in shown(say(school, HEAD, "receipts"))


def test_when_teams_will_not_open_the_chat_the_receipts_say_not_reachable_yet_until_it_can(
    school,
):
    school.connector.refused[DSL.teams_id] = 403  # e.g. the app is blocked for them
    sync_staff(school)
    _, first = publish(school, ONLINE)
    campaigns = school.runtime.campaigns

    school.connector.wait_for(
        lambda _: campaigns.progress(HEAD_ACTOR, first).not_reachable == [DSL.name]
    )
    receipts = shown(say(school, HEAD, "receipts"))
    assert f"{DSL.name} · {NOT_REACHABLE}: has not opened policybot in Teams" in receipts
    # the next publish counts them apart, and Teams is not asked again meanwhile
    receipt, again = publish(school, ONLINE)
    assert "sent to 2 of all staff" in receipt.text
    assert "1 more cannot be reached in chat yet" in receipt.text
    school.runtime.reports.wake()
    school.runtime.reports.deliver_due()
    refused = [c for c in school.connector.calls if c.path == "/v3/conversations"
               and c.status == 403]  # fmt: skip
    assert len(refused) == 1

    school.client.send(school.client.install(DSL))  # Sam opens policybot at last

    cards_in(school, DSL.personal_conversation, 2)  # both rounds' cards arrive

    def delivered(_calls) -> list:
        rows = [
            {r.name: r for r in campaigns.progress(HEAD_ACTOR, reference).rows}[DSL.name]
            for reference in (first, again)
        ]
        return [r for r in rows if r.delivery == "delivered" and r.sent_at]

    school.connector.wait_for(lambda calls: len(delivered(calls)) == 2)
    assert NOT_REACHABLE not in shown(say(school, HEAD, "receipts"))
