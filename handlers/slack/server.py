"""`policybot serve slack`: the bolt app over HTTP (``POST /slack/events``) or Socket Mode, with
``GET /healthz`` for the school's monitoring. The HTTP adapter is the thin conversion bolt's own
aiohttp adapter provides: request in, ``async_dispatch``, response out, with two checks first:

* the signature is verified on the raw bytes *before* anything parses them (bolt parses the body
  first and answered 500 to malformed JSON, and logged bodies whose signature failed): bad, stale
  or missing → 401; signed but not a JSON/form body bolt can read → 400. Only the error's type is
  logged, never the body;
* in Socket Mode events arrive over the websocket, so ``POST /slack/events`` is not served at all
  (only ``/healthz`` and ``/readyz``): no signing secret is needed, and none can be guessed.

The port opens at once; until the runtime (config, store) is up ``/healthz`` says 503
"starting" and Slack requests get 503 (Slack retries them): that takes a moment. The policies
then load in the background (bot/handbook.py): concerns, declarations and acknowledgements are
taken at once, a question gets "still loading the policies" until they are in, ``/healthz``
says ``"policies": "loading"`` and ``/readyz`` 503. The dense model loads after them: the app
answers with BM25 meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier

from bot.campaigns.worker import ReminderWorker
from handlers.slack.app import build_app
from handlers.slack.notifier import SlackNotifier
from handlers.slack.util import SharedSession

log = logging.getLogger("policybot.slack")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
ENV_HELP = {
    "SLACK_BOT_TOKEN": "the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page",
    "SLACK_SIGNING_SECRET": "the Signing Secret from the app's Basic Information page",
    "SLACK_APP_TOKEN": "an app-level token (xapp-…) with connections:write, for --socket",
}


@dataclass
class SlackServer:
    """The runtime and bolt app once they are ready, shared by the HTTP routes."""

    token: str
    signing_secret: str
    api_url: str | None = None
    deliver: bool = True
    socket: bool = False  # Socket Mode: no POST /slack/events over HTTP
    runtime: Any = None
    app: AsyncApp | None = None
    error: str | None = None
    _worker: Any = field(default=None, repr=False)
    _reminders: ReminderWorker | None = field(default=None, repr=False)
    _http: SharedSession = field(default_factory=SharedSession, repr=False)
    _verifier: SignatureVerifier | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.socket:
            # slack-sdk ≥ 3.43 refuses an empty secret here: never an HMAC with an empty key
            self._verifier = SignatureVerifier(self.signing_secret)

    def attach(self, runtime: Any) -> AsyncApp:
        self.app = build_app(
            runtime,
            token=self.token,
            signing_secret=self.signing_secret,
            api_url=self.api_url,
            http=self._http,
        )
        runtime.reports.register_notifier(SlackNotifier(self.token, self.api_url))
        runtime.load_in_background()  # reports are taken meanwhile; questions wait for it
        if self.deliver:
            self._worker = runtime.reports.start_delivery_worker()
            self._reminders = ReminderWorker(runtime.campaigns).start()
        self.runtime = runtime
        return self.app

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
        if self._reminders is not None:
            self._reminders.stop()
            self._reminders = None

    # ---- routes ----------------------------------------------------------------------------
    async def events(self, request: web.Request) -> web.Response:
        if self.app is None:
            return web.json_response({"error": "starting"}, status=503)
        raw = await request.read()
        if not self._signed(raw, request.headers):
            log.warning("rejected a request to %s: bad, stale or missing signature", EVENTS_PATH)
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            bolt_req = await to_bolt_request(request)
            if not isinstance(bolt_req.body, dict):
                raise ValueError("not an object")
        except Exception as exc:  # RecursionError for deep nesting, ValueError for bad JSON, …
            log.warning("rejected a malformed Slack request body: %s", type(exc).__name__)
            return web.json_response({"error": "malformed request body"}, status=400)
        try:
            response = await self.app.async_dispatch(bolt_req)
        except Exception as exc:
            log.error("error dispatching a Slack request: %s", type(exc).__name__)
            return web.json_response({"error": "internal error"}, status=500)
        return await to_aiohttp_response(response)

    def _signed(self, raw: bytes, headers: Mapping[str, str]) -> bool:
        if self._verifier is None:
            return False
        try:
            return self._verifier.is_valid(
                body=raw,
                timestamp=headers.get("X-Slack-Request-Timestamp"),
                signature=headers.get("X-Slack-Signature"),
            )
        except (ValueError, TypeError):  # a timestamp that is not a number
            return False

    async def health(self, request: web.Request) -> web.Response:
        if self.error:
            return web.json_response({"status": "error", "error": self.error}, status=503)
        if self.runtime is None:
            return web.json_response({"status": "starting"}, status=503)
        from bot.health import policies_state

        assistant = self.runtime.loaded_assistant
        dense = bool(getattr(assistant, "dense_ready", False))
        return web.json_response(
            {
                "status": "ok",
                "platform": "slack",
                "answering": assistant is not None,
                "policies": policies_state(self.runtime),
                "retrieval": "bm25+dense" if dense else "bm25 (dense model not loaded)",
                "dense_ready": dense,
                "deliveries": "running" if self._worker is not None else "stopped",
            }
        )

    async def ready(self, request: web.Request) -> web.Response:
        if self.error:
            return web.json_response({"status": "error", "error": self.error}, status=503)
        if self.runtime is None:
            return web.json_response({"status": "starting"}, status=503)
        from bot.health import readiness, shown_to

        ok, details = await asyncio.get_running_loop().run_in_executor(
            None, lambda: readiness(self.runtime, platforms=["slack"])
        )
        details = shown_to(self.runtime.settings, request.remote, request.headers, details)
        return web.json_response(details, status=200 if ok else 503)

    def web_app(self) -> web.Application:
        web_app = web.Application()
        if not self.socket:
            web_app.router.add_post(EVENTS_PATH, self.events)
        web_app.router.add_get(HEALTH_PATH, self.health)
        web_app.router.add_get(READY_PATH, self.ready)
        web_app.on_cleanup.append(self._cleanup)
        return web_app

    async def _cleanup(self, _: web.Application) -> None:
        await self._http.close()
        await asyncio.get_running_loop().run_in_executor(None, self.stop)


def missing_env(env: Mapping[str, str], socket: bool) -> list[str]:
    needed = ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN" if socket else "SLACK_SIGNING_SECRET"]
    return [name for name in needed if not env.get(name, "").strip()]


def load_runtime(env: Mapping[str, str]) -> Any:
    from bot.runtime import Runtime

    return Runtime.from_env(env, load_assistant=False)  # the policies load once attached


def serve(
    args: argparse.Namespace,
    env: Mapping[str, str] | None = None,
    runtime_loader: Callable[[Mapping[str, str]], Any] = load_runtime,
) -> int:
    env = os.environ if env is None else env
    from bot.trust.config import trust_path

    if trust_path(env) is not None:  # a multi-academy trust: many workspaces, one per school
        from handlers.slack import trust

        return trust.serve(args, env)
    socket = bool(getattr(args, "socket", False))
    missing = missing_env(env, socket)
    if missing:
        for name in missing:
            print(f"policybot serve slack: {name} is not set: {ENV_HELP[name]}", file=sys.stderr)
        return 2
    from bot.logs import configure_logging

    configure_logging(env=env)  # JSON lines off a terminal; secrets redacted
    server = SlackServer(
        token=env["SLACK_BOT_TOKEN"].strip(),
        signing_secret=env.get("SLACK_SIGNING_SECRET", "").strip(),
        api_url=env.get("SLACK_API_URL", "").strip() or None,
        socket=socket,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(server, args, env, runtime_loader, socket))
    if server.error:
        print(f"policybot serve slack: {server.error}", file=sys.stderr)
        return 1
    return 0


async def _run(
    server: SlackServer,
    args: argparse.Namespace,
    env: Mapping[str, str],
    runtime_loader: Callable[[Mapping[str, str]], Any],
    socket: bool,
) -> None:
    runner = web.AppRunner(server.web_app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port)
    await site.start()
    mode = "Socket Mode" if socket else f"http://{args.host}:{args.port}{EVENTS_PATH}"
    log.info("policybot for Slack starting (%s); health at %s", mode, HEALTH_PATH)
    try:
        runtime = await asyncio.get_running_loop().run_in_executor(None, runtime_loader, env)
    except Exception as exc:  # config errors name the file and key; no secrets in them
        server.error = str(exc)
        log.error("could not start: %s", exc)
        await runner.cleanup()
        return
    app = server.attach(runtime)
    log.info("ready: answering questions")
    handler = None
    if socket:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        handler = AsyncSocketModeHandler(app, env["SLACK_APP_TOKEN"].strip())
        await handler.connect_async()
        log.info("connected to Slack over Socket Mode")
    try:
        await asyncio.Event().wait()
    finally:
        if handler is not None:
            await handler.close_async()
        await runner.cleanup()
