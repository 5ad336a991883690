"""Small helpers shared by the listeners: who is acting, reach a DM, post to a response_url.
(Running core calls off the event loop is handlers.threads', shared with Teams.)"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.reports.models import Actor
from handlers.slack.context import http_of


def actor_from(body: dict) -> Actor:
    user = body.get("user") or {}
    if isinstance(user, dict):
        user_id = user.get("id", "")
        name = user.get("name") or user.get("username") or ""
    else:
        user_id, name = str(user), ""
    user_id = user_id or body.get("user_id", "")
    name = name or body.get("user_name", "")
    return Actor(platform="slack", user_id=user_id, display_name=name)


async def dm(client: AsyncWebClient, user_id: str, **message: Any) -> dict:
    """Post privately to one person (opens the DM first; never a channel)."""
    opened = await client.conversations_open(users=user_id)
    channel = opened["channel"]["id"]
    resp = await client.chat_postMessage(channel=channel, **message)
    return {"channel": channel, "ts": resp.get("ts")}


async def display_name(client: AsyncWebClient, user_id: str, timeout: float = 1.0) -> str:
    """The person's real name for recipients ("Sam Jones (via Slack)"), or "" if Slack is slow:
    a trigger_id expires in 3 seconds, so this never holds up opening a modal for long."""
    try:
        resp = await asyncio.wait_for(client.users_info(user=user_id), timeout)
    except Exception:
        return ""
    user = resp.get("user") or {}
    profile = user.get("profile") or {}
    return (
        profile.get("real_name") or user.get("real_name") or profile.get("display_name") or ""
    ).strip()


class SharedSession:
    """One keep-alive HTTP session for posting to response_urls. Bolt's ``respond`` opens a new
    session and connection per call, which was most of the CPU per /policy answer under load
    (benchmarks/bench_slack.py)."""

    def __init__(self, timeout: float = 30.0) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def get(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


async def post_response(context: dict, response_url: str, **message: Any) -> None:
    """Send a message to a command's response_url (what bolt's ``respond`` does), reusing the
    app's HTTP session."""
    session: aiohttp.ClientSession = http_of(context).get()
    async with session.post(response_url, json=message) as resp:
        if resp.status >= 400:
            raise RuntimeError(f"response_url answered HTTP {resp.status}")
        await resp.read()
