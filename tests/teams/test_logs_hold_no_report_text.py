"""Nothing a reporter typed reaches any log on the Teams side either: an invoke (a form submit)
with a bad token, malformed and deeply nested bodies, and a whole report at DEBUG through the
real CloudAdapter (botbuilder, msrest, aiohttp and requests loggers all captured)."""

from __future__ import annotations

import json

from handlers.teams.server import TeamsAuth
from tests import logcapture
from tests.teams.conftest import DSL, HEAD, TEACHER
from tests.teams.test_reports import concern

MARKER = "Zebedee-Quill-4417"
APP_ID = "4a1b2c3d-0000-4000-8000-00000000b007"

everything_logged = logcapture.everything_logged  # the shared fixture


def secret_concern() -> dict:
    return concern(
        description=f"Jamie {MARKER} was sent threats",
        people_involved=f"Jamie {MARKER}",
        immediate_risk="true",
    )


def invoke(client, value: dict) -> dict:
    """A card's Action.Execute-style invoke carrying the form, as Teams posts it."""
    activity = client.personal(TEACHER)
    activity.update(type="invoke", name="adaptiveCard/action", value={"action": {"data": value}})
    activity["from"]["name"] = f"Tom {MARKER}"
    return activity


def test_a_form_with_a_bad_token_and_malformed_bodies_leave_no_trace(start_bot, everything_logged):
    secured = start_bot(TeamsAuth(app_id=APP_ID, app_password="not-a-real-secret"))
    secured.client.service_url = "https://smba.trafficmanager.net/uk/"
    submit = secured.client.personal(TEACHER, value=secret_concern())
    for header in ({}, {"Authorization": f"Bearer {MARKER}.x.y"}, {"Authorization": MARKER}):
        assert secured.client.post(submit, header).status_code == 401
        assert (
            secured.client.post(invoke(secured.client, secret_concern()), header).status_code == 401
        )
    bodies = [
        f'{{"type": "message", "text": "{MARKER}"'.encode(),
        ("[" * 50_000 + f'"{MARKER}"' + "]" * 50_000).encode(),
        json.dumps({"type": "message", "serviceUrl": f"ftp://{MARKER}"}).encode(),
    ]
    for body in bodies:
        assert secured.client.post(body).status_code == 400
    assert secured.connector.calls == []
    assert MARKER not in everything_logged()


def test_a_whole_report_leaves_no_trace_in_any_log(teams, everything_logged):
    teams.client.send(teams.client.install(HEAD))
    teams.client.send(teams.client.install(DSL))
    sent = teams.client.personal(TEACHER, value=secret_concern())
    sent["from"]["name"] = f"Tom {MARKER}"
    teams.client.send(sent)
    teams.connector.wait_for(
        lambda calls: [
            c
            for c in calls
            if MARKER in json.dumps(c.body) and c.conversation_id == HEAD.personal_conversation
        ]
    )
    logged = everything_logged()
    assert MARKER not in logged
