"""ReportService: the use cases front ends call (submit, declare, acknowledge, note, close, view,
list) and the outbox delivery loop.

Contract for front ends:

- ``submit_concern(form, reporter) -> Receipt`` and ``declare_relationship(form, declarant)
  -> Receipt`` raise :class:`~bot.reports.models.FormError` (field errors) or
  :class:`~bot.reports.models.SubmissionRefused` (not configured / nobody to route to);
  in both cases nothing is stored. Otherwise the record and its outbox rows are committed
  in one transaction before any delivery is attempted, and the receipt carries the reference.
- ``acknowledge`` / ``add_note`` / ``close`` return ``ActionResult``; only the record's
  recipients may act (anyone else gets ``ok=False`` and nothing changes).
- Register a notifier per platform with ``register_notifier``; the delivery worker
  (``start_delivery_worker``) sends notices by direct message with retries + backoff.
  Notifiers raise ``RecipientUnreachable`` while a person cannot be reached yet; call
  ``wake()`` when you learn a new conversation reference.
- Calls do blocking SQLite and crypto work: from an asyncio loop, run them in an executor.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from bot.config import Settings
from bot.reports.models import (
    ActionResult,
    Actor,
    ConcernForm,
    DeclarationForm,
    DeliveryStatus,
    Notifier,
    Receipt,
    ReportDetail,
    Summary,
)
from bot.store import Store

Clock = Callable[[], datetime]


class DeliveryWorker:
    """Background thread running ``deliver_due`` until ``stop()``."""

    def stop(self, timeout: float = 5.0) -> None:
        raise NotImplementedError


class ReportService:
    def __init__(self, store: Store, settings: Settings, clock: Clock | None = None) -> None:
        raise NotImplementedError

    # --- submitting -------------------------------------------------------------------
    def submit_concern(self, form: ConcernForm, reporter: Actor) -> Receipt:
        raise NotImplementedError

    def declare_relationship(self, form: DeclarationForm, declarant: Actor) -> Receipt:
        raise NotImplementedError

    # --- recipients' actions ----------------------------------------------------------
    def acknowledge(self, reference: str, actor: Actor) -> ActionResult:
        raise NotImplementedError

    def add_note(self, reference: str, actor: Actor, text: str) -> ActionResult:
        raise NotImplementedError

    def close(self, reference: str, actor: Actor) -> ActionResult:
        raise NotImplementedError

    def get(self, reference: str, actor: Actor) -> ReportDetail | ActionResult:
        raise NotImplementedError

    def is_recipient(self, reference: str, actor: Actor) -> bool:
        raise NotImplementedError

    def list_for_submitter(self, actor: Actor) -> list[Summary]:
        raise NotImplementedError

    def list_for_recipient(self, actor: Actor) -> list[Summary]:
        raise NotImplementedError

    # --- delivery ---------------------------------------------------------------------
    def register_notifier(self, notifier: Notifier) -> None:
        raise NotImplementedError

    def deliver_due(self, now: datetime | None = None) -> int:
        raise NotImplementedError

    def start_delivery_worker(self, interval: float = 5.0) -> DeliveryWorker:
        raise NotImplementedError

    def wake(self) -> None:
        raise NotImplementedError

    def delivery_status(self, reference: str) -> list[DeliveryStatus]:
        raise NotImplementedError


_ = threading
