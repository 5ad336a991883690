"""Serving: auth off and on, garbage tokens and malformed bodies get 4xx (never 500), /healthz."""

from __future__ import annotations

import logging

import jwt
import pytest

from handlers.teams.server import TeamsAuth, TeamsConfigError
from tests.teams.conftest import HEAD, TEACHER

APP_ID = "4a1b2c3d-0000-4000-8000-00000000b007"
PUBLIC_SERVICE_URL = "https://smba.trafficmanager.net/uk/"


def test_auth_off_runs_unauthenticated_and_says_so_loudly(start_bot, caplog):
    with caplog.at_level(logging.WARNING):
        teams = start_bot(TeamsAuth())
    assert any("AUTHENTICATION IS OFF" in r.getMessage() for r in caplog.records)
    teams.client.send(teams.client.personal(TEACHER, "help"))
    (reply,) = teams.connector.wait_for(lambda calls: len(calls) >= 1)
    # With an empty app id botbuilder sends no bearer token to the connector.
    assert reply.authorization is None
    assert "report concern" in reply.text


@pytest.fixture
def secured(start_bot):
    """Credentials on; activities carry an https serviceUrl as Microsoft's connectors do (no
    turn gets far enough to call it: every request here fails authentication)."""
    server = start_bot(TeamsAuth(app_id=APP_ID, app_password="not-a-real-secret"))
    server.client.service_url = PUBLIC_SERVICE_URL
    return server


def test_auth_on_missing_header_is_401(secured):
    response = secured.client.post(secured.client.personal(TEACHER, "help"))
    assert response.status_code == 401
    assert secured.connector.calls == []


@pytest.mark.parametrize(
    "header",
    [
        "Bearer xyz",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "xyz",
        "Bearer a.b.c",
        "Bearer " + jwt.encode({"iss": "https://evil.example", "aud": APP_ID}, "k" * 32),
    ],
)
def test_auth_on_garbage_token_is_401_never_500(secured, header, caplog):
    with caplog.at_level(logging.INFO):
        response = secured.client.post(
            secured.client.personal(TEACHER, "help"), {"Authorization": header}
        )
    assert response.status_code == 401
    assert secured.connector.calls == []
    assert "not-a-real-secret" not in caplog.text
    if len(header) > 12:
        assert header not in caplog.text


def test_healthz_reports_auth_mode(secured):
    assert secured.client.healthz()["auth"] == "enabled"


@pytest.mark.parametrize(
    "body, content_type, status",
    [
        (b"{not json", "application/json", 400),
        (b"", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b'"message"', "application/json", 400),
        (b"{}", "application/json", 400),  # no type
        (b'{"type": "message"}', "application/json", 400),  # no serviceUrl
        (b'{"type": "message", "serviceUrl": "javascript:alert(1)"}', "application/json", 400),
        (b'{"type": 5, "serviceUrl": "http://x"}', "application/json", 400),
        (b"\xff\xfe\x00garbage", "application/json", 400),
        (b'{"type": "message"}', "text/plain", 415),
        (b"type=message", "application/x-www-form-urlencoded", 415),
    ],
)
def test_malformed_bodies_get_4xx(teams, body, content_type, status):
    response = teams.client.session.post(
        f"{teams.client.url}/api/messages", data=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == status
    assert teams.connector.calls == []


def test_missing_content_type_is_415(teams):
    response = teams.client.session.post(f"{teams.client.url}/api/messages", data=b"{}")
    assert response.status_code == 415


def test_activity_without_conversation_is_400(teams):
    activity = teams.client.personal(TEACHER, "help")
    del activity["conversation"]
    assert teams.client.post(activity).status_code == 400


def test_get_on_messages_is_405(teams):
    response = teams.client.session.get(f"{teams.client.url}/api/messages")
    assert response.status_code == 405


def test_healthz_shows_unreachable_recipients_until_they_install(teams):
    health = teams.client.healthz()
    assert health["status"] == "ok"
    assert health["auth"].startswith("DISABLED")
    assert health["recipients"]["headteacher"] == "recipient not reachable on Teams"
    assert "headteacher" in health["unreachable_recipients"]
    teams.client.send(teams.client.install(HEAD))
    health = teams.client.healthz()
    assert health["recipients"]["headteacher"] == "reachable"
    assert "headteacher" not in health["unreachable_recipients"]
    assert health["known_users"] == 1


@pytest.mark.parametrize(
    "env, message",
    [
        ({"MicrosoftAppId": APP_ID}, "MicrosoftAppPassword"),
        ({"MicrosoftAppPassword": "x"}, "MicrosoftAppId"),
        ({"MicrosoftAppType": "Bogus"}, "MicrosoftAppType"),
        (
            {
                "MicrosoftAppId": APP_ID,
                "MicrosoftAppPassword": "x",
                "MicrosoftAppType": "SingleTenant",
            },
            "MicrosoftAppTenantId",
        ),
    ],
)
def test_bad_teams_env_is_refused_with_the_variable_named(env, message):
    with pytest.raises(TeamsConfigError, match=message):
        TeamsAuth.from_env(env)


def test_auth_settings_from_env():
    auth = TeamsAuth.from_env(
        {
            "MicrosoftAppId": APP_ID,
            "MicrosoftAppPassword": "s3cret",
            "MicrosoftAppTenantId": "t",
            "MicrosoftAppType": "singletenant",
        }
    )
    assert auth.enabled and auth.app_type == "SingleTenant"
    assert "s3cret" not in repr(auth)
    assert not TeamsAuth.from_env({}).enabled


def test_readyz_uses_the_core_readiness_and_lists_unreachable_recipients(teams):
    response = teams.client.session.get(f"{teams.client.url}/readyz", timeout=30)
    assert response.status_code == 200, response.text
    details = response.json()
    assert details["status"] == "ready"
    assert "headteacher" in details["unreachable_recipients"]
