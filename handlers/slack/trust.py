"""`policybot serve slack` for a multi-academy trust (``POLICYBOT_TRUST``): one bolt app, many
workspaces, each one school's.

* Install: a workspace admin opens ``GET /slack/install`` (bolt's install page, with a state
  cookie) and allows the app; Slack sends them back to ``GET /slack/oauth_redirect`` with a
  code, which bolt's OAuth flow exchanges (``oauth.v2.access``) for the workspace's bot token
  and saves in slack-sdk's ``FileInstallationStore`` under the trust's data directory
  (handlers/slack/installs.py: 0700/0600). A workspace that is no school's is refused there
  and its installation removed at once. On Enterprise Grid the app may be installed org-wide.
* Events: every signed request is authorised by bolt from the installation store (the
  workspace's token), then handlers/slack/app.py picks the school from the request's team id
  and every listener talks to that school's runtime only. A workspace with no school gets one
  clear reply naming whom to contact, and nothing else.
* Delivery: each school's notices go out with its own workspace's token, looked up in the
  installation store at each send (so a workspace installed after the start is reached).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse

from bot.campaigns.worker import ReminderWorker
from bot.feedback import FeedbackLog
from bot.ops.reach import SLACK_SCOPES
from handlers.slack import installs
from handlers.slack.app import build_app
from handlers.slack.notifier import SlackNotifier
from handlers.slack.server import HEALTH_PATH, READY_PATH, SlackServer

log = logging.getLogger("policybot.slack")

NOT_LINKED = (
    "This Slack workspace isn't linked to one of {trust}'s schools in policybot, so I can't "
    "answer questions or take reports here. Please contact {contact}."
)
NOT_A_SCHOOL_PAGE = (
    "<html><body><h1>Not installed</h1><p>This Slack workspace is not one of {trust}'s "
    "schools in policybot, so the app was not installed. Please contact {contact}.</p>"
    "</body></html>"
)
TRUST_ENV_HELP = {
    "SLACK_CLIENT_ID": "the Client ID from the app's Basic Information page",
    "SLACK_CLIENT_SECRET": "the Client Secret from the app's Basic Information page",
    "SLACK_SIGNING_SECRET": "the Signing Secret from the app's Basic Information page",
}


class TrustSchools:
    """handlers/slack/app.py's ``Schools``: the school whose workspace signed the request."""

    def __init__(self, trust: Any) -> None:
        self.trust = trust
        self.not_linked = NOT_LINKED.format(trust=trust.config.name, contact=trust.config.contact)
        self.feedback = {
            name: FeedbackLog.for_settings(s.runtime.settings, s.runtime.policy_terms)
            for name, s in trust.schools.items()
        }

    def pick(self, team_id: str | None) -> tuple[Any, FeedbackLog] | None:
        school = self.trust.for_slack(team_id)
        if school is None:
            return None
        return school.runtime, self.feedback[school.name]

    def close(self) -> None:
        for feedback in self.feedback.values():
            feedback.close()


@dataclass
class TrustSlackServer(SlackServer):
    """The trust's Slack server: SlackServer's signed ``POST /slack/events``, plus the OAuth
    install routes, with every school's runtime behind one app."""

    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    redirect_uri: str | None = None
    trust: Any = None
    schools: TrustSchools | None = None
    store: Any = None
    _workers: list[Any] = field(default_factory=list, repr=False)

    def attach_trust(self, trust: Any) -> AsyncApp:
        self.trust = trust
        self.store = installs.installation_store(trust.config, self.client_id)
        self.schools = TrustSchools(trust)
        settings = AsyncOAuthSettings(
            client_id=self.client_id,
            client_secret=self.client_secret,
            scopes=list(SLACK_SCOPES),
            installation_store=self.store,
            installation_store_bot_only=True,
            state_store=installs.state_store(trust.config, self.client_id),
            install_path=installs.INSTALL_PATH,
            redirect_uri_path=installs.REDIRECT_PATH,
            redirect_uri=self.redirect_uri,
            callback_options=AsyncCallbackOptions(success=self._installed, failure=_failed),
        )
        self.app = build_app(
            None,
            token=None,
            signing_secret=self.signing_secret,
            api_url=self.api_url,
            http=self._http,
            schools=self.schools,
            oauth_settings=settings,
        )
        enterprise = trust.config.slack_enterprise
        for school in trust.schools.values():
            teams = school.entry.slack_teams

            def token(teams: tuple[str, ...] = teams) -> str | None:
                return installs.bot_token(self.store, enterprise, teams)

            reports = school.runtime.reports
            reports.register_notifier(SlackNotifier(token, self.api_url))
            if self.deliver:
                self._workers += [
                    reports.start_delivery_worker(),
                    ReminderWorker(school.runtime.campaigns).start(),
                ]
        trust.start()  # the policies, in the background: reports are taken meanwhile
        self.runtime = trust  # /healthz: no longer "starting"
        return self.app

    def stop(self) -> None:
        for worker in self._workers:
            worker.stop()
        self._workers = []
        if self.schools is not None:
            self.schools.close()

    async def _installed(self, args: AsyncSuccessArgs) -> BoltResponse:
        """Keep an installation only for a workspace that is one of the trust's schools (or
        the trust's own Enterprise Grid org, installed org-wide)."""
        installation = args.installation
        org_wide = bool(installation.is_enterprise_install) and bool(
            installation.enterprise_id
            and installation.enterprise_id == self.trust.config.slack_enterprise
        )
        school = self.trust.for_slack(installation.team_id)
        if school is None and not org_wide:
            await self.store.async_delete_bot(
                enterprise_id=installation.enterprise_id, team_id=installation.team_id
            )
            await self.store.async_delete_installation(
                enterprise_id=installation.enterprise_id, team_id=installation.team_id
            )
            log.warning("refused an installation in Slack workspace %s: no school has it",
                        installation.team_id)  # fmt: skip
            page = NOT_A_SCHOOL_PAGE.format(
                trust=self.trust.config.name, contact=self.trust.config.contact
            )
            return BoltResponse(status=403, body=page, headers={"content-type": "text/html"})
        where = "org-wide" if org_wide else f"for school {school.name if school else '?'}"
        log.info("installed in Slack workspace %s (%s)", installation.team_id, where)
        return await args.default.success(args)

    # ---- routes ----------------------------------------------------------------------------
    async def install(self, request: web.Request) -> web.Response:
        return await self._oauth(request, callback=False)

    async def redirect(self, request: web.Request) -> web.Response:
        return await self._oauth(request, callback=True)

    async def _oauth(self, request: web.Request, *, callback: bool) -> web.Response:
        if self.app is None or self.app.oauth_flow is None:
            return web.json_response({"error": "starting"}, status=503)
        flow = self.app.oauth_flow
        bolt_req = await to_bolt_request(request)
        try:
            response = await (flow.handle_callback if callback else flow.handle_installation)(
                bolt_req
            )
        except Exception as exc:  # never the code, state or token in the log
            log.error("the Slack install flow failed: %s", type(exc).__name__)
            return web.json_response({"error": "internal error"}, status=500)
        return await to_aiohttp_response(response)

    async def health(self, request: web.Request) -> web.Response:
        if self.error:
            return web.json_response({"status": "error", "error": self.error}, status=503)
        if self.trust is None:
            return web.json_response({"status": "starting"}, status=503)
        from bot.health import policies_state

        schools = {}
        for name, school in sorted(self.trust.schools.items()):
            assistant = school.runtime.loaded_assistant
            schools[name] = {
                "answering": assistant is not None,
                "policies": policies_state(school.runtime),
                "dense_ready": bool(getattr(assistant, "dense_ready", False)),
            }
        return web.json_response(
            {
                "status": "ok",
                "platform": "slack",
                "trust": self.trust.config.name,
                "schools": schools,
                "deliveries": "running" if self._workers else "stopped",
            }
        )

    async def ready(self, request: web.Request) -> web.Response:
        if self.error:
            return web.json_response({"status": "error", "error": self.error}, status=503)
        if self.trust is None:
            return web.json_response({"status": "starting"}, status=503)
        from bot.health import readiness, shown_to

        def check() -> tuple[bool, dict[str, Any]]:
            out, ok = {}, True
            for name, school in sorted(self.trust.schools.items()):
                ready, details = readiness(school.runtime, platforms=["slack"])
                out[name] = shown_to(
                    school.runtime.settings, request.remote, request.headers, details
                )
                ok = ok and ready
            return ok, {"status": "ready" if ok else "not ready", "schools": out}

        ok, details = await asyncio.get_running_loop().run_in_executor(None, check)
        return web.json_response(details, status=200 if ok else 503)

    def web_app(self) -> web.Application:
        web_app = web.Application()
        web_app.router.add_post("/slack/events", self.events)
        web_app.router.add_get(installs.INSTALL_PATH, self.install)
        web_app.router.add_get(installs.REDIRECT_PATH, self.redirect)
        web_app.router.add_get(HEALTH_PATH, self.health)
        web_app.router.add_get(READY_PATH, self.ready)
        web_app.on_cleanup.append(self._cleanup)
        return web_app

    async def _cleanup(self, _: web.Application) -> None:
        await super()._cleanup(_)
        if self.trust is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.trust.close)


async def _failed(args: AsyncFailureArgs) -> BoltResponse:
    log.warning("a Slack install did not complete: %s", args.reason)
    return await args.default.failure(args)


def missing_env(env: Mapping[str, str]) -> list[str]:
    return [name for name in TRUST_ENV_HELP if not env.get(name, "").strip()]


def serve(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """`policybot serve slack` with POLICYBOT_TRUST set."""
    import sys

    if getattr(args, "socket", False):
        print("policybot serve slack: a trust's app serves many workspaces through Slack's "
              "install flow over HTTP: run it without --socket", file=sys.stderr)  # fmt: skip
        return 2
    missing = missing_env(env)
    for name in missing:
        print(f"policybot serve slack: {name} is not set: {TRUST_ENV_HELP[name]}", file=sys.stderr)
    if missing:
        return 2
    from bot.logs import configure_logging

    configure_logging(env=env)
    server = TrustSlackServer(
        token="",
        signing_secret=env["SLACK_SIGNING_SECRET"].strip(),
        api_url=env.get("SLACK_API_URL", "").strip() or None,
        client_id=env["SLACK_CLIENT_ID"].strip(),
        client_secret=env["SLACK_CLIENT_SECRET"].strip(),
        redirect_uri=env.get("SLACK_REDIRECT_URI", "").strip() or None,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(server, args, env))
    if server.error:
        print(f"policybot serve slack: {server.error}", file=sys.stderr)
        return 1
    return 0


async def _run(server: TrustSlackServer, args: argparse.Namespace, env: Mapping[str, str]) -> None:
    from bot.trust.root import Trust

    runner = web.AppRunner(server.web_app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, args.host, args.port).start()
    log.info("policybot for a trust's Slack starting on http://%s:%d", args.host, args.port)
    try:
        trust = await asyncio.get_running_loop().run_in_executor(None, Trust.from_env, env)
    except Exception as exc:  # config errors name the file, the key and the school
        server.error = str(exc)
        log.error("could not start: %s", exc)
        await runner.cleanup()
        return
    server.attach_trust(trust)
    log.info("ready: %d schools", len(trust.schools))
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
