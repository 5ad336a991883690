"""Teams front end under load (measured, never asserted).

    .venv/bin/python benchmarks/bench_teams.py [--clients 20] [--per-client 25] [--dense]

Runs the real CloudAdapter app behind aiohttp on loopback with the real runtime (temporary SQLite
data dir; BM25-only assistant unless --dense) and the fake Bot Connector from the tests as the
serviceUrl. N concurrent clients, each a different staff member in their own 1:1 chat, send
questions one after another, as Teams would post them. Prints response latency (POST until the
bot has put its answer card to the Bot Connector, which is when our HTTP 201 comes back) p50 / p95
/ max, and replies per second (answer cards the connector accepted, first request to last
reply). Failed turns (the bot's apology instead of an answer) are counted separately.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.fernet import Fernet

from benchmarks.common import CHAT_QUESTIONS, percentile
from handlers.teams.server import TeamsAuth, create_app
from tests.teams.conftest import LoopThread, TeamsClient, User, _start
from tests.teams.fake_connector import FakeConnector


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--per-client", type=int, default=25)
    parser.add_argument("--dense", action="store_true", help="load the real embedding model too")
    args = parser.parse_args()

    from bot.runtime import Runtime

    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "policybot.toml"
        config.write_text(
            '[people.headteacher]\nname = "Head"\n'
            'teams_user = "3f2b7c1e-8a4d-4c61-9a7e-2b1f0c9d8e77"\n'
        )
        env = {
            "POLICYBOT_CONFIG": str(config),
            "POLICYBOT_DATA_DIR": str(Path(tmp) / "data"),
            "POLICYBOT_KEY": Fernet.generate_key().decode(),
        }
        t0 = time.perf_counter()
        runtime = Runtime.from_env(env, embedder=None if args.dense else "none")
        if args.dense:
            runtime.assistant.start_warmup()
            while not runtime.assistant.dense_ready:
                time.sleep(0.1)
        print(f"runtime ready in {time.perf_counter() - t0:.2f}s (dense={args.dense})")

        loop = LoopThread()
        connector = FakeConnector()
        connector_runner, connector_url = loop.run(_start(connector.app()))
        app = create_app(runtime, TeamsAuth(), local_testing=True)
        bot_runner, bot_url = loop.run(_start(app))

        users = [
            User(f"Staff {i}", f"00000000-0000-4000-8000-{i:012d}", f"29:1staff-{i:04d}")
            for i in range(args.clients)
        ]
        clients = [TeamsClient(bot_url, connector_url, app) for _ in users]
        for user, client in zip(users, clients, strict=True):  # warm-up, one each
            client.send(client.personal(user, CHAT_QUESTIONS[0]))
        connector.clear()

        def run(i: int) -> list[float]:
            user, client = users[i], clients[i]
            latencies = []
            for n in range(args.per_client):
                activity = client.personal(user, CHAT_QUESTIONS[(i + n) % len(CHAT_QUESTIONS)])
                start = time.perf_counter()
                client.send(activity)
                latencies.append(time.perf_counter() - start)
            return latencies

        start = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            latencies = [x for xs in pool.map(run, range(args.clients)) for x in xs]
        elapsed = time.perf_counter() - start
        sent = connector.sent()
        replies = len([c for c in sent if c.cards])  # answer cards
        apologies = len(sent) - replies  # "Sorry, something went wrong" (a failed turn)

        loop.run(bot_runner.cleanup())
        loop.run(connector_runner.cleanup())
        loop.close()
        runtime.close()

    total = args.clients * args.per_client
    print(f"{args.clients} clients x {args.per_client} messages = {total} questions")
    print(f"answer cards accepted by the connector: {replies}; failed turns: {apologies}")
    p50, p95 = 1000 * percentile(latencies, 50), 1000 * percentile(latencies, 95)
    worst, mean = 1000 * max(latencies), 1000 * statistics.mean(latencies)
    print(
        f"response latency: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {worst:.1f} ms, mean {mean:.1f} ms"
    )
    print(f"throughput: {replies / elapsed:.1f} replies/s over {elapsed:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
