"""`policybot ask | chat | index | corpus | eval`: the Q&A core from the command line."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.answers import Answer
from bot.assistant import Assistant
from bot.cli.tenancy import CommandSchool
from bot.config import Settings, load_settings
from bot.corpus import Document, Failure, read_corpus
from bot.corpus.loader import QUESTIONS_FILE
from bot.errors import ConfigError, CorpusError, EvalFileError
from bot.handbook import Handbook, parse_cache
from bot.learning.service import handbook_notes, link_line
from bot.trust.handbook import title_key

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("ask", help="answer one question (or a JSON Lines batch) from the policies")
    p.add_argument("question", nargs="?", help="the question, in quotes")
    p.add_argument("--json", action="store_true", help="print the answer as a JSON object")
    p.add_argument(
        "--batch", metavar="FILE", help='JSON Lines, one {"q": ...} per line ("-": stdin)'
    )
    p.add_argument("--no-model", action="store_true", help="BM25 only (skip the embedding model)")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="talk to the assistant in this terminal")
    p.add_argument("--no-model", action="store_true", help="BM25 only (skip the embedding model)")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("index", help="build or refresh the retrieval index (embeddings cache)")
    p.add_argument(
        "--graph-only",
        action="store_true",
        help="only build (or check) the embedding model's ONNX graph, e.g. in an image build; "
        "exits 1 when answers would not run on ONNX Runtime",
    )
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("corpus", help="list the policies, clause counts and review dates")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_corpus)

    p = sub.add_parser(
        "eval", help="what staff see (right rule shown, outcomes), hit@1, hit@3, MRR on a file"
    )
    p.add_argument(
        "file",
        help='JSON Lines: {"q": question, "doc": file name (optional), "gold": [clause ids]}',
    )
    p.add_argument("--json", action="store_true")
    p.add_argument("--misses", action="store_true", help="list the questions it got wrong")
    p.add_argument(
        "--doc",
        default="",
        metavar="FILE",
        help='the policy file that gold without a "doc" belongs to (e.g. '
        "social-media-policy.txt when its questions are asked of a whole handbook)",
    )
    p.add_argument("--no-model", action="store_true", help="BM25 only (skip the embedding model)")
    p.set_defaults(func=cmd_eval)


def _fail(message: str) -> int:
    print(f"policybot: {message}", file=sys.stderr)
    return 2


def today_of(args: argparse.Namespace) -> Callable[[], dt.date]:
    """Today by the process's clock (`main(argv, clock=)`; the real date by default): what
    "overdue for review" is judged against."""
    clock = getattr(args, "clock", None)
    if clock is None:
        return dt.date.today
    return lambda: clock().date()


def _assistant(
    settings: Settings,
    embedder: str | None,
    today: Callable[[], dt.date] = dt.date.today,
    tenancy: CommandSchool | None = None,
) -> Assistant:
    """The assistant over the policy folder (in a trust, the school's over the trust's), read
    through the parse cache the service uses."""
    if tenancy is not None:
        documents = tenancy.documents(settings)
    else:
        documents = Handbook(settings.corpus_dir, parse_cache(settings.data_dir)).documents()
    assistant = Assistant(
        documents,
        cache_dir=settings.data_dir / "cache",
        model=settings.model,
        embedder=embedder,
        today=today,
    )
    teach(assistant, settings)
    return assistant


def teach(assistant: Assistant, settings: Settings) -> None:
    """What the school taught, as the services use it: the curated questions, and the approved
    links when the school's database opens with the configured key."""
    from bot.errors import StoreError
    from bot.learning.curated import read_curated
    from bot.learning.service import Learning
    from bot.store import Store

    if settings.key is not None and settings.db_path.exists():
        try:
            store = Store.configured(settings)
        except StoreError as exc:
            log.warning("approved links not used: %s", exc)
        else:
            Learning(store, settings, assistant=lambda: assistant).attach(assistant)
            return
    curated = read_curated(settings.corpus_dir, assistant.documents).taught
    assistant.teach(lambda documents: (0, curated))


def load_assistant(
    no_model: bool = False,
    progress: bool = False,
    today: Callable[[], dt.date] = dt.date.today,
    tenancy: CommandSchool | None = None,
) -> Assistant:
    settings = tenancy.settings() if tenancy is not None else load_settings()
    assistant = _assistant(settings, "none" if no_model else None, today, tenancy)
    if not no_model:
        say = (lambda m: print(f"… {m}", file=sys.stderr)) if progress else None
        assistant.warm_up(progress=say)
    return assistant


def _guarded(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except (ConfigError, CorpusError) as e:
            return _fail(str(e))

    return run


@_guarded
def cmd_ask(args: argparse.Namespace) -> int:
    if args.batch and args.question:
        return _fail("give either a QUESTION or --batch FILE, not both")
    if args.batch:
        if not args.json:
            return _fail("--batch writes JSON Lines: add --json")
        return _batch(args)
    if not args.question:
        return _fail('ask needs a question, e.g. policybot ask "Can I friend a parent?"')
    answer = load_assistant(args.no_model, today=today_of(args), tenancy=args.tenancy).ask(
        args.question
    )
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
    else:
        print(answer.text)
    return 0


def _batch(args: argparse.Namespace) -> int:
    try:
        stream = sys.stdin if args.batch == "-" else open(args.batch, encoding="utf-8")  # noqa: SIM115
    except OSError as e:
        return _fail(f"{args.batch}: {e.strerror}")
    assistant = load_assistant(args.no_model, today=today_of(args), tenancy=args.tenancy)
    bad = 0
    with stream:
        for n, line in enumerate(stream, 1):  # streamed: each answer is flushed as it is ready
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                question = obj.get("q") if isinstance(obj, dict) else None
            except ValueError:
                question = None
            if not isinstance(question, str):
                bad += 1
                message = f'line {n}: expected a JSON object like {{"q": "question"}}'
                print(f"policybot: {args.batch}: {message}", file=sys.stderr)
                out: dict[str, Any] = {
                    "question": None,
                    "answered": False,
                    "text": message,
                    "citations": [],
                    "error": message,
                }
                print(json.dumps(out), flush=True)
                continue
            print(json.dumps(assistant.ask(question).to_json(), ensure_ascii=False), flush=True)
    return 1 if bad else 0


BANNER = """policybot — ask about the school's policies (type 'help' for tips, 'quit' to leave)."""
HELP = """Ask in your own words, for example:
  • A parent sent me a friend request on Facebook, can I accept?
  • What should I do if I am being trolled?
  • Can I post photos of the school play?
Every answer quotes the policy word for word and cites the clause.
To report a concern or declare a family relationship with a pupil, use /report-concern or
/declare-relationship in Slack or Teams (they go privately to the headteacher)."""


def cmd_chat(args: argparse.Namespace) -> int:
    try:
        settings = args.tenancy.settings()
        assistant = _assistant(
            settings, "none" if args.no_model else None, today_of(args), args.tenancy
        )
    except (ConfigError, CorpusError) as e:
        return _fail(str(e))
    assistant.start_warmup()  # answers with BM25 until the model has loaded
    interactive = sys.stdin.isatty()
    docs = ", ".join(d.title for d in assistant.documents)
    print(BANNER)
    print(f"Policies: {docs}.")
    while True:
        try:
            line = input("you> " if interactive else "")
        except EOFError:
            print()
            return 0
        q = line.strip()
        if not q:
            continue
        if q.lower() in {"quit", "exit", "bye", ":q"}:
            return 0
        if q.lower() in {"help", "?"}:
            print(HELP)
            continue
        answer: Answer = assistant.ask(q)
        print("bot> " + answer.text.replace("\n", "\n     "))
        print()


@_guarded
def cmd_index(args: argparse.Namespace) -> int:
    from bot.retrieval.embedders import describe, load_embedder

    settings = args.tenancy.settings()
    cache = settings.data_dir / "cache"
    if args.graph_only:
        return _graph_only(settings.model, cache)
    t0 = time.perf_counter()
    # files the index will not hold; the rest parsed into the cache the service starts from
    failures = read_corpus(settings.corpus_dir, parse_cache(settings.data_dir)).failures
    print_failures(failures)
    assistant = _assistant(settings, "none", tenancy=args.tenancy)
    n = len(assistant.index.units)
    print(f"Read {len(assistant.documents)} policies, {n} clauses from {settings.corpus_dir}")
    _progress(0, 3, "BM25 index built")
    _progress(1, 3, "loading the embedding model")
    embedder = load_embedder(
        settings.model,
        cache,
        on_export=lambda: _progress(1, 3, "exporting the model to ONNX (once, ~1 min)"),
        retry_failed_export=True,
    )
    if embedder is None:
        _progress(3, 3, "done (no embedding model available: BM25 only)")
        print()
        _taught_notes(settings, assistant.documents)
        return 0
    _progress(2, 3, "embedding the policies")
    assistant.index.attach_embedder(embedder, cache)
    _progress(3, 3, "embeddings cached")
    print(f"\nEmbeddings: {describe(embedder)}")
    print(f"Index ready in {time.perf_counter() - t0:.1f}s; cache: {cache}")
    _taught_notes(settings, assistant.documents)
    return 0


def _graph_only(model: str | None, cache: Path) -> int:
    from bot.retrieval.embedders import describe, load_embedder

    print("… building the embedding model's ONNX graph if there is none (once, ~1 min)")
    embedder = load_embedder(model, cache, retry_failed_export=True)
    if embedder is None:
        return _fail("no embedding model could be loaded (see the warning above)")
    print(f"Embeddings: {describe(embedder)}")
    return 0 if getattr(embedder, "folder", None) is not None else 1


def _taught_notes(settings: Settings, documents: list[Document]) -> None:
    """After a re-index: the curated questions that name no clause, and the learned links held
    for re-review or dropped because their clause changed or went."""
    taught = handbook_notes(settings, documents)
    for link in taught.links:
        print(link_line(link))
    print_failures(taught.failures)


def _progress(done: int, total: int, label: str) -> None:
    width = 30
    filled = int(width * done / total)
    sys.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<45}")
    sys.stdout.flush()


def corpus_rows(docs: list[Document], today: dt.date | None = None) -> list[dict[str, Any]]:
    return [
        {
            "title": d.title,
            "file": d.source,
            "clauses": len([c for c in d.clauses if c.text]),
            "school": d.school,
            "approved": d.approval_date,
            "review_frequency": d.review_frequency,
            "next_review": d.next_review,
            "next_review_date": d.next_review_date.isoformat() if d.next_review_date else None,
            "overdue": d.overdue(today or dt.date.today()),
            "warnings": list(d.warnings),
        }
        for d in docs
    ]


def print_failures(failures: list[Failure]) -> None:
    for f in failures:
        print(f.line())


@_guarded
def cmd_corpus(args: argparse.Namespace) -> int:
    """Every policy file in the folder: what was read from it, or ✘ and what to do. In a trust,
    the trust's policies the school answers from too, and which of them its own replace."""
    settings = args.tenancy.settings()
    corpus = read_corpus(settings.corpus_dir)
    today = today_of(args)()
    rows = corpus_rows(corpus.documents, today)
    taught = handbook_notes(settings, corpus.documents)  # questions.toml, learned links
    failures = corpus.failures + taught.failures
    failed = [{"file": f.file, "reason": f.reason, "fix": f.fix} for f in failures]
    trust_docs, shadows = args.tenancy.shadows(settings)
    replaced = {title_key(s.school.title): s.trust for s in shadows}
    for row, doc in zip(rows, corpus.documents, strict=True):
        if args.tenancy.trust is not None:
            trust = replaced.get(title_key(doc.title))
            row["shadows"] = {"title": trust.title, "file": trust.source} if trust else None
    if args.json:
        out: dict[str, Any] = {
            "folder": str(settings.corpus_dir),
            "documents": rows,
            "failures": failed,
            "curated_questions": taught.curated,
            "learned_links": [
                {"number": s.number, "status": s.status, "note": s.note} for s in taught.links
            ],
        }
        if args.tenancy.trust is not None:
            out["trust_folder"] = str(args.tenancy.trust.policies or "")
            out["trust_documents"] = corpus_rows(trust_docs, today)
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 1 if failed else 0
    if args.tenancy.trust is not None and args.tenancy.trust.policies is not None:
        print(f"The trust's policies in {args.tenancy.trust.policies}, for every school:")
        for r in corpus_rows(trust_docs, today):
            _print_row(r)
        for shadow in shadows:
            print(f"  – {shadow.trust.title} ({shadow.trust.source}): replaced by the school's own")
    print(f"Policies in {settings.corpus_dir}:")
    for r in rows:
        _print_row(r)
    if not rows:
        print("  (no readable policies)")
    if taught.curated:
        print(f"  ✔ {QUESTIONS_FILE}: {taught.curated} curated questions")
    for link in taught.links:
        print(f"  {link_line(link)}")
    print_failures(failures)
    return 1 if failed or not (rows or trust_docs) else 0


def _print_row(r: dict[str, Any]) -> None:
    status = "OVERDUE for review" if r["overdue"] else "current"
    shadow = r.get("shadows")
    instead = f"; replaces the trust's {shadow['title']} ({shadow['file']})" if shadow else ""
    print(
        f"  ✔ {r['title']} ({r['file']}): {r['clauses']} clauses; "
        f"approved {r['approved'] or '?'}; "
        f"next review {r['next_review'] or r['next_review_date'] or '?'} — {status}{instead}"
    )
    for w in r["warnings"]:
        print(f"      note: {w}")


@_guarded
def cmd_eval(args: argparse.Namespace) -> int:
    from bot.evaluation import evaluate, read_questions

    try:
        questions = read_questions(Path(args.file))
    except (OSError, EvalFileError) as e:
        return _fail(str(e))
    assistant = load_assistant(args.no_model, today=today_of(args), tenancy=args.tenancy)
    if args.doc and not any(d.source == args.doc for d in assistant.documents):
        return _fail(f"--doc {args.doc}: no policy file of that name in the policy folder")
    t0 = time.perf_counter()
    report = evaluate(questions, assistant.ask, assistant.documents, default_doc=args.doc)
    metrics = report.metrics()
    metrics["ms_per_question"] = round(
        1000 * (time.perf_counter() - t0) / max(len(questions), 1), 1
    )
    metrics["dense"] = assistant.dense_ready
    if args.json:
        print(json.dumps(metrics))
    else:
        for k, v in metrics.items():
            print(f"{k:>26}: {v}")
    if args.misses:
        for m in report.misses:
            doc = f" doc={m['doc']} cited_docs={m['cited_docs']}" if m.get("doc") else ""
            outcome = f" outcome={m['outcome']}" if m.get("outcome") else ""
            print(f"MISS {m['q']!r} gold={m['gold']} cited={m['cited']}{outcome}{doc}")
    return 0
