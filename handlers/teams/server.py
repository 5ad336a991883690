"""`policybot serve teams`: the aiohttp app Teams posts to.

``POST /api/messages`` goes through botbuilder's CloudAdapter, but we read the request ourselves
first, because ``CloudAdapter.process`` in 4.17 answers 500 for a malformed body, a missing
Content-Type and a garbage bearer token alike. Here:

* a body that is not JSON, or not an Activity → 400; a non-JSON Content-Type → 415;
* a missing or invalid ``Authorization`` header (when an app id is configured) → 401, with the
  reason's type logged and never the header; a token we cannot check because Microsoft's key
  endpoint is unreachable → 503 (the Bot Connector retries);
* then ``adapter.process_activity`` runs the turn with the authenticated result.

With ``MicrosoftAppId`` and ``MicrosoftAppPassword`` both empty the bot runs unauthenticated (the
Bot Framework's own local-testing mode) and logs a loud warning at start.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity

from bot.feedback import FeedbackLog
from bot.sealed_table import TEAMS_FILE
from handlers.teams.bot import PolicyTeamsBot, on_turn_error
from handlers.teams.notifier import TeamsNotifier
from handlers.teams.references import ReferenceStore

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

REFERENCES_FILE = TEAMS_FILE
UNREACHABLE = "recipient not reachable on Teams"
APP_TYPES = {"multitenant": "MultiTenant", "singletenant": "SingleTenant"}


class TeamsConfigError(Exception):
    """Bad Teams settings in the environment; the message names the variable."""


@dataclass(frozen=True)
class TeamsAuth:
    app_id: str = ""
    app_password: str = field(default="", repr=False)
    tenant_id: str = ""
    app_type: str = "MultiTenant"

    @property
    def enabled(self) -> bool:
        return bool(self.app_id)

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
        return cls(app_id=app_id, app_password=password, tenant_id=tenant, app_type=app_type)

    def botbuilder_config(self) -> Any:
        """The attribute bag ConfigurationBotFrameworkAuthentication reads."""
        return argparse.Namespace(
            APP_ID=self.app_id,
            APP_PASSWORD=self.app_password,
            APP_TENANTID=self.tenant_id,
            APP_TYPE=self.app_type,
        )


RUNTIME_KEY = web.AppKey("runtime", Any)
AUTH_KEY = web.AppKey("auth", TeamsAuth)
ADAPTER_KEY = web.AppKey("adapter", CloudAdapter)
BOT_KEY = web.AppKey("bot", PolicyTeamsBot)
REFERENCES_KEY = web.AppKey("references", ReferenceStore)
FEEDBACK_KEY = web.AppKey("feedback", FeedbackLog)
NOTIFIER_KEY = web.AppKey("notifier", TeamsNotifier)
WORKER_KEY = web.AppKey("worker", Any)


# --- POST /api/messages -------------------------------------------------------------------


def _problem(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def _read_activity(request: web.Request) -> Activity | web.Response:
    if request.content_type != "application/json":
        return _problem(415, "expected Content-Type: application/json")
    try:
        body = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
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
    return activity


async def messages(request: web.Request) -> web.Response:
    app = request.app
    adapter: CloudAdapter = app[ADAPTER_KEY]
    read = await _read_activity(request)
    if isinstance(read, web.Response):
        return read
    activity = read
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
    assistant = runtime.assistant
    body = {
        "status": "ok",
        "platform": "teams",
        "auth": "enabled" if app[AUTH_KEY].enabled else "DISABLED (local testing only)",
        "known_users": known,
        "recipients": recipients,
        "unreachable_recipients": sorted(r for r, s in recipients.items() if s == UNREACHABLE),
        "dense_retrieval_ready": bool(getattr(assistant, "dense_ready", False)),
    }
    return web.json_response(body)


async def readyz(request: web.Request) -> web.Response:
    """bot.health's readiness (index loaded, database writable, outbox not stuck) plus the
    recipients this front end knows it cannot reach yet: 200 when ready, else 503."""
    from bot.health import readiness

    app = request.app
    runtime: Runtime = app[RUNTIME_KEY]
    references: ReferenceStore = app[REFERENCES_KEY]

    def check() -> tuple[bool, dict]:
        recipients = recipients_status(runtime, references)
        unreachable = [r for r, s in recipients.items() if s == UNREACHABLE]
        return readiness(runtime, platforms=["teams"], unreachable_recipients=unreachable)

    ok, details = await asyncio.get_running_loop().run_in_executor(None, check)
    return web.json_response(details, status=200 if ok else 503)


# --- the app ------------------------------------------------------------------------------


def create_app(
    runtime: Runtime,
    auth: TeamsAuth,
    *,
    references_path: Path | None = None,
    start_worker: bool = True,
) -> web.Application:
    if not auth.enabled:
        log.warning(
            "\n%s\n  AUTHENTICATION IS OFF: MicrosoftAppId and MicrosoftAppPassword are empty.\n"
            "  Anyone who can reach /api/messages can talk to this bot as anyone.\n"
            "  Use this only for local testing; set both for Teams.\n%s",
            "!" * 78,
            "!" * 78,
        )
    references = ReferenceStore(
        references_path or runtime.settings.data_dir / REFERENCES_FILE, runtime.settings.key
    )
    feedback = FeedbackLog.for_settings(runtime.settings)
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(auth.botbuilder_config()))
    adapter.on_turn_error = on_turn_error
    bot = PolicyTeamsBot(
        runtime, references, feedback=feedback, on_new_personal_reference=runtime.reports.wake
    )
    app = web.Application(client_max_size=256 * 1024)
    app[RUNTIME_KEY] = runtime
    app[AUTH_KEY] = auth
    app[ADAPTER_KEY] = adapter
    app[BOT_KEY] = bot
    app[REFERENCES_KEY] = references
    app[FEEDBACK_KEY] = feedback
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)

    async def startup(app: web.Application) -> None:
        notifier = TeamsNotifier(adapter, auth.app_id, references, asyncio.get_running_loop())
        app[NOTIFIER_KEY] = notifier
        runtime.reports.register_notifier(notifier)
        if start_worker:
            app[WORKER_KEY] = runtime.reports.start_delivery_worker()
        runtime.reports.wake()

    async def cleanup(app: web.Application) -> None:
        worker = app.get(WORKER_KEY)
        if worker is not None:
            await asyncio.get_running_loop().run_in_executor(None, worker.stop)
        references.close()
        feedback.close()

    app.on_startup.append(startup)
    app.on_cleanup.append(cleanup)
    return app


def serve(args: argparse.Namespace) -> int:
    from bot.logs import configure_logging

    configure_logging()  # the core's redacting handler: secrets never reach the log
    try:
        auth = TeamsAuth.from_env(os.environ)
    except TeamsConfigError as exc:
        log.error("%s", exc)
        return 2
    from bot.config import ConfigError
    from bot.runtime import Runtime
    from bot.store import StoreError

    try:
        runtime = Runtime.from_env(os.environ)
    except (ConfigError, StoreError) as exc:
        log.error("%s", exc)
        return 2
    if hasattr(runtime.assistant, "start_warmup"):
        runtime.assistant.start_warmup()
    app = create_app(runtime, auth)
    log.info("Teams bot listening on http://%s:%d/api/messages", args.host, args.port)
    web.run_app(app, host=args.host, port=args.port, print=None)
    return 0
