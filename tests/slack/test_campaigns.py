"""“Read and understood” on Slack, end to end through the real bolt app with signed requests
and the fake Slack: the head publishes from /policy-publish, each member of staff gets a DM and
confirms, the head sees progress in App Home and exports the CSV; a reviewed policy sent again
lists what changed; reminders stop once confirmed; deactivated accounts, guests and bots are
never sent it."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from bot.cli import main
from bot.people import Actor
from handlers.slack.notifier import EVENT_TYPE
from tests.clocks import START
from tests.slack.conftest import HEAD, OTHER, STAFF
from tests.slack.test_concerns import buttons, dm, notices_for

ANN = "U0ANN"
GONE, GUEST, ROBOT = "U0GONE", "U0GUEST", "U0ROBOT"
DRESS_CODE = (
    "# Staff Dress Code\n\n## Expectations\n\n"
    "Staff should dress smartly and appropriately for working with children.\n\n"
    "Trainers may be worn for PE lessons and on sports day.\n\n"
    "## Jewellery\n\nLarge hooped earrings must not be worn when teaching PE.\n"
)
REVIEWED = DRESS_CODE.replace("on sports day.", "on sports day and at forest school.")
DUE = (START.date() + timedelta(days=14)).isoformat()  # the tests' calendar (tests/clocks.py)


def member(user_id, name, **flags):
    return {"id": user_id, "name": name.lower(), "profile": {"real_name": name}, **flags}


WORKSPACE = [
    member(HEAD, "Kate Baskeyfield"),
    member(STAFF, "Sam Teacher"),
    member(ANN, "Ann Teacher"),
    member(GONE, "Former Teacher", deleted=True),
    member(GUEST, "Visiting Coach", is_restricted=True),
    member(ROBOT, "Rota Bot", is_bot=True),
]


@pytest.fixture
def env(env, tmp_path, monkeypatch):
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "dress.md").write_text(DRESS_CODE)
    env = {**env, "POLICYBOT_CORPUS_DIR": str(folder)}
    for name, value in env.items():  # the command line reads the same school
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("POLICYBOT_KEY_FILE", raising=False)
    return env


@pytest.fixture
def workspace(fake):
    fake.users.extend(WORKSPACE)
    return fake


def policy_dms(slack, user):
    return [m for m in notices_for(slack, user) if "Please read" in str(m.get("blocks"))]


def publish(slack, policy="Staff Dress Code", audience="all", due=DUE, message=""):
    before = len(slack.fake.calls_to("views.open"))
    resp = slack.command("/policy-publish", user=HEAD)
    assert resp.status == 200
    view = slack.fake.wait_for(lambda: slack.fake.calls_to("views.open")[before:])[0].args["view"]
    return slack.submit(HEAD, view, {"policy": policy, "audience": audience, "due": due,
                                     "message": message})  # fmt: skip


def button(message, action_id):
    return next(b for b in buttons(message) if b["action_id"] == action_id)


def test_publish_dm_confirm_then_the_heads_view_and_the_csv(slack, workspace, runtime, env, capsys):
    resp = publish(slack, message="Please read before the INSET day")
    assert resp.status == 200 and resp.json() is None  # the modal closes

    sam = slack.fake.wait_for(lambda: policy_dms(slack, STAFF))[0]
    slack.fake.wait_for(lambda: policy_dms(slack, ANN) and policy_dms(slack, HEAD))
    text = str(sam["blocks"])
    assert "Please read: Staff Dress Code" in text and DUE in text
    assert "Please read before the INSET day" in text
    assert [b["text"]["text"] for b in buttons(sam)] == [
        "I have read and understood",
        "Read the policy",
    ]
    # deactivated accounts, guests and bots are not staff
    for nobody in (GONE, GUEST, ROBOT):
        assert slack.fake.channels.get(dm(nobody)) is None

    # Sam reads the policy in a thread under the DM, then confirms.
    slack.click(
        STAFF, "read_policy", button(sam, "read_policy")["value"], message=sam, channel=dm(STAFF)
    )
    thread = slack.fake.wait_for(
        lambda: [m for m in slack.fake.channels[dm(STAFF)] if m.get("thread_ts") == sam["ts"]]
    )
    assert "Large hooped earrings must not be worn when teaching PE." in str(thread[0]["blocks"])
    reference = button(sam, "confirm_read")["value"]
    slack.click(STAFF, "confirm_read", reference, message=sam, channel=dm(STAFF))
    updated = slack.fake.wait_for(lambda: [c for c in slack.fake.calls_to("chat.update")
                                           if c.args["channel"] == dm(STAFF)])[0]  # fmt: skip
    assert "confirm_read" not in str(updated.args["blocks"])
    assert "you confirmed you have read and understood" in str(updated.args["blocks"])

    # Someone else pressing Sam's button confirms nothing.
    slack.click(OTHER, "confirm_read", reference, message=sam, channel=dm(STAFF))
    refusal = slack.fake.wait_for(lambda: slack.fake.calls_to("response_url"))[-1]
    assert "no policy" in refusal.args["text"]

    # The head's App Home shows progress; a member of staff's does not.
    slack.event({"type": "app_home_opened", "user": HEAD, "tab": "home"})
    home = slack.fake.wait_for(lambda: [c for c in slack.fake.calls_to("views.publish")
                                        if c.args["user_id"] == HEAD])[-1]  # fmt: skip
    assert "1 of 3 confirmed; outstanding: Ann Teacher, Kate Baskeyfield" in str(home.args["view"])
    slack.event({"type": "app_home_opened", "user": ANN, "tab": "home"})
    ann_home = slack.fake.wait_for(lambda: [c for c in slack.fake.calls_to("views.publish")
                                            if c.args["user_id"] == ANN])[-1]  # fmt: skip
    assert "Policies sent to staff" not in str(ann_home.args["view"])
    assert "Policies for you to read" in str(ann_home.args["view"])

    # The record, for inspection.
    assert main(["policies", "receipts", "dress code", "--csv"], clock=runtime.reports.clock) == 0
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert set(rows) == {"Ann Teacher", "Kate Baskeyfield", "Sam Teacher"}
    assert rows["Sam Teacher"]["confirmed_at"] and rows["Sam Teacher"]["opened_at"]
    assert rows["Ann Teacher"]["confirmed_at"] == "" and rows["Ann Teacher"]["sent_at"]


def test_a_reviewed_policy_sent_again_lists_the_reworded_clause(slack, workspace, runtime, env):
    publish(slack)
    sam = slack.fake.wait_for(lambda: policy_dms(slack, STAFF))[0]
    slack.click(
        STAFF, "confirm_read", button(sam, "confirm_read")["value"], message=sam, channel=dm(STAFF)
    )
    slack.fake.wait_for(lambda: slack.fake.calls_to("chat.update"))
    (runtime.settings.corpus_dir / "dress.md").write_text(REVIEWED)

    publish(slack)

    second = slack.fake.wait_for(lambda: policy_dms(slack, STAFF)[1:])[0]
    text = str(second["blocks"])
    assert "1 clauses since" not in text and "1 clause since the version you confirmed" in text
    assert "Reworded Expectations, item 2" in text and "on sports day and at forest school." in text
    ann_second = slack.fake.wait_for(lambda: policy_dms(slack, ANN)[1:])[0]
    assert "What changed" not in str(ann_second["blocks"])  # she never confirmed the first


def test_reminders_stop_once_confirmed(slack, workspace, runtime, env):
    publish(slack)
    sam = slack.fake.wait_for(lambda: policy_dms(slack, STAFF))[0]
    slack.fake.wait_for(lambda: policy_dms(slack, ANN))
    slack.click(
        STAFF, "confirm_read", button(sam, "confirm_read")["value"], message=sam, channel=dm(STAFF)
    )
    slack.fake.wait_for(lambda: slack.fake.calls_to("chat.update"))

    clock = [runtime.reports.clock()]
    runtime.reports.clock = lambda: clock[0]  # the service's clock, injected
    for _ in range(15):  # a day at a time, up to the due date
        clock[0] += timedelta(days=1)
        runtime.campaigns.send_reminders()

    reminders = lambda user: [  # noqa: E731
        m for m in notices_for(slack, user) if "Reminder: please read" in str(m.get("blocks"))
    ]
    slack.fake.wait_for(lambda: reminders(ANN))
    assert reminders(STAFF) == []
    assert 1 <= len(reminders(ANN)) <= runtime.settings.campaign_max_reminders


def test_submit_pressed_again_on_the_same_modal_publishes_once(slack, workspace, runtime):
    slack.command("/policy-publish", user=HEAD)
    view = slack.fake.wait_for(lambda: slack.fake.calls_to("views.open"))[0].args["view"]
    answers = {"policy": "Staff Dress Code", "audience": "all", "due": DUE, "message": ""}
    assert slack.submit(HEAD, view, answers, view_id="V0PUBLISH1").status == 200
    slack.fake.wait_for(lambda: policy_dms(slack, STAFF))
    # Slack was slow to see the answer; the head pressed Submit on the same modal again
    assert slack.submit(HEAD, view, answers, view_id="V0PUBLISH1").status == 200
    receipts = slack.fake.wait_for(  # the publish receipts: not the head's own policy DM
        lambda: [m for m in slack.fake.channels.get(dm(HEAD), [])
                 if "RU-" in str(m) and not m.get("metadata")][1:]
    )  # fmt: skip
    assert "Already sent: " in str(receipts[-1])
    assert len(runtime.campaigns.campaigns(Actor("slack", HEAD))) == 1
    assert len(policy_dms(slack, STAFF)) == 1


def test_only_the_head_can_open_policy_publish(slack, workspace):
    resp = slack.command("/policy-publish", user=STAFF)
    assert "Only the headteacher can send policies" in resp.json()["text"]
    assert slack.fake.calls_to("views.open") == []


def test_a_past_due_date_shows_on_the_field_and_nothing_is_sent(slack, workspace, runtime):
    resp = publish(slack, due="2020-01-06")
    body = resp.json()
    assert body["response_action"] == "errors"
    assert "is in the past" in body["errors"]["due"]
    assert runtime.campaigns.campaigns(Actor("slack", HEAD)) == []
    assert not [m for m in slack.fake.channels.get(dm(STAFF), [])
                if (m.get("metadata") or {}).get("event_type") == EVENT_TYPE]  # fmt: skip


def test_slack_pacing_us_with_429_delays_the_dms_but_each_person_gets_exactly_one(
    slack, workspace, runtime
):
    slack.fake.rate_limit("chat.postMessage", 1)  # one DM a second, then 429 + Retry-After

    publish(slack)

    for user in (HEAD, STAFF, ANN):
        slack.fake.wait_for(lambda user=user: policy_dms(slack, user))
    assert any(c.status == 429 for c in slack.fake.calls_to("chat.postMessage"))
    assert [len(policy_dms(slack, u)) for u in (HEAD, STAFF, ANN)] == [1, 1, 1]


def test_staff_can_confirm_from_app_home_and_it_leaves_their_list(slack, workspace, runtime):
    publish(slack)
    slack.fake.wait_for(lambda: policy_dms(slack, ANN))
    slack.event({"type": "app_home_opened", "user": ANN, "tab": "home"})
    home = slack.fake.wait_for(lambda: [c for c in slack.fake.calls_to("views.publish")
                                        if c.args["user_id"] == ANN])[-1]  # fmt: skip
    reference = next(
        e["value"]
        for b in home.args["view"]["blocks"] if b["type"] == "actions"
        for e in b["elements"] if e["action_id"] == "confirm_read"
    )  # fmt: skip

    slack.click(ANN, "confirm_read", reference, in_home=True)

    again = slack.fake.wait_for(lambda: [c for c in slack.fake.calls_to("views.publish")
                                         if c.args["user_id"] == ANN][1:])[-1]  # fmt: skip
    assert "Policies for you to read" not in str(again.args["view"])
    (mine,) = runtime.campaigns.my_campaigns(Actor("slack", ANN))
    assert mine.confirmed_at
