"""Logging for the servers and the CLI: one JSON object per line (for journald, Docker and log
shippers) or plain text for a terminal, with secrets redacted on the way out.

The core logs references, roles and error *types* only, never report text or names; the
redaction filter is a second line of defence for tokens that end up in exception messages
(a Slack token in a URL, a bearer header echoed by a library, a Fernet key pasted by mistake).

Chat libraries log what they were sent: bolt writes the raw body of a request whose signature
fails (a ``view_submission`` body is a whole concern), slack_sdk the arguments of every Web API
call at DEBUG (a notice's text), aiohttp and botbuilder exception texts. A handler-side filter
cannot stop that reaching other handlers (a test's capture, a library's own), so
:func:`guard_library_logs` installs a log-record factory: every record created by a logger under
:data:`LIBRARY_LOGGERS` keeps only its lead phrase (up to the first ``:``, ``(``, ``{``, ``%``,
``=`` or newline) and the *type* of any exception, at every level, before any handler sees it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

REDACTED = "[REDACTED]"
SECRET_PATTERNS = [
    re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{6,}"),  # Slack bot/user/... tokens
    re.compile(r"\bxapp-[A-Za-z0-9-]{6,}"),  # Slack app-level tokens
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"),  # Authorization: Bearer ...
    re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}=(?![A-Za-z0-9_=-])"),  # Fernet keys
    re.compile(r"(?i)(client_secret|password|secret)=([^&\s]+)"),  # form-encoded secrets
]
# Loggers whose messages may carry request bodies or message text (bolt's app logger and its
# listener loggers are named "policybot.slack.bolt…" by handlers/slack/app.py).
LIBRARY_LOGGERS = (
    "slack_bolt",
    "slack_sdk",
    "policybot.slack.bolt",
    "aiohttp",
    "botbuilder",
    "botframework",
    "msrest",
    "msal",
    "urllib3",
    "requests",
    "asyncio",
)
WITHHELD = "(message withheld)"
_LEAD_END = re.compile(r"[:({%=\n\[]")
# Attributes every LogRecord has; anything else was passed with extra={...}.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def redact(text: str) -> str:
    for pattern in SECRET_PATTERNS:
        if pattern.groups == 2:
            text = pattern.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
        else:
            text = pattern.sub(REDACTED, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites the record so that neither the message, its arguments nor an exception's text
    carries a secret. Attach to handlers so records from every logger pass through it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what we can
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[0] is not None:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(formatted)
            record.exc_info = None
        for name, value in list(vars(record).items()):
            if name not in _STANDARD and isinstance(value, str):
                setattr(record, name, redact(value))
        return True


@lru_cache(maxsize=1024)
def _from_library(name: str | None) -> bool:
    if not name:  # logging.makeLogRecord({}) builds records with no name
        return False
    return any(name == p or name.startswith((p + ".", p + ":")) for p in LIBRARY_LOGGERS)


def lead_phrase(message: object) -> str:
    """The words before anything that could be data: "Invalid request signature detected"."""
    text = message if isinstance(message, str) else ""
    lead = _LEAD_END.split(text, maxsplit=1)[0].strip(" -,;")
    return lead or WITHHELD


def _scrub(record: logging.LogRecord) -> logging.LogRecord:
    message = lead_phrase(record.msg)
    if record.exc_info and record.exc_info[0] is not None:
        message = f"{message} [{record.exc_info[0].__name__}]"
    record.msg, record.args = message, None
    record.exc_info, record.exc_text, record.stack_info = None, None, None
    return record


_guard_lock = threading.Lock()
_guarded = False


def guard_library_logs() -> None:
    """Install (once, process-wide) the record factory that strips library log records to their
    lead phrase and exception type. Called by each front end when it builds its app."""
    global _guarded
    with _guard_lock:
        if _guarded:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            return _scrub(record) if _from_library(record.name) else record

        logging.setLogRecordFactory(factory)
        _guarded = True


class JsonFormatter(logging.Formatter):
    """{"ts", "level", "logger", "msg", ...extra fields, "exc"?} on one line."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in _STANDARD and not name.startswith("_"):
                out[name] = value if _jsonable(value) else repr(value)
        if record.exc_info and record.exc_info[0] is not None:
            out["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            out["exc"] = record.exc_text
        return json.dumps(out, ensure_ascii=False, default=str)


def _jsonable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | type(None) | list | dict)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def default_format(env: Mapping[str, str] = os.environ, stream: Any = None) -> str:
    """POLICYBOT_LOG_FORMAT if set, else text on a terminal and JSON otherwise."""
    chosen = env.get("POLICYBOT_LOG_FORMAT", "").strip().lower()
    if chosen in ("json", "text"):
        return chosen
    stream = stream or sys.stderr
    return "text" if getattr(stream, "isatty", lambda: False)() else "json"


# Progress bars are drawn on stderr with carriage returns ("Loading weights: 100%|████| 103/103"
# when the embedding model loads): in a JSON log each would be a line that is not JSON.
PROGRESS_BAR_SWITCHES = {"HF_HUB_DISABLE_PROGRESS_BARS": "1", "TQDM_DISABLE": "1"}


def quiet_progress_bars() -> None:
    """Turn off the progress bars of huggingface_hub, transformers and tqdm for this process.
    The switches are environment variables the libraries read when they are imported (the model
    loads lazily, after logging is set up); a library imported already is told directly."""
    for name, value in PROGRESS_BAR_SWITCHES.items():
        os.environ.setdefault(name, value)
    hub = sys.modules.get("huggingface_hub.utils")
    if hub is not None:
        hub.disable_progress_bars()
    transformers_logging = sys.modules.get("transformers.utils.logging")
    if transformers_logging is not None:
        transformers_logging.disable_progress_bar()


def configure_logging(
    fmt: str | None = None,
    level: str | int | None = None,
    *,
    stream: Any = None,
    env: Mapping[str, str] = os.environ,
) -> logging.Handler:
    """Replace the root logger's handlers with one redacting handler. ``fmt`` is "json" or
    "text" (default from POLICYBOT_LOG_FORMAT, else text for a terminal, JSON otherwise);
    ``level`` defaults to POLICYBOT_LOG_LEVEL, else INFO. Returns the handler."""
    stream = stream or sys.stderr
    fmt = (fmt or default_format(env, stream)).lower()
    if fmt not in ("json", "text"):
        raise ValueError(f"POLICYBOT_LOG_FORMAT: must be json or text, got {fmt!r}")
    level = level or env.get("POLICYBOT_LOG_LEVEL", "").strip().upper() or "INFO"
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    guard_library_logs()
    if fmt == "json":
        quiet_progress_bars()
    # Chatty libraries: their DEBUG output can include request bodies.
    for noisy in ("urllib3", "aiohttp.access", "msal", "botbuilder", "slack_sdk", "slack_bolt"):
        logging.getLogger(noisy).setLevel(max(logging.getLogger().level, logging.INFO))
    return handler
