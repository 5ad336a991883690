"""Proactive delivery of the core's notices to Teams users (the reports outbox's Teams notifier).

The core's delivery worker runs in its own thread and calls :meth:`TeamsNotifier.send`, which
schedules the send on the server's event loop (where the adapter and its HTTP sessions live) and
waits for the outcome. Success or failure comes from the send itself: botbuilder 4.17 hands an
exception raised inside a ``continue_conversation`` callback to ``on_turn_error`` and swallows it,
so the callback captures its own result and we re-raise here, where the outbox's retry sees it.

A send that outlives ``timeout`` is NOT cancelled (cancelling a future does not stop an HTTP
request already on its way, so the notice may still land): it is remembered under the notice's
idempotency key and the outbox is told to retry later. The retry sends nothing new while that
send is still in flight, marks the notice sent if it landed, and sends again only if it failed.
So a slow Bot Connector can delay a notice but never make it arrive twice.

The Bot Connector answering 403 or 404 for the person's conversation (the bot was removed or
blocked, the user or chat no longer exists) means "never": that becomes the core's
``PermanentDeliveryError`` and the outbox stops retrying. Anything else is retried.

Someone known only from a team (a team's roster, ``sync staff``, or a team install) has no 1:1
chat with the bot yet: the first notice for them opens one (``POST /v3/conversations``, as a bot
installed in a team may with its members). If Teams refuses that, a report's notice fails for
good as above (its submitter is told, an urgent concern escalates); a policy to read instead
waits as "not reachable yet" (``RecipientUnreachable``) and is delivered when the person first
opens the bot, and Teams is not asked again meanwhile (``ReferenceStore.refuse_chat``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)

from bot.campaigns.models import CAMPAIGN_NOTICES
from bot.errors import DeliveryError, PermanentDeliveryError, RecipientUnreachable
from bot.reports.models import Address, Notice
from handlers.teams import campaign_cards, cards, evidence
from handlers.teams.references import ReferenceStore, StoredReference

log = logging.getLogger(__name__)


PERMANENT_STATUSES = frozenset({403, 404})


class DeliveryFailed(DeliveryError):
    """The Bot Connector did not accept the notice (the outbox will retry)."""


def _failure(what: str, error: BaseException) -> Exception:
    """The core's view of a connector error: permanent for 403/404, else retryable."""
    status = _status(error)
    if status in PERMANENT_STATUSES:
        return PermanentDeliveryError(f"Teams: HTTP {status} {what}")
    return DeliveryFailed(what + ": " + _describe(error))


def render(notice: Notice) -> Activity:
    """A policy to read (bot/campaigns/) gets its own card with the confirm button, an evidence
    file a file consent card; every other notice is a report's, with the recipient's actions."""
    if notice.notice_type in CAMPAIGN_NOTICES:
        return campaign_cards.policy_notice_message(notice)
    if notice.files:  # an evidence file, offered with Teams' file consent card
        return evidence.consent_message(notice)
    return cards.notice_message(notice)


class TeamsNotifier:
    platform = "teams"
    sends_file_bytes = False  # an evidence file is offered first (handlers/teams/evidence.py)

    def __init__(
        self,
        adapter: CloudAdapter,
        app_id: str,
        references: ReferenceStore,
        loop: asyncio.AbstractEventLoop,
        *,
        timeout: float = 60.0,
        require_https: bool = False,
        throttle_budget: float = 30.0,
    ) -> None:
        self.adapter = adapter
        # With credentials on, a stored reference whose serviceUrl is not https was planted (or
        # kept from local testing): never send a notice there; wait for the person to message
        # the bot, whose real reference then replaces it.
        self.require_https = require_https
        self.app_id = app_id or ""
        self.references = references
        self.loop = loop
        self.timeout = timeout
        self.throttle_budget = min(throttle_budget, timeout / 2)  # seconds of 429 waits a send
        self._in_flight: dict[str, Future[str]] = {}  # idempotency key -> a send that timed out
        self._lock = threading.Lock()

    # --- the Notifier protocol (called from the delivery worker thread) -------------------

    def send(self, to: Address, notice: Notice, idempotency_key: str) -> None:
        stored = self.references.find(to.user_id)
        if stored is None or not self._trusted(stored):
            raise RecipientUnreachable("recipient not reachable on Teams")
        if notice.notice_type in CAMPAIGN_NOTICES and not stored.reachable:
            raise RecipientUnreachable("Teams would not open a 1:1 chat yet")
        if idempotency_key and self.references.was_sent(idempotency_key):
            return  # Teams already has it: a retry after we lost the answer must not duplicate
        if self._on_loop_thread():
            raise RuntimeError("TeamsNotifier.send blocks; call it from a worker thread")
        if self._earlier_send_landed(idempotency_key):
            return
        future = asyncio.run_coroutine_threadsafe(self.deliver(stored, notice), self.loop)
        try:
            activity_id = future.result(self.timeout)
        except FutureTimeout:
            if idempotency_key:  # still running: the retry will ask it how it ended
                with self._lock:
                    self._in_flight[idempotency_key] = future
            raise DeliveryFailed(
                f"no answer from the Bot Connector in {self.timeout:g}s (still waiting for it)"
            ) from None
        if idempotency_key:
            self.references.mark_sent(idempotency_key, activity_id)

    def _earlier_send_landed(self, key: str) -> bool:
        """For a retry after a timeout: True if the earlier send has since landed (recorded as
        sent), DeliveryFailed while it is still in flight, False if it failed (send again)."""
        with self._lock:
            earlier = self._in_flight.get(key) if key else None
            if earlier is None:
                return False
            if not earlier.done():
                raise DeliveryFailed("the previous send is still in flight; not sending twice")
            del self._in_flight[key]
        try:
            activity_id = earlier.result(0)
        except BaseException:
            return False
        self.references.mark_sent(key, activity_id)
        log.info("a notice that timed out had landed after all; not sending it again")
        return True

    def is_reachable(self, user_key: str) -> bool:
        """Whether a notice could go to this person now: a 1:1 chat, or one we may open."""
        stored = self.references.find(user_key)
        return stored is not None and self._trusted(stored) and stored.reachable

    def _trusted(self, stored: StoredReference) -> bool:
        return not self.require_https or stored.service_url.lower().startswith("https://")

    # --- on the event loop ------------------------------------------------------------------

    async def deliver(self, stored: StoredReference, notice: Notice) -> str:
        """Send one notice to the user's 1:1 chat; returns the new activity id or raises."""
        reference = stored.personal
        if reference is None:
            try:
                reference = await self._create_personal_chat(stored)
            except PermanentDeliveryError:
                if notice.notice_type not in CAMPAIGN_NOTICES:
                    raise
                # a policy to read waits until they open the bot themselves
                self.references.refuse_chat(stored.teams_id)
                raise RecipientUnreachable("Teams would not open a 1:1 chat yet") from None
        waited = 0.0
        while True:
            outcome = await self._send_once(reference, notice)
            error = outcome.get("error")
            if isinstance(error, BaseException):
                # 429: Teams is pacing us and did not take the message, so sending it again
                # after the Retry-After it names cannot duplicate it (a policy round sends
                # thousands of notices in a row); past the budget, the outbox's backoff takes over
                wait = _retry_after(error)
                if wait is not None and waited + wait <= self.throttle_budget:
                    waited += wait
                    await asyncio.sleep(wait)
                    continue
                raise _failure("sending to the 1:1 chat", error) from error
            if "id" not in outcome:
                raise DeliveryFailed("the send never ran")
            return str(outcome["id"])

    async def _send_once(self, reference: ConversationReference, notice: Notice) -> dict:
        """One post to the 1:1 chat: {"id": activity id} or {"error": what it raised}."""
        outcome: dict[str, object] = {}

        async def callback(turn_context: TurnContext) -> None:
            try:
                response = await turn_context.send_activity(render(notice))
                outcome["id"] = (response.id if response else "") or ""
            except BaseException as exc:  # captured: on_turn_error would swallow it
                outcome["error"] = exc

        await self.adapter.continue_conversation(reference, callback, self.app_id)
        return outcome

    async def _create_personal_chat(self, stored: StoredReference) -> ConversationReference:
        """We know this person only from a team or group chat: open the 1:1 chat with them
        (Teams allows it once the app is installed where they are a member)."""
        seen = stored.seen
        params = ConversationParameters(
            is_group=False,
            bot=seen.bot,
            members=[ChannelAccount(id=stored.teams_id, aad_object_id=stored.aad_object_id)],
            tenant_id=stored.tenant_id,
            channel_data={"tenant": {"id": stored.tenant_id}} if stored.tenant_id else None,
        )
        created: dict[str, ConversationReference] = {}

        async def callback(turn_context: TurnContext) -> None:
            created["ref"] = TurnContext.get_conversation_reference(turn_context.activity)

        try:
            await self.adapter.create_conversation(
                self.app_id,
                callback,
                params,
                channel_id=seen.channel_id or "msteams",
                service_url=stored.service_url,
            )
        except Exception as exc:
            raise _failure("opening a 1:1 chat", exc) from exc
        if "ref" not in created:
            raise DeliveryFailed("could not open a 1:1 chat")
        reference = created["ref"]
        reference.activity_id = None
        reference.user = ChannelAccount(
            id=stored.teams_id, aad_object_id=stored.aad_object_id, name=stored.name
        )
        reference.conversation.conversation_type = "personal"
        if stored.tenant_id:
            reference.conversation.tenant_id = stored.tenant_id
        self.references.set_personal(stored.teams_id, reference)
        return reference

    def _on_loop_thread(self) -> bool:
        try:
            return asyncio.get_running_loop() is self.loop
        except RuntimeError:
            return False


def _status(error: BaseException) -> int | None:
    status = getattr(getattr(error, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


DEFAULT_RETRY_AFTER = 1.0  # a 429 without a readable Retry-After


def _retry_after(error: BaseException) -> float | None:
    """For a 429, the seconds Teams asks us to wait (its Retry-After header); else None."""
    if _status(error) != 429:
        return None
    headers = getattr(getattr(error, "response", None), "headers", None)
    raw = headers.get("Retry-After") if headers is not None and hasattr(headers, "get") else None
    try:
        wait = float(raw) if raw is not None else DEFAULT_RETRY_AFTER
    except (TypeError, ValueError):
        wait = DEFAULT_RETRY_AFTER
    return max(wait, 0.0)


def _describe(error: BaseException) -> str:
    """Short, secret-free: the type and, for HTTP errors, the status code (never a body)."""
    status = _status(error)
    return f"{type(error).__name__}" + (f" (HTTP {status})" if status else "")
