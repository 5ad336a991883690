"""Who may post a turn to /api/messages: nobody unauthenticated outside local testing, only
https connectors once credentials are set, and only the school's own tenant(s) when allowed
tenants are configured. The https and tenant rules are checked at the handler, before the bot
runs, so they are asserted here through the real CloudAdapter app over HTTP: a refused request
never reaches the bot (no reply, no stored conversation reference, no report)."""

from __future__ import annotations

import pytest

from bot.reports.models import Actor
from handlers.teams.server import (
    LOOPBACK,
    TeamsAuth,
    TeamsConfigError,
    bind_host,
    create_app,
)
from tests.teams.conftest import HEAD, TEACHER, TENANT, make_runtime
from tests.teams.test_reports import concern

APP_ID = "4a1b2c3d-0000-4000-8000-00000000b007"
OTHER_TENANT = "0badc0de-0000-4000-8000-0000000e0e11"


def cli(*argv: str) -> int:
    from bot.cli import main

    return main(list(argv))


# --- no credentials ------------------------------------------------------------------------


def test_without_credentials_the_app_refuses_to_start(teams_env):
    runtime = make_runtime(teams_env)
    try:
        with pytest.raises(TeamsConfigError, match="MicrosoftAppId and MicrosoftAppPassword"):
            create_app(runtime, TeamsAuth())
    finally:
        runtime.close()


def test_serve_teams_without_credentials_exits_and_says_how_to_fix(teams_env, monkeypatch, caplog):
    for name, value in teams_env.items():
        monkeypatch.setenv(name, value)
    for name in ("MicrosoftAppId", "MicrosoftAppPassword", "MicrosoftAppTenantId"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("bot.logs.configure_logging", lambda **_: None)
    assert cli("serve", "teams") == 2
    assert "--local-testing" in caplog.text


def test_local_testing_listens_on_loopback_only(monkeypatch, caplog):
    assert bind_host(TeamsAuth(), local_testing=True, host=None) == LOOPBACK
    with pytest.raises(TeamsConfigError, match="127.0.0.1 only"):
        bind_host(TeamsAuth(), local_testing=True, host="0.0.0.0")
    monkeypatch.setattr("bot.logs.configure_logging", lambda **_: None)
    assert cli("serve", "teams", "--local-testing", "--host", "0.0.0.0") == 2
    assert "127.0.0.1 only" in caplog.text


def test_with_credentials_the_bot_listens_where_it_is_told():
    secured = TeamsAuth(app_id=APP_ID, app_password="x")
    assert bind_host(secured, local_testing=False, host=None) == "0.0.0.0"
    assert bind_host(secured, local_testing=False, host="10.0.0.5") == "10.0.0.5"


def test_local_testing_is_a_teams_flag_only():
    assert cli("serve", "slack", "--local-testing") == 2


# --- https serviceUrl with credentials ------------------------------------------------------


def test_with_credentials_an_http_service_url_is_refused_before_anything_runs(start_bot):
    secured = start_bot(TeamsAuth(app_id=APP_ID, app_password="not-a-real-secret"))
    # an attacker's own server as the connector, whatever token comes with it
    secured.client.service_url = "http://attacker.example:8080/"
    response = secured.client.post(secured.client.install(HEAD), {"Authorization": "Bearer x.y.z"})
    assert response.status_code == 400
    assert "serviceUrl must be https" in response.text
    assert secured.connector.calls == []
    assert secured.app_references().find(HEAD.aad) is None


def test_with_credentials_an_https_service_url_goes_on_to_authentication(start_bot):
    secured = start_bot(TeamsAuth(app_id=APP_ID, app_password="not-a-real-secret"))
    secured.client.service_url = "https://smba.trafficmanager.net/uk/"
    response = secured.client.post(secured.client.install(HEAD))
    assert response.status_code == 401  # the next gate: no token


# --- tenant allowlist ------------------------------------------------------------------------


def _from_tenant(activity: dict, tenant: str, *, where: str = "both") -> dict:
    if where in ("both", "channelData"):
        activity["channelData"] = {**activity.get("channelData", {}), "tenant": {"id": tenant}}
    if where in ("both", "conversation"):
        activity["conversation"] = {**activity["conversation"], "tenantId": tenant}
    return activity


@pytest.fixture
def own_tenant_only(start_bot):
    return start_bot(TeamsAuth(allowed_tenants=frozenset({TENANT})))


def test_users_of_the_schools_tenant_are_served(own_tenant_only):
    teams = own_tenant_only
    teams.client.send(teams.client.personal(TEACHER, "help"))
    (reply,) = teams.connector.wait_for(lambda calls: len(calls) >= 1)
    assert "report concern" in reply.text


@pytest.mark.parametrize("where", ["both", "channelData", "conversation"])
def test_a_user_of_another_tenant_cannot_file_a_report(own_tenant_only, where):
    teams = own_tenant_only
    submit = teams.client.personal(TEACHER, value=concern())
    response = teams.client.post(_from_tenant(submit, OTHER_TENANT, where=where))
    assert response.status_code == 403
    assert teams.connector.calls == []
    assert teams.runtime.reports.list_for_submitter(Actor("teams", TEACHER.aad)) == []
    # the same form from the school's own tenant is filed
    teams.client.send(_from_tenant(teams.client.personal(TEACHER, value=concern()), TENANT))
    assert len(teams.runtime.reports.list_for_submitter(Actor("teams", TEACHER.aad))) == 1


def test_an_activity_naming_no_tenant_is_refused_when_tenants_are_restricted(own_tenant_only):
    teams = own_tenant_only
    activity = teams.client.install(HEAD)
    activity.pop("channelData")
    activity["conversation"].pop("tenantId")
    assert teams.client.post(activity).status_code == 403
    assert teams.app_references().find(HEAD.aad) is None


def test_impersonating_the_head_from_another_tenant_captures_no_notices(own_tenant_only):
    teams = own_tenant_only
    response = teams.client.post(_from_tenant(teams.client.install(HEAD), OTHER_TENANT))
    assert response.status_code == 403
    assert teams.app_references().find(HEAD.aad) is None


def test_allowed_tenants_come_from_the_app_tenant_and_the_policybot_list():
    auth = TeamsAuth.from_env(
        {
            "MicrosoftAppId": APP_ID,
            "MicrosoftAppPassword": "x",
            "MicrosoftAppType": "SingleTenant",
            "MicrosoftAppTenantId": TENANT.upper(),
            "POLICYBOT_TEAMS_TENANTS": f" {OTHER_TENANT} ,",
        }
    )
    assert auth.allowed_tenants == {TENANT, OTHER_TENANT}
    assert TeamsAuth.from_env({}).allowed_tenants == frozenset()


def test_a_malformed_tenant_in_the_list_is_refused_with_the_variable_named():
    with pytest.raises(TeamsConfigError, match="POLICYBOT_TEAMS_TENANTS.*not a tenant id"):
        TeamsAuth.from_env({"POLICYBOT_TEAMS_TENANTS": "contoso.onmicrosoft.com"})


def test_with_credentials_no_notice_goes_to_a_stored_non_https_service_url(teams):
    """A reference planted while the bot was open (or kept from local testing) is not used
    once credentials are on: the notice waits until the person messages the bot again."""
    import asyncio
    import threading

    from bot.errors import RecipientUnreachable
    from bot.reports.models import Address, Notice
    from handlers.teams.notifier import TeamsNotifier
    from handlers.teams.server import ADAPTER_KEY

    teams.client.send(teams.client.install(HEAD))  # stored with the http test connector
    teams.connector.wait_for(lambda calls: len(calls) >= 1)
    before = len(teams.connector.calls)
    notifier = TeamsNotifier(
        teams.client.app[ADAPTER_KEY],
        APP_ID,
        teams.app_references(),
        asyncio.new_event_loop(),
        require_https=True,
    )
    assert not notifier.is_reachable(HEAD.aad)
    notice = Notice("C-2026-0001", "concern", False, "New concern", [("Description", "x")])
    raised: list[BaseException] = []

    def send() -> None:
        try:
            notifier.send(Address("teams", HEAD.aad), notice, "C-2026-0001/1/concern/head")
        except BaseException as exc:
            raised.append(exc)

    worker = threading.Thread(target=send)
    worker.start()
    worker.join(10)
    assert [type(e) for e in raised] == [RecipientUnreachable]
    assert len(teams.connector.calls) == before


def test_the_schools_config_can_restrict_tenants_too(start_bot, teams_env):
    from pathlib import Path

    config = Path(teams_env["POLICYBOT_CONFIG"])
    config.write_text(config.read_text() + f'\n[teams]\nallowed_tenants = ["{TENANT}"]\n')
    teams = start_bot(TeamsAuth())  # nothing in the environment
    foreign = _from_tenant(teams.client.install(HEAD), OTHER_TENANT)
    assert teams.client.post(foreign).status_code == 403
    teams.client.send(teams.client.install(HEAD))  # the school's own tenant
    assert teams.app_references().find(HEAD.aad) is not None
