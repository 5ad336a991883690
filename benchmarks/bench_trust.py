"""A multi-academy trust in one process: 50 schools × 100 staff, a 40-policy trust handbook and
5 policies of each school's own (measured, never asserted; run by hand).

    .venv/bin/python benchmarks/bench_trust.py [--schools 50] [--staff 100] [--no-model]
        [--ramp-seconds 20] [--keep DIR]

The trust handbook is synthesised as benchmarks/bench_handbook.py builds its handbook (the
fixture policies and the Social Media Policy, topped up with synthetic policies made of their
sentences) to 40 policies and ~2,150 clauses; each school adds 5 synthetic policies of ~50
clauses (its own titles and text), so each school answers from ~2,400 clauses. Every school has
its own config, data directory and key, made with `schools add` (bot/trust/schools.py).

Each phase runs in a fresh process, as a restart would:

1. cold start: every school's policies read and indexed, the model loaded once, every text
   embedded (the trust's once, then each school's own), each school's vectors cached on disk;
2. warm start (the caches from 1): time until every school answers with dense retrieval, the
   process's memory (RSS, and its peak), then in the same process:
   - warm answer latency over the handbook question sets, round-robin over the schools;
   - report filing and delivery: concerns filed from 4 threads across the schools, each
     school's delivery worker sending to the fake Slack (tests/slack/fake_slack.py);
   - a policy round: every school sends a policy to all its staff (5,000 DMs), the fake
     answering 429 beyond ``--rate`` chat.postMessage calls per second per workspace;
   - the single-machine limit: questions, then reports, offered at rising rates (open loop,
     latency counted from each request's due time) until p95 passes a second or the machine
     falls behind the offered rate.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_handbook import build_handbook, questions  # noqa: E402
from benchmarks.common import percentile, staff_csv  # noqa: E402

OWN_SUBJECTS = [
    "Forest School", "Residential Trip", "Wraparound Care", "Nurture Room", "Allotment",
    "Pupil Parliament", "Library", "Playground Buddies", "Chess Club", "Choir", "Orchestra",
    "Gardening", "Bike Shed", "Pond Area", "Science Week",
]  # fmt: skip
TRUST_CONTACT = "the Trust IT service desk"


def rss_mb() -> tuple[float, float]:
    """(resident now, peak) in MB, from the kernel's own count for this process."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def own_policies(folder: Path, school: int, sentences: list[str], n: int, clauses: int) -> None:
    """``n`` synthetic policies of about ``clauses`` numbered clauses each, this school's own."""
    rng = random.Random(1000 + school)
    where = f"Bench School {school:02d}"
    for k in range(n):
        subject = f"{OWN_SUBJECTS[(school + k) % len(OWN_SUBJECTS)]} {school:02d}"
        lines = [f"# {subject} Policy", "", f"Approved: {rng.randint(1, 28)} May 2025", ""]
        section, written = 0, 0
        while written < clauses:
            section += 1
            lines += [f"## {section}. Section {section}", ""]
            for item in range(1, rng.randint(4, 9)):
                # the school's own wording: no sentence is word for word the trust's, so its
                # texts are its own to embed (as a real school's own policies are)
                text = " ".join(f"At {where}, {s[0].lower()}{s[1:]}"
                                for s in rng.sample(sentences, rng.randint(1, 2)))  # fmt: skip
                lines += [f"{section}.{item} {text} ({subject.lower()})", ""]
                written += 1
        (folder / f"own-{k}.md").write_text("\n".join(lines), encoding="utf-8")


def build(root: Path, schools: int, staff: int, own: int) -> dict[str, Any]:
    from bot.corpus import load_corpus
    from bot.retrieval.index import split_sentences
    from bot.trust.schools import add_school

    t0 = time.perf_counter()
    trust_policies = root / "trust-policies"
    trust_policies.mkdir()
    build_handbook(trust_policies, 40, 2150)
    docs = load_corpus(trust_policies)
    sentences = [s for d in docs for c in d.clauses for s in split_sentences(c.text) if len(s) > 40]
    (root / "etc").mkdir()
    trust_file = root / "etc" / "trust.toml"
    trust_file.write_text(
        f'[trust]\nname = "Bench Trust"\npolicies = "{trust_policies}"\n'
        f'data_dir = "{root / "var"}"\nkeys_dir = "{root / "etc" / "keys"}"\n'
        f'audit_dir = "{root / "log"}"\ncontact = "{TRUST_CONTACT}"\n'
    )
    (root / "log").mkdir()
    env = {"POLICYBOT_TRUST": str(trust_file)}
    for i in range(schools):
        name = f"school-{i:02d}"
        folder = root / "schools" / name
        folder.mkdir(parents=True)
        own_policies(folder, i, sentences, own, 50)
        config = root / "etc" / f"{name}.toml"
        config.write_text(
            f'[school]\nname = "Bench School {i:02d}"\n[people.headteacher]\nname = "Head {i}"\n'
            f'slack_user = "U{i:02d}HEAD"\n[campaigns]\npublishers = ["headteacher"]\n'
        )
        add_school(trust_file, name, config, folder, env, slack_teams=[f"T{i:04d}SCHOOL"])
        (root / "staff" / name).parent.mkdir(exist_ok=True)
        (root / "staff" / f"{name}.csv").write_text(
            staff_csv(staff, "slack_user", lambda k, i=i: f"U{i:02d}{k:06d}")
        )
    return {"build_s": round(time.perf_counter() - t0, 1), "trust_documents": len(docs)}


# ---- the phases, each in its own process ------------------------------------------------------


def child(phase: str, root: Path, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", phase, "--dir", str(root),
           "--rate", str(args.rate), "--ramp-seconds", str(args.ramp_seconds)]  # fmt: skip
    if args.no_model:
        cmd.append("--no-model")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1",
           "POLICYBOT_TRUST": str(root / "etc" / "trust.toml")}  # fmt: skip
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stderr[-4000:])
        raise SystemExit(f"phase {phase} failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def start_trust(no_model: bool) -> tuple[Any, dict[str, Any]]:
    from bot.trust.root import Trust

    t0 = time.perf_counter()
    trust = Trust.from_env(os.environ, embedder="none" if no_model else None)
    opened = time.perf_counter() - t0
    trust.start()
    trust.wait()
    loaded = time.perf_counter() - t0
    if trust.model is not None:
        trust.model.settled()
    dense = time.perf_counter() - t0
    memo = trust.model.embedder if trust.model is not None else None
    now, peak = rss_mb()
    clauses = [len(s.runtime.loaded_assistant.index.units) for s in trust.schools.values()]
    return trust, {
        "schools": len(trust.schools),
        "clauses_per_school": round(sum(clauses) / len(clauses)),
        "open_stores_s": round(opened, 1),
        "all_answering_s": round(loaded, 1),
        "all_dense_s": round(dense, 1),
        "texts_embedded": memo.computed if memo else 0,
        "texts_reused": memo.reused if memo else 0,
        "rss_mb": round(now),
        "peak_rss_mb": round(peak),
    }


def phase_cold(args: argparse.Namespace) -> dict[str, Any]:
    trust, out = start_trust(args.no_model)
    trust.close()
    return out


def phase_warm(args: argparse.Namespace) -> dict[str, Any]:
    from tests.slack.fake_slack import FakeSlack

    trust, out = start_trust(args.no_model)
    out["answers"] = warm_answers(trust)
    out["rss_after_answers_mb"] = round(rss_mb()[0])
    fake = FakeSlack()
    fake.start()
    for method in ("chat.postMessage", "conversations.open", "conversations.history"):
        fake.rate_limit(method, args.rate, per_workspace=True)
    workers = attach_slack(trust, fake)
    try:
        out["reports"] = file_reports(trust, fake, 500)
        out["policy_round"] = policy_round(trust, fake)
        out["limit_questions"] = ramp(trust, "question", args.ramp_seconds)
        out["limit_reports"] = ramp(trust, "report", args.ramp_seconds)
        out["rss_end_mb"], out["peak_rss_mb"] = (round(v) for v in rss_mb())
    finally:
        for w in workers:
            w.stop()
        fake.stop()
        trust.close()
    out["load_average"] = os.getloadavg()
    return out


def warm_answers(trust: Any) -> dict[str, Any]:
    schools = list(trust.schools.values())
    qs = questions()
    for i, q in enumerate(qs[:10]):
        schools[i % len(schools)].runtime.ask(q)
    times = []
    for i, q in enumerate(qs):
        t = time.perf_counter()
        schools[i % len(schools)].runtime.ask(q)
        times.append((time.perf_counter() - t) * 1000)
    return {"questions": len(times), "p50_ms": round(percentile(times, 50), 1),
            "p95_ms": round(percentile(times, 95), 1)}  # fmt: skip


def attach_slack(trust: Any, fake: Any) -> list[Any]:
    from bot.campaigns.worker import ReminderWorker
    from handlers.slack.notifier import SlackNotifier

    workers: list[Any] = []
    for name, school in trust.schools.items():
        token = f"xoxb-{name}"  # each school's workspace: its own rate limits
        school.runtime.reports.register_notifier(SlackNotifier(lambda t=token: t, fake.base_url))
        workers += [school.runtime.reports.start_delivery_worker(),
                    ReminderWorker(school.runtime.campaigns).start()]  # fmt: skip
    return workers


def concern(school: Any, n: int) -> float:
    from bot.people import Actor
    from bot.reports.models import ConcernForm

    t = time.perf_counter()
    school.runtime.reports.submit_concern(
        ConcernForm("trolling", f"Benchmark concern number {n}."),
        Actor("slack", f"U{n:09d}", "Bench Staff"),
    )
    return (time.perf_counter() - t) * 1000


def delivered(trust: Any) -> int:
    return sum(
        s.runtime.store.query("SELECT COUNT(*) AS n FROM outbox WHERE status = 'sent'")[0]["n"]
        for s in trust.schools.values()
    )


def file_reports(trust: Any, fake: Any, n: int) -> dict[str, Any]:
    schools = list(trust.schools.values())
    before = delivered(trust)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        times = list(pool.map(lambda i: concern(schools[i % len(schools)], i), range(n)))
    filed = time.perf_counter() - t0
    # each concern: the head's notice and the reporter's receipt are not notices here (Slack
    # front end sends the receipt itself), so one notice per concern
    while delivered(trust) - before < n and time.perf_counter() - t0 < 600:
        time.sleep(0.1)
    done = time.perf_counter() - t0
    return {"filed": n, "filing_per_s": round(n / filed, 1), "file_p50_ms":
            round(percentile(times, 50), 1), "file_p95_ms": round(percentile(times, 95), 1),
            "all_delivered_s": round(done, 1), "delivered_per_s": round(n / done, 1)}  # fmt: skip


def policy_round(trust: Any, fake: Any) -> dict[str, Any]:
    from bot.people import Actor
    from bot.staff import parse_csv

    root = trust.config.path.parent.parent
    staff = 0
    for name, school in trust.schools.items():
        campaigns = school.runtime.campaigns
        members = parse_csv((root / "staff" / f"{name}.csv").read_text())
        campaigns.directory.import_csv(members, "bench", campaigns.now())
        staff += len(members)
    before = delivered(trust)
    t0 = time.perf_counter()
    due = (date.today() + timedelta(days=14)).isoformat()
    for i, school in enumerate(trust.schools.values()):
        school.runtime.campaigns.publish(Actor("slack", f"U{i:02d}HEAD"), "Social Media Policy",
                                         "all", due)  # fmt: skip
    published = time.perf_counter() - t0
    while delivered(trust) - before < staff and time.perf_counter() - t0 < 1800:
        time.sleep(0.2)
    done = time.perf_counter() - t0
    posts = fake.calls_to("chat.postMessage")
    return {"staff": staff, "publish_all_s": round(published, 1), "all_delivered_s": round(done, 1),
            "dms_per_s": round(staff / done, 1), "rate_limited_429": sum(
                1 for c in posts if c.status == 429)}  # fmt: skip


class Done:
    """Latencies of the requests of one step, from their due time (threads append)."""

    def __init__(self) -> None:
        self.ms: list[float] = []
        self.lock = threading.Lock()


def one(school: Any, kind: str, qs: list[str], i: int, due: float, done: Done) -> None:
    if kind == "question":
        school.runtime.ask(qs[i % len(qs)])
    else:
        concern(school, 10_000_000 + i)
    with done.lock:
        done.ms.append((time.perf_counter() - due) * 1000)


def ramp(trust: Any, kind: str, seconds: float) -> dict[str, Any]:
    """Open-loop load at rising rates: each request is due at its own time; latency runs from
    then to its answer, so queueing counts. Stops when p95 passes a second or the machine
    completes less than 90% of what was offered."""
    schools = list(trust.schools.values())
    qs = questions()
    steps = []
    rates = [1, 2, 4, 6, 8, 12, 16, 24, 32] if kind == "question" else [5, 10, 20, 40, 80, 120, 160]
    n = 0
    for rate in rates:
        total = int(rate * seconds)
        done = Done()
        start = time.perf_counter() + 0.2

        with ThreadPoolExecutor(32) as pool:
            for i in range(total):
                due = start + i / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(one, schools[(n + i) % len(schools)], kind, qs, n + i, due, done)
        n += total
        took = time.perf_counter() - start
        step = {"offered_per_s": rate, "completed_per_s": round(total / took, 1),
                "p50_ms": round(percentile(done.ms, 50), 1),
                "p95_ms": round(percentile(done.ms, 95), 1)}  # fmt: skip
        steps.append(step)
        if step["p95_ms"] > 1000 or step["completed_per_s"] < 0.9 * rate:
            break
    return {"steps": steps}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--schools", type=int, default=50)
    ap.add_argument("--staff", type=int, default=100)
    ap.add_argument("--own", type=int, default=5, help="policies of each school's own")
    ap.add_argument("--rate", type=int, default=50, help="fake Slack calls/s per workspace")
    ap.add_argument("--ramp-seconds", type=float, default=20)
    ap.add_argument("--no-model", action="store_true", help="BM25 only")
    ap.add_argument("--keep", type=Path, help="build here and keep it (else a temporary folder)")
    ap.add_argument("--child", choices=["cold", "warm"], help=argparse.SUPPRESS)
    ap.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        phase = phase_cold if args.child == "cold" else phase_warm
        print(json.dumps(phase(args)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        report: dict[str, Any] = {"load_average_before": os.getloadavg()}
        report["build"] = build(root, args.schools, args.staff, args.own)
        print(json.dumps(report["build"]), file=sys.stderr)
        report["cold_start"] = child("cold", root, args)
        print(json.dumps(report["cold_start"]), file=sys.stderr)
        report["warm_start"] = child("warm", root, args)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
