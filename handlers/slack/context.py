"""The request-scoped objects every Slack listener gets, with one typed accessor each.

Bolt hands each listener a ``context`` (a dict per request). The app's middleware puts three
things in it: the :class:`~bot.runtime.Runtime` (the core), the feedback log and the shared
HTTP session for response_url posts. :func:`bind` is the only code that writes them and the
accessors below the only code that reads them, so the keys live in one place and a listener
gets a typed object rather than ``context["runtime"]`` of type ``Any`` (as bolt-python's own
``context/`` module gives one accessor per request-scoped object)."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.feedback import FeedbackLog
    from bot.runtime import Runtime
    from handlers.slack.util import SharedSession

_RUNTIME = "runtime"
_FEEDBACK = "feedback"
_HTTP = "http"


def bind(
    context: MutableMapping[str, Any],
    *,
    runtime: Runtime,
    feedback: FeedbackLog,
    http: SharedSession,
) -> None:
    """Put the app's request-scoped objects in one request's context (the app's middleware)."""
    context[_RUNTIME] = runtime
    context[_FEEDBACK] = feedback
    context[_HTTP] = http


def runtime_of(context: Mapping[str, Any]) -> Runtime:
    """The core: settings, report service, assistant."""
    return context[_RUNTIME]


def feedback_of(context: Mapping[str, Any]) -> FeedbackLog:
    """Where helpful / not-helpful clicks are recorded."""
    return context[_FEEDBACK]


def http_of(context: Mapping[str, Any]) -> SharedSession:
    """The keep-alive session for posting to response_urls."""
    return context[_HTTP]
