"""`policybot serve teams`: the aiohttp app Teams posts to.

``POST /api/messages`` goes through botbuilder's CloudAdapter, but we read the request ourselves
first, because ``CloudAdapter.process`` in 4.17 answers 500 for a malformed body, a missing
Content-Type and a garbage bearer token alike. Here:

* a body that is not JSON, or not an Activity → 400; a non-JSON Content-Type → 415;
* a missing or invalid ``Authorization`` header (when an app id is configured) → 401, with the
  reason's type logged and never the header; a token we cannot check because Microsoft's key
  endpoint is unreachable → 503 (the Bot Connector retries);
* then ``adapter.process_activity`` runs the turn with the authenticated result.

Who may post a turn at all (issue 11): the connector decides where replies go (``serviceUrl``) and
who is acting (``from.aadObjectId``), so an unauthenticated endpoint would let anyone who can reach
it receive the headteacher's notices and act as them. Therefore:

* without ``MicrosoftAppId``/``MicrosoftAppPassword`` the app refuses to start unless it is
  explicitly run for local testing (``serve teams --local-testing``), which listens on 127.0.0.1
  only;
* with credentials, an Activity whose ``serviceUrl`` is not ``https://`` is refused (400) before
  anything else runs: Microsoft's connectors are https-only;
* only the Teams channel is served (``channelId`` "msteams"; the Emulator's "emulator" too under
  ``--local-testing``): an activity from Web Chat, Direct Line or any other channel of the Azure
  Bot gets 403 before anything runs, because there the client chooses ``from.id`` and
  ``channelData`` (issue 22; the bot then acts only for a ``from.aadObjectId``: handlers/teams/
  bot.py);
* when tenant ids are allowed (``MicrosoftAppTenantId``, ``POLICYBOT_TEAMS_TENANTS`` and/or the
  school config's ``[teams] allowed_tenants``), every turn must come from one of them
  (``channelData.tenant.id`` and ``conversation.tenantId``, which Teams sets on its own channel):
  users of another organisation get 403 and can neither file reports nor act on them.

``GET /healthz`` reports auth mode, how many users the bot can reach and which configured
report recipients it cannot reach on Teams yet (roles only: no names, no report content).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity

from bot.campaigns.worker import ReminderWorker
from bot.config import TENANT_ID_RE as TENANT_RE
from bot.errors import ConfigError, StoreError
from bot.feedback import FeedbackLog
from bot.logs import guard_library_logs
from bot.sealed_table import TEAMS_FILE
from handlers.teams.bot import PolicyTeamsBot, on_turn_error, served_channel
from handlers.teams.notifier import TeamsNotifier
from handlers.teams.references import ReferenceStore

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

REFERENCES_FILE = TEAMS_FILE
UNREACHABLE = "recipient not reachable on Teams"
APP_TYPES = {"multitenant": "MultiTenant", "singletenant": "SingleTenant"}


LOOPBACK = "127.0.0.1"
TENANTS_ENV = "POLICYBOT_TEAMS_TENANTS"
NO_CREDENTIALS = (
    "MicrosoftAppId and MicrosoftAppPassword are empty: without them anyone who can reach "
    "/api/messages could act as any member of staff and receive their notices. Set both (the "
    "Azure Bot's App ID and a client secret), or run `policybot serve teams --local-testing` "
    "to try the bot on this machine only (127.0.0.1)."
)


class TeamsConfigError(ConfigError):
    """Bad Teams settings in the environment; the message names the variable."""


@dataclass(frozen=True)
class TeamsAuth:
    app_id: str = ""
    app_password: str = field(default="", repr=False)
    tenant_id: str = ""
    app_type: str = "MultiTenant"
    # tenants whose users may talk to the bot; empty = any tenant the Azure Bot accepts
    allowed_tenants: frozenset[str] = frozenset()

    @property
    def enabled(self) -> bool:
        return bool(self.app_id)

    def tenant_allowed(self, body: Mapping[str, Any]) -> bool:
        """Every tenant id the raw Activity names must be an allowed one, and it must name one."""
        if not self.allowed_tenants:
            return True
        named = activity_tenants(body)
        return bool(named) and named <= self.allowed_tenants

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> TeamsAuth:
        app_id = env.get("MicrosoftAppId", "").strip()
        password = env.get("MicrosoftAppPassword", "").strip()
        tenant = env.get("MicrosoftAppTenantId", "").strip()
        raw_type = env.get("MicrosoftAppType", "").strip() or "MultiTenant"
        app_type = APP_TYPES.get(raw_type.lower())
        if app_type is None:
            raise TeamsConfigError(
                f"MicrosoftAppType: must be MultiTenant or SingleTenant, got {raw_type!r}"
            )
        if password and not app_id:
            raise TeamsConfigError(
                "MicrosoftAppId: required when MicrosoftAppPassword is set (the bot's "
                "Microsoft App ID from its Azure Bot registration)"
            )
        if app_id and not password:
            raise TeamsConfigError(
                "MicrosoftAppPassword: required when MicrosoftAppId is set (a client secret of "
                "the bot's app registration). Leave both empty only for local testing."
            )
        if app_type == "SingleTenant" and app_id and not tenant:
            raise TeamsConfigError(
                "MicrosoftAppTenantId: required when MicrosoftAppType is SingleTenant"
            )
        allowed = {t.strip().lower() for t in env.get(TENANTS_ENV, "").split(",") if t.strip()}
        for tenant_id in sorted(allowed):
            if not TENANT_RE.match(tenant_id):
                raise TeamsConfigError(
                    f"{TENANTS_ENV}: {tenant_id!r} is not a tenant id; give Directory (tenant) "
                    "ids from Entra ID → Overview, separated by commas"
                )
        if tenant:
            allowed.add(tenant.lower())
        return cls(
            app_id=app_id,
            app_password=password,
            tenant_id=tenant,
            app_type=app_type,
            allowed_tenants=frozenset(allowed),
        )

    def botbuilder_config(self) -> Any:
        """The attribute bag ConfigurationBotFrameworkAuthentication reads."""
        return argparse.Namespace(
            APP_ID=self.app_id,
            APP_PASSWORD=self.app_password,
            APP_TENANTID=self.tenant_id,
            APP_TYPE=self.app_type,
        )


def activity_tenants(body: Mapping[str, Any]) -> set[str]:
    """The tenant ids a raw Activity carries: Teams puts the sender's tenant in
    ``channelData.tenant.id`` and (for most conversation types) ``conversation.tenantId``.
    Read from the JSON itself: botbuilder's schema maps the latter from ``tenantID`` only."""
    found: set[str] = set()
    channel_data = body.get("channelData")
    tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    if isinstance(tenant, dict) and isinstance(tenant.get("id"), str) and tenant["id"]:
        found.add(tenant["id"].lower())
    conversation = body.get("conversation")
    if isinstance(conversation, dict):
        for key in ("tenantId", "tenantID"):
            value = conversation.get(key)
            if isinstance(value, str) and value:
                found.add(value.lower())
    return found


RUNTIME_KEY = web.AppKey("runtime", Any)
AUTH_KEY = web.AppKey("auth", TeamsAuth)
ADAPTER_KEY = web.AppKey("adapter", CloudAdapter)
BOT_KEY = web.AppKey("bot", PolicyTeamsBot)
REFERENCES_KEY = web.AppKey("references", ReferenceStore)
FEEDBACK_KEY = web.AppKey("feedback", FeedbackLog)
NOTIFIER_KEY = web.AppKey("notifier", TeamsNotifier)
LOCAL_TESTING_KEY = web.AppKey("local_testing", bool)
WORKER_KEY = web.AppKey("worker", Any)
REMINDERS_KEY = web.AppKey("reminders", ReminderWorker)  # policy reminders (bot/campaigns)


# --- POST /api/messages -------------------------------------------------------------------


def _problem(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def _read_activity(request: web.Request) -> tuple[Activity, dict] | web.Response:
    if request.content_type != "application/json":
        return _problem(415, "expected Content-Type: application/json")
    try:
        body = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError, RecursionError):  # deep nesting: RecursionError
        return _problem(400, "body is not valid JSON")
    if not isinstance(body, dict):
        return _problem(400, "body must be a JSON object (an Activity)")
    try:
        activity = Activity().deserialize(body)
    except Exception:
        return _problem(400, "body is not a valid Activity")
    if not activity.type or not isinstance(activity.type, str):
        return _problem(400, "Activity has no type")
    if not activity.service_url or not str(activity.service_url).startswith(
        ("http://", "https://")
    ):
        return _problem(400, "Activity has no valid serviceUrl")
    if activity.conversation is None or not activity.conversation.id:
        return _problem(400, "Activity has no conversation")
    return activity, body


async def messages(request: web.Request) -> web.Response:
    app = request.app
    adapter: CloudAdapter = app[ADAPTER_KEY]
    read = await _read_activity(request)
    if isinstance(read, web.Response):
        return read
    activity, body = read
    if not served_channel(activity.channel_id, local_testing=app[LOCAL_TESTING_KEY]):
        log.warning("refused an Activity from a channel other than Teams")
        return _problem(403, "this bot serves Microsoft Teams only")
    auth: TeamsAuth = app[AUTH_KEY]
    if auth.enabled and not str(activity.service_url).lower().startswith("https://"):
        log.warning("refused an Activity whose serviceUrl is not https")
        return _problem(400, "serviceUrl must be https:// (Microsoft's connectors are)")
    if not auth.tenant_allowed(body):
        log.warning("refused an Activity from a tenant that is not allowed")
        return _problem(403, "this bot serves only its own organisation's tenant")
    auth_header = request.headers.get("Authorization", "")
    try:
        authenticated = await adapter.bot_framework_authentication.authenticate_request(
            activity, auth_header
        )
    except PermissionError:  # a subclass of OSError: test it first
        log.warning("rejected a request to /api/messages: no or unaccepted Authorization")
        return _problem(401, "unauthorized")
    except OSError as exc:  # requests' ConnectionError included: Microsoft's keys unreachable
        log.error("cannot verify a Teams token right now: %s", type(exc).__name__)
        return _problem(503, "cannot verify the token right now")
    except Exception as exc:
        # 4.17 raises PermissionError, PyJWT's DecodeError (jwt.PyJWTError), KeyError or a bare
        # Exception ("Invalid app_id", "Token Not Authenticated") depending on what is wrong.
        log.warning("rejected a request to /api/messages: %s", type(exc).__name__)
        return _problem(401, "unauthorized")
    invoke_response = await adapter.process_activity(authenticated, activity, app[BOT_KEY].on_turn)
    if invoke_response is not None:
        status = int(invoke_response.status or 200)
        body = invoke_response.body
        if body is None:
            return web.Response(status=status)
        # body is already plain JSON data (no second serialisation: see the trap list)
        return web.json_response(
            body if not hasattr(body, "serialize") else body.serialize(), status=status
        )
    return web.Response(status=201)


# --- GET /healthz ---------------------------------------------------------------------------


def recipients_status(runtime: Runtime, references: ReferenceStore) -> dict[str, str]:
    out: dict[str, str] = {}
    for role, person in sorted(runtime.settings.people.items()):
        user = person.address("teams")
        if not user:
            out[role] = "no teams_user configured"
        elif references.find(user) is None:
            out[role] = UNREACHABLE
        else:
            out[role] = "reachable"
    return out


async def healthz(request: web.Request) -> web.Response:
    app = request.app
    runtime: Runtime = app[RUNTIME_KEY]
    references: ReferenceStore = app[REFERENCES_KEY]
    loop = asyncio.get_running_loop()
    recipients = await loop.run_in_executor(None, recipients_status, runtime, references)
    known = await loop.run_in_executor(None, lambda: len(references.all()))
    from bot.health import policies_state

    assistant = runtime.loaded_assistant
    body = {
        "status": "ok",
        "platform": "teams",
        "answering": assistant is not None,
        "policies": policies_state(runtime),
        "auth": "enabled" if app[AUTH_KEY].enabled else "DISABLED (local testing only)",
        "known_users": known,
        "recipients": recipients,
        "unreachable_recipients": sorted(r for r, s in recipients.items() if s == UNREACHABLE),
        "dense_retrieval_ready": bool(getattr(assistant, "dense_ready", False)),
    }
    from bot.health import may_see_details

    if not may_see_details(runtime.settings, request.remote, request.headers):
        # which roles cannot be reached, beside /readyz's pending count, could say a notice
        # waits for the chair (a concern about the head): on the server or with the token only
        del body["recipients"]
        body["unreachable_recipients"] = len(body["unreachable_recipients"])
    return web.json_response(body)


async def readyz(request: web.Request) -> web.Response:
    """bot.health's readiness (index loaded, database writable, outbox not stuck) plus the
    recipients this front end knows it cannot reach yet: 200 when ready, else 503."""
    from bot.health import readiness, shown_to

    app = request.app
    runtime: Runtime = app[RUNTIME_KEY]
    references: ReferenceStore = app[REFERENCES_KEY]

    def check() -> tuple[bool, dict]:
        recipients = recipients_status(runtime, references)
        unreachable = [r for r, s in recipients.items() if s == UNREACHABLE]
        return readiness(runtime, platforms=["teams"], unreachable_recipients=unreachable)

    ok, details = await asyncio.get_running_loop().run_in_executor(None, check)
    details = shown_to(runtime.settings, request.remote, request.headers, details)
    return web.json_response(details, status=200 if ok else 503)


# --- the app ------------------------------------------------------------------------------


def create_app(
    runtime: Runtime,
    auth: TeamsAuth,
    *,
    references_path: Path | None = None,
    start_worker: bool = True,
    local_testing: bool = False,
) -> web.Application:
    """The app. Without credentials it refuses (TeamsConfigError) unless ``local_testing``; the
    caller must then listen on 127.0.0.1 only, as ``serve`` does."""
    guard_library_logs()  # botbuilder/aiohttp exception texts can quote what a user typed
    if not auth.enabled:
        if not local_testing:
            raise TeamsConfigError(NO_CREDENTIALS)
        log.warning(
            "\n%s\n  AUTHENTICATION IS OFF (--local-testing): MicrosoftAppId and "
            "MicrosoftAppPassword are empty.\n"
            "  Listening on 127.0.0.1 only; set both for Teams.\n%s",
            "!" * 78,
            "!" * 78,
        )
    tenants = runtime.settings.teams_tenants
    if tenants:  # the school's config adds to MicrosoftAppTenantId / POLICYBOT_TEAMS_TENANTS
        auth = replace(auth, allowed_tenants=auth.allowed_tenants | tenants)
    references = ReferenceStore(
        references_path or runtime.settings.data_dir / REFERENCES_FILE, runtime.settings.key
    )
    feedback = FeedbackLog.for_settings(runtime.settings, runtime.policy_terms)
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(auth.botbuilder_config()))
    adapter.on_turn_error = on_turn_error
    bot = PolicyTeamsBot(
        runtime,
        references,
        feedback=feedback,
        on_new_personal_reference=runtime.reports.wake,
        local_testing=local_testing and not auth.enabled,
    )
    app = web.Application(client_max_size=256 * 1024)
    app[RUNTIME_KEY] = runtime
    app[AUTH_KEY] = auth
    app[ADAPTER_KEY] = adapter
    app[BOT_KEY] = bot
    app[REFERENCES_KEY] = references
    app[FEEDBACK_KEY] = feedback
    app[LOCAL_TESTING_KEY] = local_testing and not auth.enabled
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)

    async def startup(app: web.Application) -> None:
        notifier = TeamsNotifier(
            adapter,
            auth.app_id,
            references,
            asyncio.get_running_loop(),
            require_https=auth.enabled,
        )
        app[NOTIFIER_KEY] = notifier
        runtime.reports.register_notifier(notifier)
        # a policy round's receipt counts who Teams cannot reach yet apart from who was sent it
        runtime.campaigns.register_reach("teams", notifier.is_reachable)
        runtime.load_in_background()  # reports are taken meanwhile; questions wait for it
        if start_worker:
            app[WORKER_KEY] = runtime.reports.start_delivery_worker()
            app[REMINDERS_KEY] = ReminderWorker(runtime.campaigns).start()
        runtime.reports.wake()

    async def cleanup(app: web.Application) -> None:
        reminders = app.get(REMINDERS_KEY)
        if reminders is not None:
            await asyncio.get_running_loop().run_in_executor(None, reminders.stop)
        worker = app.get(WORKER_KEY)
        if worker is not None:
            await asyncio.get_running_loop().run_in_executor(None, worker.stop)
        references.close()
        feedback.close()

    app.on_startup.append(startup)
    app.on_cleanup.append(cleanup)
    return app


def bind_host(auth: TeamsAuth, *, local_testing: bool, host: str | None) -> str:
    """Where to listen: anywhere (default 0.0.0.0) with credentials; without them only for
    ``--local-testing``, and then on the loopback address only."""
    if not auth.enabled and not local_testing:
        raise TeamsConfigError(NO_CREDENTIALS)
    if local_testing:
        if host not in (None, LOOPBACK, "localhost"):
            raise TeamsConfigError(
                f"--local-testing listens on {LOOPBACK} only (no authentication): "
                f"drop --host {host}"
            )
        return LOOPBACK
    return host or "0.0.0.0"


def serve(args: argparse.Namespace) -> int:
    from bot.logs import configure_logging

    configure_logging()  # the core's redacting handler: secrets never reach the log
    try:
        auth = TeamsAuth.from_env(os.environ)
    except TeamsConfigError as exc:
        log.error("%s", exc)
        return 2
    local_testing = bool(getattr(args, "local_testing", False))
    try:
        args.host = bind_host(auth, local_testing=local_testing, host=args.host)
    except TeamsConfigError as exc:
        log.error("%s", exc)
        return 2
    from bot.trust.config import trust_path

    if trust_path(os.environ) is not None:  # a multi-academy trust: each tenant's school
        from handlers.teams import trust

        return trust.serve(args, auth)
    from bot.runtime import Runtime

    try:
        runtime = Runtime.from_env(os.environ, load_assistant=False)  # policies: in the background
    except (ConfigError, StoreError) as exc:
        log.error("%s", exc)
        return 2
    try:
        app = create_app(runtime, auth, local_testing=local_testing)
    except TeamsConfigError as exc:
        log.error("%s", exc)
        runtime.close()
        return 2
    log.info("Teams bot listening on http://%s:%d/api/messages", args.host, args.port)
    web.run_app(app, host=args.host, port=args.port, print=None)
    return 0
