"""Turn the handbook questions' verbatim gold snippets into the clause ids the parser gives them.

The handbook question files (benchmarks/data/handbook_questions*.jsonl) were written before the
parser settled its ids, so each in-scope question names its document and one or more verbatim
snippets of the passage that answers it:

    {"q": "...", "doc": "attendance.txt", "gold_text": ["marked as absent for the session"]}

This script parses tests/fixtures/handbook/ with the project's own loader, finds the one clause
of that document whose text holds each snippet, and writes "gold": [ids] back into the file in
place (gold_text and doc are kept, so it can be run again whenever the parser changes):

    PYTHONPATH=$PWD .venv/bin/python benchmarks/handbook_gold.py [FILE ...] [--check]
        [--handbook FOLDER]

With --check nothing is written; the exit code says whether every snippet still resolves and
every stored gold list is what the parser gives today. It fails loudly, naming the file and line,
when a snippet is in no clause, only in a heading, or in more than one clause: a gold id that
silently pointed at the wrong clause would make every later retrieval score a lie.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.corpus.loader import load_corpus  # noqa: E402
from bot.corpus.model import Clause, Document  # noqa: E402

HANDBOOK = ROOT / "tests" / "fixtures" / "handbook"
DEFAULT_FILES = [
    ROOT / "benchmarks" / "data" / "handbook_questions.jsonl",
    ROOT / "benchmarks" / "data" / "handbook_questions_2.jsonl",
]
_SPACE = re.compile(r"\s+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


class GoldError(Exception):
    """A snippet does not name exactly one clause; the message names the file and line."""


def normalise(text: str) -> str:
    """Compare text as a reader sees it: curly quotes straightened, runs of spaces and line breaks
    as one space (a PDF or a hard-wrapped Markdown paragraph breaks lines where it likes)."""
    return _SPACE.sub(" ", text.translate(_QUOTES)).strip()


@dataclass
class Resolved:
    ids: list[str]
    problems: list[str]


def clause_for(doc: Document, snippet: str) -> tuple[str | None, str]:
    """The id of the one clause of doc whose own text holds snippet, or None and why not."""
    want = normalise(snippet)
    own = [c for c in doc.clauses if want in normalise(c.text)]
    if len(own) == 1:
        return own[0].id, ""
    if len(own) > 1:
        return None, f"in {len(own)} clauses ({', '.join(c.id for c in own)}): make it longer"
    # Not in one clause's own text: a snippet running from an intro into its list lives in the
    # parent's full text; take the innermost clause that holds all of it.
    whole = [c for c in doc.clauses if want in normalise(c.full_text)]
    if whole:
        return _innermost(whole).id, ""
    headings = {h for c in doc.clauses for h in (*c.path, c.section_title, c.heading) if h}
    if any(want in normalise(h) for h in headings | {doc.title}):
        return None, "only in a heading, and headings are never an answer: quote the clause text"
    return None, "in no clause of the parsed document (check the parser, or the snippet's words)"


def _innermost(clauses: list[Clause]) -> Clause:
    return min(clauses, key=lambda c: len(normalise(c.full_text)))


def resolve(record: dict, docs: dict[str, Document]) -> Resolved:
    doc = docs.get(record.get("doc", ""))
    if doc is None:
        return Resolved([], [f"document {record.get('doc')!r} is not in the policy folder"])
    ids: list[str] = []
    problems: list[str] = []
    for snippet in record["gold_text"]:
        clause_id, why = clause_for(doc, snippet)
        if clause_id is None:
            problems.append(f"{snippet!r} is {why}")
        elif clause_id not in ids:
            ids.append(clause_id)
    return Resolved(ids, problems)


def process(path: Path, docs: dict[str, Document], write: bool) -> list[str]:
    """Resolve every in-scope line of path; rewrite it when write and nothing failed. Returns the
    problems, each naming path:line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[str] = []
    problems: list[str] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(f"{path.name}:{n}: not JSON ({e.msg}): fix the line")
            continue
        if "gold_text" in record:
            result = resolve(record, docs)
            problems += [f"{path.name}:{n}: {p}" for p in result.problems]
            if not write and record.get("gold") != result.ids and not result.problems:
                problems.append(
                    f"{path.name}:{n}: stored gold {record.get('gold')} but the parser gives "
                    f"{result.ids}: run without --check to update"
                )
            record["gold"] = result.ids
        else:
            record.setdefault("gold", [])
        out.append(json.dumps(record, ensure_ascii=False))
    if write and not problems:
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, help="question files (default: both)")
    parser.add_argument("--check", action="store_true", help="verify only, write nothing")
    parser.add_argument("--handbook", type=Path, default=HANDBOOK, help="policy folder")
    args = parser.parse_args(argv)
    docs = {d.source: d for d in load_corpus(args.handbook)}
    problems: list[str] = []
    for path in args.files or DEFAULT_FILES:
        problems += process(path, docs, write=not args.check)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"{len(problems)} gold snippet(s) did not resolve; nothing written", file=sys.stderr)
        return 1
    print("every gold snippet resolves to one clause" + ("" if args.check else "; files updated"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
