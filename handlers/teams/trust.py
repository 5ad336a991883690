"""`policybot serve teams` for a multi-academy trust (``POLICYBOT_TRUST``): one bot
registration, one CloudAdapter, each school's own bot behind it.

``POST /api/messages`` is checked exactly as for one school (handlers/teams/server.py: body,
channel, https, tenant allow-list — here every school's tenant — and the Bot Framework token),
then :class:`TrustTeamsBot` picks the school from what Teams vouches for on its own channel:
the tenant (``channelData.tenant.id``), the team a channel message came from
(``channelData.team.id``) and the sender's Entra ID object id (``from.aadObjectId``, issue 22).
Where schools share one tenant, a person belongs to the school whose team it is, or whose
config or staff directory lists them (an Entra group is not used: reading one needs Microsoft
Graph permissions beyond the bot's and a call per person).

Each school keeps its own conversation references (``teams.db`` in its data directory, sealed
with its key), feedback log, notifier and delivery worker. Someone no school has is told whom
to contact and nothing else; someone several schools have (a trust person in a shared tenant)
is reachable by every one of them, acts on a notice through the school that sent it, and is
asked to use their school's team for anything else.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from dataclasses import replace
from typing import Any

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes

from bot.campaigns.worker import ReminderWorker
from bot.errors import ConfigError, StoreError
from bot.feedback import FeedbackLog
from bot.logs import guard_library_logs
from bot.sealed_table import TEAMS_FILE
from handlers.teams.bot import (
    NO_IDENTITY,
    PolicyTeamsBot,
    actor_for,
    on_turn_error,
    parse_command,
    strip_mentions,
    tenant_of,
)
from handlers.teams.notifier import TeamsNotifier
from handlers.teams.references import ReferenceStore
from handlers.teams.server import (
    ADAPTER_KEY,
    AUTH_KEY,
    BOT_KEY,
    LOCAL_TESTING_KEY,
    TeamsAuth,
    TeamsConfigError,
    messages,
)

log = logging.getLogger(__name__)

NOT_LINKED = (
    "Your Teams account isn't linked to one of {trust}'s schools in policybot, so I can't answer "
    "questions or take reports for you. Please contact {contact}."
)
SEVERAL = (
    "You belong to more than one of {trust}'s schools ({schools}), so I can't tell which one "
    "this is for. Use the buttons on a notice, or message me from your school's team."
)
TRUST_KEY = web.AppKey("trust", Any)
SCHOOL_BOTS_KEY = web.AppKey("school_bots", dict)
WORKERS_KEY = web.AppKey("trust_workers", list)


class TrustTeamsBot:
    """The adapter's one bot: hands each turn to its school's :class:`PolicyTeamsBot`."""

    def __init__(self, trust: Any, bots: dict[str, PolicyTeamsBot], *, local_testing: bool) -> None:
        self.trust = trust
        self.bots = bots
        self.local_testing = local_testing
        config = trust.config
        self.not_linked = NOT_LINKED.format(trust=config.name, contact=config.contact)

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        actor = actor_for(activity, local_testing=self.local_testing)
        if actor is None:  # nobody we can name: as PolicyTeamsBot says, and nothing else
            if activity.type == ActivityTypes.message:
                await turn_context.send_activity(NO_IDENTITY)
            return
        schools = self.trust.for_teams(_tenant(activity), _team(activity), actor.user_id)
        if len(schools) == 1:
            await self.bots[schools[0].name].on_turn(turn_context)
            return
        if not schools:
            log.warning("a Teams %s activity from someone no school has", activity.type)
            if activity.type == ActivityTypes.message:
                await turn_context.send_activity(self.not_linked)
            return
        await self._several(turn_context, schools, actor)

    async def _several(self, turn_context: TurnContext, schools: list[Any], actor: Any) -> None:
        activity = turn_context.activity
        for school in schools:  # every school that has them can reach them
            self.bots[school.name].remember(activity)
        value = activity.value if isinstance(activity.value, dict) else {}
        reference = str(value.get("reference") or "")[:50].strip()
        if reference:
            from handlers.threads import off_loop

            mine = [s for s in schools
                    if await off_loop(s.runtime.reports.is_recipient, reference, actor)]  # fmt: skip
            if len(mine) == 1:
                await self.bots[mine[0].name].on_turn(turn_context)
                return
        if activity.type != ActivityTypes.message:
            return
        if not value and parse_command(strip_mentions(activity))[0] == "trust overview":
            await self.bots[schools[0].name].on_turn(turn_context)  # the same for every school
            return
        names = ", ".join(s.runtime.settings.school_name for s in schools)
        await turn_context.send_activity(
            SEVERAL.format(trust=self.trust.config.name, schools=names)
        )


def _tenant(activity: Activity) -> str | None:
    tenant = tenant_of(activity)
    if tenant:
        return tenant
    conversation = activity.conversation
    return getattr(conversation, "tenant_id", None) if conversation is not None else None


def _team(activity: Activity) -> str | None:
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    team = data.get("team") if isinstance(data.get("team"), dict) else {}
    return team.get("id") or None


def create_trust_app(
    trust: Any, auth: TeamsAuth, *, start_worker: bool = True, local_testing: bool = False
) -> web.Application:
    """The trust's Teams app: the one-school app's checks, each school's bot behind them."""
    guard_library_logs()
    if not auth.enabled and not local_testing:
        from handlers.teams.server import NO_CREDENTIALS

        raise TeamsConfigError(NO_CREDENTIALS)
    tenants = trust.teams_tenants()
    auth = replace(auth, allowed_tenants=auth.allowed_tenants | tenants)
    if not auth.allowed_tenants:
        raise TeamsConfigError(
            "no school in the trust file has a teams_tenant: add each school's Directory "
            "(tenant) id (`policybot schools list`)"
        )
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(auth.botbuilder_config()))
    adapter.on_turn_error = on_turn_error
    testing = local_testing and not auth.enabled
    bots: dict[str, PolicyTeamsBot] = {}
    for name, school in trust.schools.items():
        runtime = school.runtime
        references = ReferenceStore(runtime.settings.data_dir / TEAMS_FILE, runtime.settings.key)
        feedback = FeedbackLog.for_settings(runtime.settings, runtime.policy_terms)
        bots[name] = PolicyTeamsBot(
            runtime, references, feedback=feedback,
            on_new_personal_reference=runtime.reports.wake, local_testing=testing,
        )  # fmt: skip
    app = web.Application(client_max_size=256 * 1024)
    app[TRUST_KEY] = trust
    app[AUTH_KEY] = auth
    app[ADAPTER_KEY] = adapter
    app[BOT_KEY] = TrustTeamsBot(trust, bots, local_testing=testing)  # type: ignore[assignment]
    app[SCHOOL_BOTS_KEY] = bots
    app[LOCAL_TESTING_KEY] = testing
    app[WORKERS_KEY] = []
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)

    async def startup(app: web.Application) -> None:
        loop = asyncio.get_running_loop()
        for name, bot in bots.items():
            runtime = trust.schools[name].runtime
            notifier = TeamsNotifier(adapter, auth.app_id, bot.references, loop,
                                     require_https=auth.enabled)  # fmt: skip
            runtime.reports.register_notifier(notifier)
            runtime.campaigns.register_reach("teams", notifier.is_reachable)
            if start_worker:
                app[WORKERS_KEY] += [
                    runtime.reports.start_delivery_worker(),
                    ReminderWorker(runtime.campaigns).start(),
                ]
            runtime.reports.wake()
        trust.start()  # the policies, in the background: reports are taken meanwhile

    async def cleanup(app: web.Application) -> None:
        loop = asyncio.get_running_loop()
        for worker in app[WORKERS_KEY]:
            await loop.run_in_executor(None, worker.stop)
        for bot in bots.values():
            bot.references.close()
            if bot.feedback is not None:
                bot.feedback.close()

    app.on_startup.append(startup)
    app.on_cleanup.append(cleanup)
    return app


def _unreachable(runtime: Any, references: ReferenceStore) -> list[str]:
    out = []
    for role, person in sorted(runtime.settings.people.items()):
        user = person.address("teams")
        if user and references.find(user) is None:
            out.append(role)
    return out


async def healthz(request: web.Request) -> web.Response:
    from bot.health import may_see_details, policies_state

    app = request.app
    trust = app[TRUST_KEY]

    def gather() -> dict[str, Any]:
        schools: dict[str, Any] = {}
        for name, bot in sorted(app[SCHOOL_BOTS_KEY].items()):
            runtime = bot.runtime
            unreachable = _unreachable(runtime, bot.references)
            details = may_see_details(runtime.settings, request.remote, request.headers)
            schools[name] = {
                "answering": runtime.loaded_assistant is not None,
                "policies": policies_state(runtime),
                "known_users": len(bot.references.all()),
                "unreachable_recipients": unreachable if details else len(unreachable),
            }
        return schools

    schools = await asyncio.get_running_loop().run_in_executor(None, gather)
    return web.json_response(
        {
            "status": "ok",
            "platform": "teams",
            "trust": trust.config.name,
            "auth": "enabled" if app[AUTH_KEY].enabled else "DISABLED (local testing only)",
            "schools": schools,
        }
    )


async def readyz(request: web.Request) -> web.Response:
    from bot.health import readiness, shown_to

    app = request.app

    def check() -> tuple[bool, dict[str, Any]]:
        out, ok = {}, True
        for name, bot in sorted(app[SCHOOL_BOTS_KEY].items()):
            runtime = bot.runtime
            unreachable = _unreachable(runtime, bot.references)
            ready, details = readiness(
                runtime, platforms=["teams"], unreachable_recipients=unreachable
            )
            out[name] = shown_to(runtime.settings, request.remote, request.headers, details)
            ok = ok and ready
        return ok, {"status": "ready" if ok else "not ready", "schools": out}

    ok, details = await asyncio.get_running_loop().run_in_executor(None, check)
    return web.json_response(details, status=200 if ok else 503)


def serve(args: argparse.Namespace, auth: TeamsAuth) -> int:
    """`policybot serve teams` with POLICYBOT_TRUST set (auth and host already checked)."""
    from bot.trust.root import Trust

    try:
        trust = Trust.from_env(os.environ)
    except (ConfigError, StoreError) as exc:
        log.error("%s", exc)
        return 2
    local_testing = bool(getattr(args, "local_testing", False))
    try:
        app = create_trust_app(trust, auth, local_testing=local_testing)
    except TeamsConfigError as exc:
        log.error("%s", exc)
        trust.close()
        return 2
    app.on_cleanup.append(lambda _: asyncio.get_running_loop().run_in_executor(None, trust.close))
    log.info("Teams bot for %d schools on http://%s:%d/api/messages", len(trust.schools),
             args.host, args.port)  # fmt: skip
    web.run_app(app, host=args.host, port=args.port, print=None)
    return 0
