"""When Teams says a notice can never reach the person (403/404 from the Bot Connector), or the
person never opened the bot, nobody is left waiting in silence: the reporter is told in their
chat, an urgent concern goes to the next role after the configured time, and /readyz says 503."""

from __future__ import annotations

import pytest
import requests

from tests.reports.conftest import FakeClock
from tests.teams.conftest import CHAIR, DSL, HEAD, TEACHER
from tests.teams.test_reports import concern, submit, to

SECRET = "A parent posted a photo of Year 5 pupils in a public group."


def undeliverable_notes(teams):
    return [c for c in to(TEACHER)(teams.connector.sent()) if "could not be delivered" in c.text]


def head_row(teams, reference):
    return next(
        s for s in teams.runtime.reports.delivery_status(reference) if s.role == "headteacher"
    )


@pytest.mark.parametrize("status", [403, 404])
def test_teams_refusing_the_heads_chat_tells_the_reporter_at_once(teams, status):
    teams.client.send(teams.client.install(HEAD))
    teams.connector.wait_for(to(HEAD))
    teams.connector.refused[HEAD.personal_conversation] = status

    reference = submit(teams, TEACHER, concern())
    teams.connector.wait_for(lambda calls: undeliverable_notes(teams))
    (told,) = undeliverable_notes(teams)
    assert f"{reference} could not be delivered to the Headteacher" in told.text
    assert "speak to the Headteacher directly" in told.text
    assert SECRET not in told.card_text() and str(status) not in told.card_text()

    for _ in range(3):
        teams.runtime.reports.deliver_due()
    tries = [c for c in teams.connector.calls if c.conversation_id == HEAD.personal_conversation]
    assert [c.status for c in tries if reference in c.text] == [status]  # tried once, never again
    assert head_row(teams, reference).status == "failed"
    ready = requests.get(f"{teams.client.url}/readyz", timeout=30)
    assert ready.status_code == 503 and ready.json()["outbox"]["undelivered"] == 1


def test_teams_refusing_a_new_1to1_chat_is_also_for_good(teams):
    teams.client.send(teams.client.team_install(TEACHER, members=[HEAD]))
    teams.connector.refused[HEAD.teams_id] = 403  # the head blocked the app
    reference = submit(teams, TEACHER, concern())
    teams.connector.wait_for(lambda calls: undeliverable_notes(teams))
    assert head_row(teams, reference).status == "failed"
    assert teams.connector.created == []


def test_an_urgent_concern_for_people_who_never_opened_the_bot_escalates_on_time(teams):
    clock = FakeClock()
    teams.runtime.reports.clock = clock
    teams.client.send(teams.client.install(CHAIR))  # only the chair has opened the bot
    teams.connector.wait_for(to(CHAIR))
    reference = submit(teams, TEACHER, concern(immediate_risk="true"))

    clock.advance(minutes=14)
    teams.runtime.reports.deliver_due()
    assert not [c for c in to(CHAIR)(teams.connector.sent()) if reference in c.text]

    clock.advance(minutes=2)  # past escalate_urgent_after_minutes (15)
    teams.runtime.reports.deliver_due()
    calls = teams.connector.wait_for(
        lambda calls: [c for c in to(CHAIR)(calls) if reference in c.text]
    )
    (escalated,) = [c for c in to(CHAIR)(calls) if reference in c.text]
    assert (
        "could not be delivered to the Headteacher and the Designated Safeguarding Lead in time"
        in escalated.card_text()
    )
    assert undeliverable_notes(teams) == []  # not yet: they may still open the bot

    clock.advance(minutes=60)  # past undelivered_alert_minutes (60)
    teams.runtime.reports.deliver_due()
    teams.connector.wait_for(lambda calls: undeliverable_notes(teams))
    told = " ".join(c.text for c in undeliverable_notes(teams))
    assert "Headteacher" in told and "Designated Safeguarding Lead" in told
    ready = requests.get(f"{teams.client.url}/readyz", timeout=30)
    assert ready.status_code == 503

    teams.client.send(teams.client.personal(HEAD, "hello"))  # they open it at last
    teams.connector.wait_for(lambda calls: [c for c in to(HEAD)(calls) if reference in c.text])
    teams.client.send(teams.client.personal(DSL, "hello"))
    teams.connector.wait_for(lambda calls: [c for c in to(DSL)(calls) if reference in c.text])


def test_readyz_through_a_proxy_names_no_role_or_reference(teams):
    reference = submit(teams, TEACHER, concern(about_headteacher="true"))
    teams.runtime.reports.clock = FakeClock()
    teams.runtime.reports.clock.now = teams.runtime.reports.clock.now.replace(year=2099)
    public = requests.get(
        f"{teams.client.url}/readyz", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=30
    )
    assert public.status_code == 503  # the chair's notice is long overdue
    body = public.json()
    assert body["outbox"]["undelivered"] == 1 and body["unreachable_recipients"] == 3
    assert reference not in public.text and "chair" not in public.text
    local = requests.get(f"{teams.client.url}/readyz", timeout=30).json()
    assert "chair_of_governors" in local["unreachable_recipients"]
    assert local["outbox"]["undelivered_references"] == [reference]
