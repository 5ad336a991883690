"""A "read and understood" round for a trust with 2,000 staff (measured, never asserted).

    .venv/bin/python benchmarks/bench_campaigns.py [--staff 2000] [--rate 50]

Real runtime (temporary SQLite file, the real Social Media Policy from policy_corpus/), the
real Slack notifier and the fake Slack Web API from the tests, which answers 429 with
``Retry-After: 1`` beyond ``--rate`` calls per second per method (Slack's own limits are per
method tier; chat.postMessage allows about one message per second per conversation, and each
DM is its own conversation). Prints: staff CSV import time, publish time (every DM enqueued in
one transaction), then delivery of every DM through the outbox: deliveries per second, total
time, how many 429s were met and waited out, and that each person got exactly one DM.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from benchmarks.common import school_runtime, staff_csv  # noqa: E402
from bot.campaigns.service import CampaignService  # noqa: E402
from bot.people import Actor  # noqa: E402
from bot.staff import parse_csv  # noqa: E402
from handlers.slack.notifier import EVENT_TYPE, SlackNotifier  # noqa: E402
from tests.slack.fake_slack import FakeSlack  # noqa: E402

HEAD = "U0HEAD"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=2000)
    parser.add_argument("--rate", type=int, default=50, help="calls per second per method")
    args = parser.parse_args()

    fake = FakeSlack()
    fake.start()
    for method in ("chat.postMessage", "conversations.open", "conversations.history"):
        fake.rate_limit(method, args.rate)
    with tempfile.TemporaryDirectory() as tmp:
        runtime = school_runtime(Path(tmp), f'slack_user = "{HEAD}"')
        campaigns: CampaignService = runtime.campaigns

        t0 = time.perf_counter()
        members = parse_csv(staff_csv(args.staff, "slack_user", lambda i: f"U{i:08d}"))
        campaigns.directory.import_csv(members, "bench", campaigns.now())
        t_import = time.perf_counter() - t0

        t0 = time.perf_counter()
        due = (date.today() + timedelta(days=14)).isoformat()
        receipt = campaigns.publish(Actor("slack", HEAD), "Social Media Policy", "all", due)
        t_publish = time.perf_counter() - t0
        print(f"staff import: {args.staff} rows in {t_import:.2f} s")
        print(f"publish: {receipt.sent_to} DMs enqueued in {t_publish:.2f} s")

        runtime.reports.register_notifier(SlackNotifier("xoxb-bench", fake.base_url))
        t0 = time.perf_counter()
        sent = 0
        while sent < receipt.sent_to:
            sent += runtime.reports.deliver_due()
            if time.perf_counter() - t0 > 3600:
                break
        t_deliver = time.perf_counter() - t0
        limited = sum(1 for c in fake.calls if c.status == 429)
        dms = [
            m
            for channel in fake.channels.values()
            for m in channel
            if (m.get("metadata") or {}).get("event_type") == EVENT_TYPE
        ]
        people = {m["channel"] for m in dms}
        print(
            f"delivery: {sent} DMs in {t_deliver:.1f} s = {sent / t_deliver:.1f} deliveries/s "
            f"at {args.rate} calls/s per method; 429s met and waited out: {limited}"
        )
        print(f"exactly once: {len(dms)} DMs to {len(people)} people")
        progress = campaigns.progress(Actor("slack", HEAD), receipt.reference)
        t0 = time.perf_counter()
        progress = campaigns.progress(Actor("slack", HEAD), receipt.reference)
        print(f"head's progress view ({progress.total} people): {time.perf_counter() - t0:.2f} s")
        runtime.close()
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
