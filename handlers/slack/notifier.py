"""The core's :class:`~bot.reports.models.Notifier` for Slack: one notice, one DM.

The delivery worker runs in a thread, so this uses the synchronous ``WebClient``. Every message
carries the delivery's idempotency key in Slack message ``metadata``; before posting, the DM's
recent history is read for that key, so a retry after a lost response (Slack posted, we never
heard back) or after a restart never sends the notice twice. Slack's answers that mean "never"
(:data:`PERMANENT_ERRORS`: the user is gone or deactivated, the id is a bot's, the token is
revoked) become the core's ``PermanentDeliveryError``; any other error (429, 5xx, network)
propagates and the core's outbox retries with backoff.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.campaigns.models import CAMPAIGN_NOTICES
from bot.errors import PermanentDeliveryError, RecipientUnreachable
from bot.reports.models import Address, Notice
from handlers.slack import blocks as bk
from handlers.slack import campaign_blocks, evidence

log = logging.getLogger("policybot.slack.notifier")

EVENT_TYPE = "policybot_notice"
HISTORY_LIMIT = 100
# Web API error codes after which retrying the same notice to the same person can never work.
PERMANENT_ERRORS = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "user_disabled",
        "account_inactive",
        "cannot_dm_bot",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "no_permission",
        "missing_scope",
    }
)


def render(notice: Notice) -> tuple[str, list[bk.Block]]:
    """(notification text, blocks). A policy to read (bot/campaigns/) quotes the policy's
    wording exactly; every other notice is a report's."""
    if notice.notice_type in CAMPAIGN_NOTICES:
        return (
            campaign_blocks.policy_notice_fallback(notice),
            campaign_blocks.policy_notice_blocks(notice),
        )
    return bk.notice_fallback(notice), bk.notice_blocks(notice)


class SlackNotifier:
    platform = "slack"

    def __init__(
        self,
        token: str | Callable[[], str | None],
        api_url: str | None = None,
        *,
        timeout: int = 10,
    ) -> None:
        """``token``: the bot token, or (a trust's school) how to find its workspace's token
        in the installation store at each send: installed later, or reinstalled, it is used."""
        kwargs = {"base_url": api_url} if api_url else {}
        self._token = token if callable(token) else None
        # the outbox owns retries after failures; a 429 is Slack pacing us, so the client waits
        # the Retry-After it names and tries again (a campaign sends thousands of DMs in a row)
        self.client = WebClient(token=None if callable(token) else token, timeout=timeout, **kwargs)
        self.client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=5))

    def send(self, to: Address, notice: Notice, idempotency_key: str) -> None:
        if self._token is not None:
            token = self._token()
            if not token:  # the school's workspace has not installed the app yet: stays queued
                raise RecipientUnreachable("Slack: the school's workspace is not installed")
            self.client.token = token
        try:
            self._send(to, notice, idempotency_key)
        except SlackApiError as exc:
            data = exc.response.data if exc.response is not None else None
            code = str(data.get("error", "")) if isinstance(data, dict) else ""
            if code in PERMANENT_ERRORS:
                raise PermanentDeliveryError(f"Slack: {code}") from None
            raise

    def _send(self, to: Address, notice: Notice, idempotency_key: str) -> None:
        opened = self.client.conversations_open(users=to.user_id)
        channel = opened["channel"]["id"]
        if notice.files:  # an evidence file: uploaded into this DM (handlers/slack/evidence.py)
            evidence.upload(self.client, channel, notice)
            return
        if self.already_sent(channel, idempotency_key):
            log.info("notice %s already in the DM; not sending it again", notice.reference)
            return
        text, blocks = render(notice)
        self.client.chat_postMessage(
            channel=channel,
            text=text,
            blocks=blocks,
            metadata={"event_type": EVENT_TYPE, "event_payload": {"key": idempotency_key}},
            unfurl_links=False,
            unfurl_media=False,
        )
        log.info("sent %s notice for %s", notice.notice_type, notice.reference)

    def already_sent(self, channel: str, key: str) -> bool:
        history = self.client.conversations_history(
            channel=channel, limit=HISTORY_LIMIT, include_all_metadata=True
        )
        for message in history.get("messages") or []:
            meta = message.get("metadata") or {}
            if (
                meta.get("event_type") == EVENT_TYPE
                and (meta.get("event_payload") or {}).get("key") == key
            ):
                return True
        return False
