"""Staff known only from a Teams team's roster, and a long policy read on Teams (measured, never
asserted).

    .venv/bin/python benchmarks/bench_roster_reach.py [--staff 1000] [--rate 50]

Real runtime (temporary SQLite file, the bundled policy), the real Teams app over HTTP
(CloudAdapter, TeamsNotifier, sealed conversation references) and the fake Bot Connector from
the tests (429 with ``Retry-After: 1`` beyond ``--rate`` posts a second). Nobody has opened the
bot: the head types `sync staff` in the team's channel, then publishes the Social Media Policy
to all. Prints: the `sync staff` turn (reading the roster page by page, the directory sync and
storing how to reach each member; Teams waits about 15 s for a bot's answer), delivery of every
card, each through a new 1:1 chat the bot opens (``POST /v3/conversations``) then the card, and
the "Read the policy" parts of the bundled policy: how many, the bytes of each (the cap is
28,000) and the time to build them.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import percentile, school_runtime  # noqa: E402
from bot.campaigns.versions import clauses_of  # noqa: E402
from bot.corpus.loader import load_document  # noqa: E402
from bot.people import Actor  # noqa: E402
from handlers.teams.campaign_cards import clause_pages, clauses_message  # noqa: E402
from handlers.teams.server import TeamsAuth, create_app  # noqa: E402
from tests.teams.conftest import HEAD, LoopThread, TeamsClient, _start  # noqa: E402
from tests.teams.fake_connector import FakeConnector  # noqa: E402


def member(i: int) -> dict:
    return {
        "id": f"29:staff-{i}",
        "name": f"Staff Member {i:05d}",
        "aadObjectId": f"00000000-0000-4000-8000-{i:012d}",
        "email": f"staff{i:05d}@trust.example.org",
        "userRole": "user",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=50, help="activity posts a second")
    args = parser.parse_args()

    loop = LoopThread()
    fake = FakeConnector(rate=args.rate, retry_after="1")
    fake.roster = [member(i) for i in range(args.staff)]
    fake_runner, fake_url = loop.run(_start(fake.app()))
    with tempfile.TemporaryDirectory() as tmp:
        runtime = school_runtime(Path(tmp), f'teams_user = "{HEAD.aad}"')

        async def start_app():
            app = create_app(runtime, TeamsAuth(), local_testing=True)
            runner, url = await _start(app)
            return app, runner, url

        app, runner, url = loop.run(start_app())
        client = TeamsClient(url, fake_url, app)

        t0 = time.perf_counter()
        client.send(client.channel(HEAD, "sync staff"))
        fake.wait_for(lambda calls: [c for c in calls if "Staff list updated" in c.text])
        t_sync = time.perf_counter() - t0
        print(f"sync staff: {args.staff} roster members, answered in {t_sync:.2f} s")

        t0 = time.perf_counter()
        due = (date.today() + timedelta(days=14)).isoformat()
        receipt = runtime.campaigns.publish(Actor("teams", HEAD.aad), "Social Media Policy", "all",
                                            due)  # fmt: skip
        print(f"publish: {receipt.message}  ({time.perf_counter() - t0:.2f} s)")
        fake.clear()
        t0 = time.perf_counter()
        runtime.reports.wake()
        fake.wait_for(lambda calls: len(calls) >= receipt.sent_to, timeout=3600)
        t_deliver = time.perf_counter() - t0
        time.sleep(2)  # anything sent twice would arrive now
        cards = fake.sent()
        chats = Counter(c.conversation_id for c in cards)
        created = sum(1 for c in fake.calls if c.path == "/v3/conversations" and c.status == 201)
        limited = sum(1 for c in fake.calls if c.status == 429)
        print(
            f"delivery: {len(cards)} cards in {t_deliver:.1f} s = {len(cards) / t_deliver:.1f}"
            f" cards/s at {args.rate} posts/s; 1:1 chats opened: {created}; 429s waited out: "
            f"{limited}; most cards to one chat: {max(chats.values())}"
        )
        loop.run(runner.cleanup())
        runtime.close()
    loop.run(fake_runner.cleanup())
    loop.close()

    clauses = clauses_of(load_document(ROOT / "policy_corpus" / "social-media-policy.txt"))
    times = []
    for _ in range(50):
        t0 = time.perf_counter()
        parts = clause_pages(clauses)
        sizes = [
            len(json.dumps(clauses_message("Social Media Policy", clauses, "RU-2026-0001", n)
                           .serialize()))
            for n in range(1, len(parts) + 1)
        ]  # fmt: skip
        times.append((time.perf_counter() - t0) * 1000)
    print(
        f"read the policy ({len(clauses)} clauses): {len(parts)} parts of {sizes} bytes "
        f"(cap 28000); building all parts p50 {percentile(times, 50):.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
