"""With the school's tenant allowed only, someone in another organisation's tenant presenting
the head's object id cannot press Acknowledge or add a note on a real report."""

from __future__ import annotations

from bot.reports.models import Actor
from handlers.teams.server import TeamsAuth
from tests.teams.conftest import HEAD, TEACHER, TENANT
from tests.teams.test_reports import concern, submit, to, wait_sent

OTHER_TENANT = "0badc0de-0000-4000-8000-0000000e0e11"


def from_tenant(activity: dict, tenant: str) -> dict:
    activity["channelData"] = {**activity.get("channelData", {}), "tenant": {"id": tenant}}
    activity["conversation"] = {**activity["conversation"], "tenantId": tenant}
    return activity


def test_the_heads_identity_from_another_tenant_cannot_act_on_a_report(start_bot):
    teams = start_bot(TeamsAuth(allowed_tenants=frozenset({TENANT})))
    for user in (HEAD, TEACHER):
        teams.client.send(teams.client.install(user))
    teams.connector.wait_for(lambda calls: all(to(u)(calls) for u in (HEAD, TEACHER)))
    reference = submit(teams, TEACHER, concern())
    wait_sent(teams, reference, {"headteacher"})
    sent_before = len(teams.connector.sent())

    for value in (
        {"action": "acknowledge", "reference": reference},
        {"action": "add_note", "reference": reference, "note": "Dealt with."},
    ):
        forged = from_tenant(teams.client.personal(HEAD, value=value), OTHER_TENANT)
        assert teams.client.post(forged).status_code == 403

    (summary,) = teams.runtime.reports.list_for_submitter(Actor("teams", TEACHER.aad))
    assert summary.status == "open"
    assert "Dealt with" not in str(teams.runtime.reports.get(reference, Actor("teams", HEAD.aad)))
    assert len(teams.connector.sent()) == sent_before
