"""The delivery worker: a background thread that runs the outbox's delivery passes until it is
stopped. It uses only the outbox's public API (``reset_wake``, ``deliver_due``,
``sleep_until_due``, ``interrupt``), so it knows nothing of notices, reports or platforms."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.reports.outbox import Outbox

log = logging.getLogger("bot.reports.outbox")  # its lines read as the outbox's, as before


class DeliveryWorker:
    """Background thread running ``deliver_due`` until ``stop()``."""

    def __init__(self, outbox: Outbox, interval: float) -> None:
        self._outbox = outbox
        self._interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="policybot-delivery", daemon=True)

    def start(self) -> DeliveryWorker:
        self._thread.start()
        return self

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and not self._stopping.is_set()

    @property
    def thread(self) -> threading.Thread:
        return self._thread

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._outbox.interrupt()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def _run(self) -> None:
        outbox = self._outbox
        while not self._stopping.is_set():
            outbox.reset_wake()
            try:
                outbox.deliver_due()
            except Exception as exc:  # keep delivering; the rows stay queued
                log.error("delivery pass failed: %s", type(exc).__name__)
            outbox.sleep_until_due(self._interval)
