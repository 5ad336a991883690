"""Small helpers shared by the listeners: run core calls off the event loop, reach a DM."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from slack_sdk.web.async_client import AsyncWebClient

from bot.reports.models import Actor

T = TypeVar("T")


async def off_loop(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking core call (retrieval is CPU-bound, the store is SQLite) in a thread so
    the event loop keeps acknowledging other requests."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(fn, *args, **kwargs))


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
