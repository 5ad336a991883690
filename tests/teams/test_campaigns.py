""" "Read and understood" on Teams: the head publishes a policy from a card in the 1:1 chat, each
member of staff gets a card in theirs, reads the clauses, presses "I have read and understood",
and the head's "receipts" card shows who has and who has not. All through the real CloudAdapter
over HTTP, the fake Bot Connector and a real SQLite file; the handbook is a folder with one
policy the head edits between rounds."""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.staff import parse_csv
from tests.campaigns.conftest import DRESS_CODE, DRESS_CODE_REVIEWED
from tests.clocks import START
from tests.teams.conftest import DSL, HEAD, OTHER, TEACHER, open_chats, say, shown

STAFF_CSV = (
    "name,email,group,teams_user\n"
    f"{TEACHER.name},tom@hilltop.sch.uk,teaching,{TEACHER.aad}\n"
    f"{OTHER.name},ann@hilltop.sch.uk,support,{OTHER.aad}\n"
)
ROUND_RE = re.compile(r"\bRU-\d{4}-\d{4}\b")
CONFIRM = "I have read and understood"


@pytest.fixture
def teams_env(teams_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The school's config, with a handbook folder of one policy instead of the default corpus."""
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "dress.md").write_text(DRESS_CODE)
    return {**teams_env, "POLICYBOT_CORPUS_DIR": str(folder)}


@pytest.fixture
def school(teams, teams_env):
    """The bot, its staff list imported, every member of staff known to the bot."""
    teams.runtime.campaigns.directory.import_csv(
        parse_csv(STAFF_CSV), "cli:test", teams.runtime.reports.clock()
    )
    open_chats(teams, HEAD, TEACHER, OTHER)
    teams.handbook = Path(teams_env["POLICYBOT_CORPUS_DIR"])
    return teams


def due(days: int = 7) -> str:
    return (START.date() + timedelta(days=days)).isoformat()  # the tests' calendar


def policy_cards(teams, user, count: int = 1):
    """Wait for ``count`` policy cards in ``user``'s 1:1 chat; return them. They are sent
    proactively (botbuilder gives those a generated replyToId), never as a reply to a message
    the person sent (the client's numeric ids)."""

    def cards(calls):
        return [
            c
            for c in calls
            if c.conversation_id == user.personal_conversation
            and not (c.reply_to_id or "").isdigit()  # not a reply to what they typed
            and "please read" in c.text.lower()
        ]

    return cards(teams.connector.wait_for(lambda calls: len(cards(calls)) >= count))


def publish(teams, **fields):
    form = say(teams, HEAD, "publish")
    (send,) = [a["data"] for a in form.submit_actions() if a["data"]["action"] == "publish_policy"]
    value = {
        **send,
        "policy": "Staff Dress Code",
        "audience": "all",
        "due": due(),
        "message": "Please read before Monday.",
        **fields,
    }
    return say(teams, HEAD, value=value), value


def press(teams, user, card, title: str):
    (action,) = [a for a in card.submit_actions() if a["title"] == title]
    return say(teams, user, value=action["data"])


# --- publish → cards → confirm → receipts ---------------------------------------------------


def test_the_publish_card_offers_the_handbook_an_audience_a_due_date_and_a_message(school):
    form = say(school, HEAD, "publish")
    inputs = form.inputs()
    assert [c["value"] for c in inputs["policy"]["choices"]] == ["Staff Dress Code"]
    assert {c["value"] for c in inputs["audience"]["choices"]} == {
        "all",
        "teaching",
        "support",
        "governors",
        "volunteers",
    }
    assert inputs["due"]["type"] == "Input.Date"
    assert inputs["message"]["type"] == "Input.Text"


def test_publish_sends_each_member_of_staff_a_card_they_confirm_and_the_head_sees_receipts(
    school,
):
    receipt, _ = publish(school)
    assert "sent to 2 of all staff" in receipt.text
    (reference,) = ROUND_RE.findall(receipt.text)

    for user in (TEACHER, OTHER):
        (card,) = policy_cards(school, user)
        text = shown(card)
        assert "Please read: Staff Dress Code" in text
        assert "Please read before Monday." in text
        assert re.search(r"\(version [0-9a-f]{8}\)", text)
        titles = [a["title"] for a in card.submit_actions()]
        assert titles == [CONFIRM, "Read the policy"]
        assert {a["data"]["reference"] for a in card.submit_actions()} == {reference}

    (card,) = policy_cards(school, TEACHER)
    policy = press(school, TEACHER, card, "Read the policy")
    assert "Trainers may be worn for PE lessons and on sports day." in shown(policy)
    opened = shown(say(school, HEAD, "receipts"))
    assert f"{TEACHER.name} · teaching · opened the policy, not confirmed yet" in opened
    thanks = press(school, TEACHER, card, CONFIRM)
    assert thanks.text.startswith("Thank you: you confirmed you have read and understood")
    again = press(school, TEACHER, card, CONFIRM)
    assert again.text.startswith("You already confirmed 'Staff Dress Code'")

    receipts = shown(say(school, HEAD, "receipts"))
    assert "1 of 2" in receipts
    assert f"Outstanding: {OTHER.name}" in receipts
    assert re.search(rf"{TEACHER.name} · teaching · confirmed \d{{4}}-\d\d-\d\d", receipts)
    assert f"{OTHER.name} · support · outstanding" in receipts


def test_an_edited_policy_published_again_shows_the_changes_by_clause_quoting_the_new_text(
    school,
):
    publish(school)
    (first,) = policy_cards(school, TEACHER)
    press(school, TEACHER, first, CONFIRM)
    (school.handbook / "dress.md").write_text(DRESS_CODE_REVIEWED)

    publish(school, due=due(14))
    second = policy_cards(school, TEACHER, 2)[-1]
    text = shown(second)
    assert "3 clauses since the version you confirmed" in text
    assert re.search(
        r"Reworded Expectations, item 2\nTrainers may be worn for PE lessons, sports day", text
    )
    assert re.search(
        r"Added Expectations, item 3\nLanyards must be worn at all times on site.", text
    )
    assert re.search(r"Removed Jewellery\nLarge hooped earrings", text)
    # Ann never confirmed the first version: her card has no comparison
    assert "What changed" not in shown(policy_cards(school, OTHER, 2)[-1])


def test_pressing_send_twice_publishes_once(school):
    first, value = publish(school)
    again = say(school, HEAD, value=value)
    assert again.text.startswith("Already sent: ")
    assert ROUND_RE.findall(again.text) == ROUND_RE.findall(first.text)
    policy_cards(school, TEACHER)
    assert len(school.runtime.campaigns.campaigns(_head())) == 1


def test_a_reminder_card_reaches_only_who_has_not_confirmed(school):
    publish(school, due=due(21))
    (card,) = policy_cards(school, TEACHER)
    press(school, TEACHER, card, CONFIRM)
    policy_cards(school, OTHER)
    last_day = datetime.fromisoformat(due(21) + "T09:00:00+00:00")
    school.runtime.reports.clock = lambda: last_day  # three weeks on: every reminder is due
    assert school.runtime.campaigns.send_reminders() == 1
    reminder = policy_cards(school, OTHER, 2)[-1]
    assert shown(reminder).startswith("Reminder: please read: Staff Dress Code")
    assert [a["title"] for a in reminder.submit_actions()] == [CONFIRM, "Read the policy"]
    assert len(policy_cards(school, TEACHER)) == 1


# --- who may do what ------------------------------------------------------------------------


def test_staff_cannot_publish_and_see_only_their_own_rounds_as_receipts(school):
    refused = say(school, TEACHER, "publish")
    assert refused.inputs() == {}
    assert (
        refused.text
        == "Only the Headteacher can send policies to staff or see who has confirmed them."
    )
    publish(school)
    (card,) = policy_cards(school, TEACHER)
    mine = say(school, TEACHER, "receipts")
    text = shown(mine)
    assert "Staff Dress Code" in text and "due " in text
    assert OTHER.name not in mine.card_text()  # nobody else's progress
    assert [a["title"] for a in mine.submit_actions()] == [CONFIRM, "Read the policy"]
    # a forged publish submit from staff is refused and nothing is sent
    forged = say(
        school,
        TEACHER,
        value={"action": "publish_policy", "policy": "Staff Dress Code", "audience": "all",
               "due": due(), "form_id": "x"},
    )  # fmt: skip
    assert "Only the Headteacher" in forged.text
    assert len(school.runtime.campaigns.campaigns(_head())) == 1


def test_someone_the_round_was_not_sent_to_can_neither_confirm_nor_read_it(school):
    receipt, _ = publish(school, audience="teaching")
    (reference,) = ROUND_RE.findall(receipt.text)
    policy_cards(school, TEACHER)
    for user in (OTHER, DSL):
        refused = say(school, user, value={"action": "confirm_read", "reference": reference})
        assert refused.text.startswith(f"There is no policy {reference} sent to you")
        unread = say(school, user, value={"action": "read_policy", "reference": reference})
        assert "Trainers" not in unread.card_text()
    receipts = shown(say(school, HEAD, "receipts"))
    assert "0 of 1" in receipts


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"due": "2020-01-01"}, "The due date 2020-01-01 is in the past"),
        ({"audience": "volunteers"}, "Nobody is in the audience 'volunteers'"),
        ({"policy": "Fire drill"}, "There is no policy called 'Fire drill' in the handbook"),
    ],
)
def test_bad_publish_input_comes_back_on_the_card_and_nothing_is_sent(school, fields, error):
    reply, value = publish(school, **fields)
    assert error in shown(reply)
    inputs = reply.inputs()
    assert inputs["message"]["value"] == "Please read before Monday."  # what they typed is kept
    assert school.runtime.campaigns.campaigns(_head()) == []
    assert not [c for c in school.connector.sent() if "please read" in c.text.lower()]


def test_publish_and_receipts_are_never_answered_in_a_channel(school):
    publish(school)
    school.connector.clear()
    for text in ("publish", "receipts"):
        school.client.send(school.client.channel(HEAD, text))
    in_channel = lambda calls: [c for c in calls if c.conversation_id.startswith("19:")]  # noqa: E731
    calls = in_channel(school.connector.wait_for(lambda calls: len(in_channel(calls)) == 2))
    assert all("1:1 chat" in c.text and c.inputs() == {} for c in calls)
    assert not any(TEACHER.name in c.card_text() for c in calls)


def _head():
    from bot.reports.models import Actor

    return Actor("teams", HEAD.aad)


# --- Microsoft's rate limit -----------------------------------------------------------------


def test_teams_answering_429_slows_a_round_down_but_each_person_gets_exactly_one_card(school):
    # Teams paces us: "429, Retry-After: 0.2", twice in Tom's chat and once in Ann's
    school.connector.throttle.update(
        {TEACHER.personal_conversation: 2, OTHER.personal_conversation: 1}
    )
    receipt, _ = publish(school)
    (reference,) = ROUND_RE.findall(receipt.text)
    for user in (TEACHER, OTHER):
        policy_cards(school, user)
    outbox = school.runtime.reports.outbox

    def delivered(_calls) -> list:
        rows = [outbox.delivery_status(f"{reference}.{n}") for n in (1, 2)]
        return [s for row in rows for s in row if s.status == "sent"]

    school.connector.wait_for(lambda calls: len(delivered(calls)) == 2)
    assert [c.status for c in school.connector.calls].count(429) == 3
    # the notifier waited as asked and sent again: one attempt each as the outbox sees it
    assert [s.attempts for s in delivered([])] == [1, 1]
    assert len(policy_cards(school, TEACHER)) == len(policy_cards(school, OTHER)) == 1


def test_the_receipts_card_for_a_large_round_stays_within_what_teams_accepts(school):
    many = "".join(
        f"Staff Member {i:03d},staff{i:03d}@hilltop.sch.uk,teaching,"
        f"00000000-0000-4000-8000-{i:012d}\n"
        for i in range(300)
    )
    school.runtime.campaigns.directory.import_csv(  # the trust's list replaces the school's
        parse_csv("name,email,group,teams_user\n" + many),
        "cli:test",
        school.runtime.reports.clock(),
    )
    publish(school)
    receipts = say(school, HEAD, "receipts")
    assert len(json.dumps(receipts.body)) < 28_000  # Teams refuses larger cards
    text = shown(receipts)
    assert "0 of 300" in text
    assert re.search(r"Outstanding: Staff Member 000(, Staff Member \d{3}){29} and 270 more", text)
    assert "275 more: export them with `policybot policies receipts`." in text
    assert receipts.text == f"{ROUND_RE.findall(text)[0]}: 0 of 300 confirmed"


# --- staff from the team's roster -----------------------------------------------------------


def member(user, role: str = "user") -> dict:
    return {
        "id": user.teams_id,
        "name": user.name,
        "aadObjectId": user.aad,
        "email": f"{user.name.split()[0].lower()}@hilltop.sch.uk",
        "userRole": role,
    }


GUEST = {
    "id": "29:1guest-Zz",
    "name": "Visiting Speaker",
    "aadObjectId": "99998888-7777-4666-8555-444433332222",
    "email": "speaker@example.org",
    "userRole": "guest",
}


def test_sync_staff_in_a_team_channel_makes_its_members_staff_and_skips_guests(school):
    school.connector.roster = [member(TEACHER), member(OTHER), member(DSL), GUEST]
    school.client.send(school.client.channel(HEAD, "sync staff"))
    (reply,) = school.connector.wait_for(lambda calls: len(calls) == 1)
    assert reply.text.startswith("Staff list updated from this team: 3 member(s) of staff; 0")
    assert DSL.name not in reply.text and GUEST["name"] not in reply.text  # counts, never names
    receipt, _ = publish(school)
    assert "sent to 3 of all staff" in receipt.text
    # DSL is staff now, reached in a 1:1 chat the bot opens (test_policy_rounds.py); the guest
    # never is
    school.connector.wait_for(
        lambda calls: [c for c in calls if c.conversation_id == f"a:dm-{DSL.teams_id}"]
    )
    assert not [c for c in school.connector.calls if "guest" in c.conversation_id]


def test_only_the_head_can_sync_staff_and_only_from_a_team(school):
    school.connector.roster = [member(TEACHER), member(OTHER), member(DSL)]
    school.client.send(school.client.channel(TEACHER, "sync staff"))
    (refused,) = school.connector.wait_for(lambda calls: len(calls) == 1)
    assert refused.text.startswith("Only the Headteacher")
    assert "in a channel of the team" in say(school, HEAD, "sync staff").text
    receipt, _ = publish(school)
    assert "sent to 2 of all staff" in receipt.text  # the CSV's two, unchanged


# --- logs -----------------------------------------------------------------------------------


def test_a_whole_round_leaves_no_staff_name_or_policy_message_in_the_logs(school, caplog, capfd):
    from bot.logs import LIBRARY_LOGGERS, guard_library_logs

    guard_library_logs()
    for name in (*LIBRARY_LOGGERS, "handlers", "bot", "policybot", ""):
        caplog.set_level(logging.DEBUG, logger=name or None)
    school.connector.throttle[OTHER.personal_conversation] = 1  # the 429 path logs too
    publish(school, message="Quill-4417 read this")
    (card,) = policy_cards(school, TEACHER)
    press(school, TEACHER, card, "Read the policy")
    press(school, TEACHER, card, CONFIRM)
    policy_cards(school, OTHER)
    say(school, HEAD, "receipts")
    out, err = capfd.readouterr()
    logged = "\n".join([caplog.text, *(r.getMessage() for r in caplog.records), out, err])
    assert "published RU-" in logged and "confirmed RU-" in logged  # the round was logged
    for secret in (TEACHER.name, OTHER.name, "Quill-4417", "tom@hilltop"):
        assert secret not in logged
