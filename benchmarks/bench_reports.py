"""Reports throughput and delivery latency (measured, never asserted).

    .venv/bin/python benchmarks/bench_reports.py [--n 1000] [--threads 8]

Prints submissions/second into the store (single thread and N threads, real SQLite file with
WAL + synchronous=FULL, Fernet encryption), the time to list N sealed reports, and the latency from submit to the notifier
receiving the message with the background delivery worker (p50 / p95).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.fernet import Fernet

from benchmarks.common import percentile
from bot.config import Person, Settings
from bot.reports.models import Actor, ConcernForm
from bot.reports.service import ReportService
from bot.store import Store

STAFF = Actor("slack", "U0STAFF01", "Sam Teacher")


class TimingNotifier:
    platform = "slack"

    def __init__(self) -> None:
        self.received: dict[str, float] = {}
        self.lock = threading.Lock()

    def send(self, to, notice, idempotency_key) -> None:
        with self.lock:
            self.received.setdefault(notice.reference, time.perf_counter())


def make_service(root: Path) -> ReportService:
    key = Fernet.generate_key()
    people = {
        "headteacher": Person("headteacher", "Kate Baskeyfield", "U0HEAD001", None),
        "safeguarding_lead": Person("safeguarding_lead", "Dee Lead", "U0DSL0001", None),
        "chair_of_governors": Person("chair_of_governors", "Colin Chair", "U0CHAIR01", None),
    }
    settings = Settings(root / "c.toml", "Bench", root, root, None, people, key, "bench")
    return ReportService(Store(root / "policybot.db", key), settings)


def form(i: int) -> ConcernForm:
    return ConcernForm("cyberbullying", f"Benchmark report {i}: " + "lorem ipsum " * 40)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--latency-n", type=int, default=200)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        service = make_service(Path(tmp) / "a")
        t0 = time.perf_counter()
        for i in range(args.n):
            service.submit_concern(form(i), STAFF)
        dt = time.perf_counter() - t0
        print(
            f"submissions into the store, 1 thread:   {args.n / dt:8.0f}/s ({args.n} in {dt:.2f}s)"
        )

        service = make_service(Path(tmp) / "b")
        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool:
            list(pool.map(lambda i: service.submit_concern(form(i), STAFF), range(args.n)))
        dt = time.perf_counter() - t0
        print(f"submissions into the store, {args.threads} threads:  {args.n / dt:8.0f}/s")

        # Listing: submitters and recipients are sealed, so a listing decrypts every report.
        head = Actor("slack", "U0HEAD001", "Kate Baskeyfield")
        t0 = time.perf_counter()
        listed = service.list_for_recipient(head)
        dt = time.perf_counter() - t0
        print(
            f"list the head's reports (sealed rows):  {dt * 1000:8.1f} ms for {len(listed)} reports"
        )

        # Delivery drain rate for the rows queued above.
        notifier = TimingNotifier()
        service.register_notifier(notifier)
        t0 = time.perf_counter()
        sent = service.deliver_due()
        dt = time.perf_counter() - t0
        print(f"outbox drain (fake notifier):           {sent / dt:8.0f}/s ({sent} sent)")

        # Latency: submit -> notifier.send, with the background worker; spaced submissions.
        service = make_service(Path(tmp) / "c")
        service.confirm_timeout = 0  # measure the worker, not the receipt wait
        notifier = TimingNotifier()
        service.register_notifier(notifier)
        worker = service.start_delivery_worker(interval=1.0)
        submitted: dict[str, float] = {}
        for i in range(args.latency_n):
            t = time.perf_counter()
            receipt = service.submit_concern(form(i), STAFF)
            submitted[receipt.reference] = t
            time.sleep(0.002)
        deadline = time.time() + 30
        while len(notifier.received) < args.latency_n and time.time() < deadline:
            time.sleep(0.01)
        worker.stop()
        lat = [
            (notifier.received[r] - t) * 1000
            for r, t in submitted.items()
            if r in notifier.received
        ]
        print(
            f"delivery latency submit→send (worker):  p50 {statistics.median(lat):.1f} ms, "
            f"p95 {percentile(lat, 95):.1f} ms, max {max(lat):.1f} ms over {len(lat)} reports"
        )


if __name__ == "__main__":
    main()
