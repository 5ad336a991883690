"""Start-up with a 50-policy handbook: when reports are taken, and when questions are answered,
cold (an empty data directory: every file parsed) and cached (a restart: parsed policies read
from the parse cache). Measured, not asserted: run by hand, numbers go in the notes.

    .venv/bin/python benchmarks/bench_startup.py [--documents 50] [--clauses 3000] [--runs 3]

Each start is a fresh process doing what `policybot serve` does: build the runtime (config,
database, key) — from then on concerns are accepted — then read the policies in the background
(``policies_read_s``) and build the (BM25) index: from then on questions are answered. The embedding model is left
out (``embedder="none"``): it loads after the policies, in the background, and
bench_handbook.py measures it. Also reads the two files from issue 22 (a 38 KB Word file of
100,000 empty paragraphs, a 240 KB page with a 6,000-row table), which once took minutes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_handbook import build_handbook  # noqa: E402

START = """
import json, sys, time
t0 = time.perf_counter()
from bot.runtime import Runtime
from bot.reports.models import Actor, ConcernForm
runtime = Runtime.from_env({env!r}, embedder="none", load_assistant=False)
runtime.load_in_background()
runtime.reports.submit_concern(
    ConcernForm("trolling", "Trolling on the PTA page."), Actor("slack", "U0STAFF", "Sam")
)
t_report = time.perf_counter() - t0
assert runtime.handbook.wait(600)
t_ready = time.perf_counter() - t0
runtime.ask("Can parents be fined for term time holidays?")
t_answer = time.perf_counter() - t0
print(json.dumps({{"report_accepted_s": t_report, "policies_read_s": runtime.handbook.load_seconds,
                  "questions_answered_s": t_ready, "first_answer_s": t_answer,
                  "documents": len(runtime.assistant.documents)}}))
"""


def start(env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", START.format(env=env)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def median(runs: list[dict[str, float]], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 2)


def bad_files(folder: Path) -> dict[str, str]:
    """The two files of issue 22, made here, and how long reading each now takes."""
    import docx
    from docx.oxml import OxmlElement

    from bot.corpus import CorpusError, load_document

    document = docx.Document()
    for _ in range(100_000):
        document.element.body[-1].addprevious(OxmlElement("w:p"))
    document.save(folder / "spacing.docx")
    rows = "".join(f"<tr><td>{i}</td><td><p>£{i}</p></td></tr>" for i in range(6000))
    (folder / "lettings.html").write_text(
        f"<h1>Lettings Policy</h1><p>Charges are set each year.</p><table>{rows}</table>"
    )
    out = {}
    for name in ("spacing.docx", "lettings.html"):
        t = time.perf_counter()
        try:
            load_document(folder / name)
            result = "read"
        except CorpusError as exc:
            result = f"refused ({getattr(exc, 'reason', exc)})"
        size = (folder / name).stat().st_size // 1024
        out[f"{name} ({size} KB)"] = f"{result} in {time.perf_counter() - t:.2f} s"
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--documents", type=int, default=50)
    ap.add_argument("--clauses", type=int, default=3000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    from cryptography.fernet import Fernet

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "handbook"
        folder.mkdir()
        build_handbook(folder, args.documents, args.clauses)
        config = Path(tmp) / "policybot.toml"
        config.write_text('[people.headteacher]\nname = "Head"\nslack_user = "U0HEAD"\n')
        cold, cached = [], []
        for run in range(args.runs):
            env = {
                "POLICYBOT_CONFIG": str(config),
                "POLICYBOT_DATA_DIR": str(Path(tmp) / f"data-{run}"),
                "POLICYBOT_KEY": Fernet.generate_key().decode(),
                "POLICYBOT_CORPUS_DIR": str(folder),
                "POLICYBOT_AUDIT_HEAD_FILE": str(Path(tmp) / f"audit-head-{run}"),
            }
            cold.append(start(env))  # an empty data directory: every file parsed
            cached.append(start(env))  # a restart: parsed files from the cache
        report = {
            "documents": cold[0]["documents"],
            "runs": args.runs,
            **{
                f"{when}_{key}": median(runs, key)
                for when, runs in (("cold", cold), ("cached", cached))
                for key in (
                    "report_accepted_s",
                    "policies_read_s",
                    "questions_answered_s",
                    "first_answer_s",
                )
            },
            "issue_22_files": bad_files(Path(tmp)),
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
