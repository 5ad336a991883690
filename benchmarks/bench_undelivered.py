"""What watching for undeliverable notices costs (measured, never asserted).

    .venv/bin/python benchmarks/bench_undelivered.py [--sizes 100,1000,5000]

With N notices queued and not delivered (Slack down), prints the time of one overdue sweep
(``ReportService.check_overdue``, run at the start of every delivery pass), of one /readyz
readiness check, and of the pass that escalates N urgent concerns at once when the time is up.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_reports import STAFF, form, make_service
from bot.health import _outbox
from bot.runtime import Runtime

logging.disable(logging.WARNING)  # one line per escalation is not what is measured


def timed(fn, repeat: int = 20) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(runs)


def measure(n: int, root: Path) -> str:
    service = make_service(root)
    for i in range(n):
        f = form(i)
        f.immediate_risk = i % 2 == 0  # half urgent: head + DSL rows
        service.submit_concern(f, STAFF)
    rows = service.store.query("SELECT COUNT(*) AS c FROM outbox")[0]["c"]
    now = service.clock()
    sweep = timed(lambda: service.check_overdue(now))
    runtime = Runtime(service.settings, service.store, service)
    ready = timed(lambda: _outbox(runtime, ("slack",), 10.0, now))
    t0 = time.perf_counter()
    service.check_overdue(now + timedelta(minutes=16))
    escalate = (time.perf_counter() - t0) * 1000
    service.store.close()
    return (
        f"{n:5d} reports ({rows:5d} undelivered notices): sweep {sweep:7.1f} ms, "
        f"/readyz outbox check {ready:7.1f} ms, escalating {n // 2} urgent at once "
        f"{escalate:8.0f} ms"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100,1000,5000")
    args = ap.parse_args()
    for n in (int(x) for x in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            print(measure(n, Path(tmp)))


if __name__ == "__main__":
    main()
