"""One fixture for the "no report text in any log" tests of both front ends: every logger at
DEBUG (the libraries' too, behind the guard the apps install) plus whatever reached stdout and
stderr, as one text to search."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from bot.logs import LIBRARY_LOGGERS, guard_library_logs


@pytest.fixture
def everything_logged(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> Callable[[], str]:
    guard_library_logs()
    caplog.set_level(logging.DEBUG)
    for name in (*LIBRARY_LOGGERS, "policybot", "handlers", "bot"):
        caplog.set_level(logging.DEBUG, logger=name)

    def text() -> str:
        out, err = capfd.readouterr()
        records = "\n".join(
            f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records
        )
        return "\n".join([caplog.text, records, out, err])

    return text
