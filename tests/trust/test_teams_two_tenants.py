"""A trust's two schools in one process through the real CloudAdapter: one bot, two tenants.
Each tenant's staff get their own school's answers, concerns reach their own head, neither
head can act on the other's reports; a tenant that is no school's is refused, and where two
schools share a tenant a person is told apart by their team or their school's people and staff
list, or told whom to contact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.reports.models import Actor
from handlers.teams.server import TeamsAuth
from handlers.teams.trust import create_trust_app
from tests.teams.conftest import LoopThread, TeamsClient, User, _start
from tests.trust.conftest import (
    HILLTOP,
    HILLTOP_STAFF,
    HILLTOP_TENANT,
    TRUST_DSL_AAD,
    VALLEY,
    VALLEY_STAFF,
    VALLEY_TENANT,
    cli,
    quick_reports,
)

REF_RE = re.compile(r"\b(C-\d{4}-\d{4})\b")
VALLEY_TEAM = "19:valley-staff@thread.tacv2"


def user(p) -> User:
    return User(p.name, p.aad, p.teams_id)


class Tenanted:
    """A TeamsClient whose activities come from one tenant."""

    def __init__(self, client: TeamsClient, tenant: str) -> None:
        self.client, self.tenant = client, tenant

    def _in_tenant(self, activity: dict) -> dict:
        activity["channelData"]["tenant"] = {"id": self.tenant}
        activity["conversation"]["tenantId"] = self.tenant
        return activity

    def personal(self, who, text=None, value=None) -> dict:
        return self._in_tenant(self.client.personal(user(who), text, value))

    def install(self, who) -> dict:
        return self._in_tenant(self.client.install(user(who)))

    def channel(self, who, text, team: str) -> dict:
        activity = self._in_tenant(self.client.channel(user(who), text))
        activity["channelData"]["team"] = {"id": team}
        return activity

    def send(self, activity: dict):
        return self.client.send(activity)


@pytest.fixture
def bot(loop_thread: LoopThread, connector, trust):
    async def go():
        app = create_trust_app(trust, TeamsAuth(), local_testing=True)
        runner, url = await _start(app)
        return app, runner, url

    app, runner, url = loop_thread.run(go())
    client = TeamsClient(url, connector.url, app)
    yield {"hill": Tenanted(client, HILLTOP_TENANT), "valley": Tenanted(client, VALLEY_TENANT),
           "client": client, "connector": connector}  # fmt: skip
    loop_thread.run(runner.cleanup())
    client.session.close()


def to(who):
    return lambda calls: [c for c in calls if c.conversation_id == user(who).personal_conversation]


def said(connector, who, before: int = 0):
    calls = connector.wait_for(lambda calls: len(to(who)(calls)) > before)
    return to(who)(calls)[before]


def ask(bot, school: str, who, question: str) -> str:
    before = len(to(who)(bot["connector"].sent()))
    bot[school].send(bot[school].personal(who, question))
    reply = said(bot["connector"], who, before)
    return reply.card_text() or reply.text


def file_concern(bot, school: str, who, **fields) -> str:
    value = {"action": "submit_concern", "category": "cyberbullying",
             "description": "A parent posted a photo of Year 5 pupils in a public group.",
             "immediate_risk": "false", "about_headteacher": "false", **fields}  # fmt: skip
    before = len(to(who)(bot["connector"].sent()))
    bot[school].send(bot[school].personal(who, value=value))
    receipt = said(bot["connector"], who, before)
    return REF_RE.search(receipt.text).group(1)


def test_each_tenants_staff_get_their_own_schools_answers(bot):
    swim = "Does every pupil have to wear a swimming cap in the learner pool?"
    minibus = "Who may drive the school minibus?"
    assert "Swimming Policy" in ask(bot, "hill", HILLTOP_STAFF, swim)
    assert "Swimming Policy" not in ask(bot, "valley", VALLEY_STAFF, swim)
    assert "Minibus Policy" in ask(bot, "valley", VALLEY_STAFF, minibus)
    assert "Minibus" not in ask(bot, "hill", HILLTOP_STAFF, minibus)
    friend = "Can I accept a friend request from a parent on Facebook?"
    assert "§6.xi" in ask(bot, "hill", HILLTOP_STAFF, friend)
    assert "§6.xi" in ask(bot, "valley", VALLEY_STAFF, friend)


def test_concerns_reach_their_own_head_and_neither_head_can_act_on_the_others(bot, trust):
    hill_head, valley_head = HILLTOP["headteacher"], VALLEY["headteacher"]
    bot["hill"].send(bot["hill"].install(hill_head))  # each head opened the bot once
    bot["valley"].send(bot["valley"].install(valley_head))
    connector = bot["connector"]
    ref_hill = file_concern(bot, "hill", HILLTOP_STAFF)
    ref_valley = file_concern(bot, "valley", VALLEY_STAFF)
    assert ref_hill in said(connector, hill_head, 1).text  # after the welcome card
    assert ref_valley in said(connector, valley_head, 1).text
    assert not any(ref_valley in c.text for c in to(hill_head)(connector.sent()))
    assert not any(ref_hill in c.text for c in to(valley_head)(connector.sent()))

    before = len(to(valley_head)(connector.sent()))
    bot["valley"].send(bot["valley"].personal(valley_head,
                                              value={"action": "acknowledge", "reference": ref_hill}))  # fmt: skip
    refusal = said(connector, valley_head, before)
    assert "only the people a report was sent to" in refusal.text.lower()
    hill = trust.schools["hill-top"].runtime
    assert hill.reports.list_for_submitter(Actor("teams", HILLTOP_STAFF.aad))[0].status == "open"

    before = len(to(hill_head)(connector.sent()))
    bot["hill"].send(bot["hill"].personal(hill_head,
                                          value={"action": "acknowledge", "reference": ref_hill}))  # fmt: skip
    assert "You acknowledged" in said(connector, hill_head, before).text


def test_a_tenant_that_is_no_schools_is_refused(bot):
    stranger = Tenanted(bot["client"], "33333333-3333-4333-8333-333333333333")
    response = bot["client"].post(stranger.personal(HILLTOP_STAFF, "hello"))
    assert response.status_code == 403
    assert bot["connector"].sent() == []


def test_the_trust_lead_sees_the_counts_and_a_head_is_told_it_is_not_theirs(bot):
    lead = type(HILLTOP_STAFF)("Amina Shah", "", TRUST_DSL_AAD, "29:1trustdsl")
    file_concern(bot, "hill", HILLTOP_STAFF)
    text = ask(bot, "hill", lead, "trust overview")
    assert "Hill Top Primary (hill-top): open concerns 1" in text
    assert "Valley Academy (valley): not shared with the trust" in text
    assert "photo" not in text
    assert "for the trust's safeguarding lead" in ask(bot, "hill", HILLTOP["headteacher"],
                                                      "trust overview")  # fmt: skip


# ---- two schools in one tenant -------------------------------------------------------------


@pytest.fixture
def shared_tenant(trust_files):
    """Valley moves into Hill Top's tenant, with its own Teams team; Hill Top imports its staff
    list (with their Teams accounts)."""
    text = trust_files.trust_file.read_text().replace(VALLEY_TENANT, HILLTOP_TENANT)
    text += f'teams_teams = ["{VALLEY_TEAM}"]\n'  # the file ends with Valley's table
    trust_files.trust_file.write_text(text)
    staff = Path(trust_files.root) / "staff.csv"
    staff.write_text(f"name,email,group,teams_user\n{HILLTOP_STAFF.name},tom@hill.example,"
                     f"teaching,{HILLTOP_STAFF.aad}\n")  # fmt: skip
    assert cli("staff", "--school", "hill-top", "import", str(staff)) == 0
    trust = trust_files.trust(embedder="none", reports=quick_reports)
    trust.start()
    assert trust.wait(60)
    yield trust
    trust.close()


def test_in_a_shared_tenant_people_are_told_apart_or_told_whom_to_ask(
    loop_thread, connector, shared_tenant
):
    async def go():
        app = create_trust_app(shared_tenant, TeamsAuth(), local_testing=True)
        return app, *(await _start(app))

    app, runner, url = loop_thread.run(go())
    client = TeamsClient(url, connector.url, app)
    tenant = Tenanted(client, HILLTOP_TENANT)
    bot = {"hill": tenant, "valley": tenant, "connector": connector}
    try:
        swim = "Does every pupil have to wear a swimming cap in the learner pool?"
        # Tom is on Hill Top's staff list; Hill Top's head is in its config
        assert "Swimming Policy" in ask(bot, "hill", HILLTOP_STAFF, swim)
        assert "Swimming Policy" in ask(bot, "hill", HILLTOP["headteacher"], swim)
        # Nia asks in Valley's team
        before = len(connector.sent())
        tenant.send(tenant.channel(VALLEY_STAFF, "Who may drive the school minibus?", VALLEY_TEAM))
        reply = connector.wait_for(lambda calls: len(calls) > before)[before]
        assert "Minibus Policy" in (reply.card_text() or reply.text)
        # someone neither school has: whom to contact, and nothing else
        nobody = type(HILLTOP_STAFF)("Ann Other", "", "cccc0001-0000-4000-8000-00000000000c",
                                     "29:1nobody")  # fmt: skip
        text = ask(bot, "hill", nobody, swim)
        assert "isn't linked to one of Oak Learning Trust's schools" in text
        assert "it@oak.example.org" in text
    finally:
        loop_thread.run(runner.cleanup())
        client.session.close()


def test_health_names_each_school(bot):
    body = bot["client"].healthz()
    assert body["trust"] == "Oak Learning Trust"
    assert {n: s["policies"] for n, s in body["schools"].items()} == {
        "hill-top": "loaded", "valley": "loaded",
    }  # fmt: skip
