"""Wire the bolt app: one client pointed at the Web API, the runtime in every listener's context,
duplicate-event suppression, and each listener module's ``register(app)``.

Which runtime: one school's, always (``OneSchool``); or, for a multi-academy trust, the school
whose workspace signed the request (``schools``: handlers/slack/trust.py), with bolt's OAuth
flow finding each workspace's bot token. A request from a workspace linked to no school gets
one clear reply (:func:`not_linked`) and nothing else: no answer, no form, nothing stored."""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.feedback import FeedbackLog
from bot.logs import guard_library_logs
from handlers.slack import acknowledge, asking, campaigns, evidence, forms, home, learning
from handlers.slack.context import bind
from handlers.slack.util import SharedSession

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger("policybot.slack")

DEFAULT_API_URL = "https://slack.com/api/"
BOLT_LOGGER = "policybot.slack.bolt"
LISTENER_MODULES = (asking, forms, evidence, acknowledge, campaigns, home, learning)


class _TokenFromEnvNotice(logging.Filter):
    """AsyncApp also reads SLACK_BOT_TOKEN itself and then warns that the client's token wins;
    it is the same token, so the warning is noise in the school's logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


class Schools(Protocol):
    """Which school a request is for, from the workspace (team id) that signed it."""

    not_linked: str  # what a workspace linked to no school is told

    def pick(self, team_id: str | None) -> tuple[Runtime, FeedbackLog] | None: ...


class OneSchool:
    """A single school: every request is its own (a trust of one)."""

    not_linked = ""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.feedback = FeedbackLog.for_settings(runtime.settings, runtime.policy_terms)

    def pick(self, team_id: str | None) -> tuple[Runtime, FeedbackLog]:
        return self.runtime, self.feedback


class RecentKeys:
    """A bounded set of recently seen keys (event ids, message timestamps)."""

    def __init__(self, size: int = 5000):
        self.size = size
        self._keys: OrderedDict[str, None] = OrderedDict()

    def seen(self, *keys: str) -> bool:
        """True when any key was seen before; records them all either way."""
        hit = any(k in self._keys for k in keys)
        for k in keys:
            self._keys[k] = None
            self._keys.move_to_end(k)
        while len(self._keys) > self.size:
            self._keys.popitem(last=False)
        return hit


def build_app(
    runtime: Runtime | None,
    *,
    token: str | None,
    signing_secret: str,
    api_url: str | None = None,
    http: SharedSession | None = None,
    schools: Schools | None = None,
    oauth_settings: AsyncOAuthSettings | None = None,
) -> AsyncApp:
    """The bolt app. ``http`` is the session for response_url posts; its owner closes it
    (server.py does, on shutdown). A trust gives ``schools`` and ``oauth_settings`` (and no
    ``token``): each workspace's bot token then comes from its installation."""
    if schools is None:
        assert runtime is not None, "one school's app needs its runtime"
        schools = OneSchool(runtime)
    guard_library_logs()  # bolt logs raw request bodies when a signature check fails
    bolt_log = logging.getLogger(BOLT_LOGGER)
    if not any(isinstance(f, _TokenFromEnvNotice) for f in bolt_log.filters):
        bolt_log.addFilter(_TokenFromEnvNotice())
    base_url = api_url or DEFAULT_API_URL
    if not base_url.endswith("/"):
        base_url += "/"
    app = AsyncApp(
        client=AsyncWebClient(
            token=token,  # None in a trust: bolt sets each request's workspace token
            base_url=base_url,
            # a brief 429 / 5xx should not lose an answer or a confirmation; notices are the
            # outbox's job and use their own client (notifier.py)
            retry_handlers=[
                AsyncConnectionErrorRetryHandler(),
                AsyncRateLimitErrorRetryHandler(max_retry_count=2),
                AsyncServerErrorRetryHandler(max_retry_count=2),
            ],
        ),
        signing_secret=signing_secret,
        logger=bolt_log,
        name=BOLT_LOGGER,  # listener loggers are "<name>:<listener>": under the log guard too
        oauth_settings=oauth_settings,
        user_facing_authorize_error_message=schools.not_linked or None,
    )
    recent = RecentKeys()
    http = http or SharedSession()

    async def inject_runtime(
        req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[Any]]
    ) -> BoltResponse | None:
        picked = schools.pick(req.context.team_id)
        if picked is None:
            log.warning("a request from Slack workspace %s, which is linked to no school",
                        req.context.team_id)  # fmt: skip
            return await not_linked(req, schools.not_linked)
        bind(req.context, runtime=picked[0], feedback=picked[1], http=http)
        return await next()

    async def drop_duplicate_events(
        body: dict, resp: BoltResponse, next: Callable[[], Awaitable[Any]]
    ) -> BoltResponse | None:
        """Slack retries an event it thinks we missed (X-Slack-Retry-Num); a mention in a DM
        can also arrive as two events. Either way the question is answered once."""
        if body.get("type") == "event_callback":
            event = body.get("event") or {}
            keys = [f"event:{body.get('event_id', '')}"]
            if event.get("channel") and event.get("ts"):
                keys.append(f"msg:{event['channel']}:{event['ts']}")
            if recent.seen(*keys):
                log.info("dropped a duplicate event (%s)", body.get("event_id"))
                return BoltResponse(status=200, body="")
        return await next()

    app.use(inject_runtime)
    app.use(drop_duplicate_events)
    for module in LISTENER_MODULES:
        module.register(app)
    return app


async def not_linked(req: AsyncBoltRequest, message: str) -> BoltResponse:
    """The one reply a workspace linked to no school gets: to a command, in its response; to a
    message or mention, in that conversation; on its App Home, as the page. Nothing else runs."""
    body = req.body or {}
    if body.get("command"):
        return BoltResponse(
            status=200,
            body=json.dumps({"response_type": "ephemeral", "text": message}),
            headers={"content-type": "application/json"},
        )
    event = body.get("event") or {}
    client = req.context.client
    try:
        if event.get("type") == "app_home_opened" and event.get("user"):
            await client.views_publish(
                user_id=event["user"],
                view={"type": "home", "blocks": [
                    {"type": "section", "text": {"type": "mrkdwn", "text": message}}
                ]},
            )  # fmt: skip
        elif (
            event.get("type") in ("message", "app_mention")
            and event.get("user")
            and not event.get("bot_id")
            and not event.get("subtype")
            and (event.get("type") == "app_mention" or event.get("channel_type") == "im")
        ):
            await client.chat_postMessage(
                channel=event["channel"], text=message, thread_ts=event.get("thread_ts")
            )
    except Exception as exc:  # the reply is a courtesy: never an error for Slack to retry
        log.warning("could not tell an unlinked workspace so: %s", type(exc).__name__)
    return BoltResponse(status=200, body="")
