"""A local stand-in for Slack's Web API: records every call and can fail on demand.

It plays the part of ``https://slack.com/api/`` (the app's clients get its ``base_url``) and of
the ``response_url`` Slack hands out with commands and interactions (``/response/<id>``).
Messages posted with ``chat.postMessage`` are kept per channel so ``conversations.history`` can
return them (with their ``metadata``), which is what the notifier's duplicate check reads.
A message over Block Kit's documented limits (:func:`block_kit_problem`) is refused with
``invalid_blocks``, as Slack refuses it.

Installing the app in a workspace, as Slack's OAuth v2 documentation describes it: Slack sends
the person who pressed Allow back to the app's redirect URL with a one-time ``code``
(:meth:`FakeSlack.authorize` plays that press and returns the code); ``oauth.v2.access``, called
with the app's client id and secret (HTTP Basic auth), exchanges it once for the workspace's
bot token (``access_token``, ``token_type: bot``, ``team``, ``enterprise``,
``is_enterprise_install``, ``bot_user_id``, ``app_id``, ``scope``, ``authed_user``). Each call
records the token it carried (``Call.token``), and ``auth.test`` answers for the workspace the
token belongs to (any other token is the default workspace's, as before).

Files, as Slack's documentation describes them: a file someone attached in a modal's file field
is known to ``files.info`` (:meth:`FakeSlack.add_file`), whose ``url_private_download`` answers
only with the bot token (``Authorization: Bearer``); the external upload flow hands out an
upload URL (``files.getUploadURLExternal``), takes the bytes POSTed to it, and shares the file
into a channel with ``files.completeUploadExternal`` (a message with the file and its comment).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

BOT_USER_ID = "UBOT"
# The bot scopes deploy/slack/manifest.yaml asks for (what an install grants).
SCOPES = (
    "app_mentions:read", "chat:write", "commands", "im:history", "im:write", "files:read",
    "files:write", "users:read", "users:read.email",
)  # fmt: skip
BOT_ID = "BBOT"
TEAM_ID = "T0SCHOOL"
JSON_FIELDS = ("blocks", "attachments", "view", "metadata")
# Block Kit's documented limits (docs.slack.dev/reference/block-kit): blocks in a message, a
# section's text, a header's text (plain_text only), a section's fields and each field's text,
# a context block's elements.
MAX_BLOCKS, SECTION_TEXT, HEADER_TEXT, MAX_FIELDS, FIELD_TEXT, CONTEXT_ELEMENTS = (
    50, 3000, 150, 10, 2000, 10,
)  # fmt: skip


@dataclass
class Call:
    method: str  # "chat.postMessage", ... or "response_url"
    args: dict[str, Any]
    path: str = ""
    status: int = 200
    token: str = ""  # the bearer token the call carried ("" for none)

    def text_blob(self) -> str:
        """Everything a human could read in this call, for leak scans."""
        return json.dumps(self.args, ensure_ascii=False)


@dataclass
class _Failure:
    status: int
    after_effect: bool  # do the work, then answer with the error (a lost response)


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    channels: dict[str, list[dict]] = field(default_factory=dict)
    users: list[dict] = field(default_factory=list)  # what users.list returns, page by page

    files: dict[str, dict] = field(default_factory=dict)  # file id -> its files.info object
    contents: dict[str, bytes] = field(default_factory=dict)  # file id -> its bytes
    uploads: dict[str, bytes] = field(default_factory=dict)  # uploaded file id -> bytes received
    token: str = "xoxb-test-token"  # the bot token url_private_download requires
    client_id: str = "1111.2222"  # the app's OAuth credentials oauth.v2.access checks
    client_secret: str = "oauth-client-secret-for-tests"
    installed: dict[str, dict] = field(default_factory=dict)  # bot token -> its workspace

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, list[_Failure]] = {}
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._refused: dict[str, str] = {}  # user id -> Slack error code, on every DM call
        self._limits: dict[str, int] = {}  # method -> calls allowed per second, then 429
        self._recent: dict[str, list[float]] = {}
        self._per_workspace: set[str] = set()
        self._codes: dict[str, dict] = {}  # one-time OAuth code -> the workspace it installs
        self._installs = itertools.count(1)

    # ---- lifecycle -----------------------------------------------------------------------
    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Slack's servers do

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path.startswith(("/files-pri/", "/upload/")):
                    status, data, kind = fake._file_route(
                        self.command, self.path, self.headers, raw
                    )
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                status, body, headers = fake._handle(self.path, self.headers, raw.decode())
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # bursts of concurrent clients (benchmarks/bench_slack.py)

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def root(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    @property
    def base_url(self) -> str:
        return self.root + "api/"

    def response_url(self, name: str) -> str:
        return f"{self.root}response/{name}"

    # ---- test controls -------------------------------------------------------------------
    def fail(self, method: str, times: int, status: int = 500, *, after_effect: bool = False):
        """The next ``times`` calls to ``method`` answer ``status`` (429 with Retry-After)."""
        with self._lock:
            self._failures.setdefault(method, []).extend(
                _Failure(status, after_effect) for _ in range(times)
            )

    def rate_limit(self, method: str, per_second: int, *, per_workspace: bool = False) -> None:
        """Like Slack's rate tiers: beyond ``per_second`` calls to ``method`` in any second,
        answer 429 with ``Retry-After: 1``. ``per_workspace``: counted per bot token, as Slack
        counts an app's calls per workspace (a trust's schools each have their own)."""
        self._limits[method] = per_second
        if per_workspace:
            self._per_workspace.add(method)

    def refuse(self, user: str, error: str) -> None:
        """Every attempt to DM ``user`` fails with Slack's ``error`` code (HTTP 200, ok=false),
        as Slack answers for a deleted or deactivated user, a bot's id or a revoked token."""
        with self._lock:
            self._refused[user] = error

    def authorize(
        self, team_id: str, *, enterprise_id: str | None = None, org_wide: bool = False,
        installer: str = "U0ADMIN",
    ) -> str:  # fmt: skip
        """A workspace admin pressed Allow on Slack's consent page: the one-time code Slack
        puts in the redirect to the app. ``org_wide``: an Enterprise Grid org-wide install."""
        code = f"code-{team_id}-{next(self._installs)}"
        with self._lock:
            self._codes[code] = {
                "team_id": None if org_wide else team_id, "enterprise_id": enterprise_id,
                "org_wide": org_wide, "installer": installer,
            }  # fmt: skip
        return code

    def token_for(self, team_id: str) -> str:
        """The bot token the latest install of this workspace was given."""
        with self._lock:
            found = [t for t, w in self.installed.items() if w["team_id"] == team_id]
        assert found, f"{team_id} was never installed"
        return found[-1]

    def add_file(self, file_id: str, name: str, content: bytes, mimetype: str = "") -> dict:
        """A file someone attached in a modal's file field: what the view state carries."""
        info = {
            "id": file_id,
            "name": name,
            "title": name,
            "mimetype": mimetype or "application/octet-stream",
            "size": len(content),
            "url_private": f"{self.root}files-pri/{TEAM_ID}-{file_id}/{name}",
            "url_private_download": f"{self.root}files-pri/{TEAM_ID}-{file_id}/download/{name}",
        }
        self.files[file_id] = info
        self.contents[file_id] = content
        return {k: info[k] for k in ("id", "name", "title", "mimetype", "size")}

    def files_shared_in(self, channel: str) -> list[tuple[str, bytes]]:
        """(name, bytes) of every file shared into a channel by completeUploadExternal."""
        return [
            (f["title"], self.uploads[f["id"]])
            for m in self.channels.get(channel, [])
            for f in m.get("files") or []
        ]

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def posts_to(self, channel: str) -> list[Call]:
        return [c for c in self.calls_to("chat.postMessage") if c.args.get("channel") == channel]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
        """Poll until ``predicate()`` is truthy; returns its value (fails the test on timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met; calls so far: {self.summary()}")
            time.sleep(0.02)

    def summary(self) -> list[str]:
        with self._lock:
            return [f"{c.method}:{c.status}" for c in self.calls]

    # ---- file downloads and uploads (not the JSON API) --------------------------------------
    def _file_route(
        self, command: str, path: str, headers: Any, raw: bytes
    ) -> tuple[int, bytes, str]:
        route = path.split("/")[1]  # "files-pri" (a download) | "upload" (an upload URL)
        with self._lock:
            self.calls.append(Call(route, {"method": command}, path=path))
            queue = self._failures.get(route) or []
            failure = queue.pop(0) if queue else None
        if failure is not None:
            return failure.status, b"error", "text/plain"
        if path.startswith("/files-pri/"):
            if headers.get("Authorization") != f"Bearer {self.token}":
                return 302, b"", "text/html"  # Slack sends a browser to its sign-in page
            file_id = path.split("/")[2].rsplit("-", 1)[-1]
            content = self.contents.get(file_id)
            return (200, content, "application/octet-stream") if content else (404, b"", "")
        file_id = path.rsplit("/", 1)[-1]
        with self._lock:
            self.uploads[file_id] = raw
        return 200, f"OK - {len(raw)}".encode(), "text/plain"

    # ---- the API -------------------------------------------------------------------------
    def _handle(self, path: str, headers: Any, raw: str) -> tuple[int, dict, dict]:
        url = urlparse(path)
        args = _parse_args(headers.get("Content-Type", ""), raw, url.query)
        if url.path.startswith("/response/"):
            with self._lock:
                self.calls.append(Call("response_url", args, path=url.path))
            return 200, {"ok": True}, {}
        method = url.path.removeprefix("/api/")
        token = str(headers.get("Authorization", "")).removeprefix("Bearer ").strip()
        if method == "oauth.v2.access":
            return self._oauth_access(args, headers)
        with self._lock:
            queue = self._failures.get(method) or []
            failure = queue.pop(0) if queue else None
            status = failure.status if failure else 200
            if failure is None and self._over_limit(method, token):
                self.calls.append(Call(method, args, path=url.path, status=429))
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}
            self.calls.append(Call(method, args, path=url.path, status=status, token=token))
            if failure and not failure.after_effect:
                return _error(failure.status)
            refusal = self._refusal(method, args)
            if refusal:
                return 200, {"ok": False, "error": refusal}, {}
            body = self._ok(method, args, token)
        if failure:
            return _error(failure.status)
        return 200, body, {}

    def _over_limit(self, method: str, token: str = "") -> bool:
        limit = self._limits.get(method)
        if limit is None:
            return False
        key = f"{method}:{token}" if method in self._per_workspace else method
        now = time.monotonic()
        recent = [t for t in self._recent.get(key, []) if now - t < 1.0]
        if len(recent) >= limit:
            self._recent[key] = recent
            return True
        self._recent[key] = [*recent, now]
        return False

    def _refusal(self, method: str, args: dict[str, Any]) -> str:
        if method in ("chat.postMessage", "chat.update") and block_kit_problem(args.get("blocks")):
            return "invalid_blocks"
        if method == "conversations.open":
            return self._refused.get(str(args.get("users", "")).split(",")[0], "")
        if method in ("chat.postMessage", "conversations.history"):
            return self._refused.get(str(args.get("channel", "")).removeprefix("D"), "")
        return ""

    def _oauth_access(self, args: dict[str, Any], headers: Any) -> tuple[int, dict, dict]:
        """oauth.v2.access: the app's credentials (Basic auth, or in the form), then the code,
        once. Answers as Slack documents it."""
        import base64

        basic = str(headers.get("Authorization", ""))
        given = (args.get("client_id"), args.get("client_secret"))
        if basic.startswith("Basic "):
            given = tuple(base64.b64decode(basic[6:]).decode().split(":", 1))  # type: ignore[assignment]
        with self._lock:
            self.calls.append(Call("oauth.v2.access", {"code": args.get("code")}))
            if given != (self.client_id, self.client_secret):
                return 200, {"ok": False, "error": "invalid_client_id"}, {}
            grant = self._codes.pop(str(args.get("code", "")), None)
            if grant is None:
                return 200, {"ok": False, "error": "invalid_code"}, {}
            team = grant["team_id"]
            token = f"xoxb-{team or grant['enterprise_id']}-{next(self._installs):04d}"
            bot_user = f"UBOT{(team or grant['enterprise_id'])[1:]}"
            self.installed[token] = {**grant, "bot_user_id": bot_user}
        enterprise = grant["enterprise_id"]
        return (
            200,
            {
                "ok": True,
                "access_token": token,
                "token_type": "bot",
                "scope": ",".join(SCOPES),
                "bot_user_id": bot_user,
                "app_id": "A0POLICY",
                "team": {"id": team, "name": f"Workspace {team}"} if team else None,
                "enterprise": {"id": enterprise, "name": "The Trust"} if enterprise else None,
                "is_enterprise_install": grant["org_wide"],
                "authed_user": {"id": grant["installer"]},
            },
            {},
        )

    def _ok(self, method: str, args: dict[str, Any], token: str = "") -> dict:
        installed = self.installed.get(token)
        if method == "auth.test" and installed is not None:
            return {
                "ok": True,
                "url": f"https://{(installed['team_id'] or 'org').lower()}.slack.com/",
                "team": f"Workspace {installed['team_id']}",
                "user": "policybot",
                "team_id": installed["team_id"],
                "enterprise_id": installed["enterprise_id"],
                "user_id": installed["bot_user_id"],
                "bot_id": "B" + installed["bot_user_id"][1:],
                "is_enterprise_install": installed["org_wide"],
            }
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://school.slack.com/",
                "team": "School",
                "user": "policybot",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
            }
        if method == "conversations.open":
            user = str(args.get("users", "")).split(",")[0]
            return {"ok": True, "channel": {"id": "D" + user}}
        if method == "chat.postMessage":
            ts = f"{1_700_000_000 + next(self._ts)}.000100"
            message = {"type": "message", "ts": ts, "user": BOT_USER_ID, "bot_id": BOT_ID, **args}
            self.channels.setdefault(args["channel"], []).append(message)
            return {"ok": True, "channel": args["channel"], "ts": ts, "message": message}
        if method == "chat.update":
            for m in self.channels.get(args.get("channel", ""), []):
                if m["ts"] == args.get("ts"):
                    m.update({k: v for k, v in args.items() if k != "ts"})
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{1_700_000_000 + next(self._ts)}.000200"}
        if method == "conversations.history":
            history = list(reversed(self.channels.get(args.get("channel", ""), [])))
            if not _truthy(args.get("include_all_metadata")):
                history = [{k: v for k, v in m.items() if k != "metadata"} for m in history]
            limit = int(args.get("limit") or 100)
            return {"ok": True, "messages": history[:limit], "has_more": False}
        if method in ("views.open", "views.publish", "views.update", "views.push"):
            view = dict(args.get("view") or {})
            view.setdefault("id", f"V{next(self._views)}")
            return {"ok": True, "view": view}
        if method == "users.list":
            start = int(args.get("cursor") or 0)
            size = int(args.get("limit") or 200)
            page = self.users[start : start + size]
            more = start + size < len(self.users)
            return {"ok": True, "members": page,
                    "response_metadata": {"next_cursor": str(start + size) if more else ""}}  # fmt: skip
        if method == "files.info":
            info = self.files.get(str(args.get("file", "")))
            return {"ok": True, "file": info} if info else {"ok": False, "error": "file_not_found"}
        if method == "files.getUploadURLExternal":
            file_id = f"F0UP{next(self._ts):04d}"
            return {"ok": True, "file_id": file_id,
                    "upload_url": f"{self.root}upload/v1/{file_id}"}  # fmt: skip
        if method == "files.completeUploadExternal":
            listed = args.get("files")
            listed = json.loads(listed) if isinstance(listed, str) else listed
            if not listed or any(f.get("id") not in self.uploads for f in listed):
                return {"ok": False, "error": "file_not_found"}
            ts = f"{1_700_000_000 + next(self._ts)}.000300"
            message = {
                "type": "message", "ts": ts, "user": BOT_USER_ID, "bot_id": BOT_ID,
                "text": args.get("initial_comment", ""),
                "files": [{"id": f["id"], "title": f.get("title") or ""} for f in listed],
            }  # fmt: skip
            channel = str(args.get("channel_id", ""))
            if channel:
                self.channels.setdefault(channel, []).append(message)
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in listed]}
        if method == "users.info":
            user = args.get("user", "")
            return {"ok": True, "user": {"id": user, "name": user.lower(), "real_name": user}}
        return {"ok": True}


def block_kit_problem(blocks: Any) -> str:
    """What Slack would refuse in a message's blocks ("" when nothing)."""
    if not blocks:
        return ""
    if len(blocks) > MAX_BLOCKS:
        return f"{len(blocks)} blocks (at most {MAX_BLOCKS})"
    for n, block in enumerate(blocks):
        text = block.get("text") or {}
        if block.get("type") == "header" and (
            text.get("type") != "plain_text" or len(text.get("text", "")) > HEADER_TEXT
        ):
            return f"block {n}: a header is plain_text of at most {HEADER_TEXT} characters"
        if block.get("type") == "section":
            if text and not 1 <= len(text.get("text", "")) <= SECTION_TEXT:
                return f"block {n}: section text of {len(text.get('text', ''))} characters"
            fields = block.get("fields") or []
            if len(fields) > MAX_FIELDS or any(len(f["text"]) > FIELD_TEXT for f in fields):
                return f"block {n}: section fields over the limits"
        if block.get("type") == "context" and len(block.get("elements", [])) > CONTEXT_ELEMENTS:
            return f"block {n}: more than {CONTEXT_ELEMENTS} context elements"
    return ""


def _error(status: int) -> tuple[int, dict, dict]:
    if status == 429:
        return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "0"}
    return status, {"ok": False, "error": "internal_error"}, {}


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


def _parse_args(content_type: str, raw: str, query: str) -> dict[str, Any]:
    args: dict[str, Any] = {k: v[0] for k, v in parse_qs(query).items()}
    if "json" in content_type and raw:
        args.update(json.loads(raw))
    elif raw:
        args.update({k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()})
    for key in JSON_FIELDS:
        if isinstance(args.get(key), str):
            with contextlib.suppress(ValueError):
                args[key] = json.loads(args[key])
    return args
