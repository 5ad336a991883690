"""A "read and understood" round on Teams for a trust with 2,000 staff (measured, never asserted).

    .venv/bin/python benchmarks/bench_campaigns_teams.py [--staff 2000] [--rate 50]

Real runtime (temporary SQLite file, the real policies from policy_corpus/), the real Teams app
(CloudAdapter, TeamsNotifier, sealed conversation references) on loopback, and the fake Bot
Connector from the tests, which answers 429 with ``Retry-After: 1`` beyond ``--rate`` posts a
second (Microsoft documents about 50 requests a second per bot across a tenant, and 7 a second
in any one conversation; each DM is its own conversation). Every member of staff has a 1:1 chat
with the bot (as after installing the app). Prints: staff import time, publish time (every DM
enqueued in one transaction), then delivery of every card by the running delivery worker: cards
per second, total time, 429s met and waited out, and that each person got exactly one card.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from botbuilder.schema import (  # noqa: E402
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
)

from benchmarks.common import school_runtime, staff_csv  # noqa: E402
from bot.people import Actor  # noqa: E402
from bot.staff import parse_csv  # noqa: E402
from handlers.teams.server import REFERENCES_KEY, TeamsAuth, create_app  # noqa: E402
from tests.teams.conftest import BOT_ID, TENANT, LoopThread, _start  # noqa: E402
from tests.teams.fake_connector import FakeConnector  # noqa: E402

HEAD = "3f2b7c1e-8a4d-4c61-9a7e-2b1f0c9d8e77"


def aad(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012d}"


def personal_reference(i: int, service_url: str) -> ConversationReference:
    return ConversationReference(
        user=ChannelAccount(id=f"29:staff-{i}", aad_object_id=aad(i), name=f"Staff {i}"),
        bot=ChannelAccount(id=BOT_ID, name="PolicyBot"),
        conversation=ConversationAccount(
            id=f"a:personal-{i}", conversation_type="personal", tenant_id=TENANT
        ),
        channel_id="msteams",
        service_url=service_url,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=2000)
    parser.add_argument("--rate", type=int, default=50, help="activity posts a second")
    args = parser.parse_args()

    loop = LoopThread()
    fake = FakeConnector(rate=args.rate, retry_after="1")
    fake_runner, fake_url = loop.run(_start(fake.app()))
    with tempfile.TemporaryDirectory() as tmp:
        runtime = school_runtime(Path(tmp), f'teams_user = "{HEAD}"')
        campaigns = runtime.campaigns

        t0 = time.perf_counter()
        campaigns.directory.import_csv(
            parse_csv(staff_csv(args.staff, "teams_user", aad)), "bench", campaigns.now()
        )
        t_import = time.perf_counter() - t0

        async def start_app():
            app = create_app(runtime, TeamsAuth(), local_testing=True)
            return app, (await _start(app))[0]

        app, runner = loop.run(start_app())
        references = app[REFERENCES_KEY]
        t0 = time.perf_counter()
        for i in range(args.staff):
            references.remember(personal_reference(i, fake_url))
        t_refs = time.perf_counter() - t0

        t0 = time.perf_counter()
        due = (date.today() + timedelta(days=14)).isoformat()
        receipt = campaigns.publish(Actor("teams", HEAD), "Social Media Policy", "all", due)
        t_publish = time.perf_counter() - t0
        print(f"staff import: {args.staff} rows in {t_import:.2f} s")
        print(f"conversation references stored (sealed): {args.staff} in {t_refs:.2f} s")
        print(f"publish: {receipt.sent_to} DMs enqueued in {t_publish:.2f} s")

        t0 = time.perf_counter()
        runtime.reports.wake()
        fake.wait_for(lambda calls: len(calls) >= receipt.sent_to, timeout=3600)
        t_deliver = time.perf_counter() - t0
        time.sleep(2)  # anything sent twice would arrive now
        cards = fake.sent()
        limited = sum(1 for c in fake.calls if c.status == 429)
        per_chat = Counter(c.conversation_id for c in cards)
        print(
            f"delivery: {len(cards)} cards in {t_deliver:.1f} s = "
            f"{len(cards) / t_deliver:.1f} cards/s at {args.rate} posts/s; "
            f"429s met and waited out: {limited}"
        )
        print(
            f"exactly once: {len(per_chat)} people, most cards to one person: "
            f"{max(per_chat.values())}"
        )
        t0 = time.perf_counter()
        progress = campaigns.progress(Actor("teams", HEAD), receipt.reference)
        print(f"head's receipts ({progress.total} people): {time.perf_counter() - t0:.2f} s")
        loop.run(runner.cleanup())
        runtime.close()
    loop.run(fake_runner.cleanup())
    loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
