"""Clocks for tests that run the real services end to end: time passes as it really does (retries,
backoff and delivery workers need it to move), but the calendar starts on a fixed day, so no
test depends on the date it happens to run."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # a Wednesday in term time


def running_from(start: datetime = START) -> Callable[[], datetime]:
    """A clock that reads ``start`` now and moves on with the real (monotonic) time."""
    t0 = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - t0)
