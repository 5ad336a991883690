"""A trust's two schools in one process through the real bolt app: each workspace installs the
app through Slack's OAuth flow (against the fake Slack), then each school's staff get their own
school's answers, their concerns reach their own head with their own workspace's token, and
neither head can see or act on the other school's reports. A workspace that is no school's
gets one clear reply and nothing else."""

from __future__ import annotations

import json
import logging
import re
import stat

import pytest
from slack_sdk.oauth.installation_store.models.installation import Installation

from bot.reports.models import Actor
from handlers.slack.notifier import EVENT_TYPE
from handlers.slack.trust import TrustSlackServer
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import SIGNING_SECRET, SlackApp
from tests.trust.conftest import (
    HILLTOP,
    HILLTOP_STAFF,
    HILLTOP_TEAM,
    TRUST_DSL_SLACK,
    VALLEY,
    VALLEY_STAFF,
    VALLEY_TEAM,
    browse,
)

SECRET = "Jamie Fox in Year 5 was sent threatening messages"


@pytest.fixture
def fake():
    fake = FakeSlack()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def server(fake, trust):
    server = TrustSlackServer(
        token="",
        signing_secret=SIGNING_SECRET,
        api_url=fake.base_url,
        client_id=fake.client_id,
        client_secret=fake.client_secret,
    )
    server.attach_trust(trust)
    yield server
    server.stop()


@pytest.fixture
def slack(fake, server):
    app = SlackApp(server=server, fake=fake).start()
    yield app
    app.stop()


def install(slack: SlackApp, team: str) -> tuple[int, str]:
    """A workspace admin: open /slack/install, press Allow on Slack's page, come back."""
    status, page, headers = browse(slack.url + "/slack/install")
    assert status == 200, page
    state = re.search(r"state=([A-Za-z0-9_-]+)", page).group(1)
    cookie = headers["Set-Cookie"].split(";")[0]
    code = slack.fake.authorize(team)
    status, page, _ = browse(f"{slack.url}/slack/oauth_redirect?code={code}&state={state}", cookie)
    return status, page


@pytest.fixture
def installed(slack):
    for team in (HILLTOP_TEAM, VALLEY_TEAM):
        status, page = install(slack, team)
        assert status == 200, page
    return slack


def dm_event(user: str, text: str, ts: str) -> dict:
    return {"type": "message", "channel": "D" + user, "channel_type": "im", "user": user,
            "text": text, "ts": ts, "event_ts": ts}  # fmt: skip


def ask(slack: SlackApp, team: str, user: str, text: str, ts: str) -> dict:
    before = len(slack.fake.posts_to("D" + user))
    assert slack.workspace(team).event(dm_event(user, text, ts)).status == 200
    return slack.fake.wait_for(lambda: slack.fake.posts_to("D" + user)[before:])[0]


def text_of(call) -> str:
    return json.dumps(call.args.get("blocks") or call.args.get("text"), ensure_ascii=False)


def notices_for(fake: FakeSlack, user: str) -> list[dict]:
    return [m for m in fake.channels.get("D" + user, [])
            if (m.get("metadata") or {}).get("event_type") == EVENT_TYPE]  # fmt: skip


def file_concern(slack: SlackApp, team: str, user: str, **answers) -> None:
    before = len(slack.fake.calls_to("views.open"))
    assert slack.workspace(team).command("/report-concern", "", user=user).status == 200
    opened = slack.fake.wait_for(lambda: slack.fake.calls_to("views.open")[before:])[0].args
    answers = {"category": "cyberbullying", "description": SECRET, **answers}
    resp = slack.workspace(team).submit(user, opened["view"], answers)
    assert resp.json()["response_action"] == "update"


# ---- installing --------------------------------------------------------------------------------


def test_each_workspace_installs_through_slacks_oauth_flow_and_the_tokens_stay_private(
    slack, trust, caplog
):
    caplog.set_level(logging.DEBUG)
    for team in (HILLTOP_TEAM, VALLEY_TEAM):
        status, page = install(slack, team)
        assert status == 200 and "Thank you" in page or "success" in page.lower()

    assert len(slack.fake.calls_to("oauth.v2.access")) == 2
    tokens = {slack.fake.token_for(HILLTOP_TEAM), slack.fake.token_for(VALLEY_TEAM)}
    assert len(tokens) == 2
    store = trust.config.installations_dir
    files = [p for p in store.rglob("*") if p.is_file()]
    assert files, "the installations are kept on disk"
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o700 for p in store.rglob("*") if p.is_dir())
    assert stat.S_IMODE(store.stat().st_mode) == 0o700
    assert store.is_relative_to(trust.config.data_dir)
    logged = caplog.text
    assert not any(token in logged for token in tokens)


def test_an_install_with_a_state_slack_did_not_issue_is_refused(slack):
    code = slack.fake.authorize(HILLTOP_TEAM)
    status, _, _ = browse(f"{slack.url}/slack/oauth_redirect?code={code}&state=forged",
                          "slack-app-oauth-state=forged")  # fmt: skip
    assert status in (400, 401)
    assert slack.fake.calls_to("oauth.v2.access") == []


def test_a_workspace_that_is_no_school_cannot_install_and_gets_one_clear_reply(slack, trust):
    status, page = install(slack, "T0STRANGER")
    assert status == 403 and "not one of Oak Learning Trust" in page
    assert not list(trust.config.installations_dir.rglob("*T0STRANGER*/bot-*"))

    # a command from it: bolt finds no installation, and says only who to contact
    resp = slack.workspace("T0STRANGER").command("/policy", "Can I friend a parent?", user="U0X")
    assert resp.status == 200
    said = slack.fake.wait_for(lambda: slack.fake.calls_to("response_url"))
    assert len(said) == 1
    assert "isn't linked to one of Oak Learning Trust's schools" in said[0].args["text"]
    assert "it@oak.example.org" in said[0].args["text"]
    assert slack.fake.calls_to("chat.postMessage") == []
    assert slack.fake.calls_to("views.open") == []


def test_a_workspace_installed_but_no_longer_a_school_is_told_so_in_its_dm_and_nothing_else(
    slack, server, trust
):
    server.store.save(Installation(  # a school taken out of the trust file since it installed
        app_id="A0POLICY", enterprise_id=None, team_id="T0GONE", bot_token="xoxb-gone",
        bot_id="BGONE", bot_user_id="UBOTGONE", user_id="U0ADMIN",
    ))  # fmt: skip
    before = {name: s.runtime.store.query("SELECT COUNT(*) AS n FROM audit")[0]["n"]
              for name, s in trust.schools.items()}  # fmt: skip
    gone = slack.workspace("T0GONE")
    assert gone.event(dm_event("U0GONE", "Can I friend a parent?", "1.1")).status == 200
    reply = slack.fake.wait_for(lambda: slack.fake.posts_to("DU0GONE"))[0]
    assert "isn't linked to one of Oak Learning Trust's schools" in reply.args["text"]
    assert reply.token == "xoxb-gone"
    resp = gone.command("/report-concern", SECRET, user="U0GONE")
    assert "isn't linked" in resp.json()["text"]
    assert slack.fake.calls_to("views.open") == []  # no form, no answer, nothing stored
    after = {name: s.runtime.store.query("SELECT COUNT(*) AS n FROM audit")[0]["n"]
             for name, s in trust.schools.items()}  # fmt: skip
    assert after == before


# ---- each school its own ---------------------------------------------------------------------


def test_each_schools_staff_get_their_own_schools_answers(installed):
    slack = installed
    hill_token, valley_token = (slack.fake.token_for(t) for t in (HILLTOP_TEAM, VALLEY_TEAM))
    swim = "Does every pupil have to wear a swimming cap in the learner pool?"
    minibus = "Who may drive the school minibus?"

    answer = ask(slack, HILLTOP_TEAM, HILLTOP_STAFF.slack, swim, "1.1")
    assert "Swimming Policy" in text_of(answer) and answer.token == hill_token
    answer = ask(slack, VALLEY_TEAM, VALLEY_STAFF.slack, swim, "1.2")
    assert "Swimming Policy" not in text_of(answer) and answer.token == valley_token

    answer = ask(slack, VALLEY_TEAM, VALLEY_STAFF.slack, minibus, "1.3")
    assert "Minibus Policy" in text_of(answer)
    answer = ask(slack, HILLTOP_TEAM, HILLTOP_STAFF.slack, minibus, "1.4")
    assert "Minibus" not in text_of(answer)

    # the trust's policies answer both schools
    friend = "Can I accept a friend request from a parent on Facebook?"
    for team, user, ts in (
        (HILLTOP_TEAM, HILLTOP_STAFF, "1.5"),
        (VALLEY_TEAM, VALLEY_STAFF, "1.6"),
    ):
        assert "Social Media Policy §6.xi" in text_of(ask(slack, team, user.slack, friend, ts))

    # Valley's own Confidentiality Policy replaces the trust's, for Valley only
    papers = "Where must confidential papers be locked away in the evening?"
    valley = text_of(ask(slack, VALLEY_TEAM, VALLEY_STAFF.slack, papers, "1.7"))
    assert "grey cabinet" in valley
    hill = text_of(ask(slack, HILLTOP_TEAM, HILLTOP_STAFF.slack, papers, "1.8"))
    assert "grey cabinet" not in hill


def test_concerns_reach_their_own_head_and_neither_head_can_touch_the_others(installed, trust):
    slack = installed
    hill, valley = trust.schools["hill-top"].runtime, trust.schools["valley"].runtime
    file_concern(slack, HILLTOP_TEAM, HILLTOP_STAFF.slack)
    file_concern(slack, VALLEY_TEAM, VALLEY_STAFF.slack)
    hill_head, valley_head = HILLTOP["headteacher"].slack, VALLEY["headteacher"].slack
    to_hill = slack.fake.wait_for(lambda: notices_for(slack.fake, hill_head))[0]
    to_valley = slack.fake.wait_for(lambda: notices_for(slack.fake, valley_head))[0]
    ref_hill = hill.reports.list_for_submitter(Actor("slack", HILLTOP_STAFF.slack))[0].reference
    ref_valley = valley.reports.list_for_submitter(Actor("slack", VALLEY_STAFF.slack))[0].reference
    assert ref_hill in str(to_hill["blocks"]) and ref_valley in str(to_valley["blocks"])
    assert len(notices_for(slack.fake, hill_head)) == 1  # nothing of Valley's
    # each notice went with its own workspace's token
    sent = {c.args["channel"]: c.token for c in slack.fake.calls_to("chat.postMessage")
            if c.args.get("metadata")}  # fmt: skip
    assert sent["D" + hill_head] == slack.fake.token_for(HILLTOP_TEAM)
    assert sent["D" + valley_head] == slack.fake.token_for(VALLEY_TEAM)

    # Valley's head, in Valley's workspace, presses Acknowledge on Hill Top's reference
    resp = slack.workspace(VALLEY_TEAM).click(valley_head, "acknowledge", ref_hill,
                                              message=to_hill, channel="D" + valley_head)  # fmt: skip
    assert resp.status == 200
    refusal = slack.fake.wait_for(lambda: [c for c in slack.fake.calls_to("response_url")
                                           if c.path.endswith(resp.response_url[-6:])])[0]  # fmt: skip
    assert "only the people a report was sent to" in refusal.args["text"].lower()
    assert hill.reports.list_for_submitter(Actor("slack", HILLTOP_STAFF.slack))[0].status == "open"
    # and each head's lists hold only their own school's reports
    assert [
        s.reference for s in valley.reports.list_for_recipient(Actor("slack", valley_head))
    ] == [ref_valley]
    assert isinstance(valley.reports.get(ref_hill, Actor("slack", valley_head)).message, str)
    assert SECRET not in str(valley.reports.get(ref_hill, Actor("slack", valley_head)))


def test_the_trust_lead_receives_only_what_a_school_consents_to(installed, trust):
    slack = installed
    file_concern(slack, HILLTOP_TEAM, HILLTOP_STAFF.slack, immediate_risk=True)
    file_concern(slack, VALLEY_TEAM, VALLEY_STAFF.slack, immediate_risk=True)
    slack.fake.wait_for(lambda: notices_for(slack.fake, VALLEY["safeguarding_lead"].slack))
    lead = slack.fake.wait_for(lambda: notices_for(slack.fake, TRUST_DSL_SLACK))
    assert len(lead) == 1 and "You received this as Trust Safeguarding Lead" in lead[0]["text"]
    sent = [c for c in slack.fake.calls_to("chat.postMessage")
            if c.args["channel"] == "D" + TRUST_DSL_SLACK and c.args.get("metadata")]  # fmt: skip
    assert {c.token for c in sent} == {slack.fake.token_for(HILLTOP_TEAM)}


def test_the_trust_lead_sees_counts_on_app_home_and_a_head_does_not(installed):
    slack = installed
    file_concern(slack, HILLTOP_TEAM, HILLTOP_STAFF.slack)
    home = {"type": "app_home_opened", "user": TRUST_DSL_SLACK, "tab": "home",
            "channel": "D0HOME", "event_ts": "2.1"}  # fmt: skip
    assert slack.workspace(HILLTOP_TEAM).event(home).status == 200
    view = slack.fake.wait_for(lambda: slack.fake.calls_to("views.publish"))[0].args["view"]
    page = json.dumps(view, ensure_ascii=False)
    assert "Oak Learning Trust: schools" in page
    assert "Hill Top Primary (hill-top): open concerns 1" in page
    assert "Valley Academy (valley): not shared with the trust" in page
    assert SECRET not in page and "Jamie" not in page

    head = {**home, "user": HILLTOP["headteacher"].slack, "event_ts": "2.2"}
    assert slack.workspace(HILLTOP_TEAM).event(head).status == 200
    views = slack.fake.wait_for(lambda: slack.fake.calls_to("views.publish")[1:])
    assert "Oak Learning Trust: schools" not in json.dumps(views[0].args["view"])


def test_health_names_each_school_and_ready_waits_for_every_one(slack):
    body = slack.get("/healthz").json()
    assert body["trust"] == "Oak Learning Trust"
    assert {n: s["policies"] for n, s in body["schools"].items()} == {
        "hill-top": "loaded", "valley": "loaded",
    }  # fmt: skip
    ready = slack.get("/readyz")
    assert ready.status == 200
    assert set(ready.json()["schools"]) == {"hill-top", "valley"}
