"""The reminder loop a server runs beside its delivery worker: every ``interval`` seconds it
queues the reminders now due (``CampaignService.send_reminders``). Reminders are scheduled at
publish and counted per person, so two servers (Slack's and Teams') running this loop never
send one twice: the second finds nothing left to queue."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.campaigns.service import CampaignService

log = logging.getLogger(__name__)


class ReminderWorker:
    def __init__(self, campaigns: CampaignService, interval: float = 600.0) -> None:
        self._campaigns = campaigns
        self._interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="policybot-reminders", daemon=True)

    def start(self) -> ReminderWorker:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                queued = self._campaigns.send_reminders()
                if queued:
                    log.info("queued %d policy reminders", queued)
            except Exception as exc:  # keep going; nothing is lost, the next pass retries
                log.error("reminder pass failed: %s", type(exc).__name__)
            self._stopping.wait(self._interval)
