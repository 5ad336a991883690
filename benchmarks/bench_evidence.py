"""What evidence files cost (measured, never asserted).

    .venv/bin/python benchmarks/bench_evidence.py [--mb 10] [--records 200]

Prints, for one file of ``--mb`` megabytes: the time to check, seal, store and queue it for its
recipient (``Evidence.attach``) and to open it again for sending (``with_content``), the extra
memory each takes at its peak (tracemalloc), and how much the database grows per megabyte; then
the retention sweep over ``--records`` closed records with a small file each (half of them due),
a sweep with nothing due (what every delivery pass costs), and ``key rotate`` over all of it
with its peak memory (values are re-encrypted one at a time).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_reports import STAFF, form, make_service
from bot.keys.rotation import reencrypt_store
from bot.reports.evidence import IncomingFile
from bot.reports.models import Actor
from bot.store import Store

logging.disable(logging.WARNING)
HEAD = Actor("slack", "U0HEAD001", "Kate Baskeyfield")


def picture(size: int) -> bytes:
    """A file that reads as a PNG, padded with random (incompressible) bytes to ``size``."""
    head = b"\x89PNG\r\n\x1a\n"
    return head + os.urandom(size - len(head))


def peak(fn) -> tuple[float, float]:
    """(milliseconds, peak MiB allocated above the start) of one call."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    start = tracemalloc.get_traced_memory()[0]
    t0 = time.perf_counter()
    fn()
    elapsed = (time.perf_counter() - t0) * 1000
    top = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, (top - start) / 2**20


def one_file(root: Path, mb: int) -> None:
    service = make_service(root)
    content = picture(mb * 2**20 - 1024)
    times, memory = [], []
    references = []
    for i in range(5):
        reference = service.submit_concern(form(i), STAFF).reference
        references.append(reference)
        before = service.store.path.stat().st_size
        ms, mib = peak(
            lambda r=reference: service.evidence.attach(r, STAFF, [IncomingFile("a.png", content)])
        )
        service.store.compact()
        grown = service.store.path.stat().st_size - before
        times.append(ms)
        memory.append(mib)
    print(
        f"attach one {mb} MB file: median {statistics.median(times):6.0f} ms, "
        f"peak +{statistics.median(memory):5.1f} MiB, database +{grown / 2**20:5.1f} MiB "
        f"({grown / len(content):.2f} bytes stored per byte)"
    )
    rows = service.store.query("SELECT notice FROM outbox WHERE notice_type = 'evidence'")
    from bot.reports import notices

    notice = notices.from_json(service.store.decrypt_json(rows[0]["notice"]))
    runs = [peak(lambda: service.evidence.with_content(notice)) for _ in range(5)]
    print(
        f"open it for sending:      median {statistics.median(r[0] for r in runs):6.0f} ms, "
        f"peak +{statistics.median(r[1] for r in runs):5.1f} MiB"
    )
    service.store.close()


def retention(root: Path, records: int) -> None:
    service = make_service(root)
    small = picture(200 * 1024)
    for i in range(records):
        reference = service.submit_concern(form(i), STAFF).reference
        service.evidence.attach(reference, STAFF, [IncomingFile("a.png", small)])
        if i % 2 == 0:
            service.close(reference, HEAD)
    now = service.clock()
    t0 = time.perf_counter()
    service.evidence.delete_expired(now)  # closed today: nothing is due yet
    idle = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    deleted = service.evidence.delete_expired(now + timedelta(days=31))
    due = (time.perf_counter() - t0) * 1000
    print(
        f"retention sweep over {records} records with a file: nothing due {idle:6.1f} ms, "
        f"{deleted} files due {due:7.0f} ms"
    )
    size = service.store.path.stat().st_size / 2**20
    store: Store = service.store
    ms, mib = peak(lambda: reencrypt_store(store))
    print(
        f"key rotate over the same database ({size:5.1f} MiB): {ms / 1000:5.1f} s, "
        f"peak +{mib:5.1f} MiB"
    )
    store.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=10)
    ap.add_argument("--records", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        one_file(Path(tmp) / "one", args.mb)
        retention(Path(tmp) / "many", args.records)


if __name__ == "__main__":
    main()
