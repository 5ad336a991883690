"""A local stand-in for Teams' Bot Connector service (the ``serviceUrl`` in every Activity).

It records every call the bot makes — replies and proactive messages
(``POST /v3/conversations/{id}/activities[/{replyToId}]``) and new 1:1 chats
(``POST /v3/conversations``) — and can answer 500 to the next N activity posts to play an
outage, 429 with a Retry-After to the next N in one chat to play Microsoft's rate limit, or 403/404 for
good for one conversation or member (the bot blocked or removed, the user gone), as Teams does.

It also plays the OneDrive side of files in a 1:1 chat, as Teams' documentation describes it: a
file a user sends the bot arrives as a ``file.download.info`` attachment whose ``downloadUrl``
needs no token (:meth:`FakeConnector.download_info`); a file the bot offers is PUT, whole, to
the ``uploadUrl`` of the upload session Teams hands over when the user accepts the consent
card (:meth:`FakeConnector.upload_info`), with ``Content-Range``.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import web


@dataclass
class Call:
    method: str
    path: str
    conversation_id: str
    reply_to_id: str | None
    body: dict[str, Any]
    authorization: str | None
    status: int

    @property
    def text(self) -> str:
        """What a reader gets in plain text: the message text, else the card's fallback."""
        if self.body.get("text"):
            return self.body["text"]
        return next((c.get("fallbackText", "") for c in self.cards), "")

    @property
    def cards(self) -> list[dict]:
        return [
            a["content"]
            for a in self.body.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    @property
    def card(self) -> dict:
        assert len(self.cards) == 1, self.body
        return self.cards[0]

    def card_text(self) -> str:
        """Every string in the card, for loose 'is it in there' checks."""
        return "\n".join(node for node in _walk(self.cards) if isinstance(node, str))

    def text_blocks(self) -> list[str]:
        """The text of every TextBlock and FactSet value (what Teams renders as markdown) and of
        every RichTextBlock (its TextRuns, which Teams shows literally), in card order."""
        found: list[str] = []
        for node in _elements(self.cards):
            if node.get("type") == "TextBlock":
                found.append(node.get("text", ""))
            if node.get("type") == "RichTextBlock":
                found.append("".join(run_text(r) for r in node.get("inlines", [])))
            if node.get("type") == "FactSet":
                found.extend(f.get("value", "") for f in node.get("facts", []))
        return found

    def literal_texts(self) -> list[str]:
        """The text of every RichTextBlock, exactly as Teams shows it (TextRuns are never
        markdown), in card order."""
        return [
            "".join(run_text(r) for r in node.get("inlines", []))
            for node in _elements(self.cards)
            if node.get("type") == "RichTextBlock"
        ]

    def inputs(self) -> dict[str, dict]:
        return {
            node["id"]: node
            for node in _elements(self.cards)
            if str(node.get("type", "")).startswith("Input.") and "id" in node
        }

    def submit_actions(self) -> list[dict]:
        return [node for node in _elements(self.cards) if node.get("type") == "Action.Submit"]


def _walk(node: Any) -> Iterator[Any]:
    """Every value in a card's JSON, depth first in card order: each object before what it
    holds."""
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _elements(node: Any) -> Iterator[dict]:
    """Every JSON object in a card (elements, actions, inputs, runs), in card order."""
    return (n for n in _walk(node) if isinstance(n, dict))


def run_text(inline: Any) -> str:
    """A RichTextBlock inline: a TextRun object, or its shorthand, a plain string."""
    return inline if isinstance(inline, str) else str(inline.get("text", ""))


@dataclass
class FakeConnector:
    calls: list[Call] = field(default_factory=list)
    fail_next: int = 0  # answer 500 to this many activity posts
    # conversation id -> answer 429 (with Retry-After) to this many posts there
    throttle: dict[str, int] = field(default_factory=dict)
    retry_after: str = "0.2"  # seconds, as Teams' Retry-After header gives them
    rate: int = 0  # accept at most this many activity posts a second (0: no limit), 429 beyond
    _window: list[float] = field(default_factory=lambda: [0.0, 0.0])  # [start, posts in it]
    # a team's members as Teams lists them (TeamsChannelAccount JSON), paged by pageSize
    roster: list[dict] = field(default_factory=list)
    created: list[dict] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=dict)  # conversation or member id -> status
    # conversation id -> seconds: the next post there is accepted at once but answered this late
    slow_once: dict[str, float] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)  # download id -> the user's file
    uploads: dict[str, bytes] = field(default_factory=dict)  # upload session id -> bytes PUT
    fail_downloads: int = 0  # answer 500 to this many file downloads
    url: str = ""  # where it listens (set by the fixture)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _changed: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self._changed = threading.Condition(self._lock)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{cid}/activities", self._activity)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._activity)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._activity)
        app.router.add_get("/v3/conversations/{cid}/pagedmembers", self._paged_members)
        app.router.add_get("/onedrive/download/{fid}", self._download)
        app.router.add_get("/v3/attachments/{fid}/views/original", self._download)
        app.router.add_put("/onedrive/upload/{sid}", self._upload)
        return app

    # --- files (OneDrive, as Teams uses it for a bot's 1:1 chat) -------------------------
    def download_info(self, name: str, content: bytes) -> dict:
        """The attachment Teams puts in a message when a user sends the bot a file."""
        fid = f"file-{next(self._ids)}"
        self.files[fid] = content
        return {
            "contentType": "application/vnd.microsoft.teams.file.download.info",
            "contentUrl": f"https://school.sharepoint.com/personal/u/Documents/{name}",
            "name": name,
            "content": {
                "downloadUrl": f"{self.url}/onedrive/download/{fid}",
                "uniqueId": fid,
                "fileType": name.rsplit(".", 1)[-1],
            },
        }

    def pasted_picture(self, content: bytes) -> dict:
        """The attachment Teams puts in a message when a user pastes a picture into it: on the
        Bot Connector, fetched with the bot's token (none in local testing)."""
        fid = f"picture-{next(self._ids)}"
        self.files[fid] = content
        return {
            "contentType": "image/*",
            "contentUrl": f"{self.url}/v3/attachments/{fid}/views/original",
        }

    def upload_info(self, name: str) -> dict:
        """What Teams sends in fileConsent/invoke when the user presses Allow."""
        sid = f"session-{next(self._ids)}"
        return {
            "name": name,
            "uploadUrl": f"{self.url}/onedrive/upload/{sid}",
            "contentUrl": f"https://school.sharepoint.com/personal/head/Documents/{name}",
            "uniqueId": sid,
            "fileType": name.rsplit(".", 1)[-1],
        }

    def file_calls(self) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.path.startswith(("/onedrive/", "/v3/attachments/"))]

    async def _download(self, request: web.Request) -> web.Response:
        fid = request.match_info["fid"]
        with self._changed:
            status = 200 if fid in self.files else 404
            if self.fail_downloads > 0:
                self.fail_downloads -= 1
                status = 500
            self.calls.append(Call("GET", request.path, "", None, {}, None, status))
            self._changed.notify_all()
        if status != 200:
            return web.Response(status=status)
        return web.Response(body=self.files[fid], content_type="application/octet-stream")

    async def _upload(self, request: web.Request) -> web.Response:
        body = await request.read()
        size = len(body)
        whole = request.headers.get("Content-Range") == f"bytes 0-{size - 1}/{size}"
        with self._changed:
            status = 201 if whole else 400
            self.calls.append(Call("PUT", request.path, "", None, {}, None, status))
            if whole:
                self.uploads[request.match_info["sid"]] = body
            self._changed.notify_all()
        return web.json_response({"id": request.match_info["sid"], "size": size}, status=status)

    async def _create(self, request: web.Request) -> web.Response:
        """``POST /v3/conversations``, as the Bot Connector documents it for Teams: a 1:1 chat
        only (``isGroup`` false, exactly one member, a ``29:`` user id), in the tenant the body
        names (``tenantId``, or ``channelData.tenant.id`` as the SDKs send it); 201 with the
        chat's id, the same id for the same member every time; 400 ``BadSyntax`` otherwise;
        403/404 for a member in ``refused`` (the app blocked, the user gone)."""
        body = await request.json()
        members = body.get("members") or []
        member = (members[0] if members else {}).get("id", "")
        tenant = (
            body.get("tenantId")
            or body.get("tenantID")
            or ((body.get("channelData") or {}).get("tenant") or {}).get("id")
        )
        bad = body.get("isGroup") is not False or len(members) != 1
        bad = bad or not str(member).startswith("29:") or not tenant
        status = 400 if bad else self.refused.get(member, 201)
        conversation_id = f"a:dm-{member}" if status == 201 else ""
        with self._changed:
            if status == 201:
                self.created.append(body)
            self.calls.append(
                Call("POST", request.path, conversation_id, None, body,
                     request.headers.get("Authorization"), status)
            )  # fmt: skip
            self._changed.notify_all()
        if status != 201:
            code = {400: "BadSyntax", 403: "Forbidden", 404: "NotFound"}.get(status, "Error")
            return web.json_response({"error": {"code": code}}, status=status)
        return web.json_response({"id": conversation_id}, status=201)

    async def _activity(self, request: web.Request) -> web.Response:
        body = await request.json()
        with self._changed:
            status = 200
            refused = self.refused.get(unquote(request.match_info["cid"]))
            if refused:
                status = refused
            elif self.rate and self._over_rate():
                status = 429
            elif self.throttle.get(unquote(request.match_info["cid"]), 0) > 0:
                self.throttle[unquote(request.match_info["cid"])] -= 1
                status = 429
            elif self.fail_next > 0:
                self.fail_next -= 1
                status = 500
            self.calls.append(
                Call(
                    request.method,
                    request.path,
                    unquote(request.match_info["cid"]),
                    request.match_info.get("aid"),
                    body,
                    request.headers.get("Authorization"),
                    status,
                )
            )
            self._changed.notify_all()
            activity_id = f"bot-activity-{next(self._ids)}"
            delay = self.slow_once.pop(unquote(request.match_info["cid"]), 0.0)
        if delay:
            await asyncio.sleep(delay)  # the activity has landed; only the answer is late
        if status == 429:
            headers = {"Retry-After": self.retry_after}
            error = {"error": {"code": "Throttled"}}
            return web.json_response(error, status=429, headers=headers)
        if status != 200:
            code = {403: "BotDisabledByAdmin", 404: "ConversationNotFound"}.get(
                status, "ServiceError"
            )
            return web.json_response({"error": {"code": code}}, status=status)
        return web.json_response({"id": activity_id})

    async def _paged_members(self, request: web.Request) -> web.Response:
        size = int(request.query.get("pageSize") or 200)
        start = int(request.query.get("continuationToken") or 0)
        page = self.roster[start : start + size]
        more = start + size < len(self.roster)
        body = {"members": page, "continuationToken": str(start + size) if more else None}
        return web.json_response(body)

    def _over_rate(self) -> bool:
        """Count this post in the current one-second window; True when it is one too many."""
        now = time.monotonic()
        if now - self._window[0] >= 1.0:
            self._window[:] = [now, 0.0]
        if self._window[1] >= self.rate:
            return True
        self._window[1] += 1
        return False

    # --- for tests ------------------------------------------------------------------------

    def sent(self, conversation_id: str | None = None) -> list[Call]:
        """Activities Teams accepted (status 200), optionally to one conversation."""
        with self._lock:
            return [
                c
                for c in self.calls
                if c.status == 200
                and c.path.endswith(("/activities", f"/activities/{c.reply_to_id}"))
                and (conversation_id is None or c.conversation_id == conversation_id)
            ]

    def wait_for(self, predicate, timeout: float = 20.0) -> list[Call]:
        """Block until ``predicate(accepted_calls)`` is truthy; returns those calls."""
        deadline = time.monotonic() + timeout
        while True:
            with self._changed:
                calls = self._sent_unlocked()
            # outside the lock: predicates may ask the core (its state changes after our calls)
            if predicate(calls):
                return calls
            remaining = deadline - time.monotonic()
            assert remaining > 0, (
                f"timed out; connector saw {[(c.conversation_id, c.text) for c in calls]}"
            )
            with self._changed:
                self._changed.wait(min(remaining, 0.05))

    def _sent_unlocked(self) -> list[Call]:
        return [c for c in self.calls if c.status == 200 and "/activities" in c.path]

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()
