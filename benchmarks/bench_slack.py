"""Slack front end under load (measured, never asserted).

    .venv/bin/python benchmarks/bench_slack.py [--clients 20] [--per-client 25] [--dense]

Runs the real bolt app behind our aiohttp server on loopback in its own process, with the real runtime (temporary
SQLite data dir, BM25-only assistant unless --dense) and the local fake Slack Web API from the
tests. N concurrent clients each send signed `/policy` commands one after another. Prints the
ack latency (time to Slack's HTTP 200, which is what Slack's 3-second limit applies to) p50 / p95
/ max, and answers delivered per second (answers landing at the fake's response_url, counted from
the first request to the last answer).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp import web
from cryptography.fernet import Fernet

from benchmarks.common import CHAT_QUESTIONS, percentile
from bot.runtime import Runtime
from handlers.slack.server import SlackServer
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import BOT_TOKEN, SIGNING_SECRET, SlackApp


def serve_app(api_url: str, dense: bool, ready: Any, stop: Any) -> None:
    """The app under test, in its own process (its own GIL), as it would run in production."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "policybot.toml"
        config.write_text('[people.headteacher]\nname = "Head"\nslack_user = "U0HEAD"\n')
        env = {
            "POLICYBOT_CONFIG": str(config),
            "POLICYBOT_DATA_DIR": str(Path(tmp) / "data"),
            "POLICYBOT_KEY": Fernet.generate_key().decode(),
        }
        runtime = Runtime.from_env(env, embedder=None if dense else "none")
        if dense:
            runtime.assistant.warm_up()
        server = SlackServer(token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=api_url)
        server.attach(runtime)

        async def run() -> None:
            runner = web.AppRunner(server.web_app(), access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0, backlog=256)
            await site.start()
            host, port = runner.addresses[0][:2]
            ready.put(f"http://{host}:{port}")
            while not stop.is_set():
                await asyncio.sleep(0.1)
            await runner.cleanup()

        asyncio.run(run())
        server.stop()
        runtime.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--per-client", type=int, default=25)
    parser.add_argument("--dense", action="store_true", help="load the real embedding model too")
    args = parser.parse_args()

    fake = FakeSlack()
    fake.start()
    ctx = multiprocessing.get_context("spawn")
    ready, stop = ctx.Queue(), ctx.Event()
    child = ctx.Process(target=serve_app, args=(fake.base_url, args.dense, ready, stop))
    child.start()
    try:
        app = SlackApp(server=None, fake=fake)  # type: ignore[arg-type]  # only its client side
        app.url = ready.get(timeout=600)
        app.command("/policy", CHAT_QUESTIONS[0])  # warm up: auth.test, first BM25 query
        fake.wait_for(lambda: fake.calls_to("response_url"), timeout=120)
        warm = len(fake.calls_to("response_url"))

        def client(i: int) -> list[float]:
            latencies = []
            for j in range(args.per_client):
                question = CHAT_QUESTIONS[(i + j) % len(CHAT_QUESTIONS)]
                t0 = time.perf_counter()
                resp = app.command("/policy", question, user=f"U0STAFF{i:02d}")
                latencies.append(time.perf_counter() - t0)
                if resp.status != 200:
                    raise SystemExit(f"HTTP {resp.status}: {resp.text}")
            return latencies

        total = args.clients * args.per_client
        start = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            latencies = [x for xs in pool.map(client, range(args.clients)) for x in xs]
        acked = time.perf_counter()
        fake.wait_for(lambda: len(fake.calls_to("response_url")) - warm >= total, timeout=600)
        done = time.perf_counter()
    finally:
        stop.set()
        child.join(30)
        fake.stop()

    ms = [x * 1000 for x in latencies]
    mode = "BM25 + dense" if args.dense else "BM25 only"
    print(f"Slack /policy over loopback: {args.clients} clients × {args.per_client} = {total}")
    print(f"  retrieval: {mode}; app in its own process; {os.cpu_count()} CPUs")
    print(
        f"  ack latency: p50 {statistics.median(ms):.1f} ms, p95 {percentile(ms, 95):.1f} ms, "
        f"max {max(ms):.1f} ms (target p95 ≤ 100 ms)"
    )
    print(f"  all acked after {acked - start:.2f} s; all answered after {done - start:.2f} s")
    print(f"  answers delivered: {total / (done - start):.1f} per second")
    return 0


if __name__ == "__main__":
    sys.exit(main())
