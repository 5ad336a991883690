"""`policybot learned list | approve N | reject N | remove N`: what staff suggested after "Was it
one of these?" (bot/learning/), from the command line. Whoever holds the shell and the key can do
everything anyway, so these act as the school (decisions are recorded as "command line")."""

from __future__ import annotations

import argparse
import json
import sys
from types import SimpleNamespace
from typing import Any

from bot.learning.service import NO_RULE, Learning
from bot.learning.suggestions import DROPPED, REJECTED, Suggestion
from bot.people import Actor
from bot.store import Store

CLI_ACTOR = Actor(platform="cli", role="command line")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "learned", help="suggestions staff made (was it one of these?): list, approve, reject"
    )
    lsub = p.add_subparsers(dest="learned_command", metavar="ACTION")
    lsub.required = True
    q = lsub.add_parser("list", help="suggestions waiting, approved, held or dropped")
    q.add_argument("--all", action="store_true", help="rejected ones too")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=_list)
    for name, text in (
        ("approve", "use a suggestion in answers, for everyone"),
        ("reject", "turn a suggestion down (answers stay as they were)"),
        ("remove", "delete a suggestion or an approved link"),
    ):
        q = lsub.add_parser(name, help=text)
        q.add_argument("number", type=int, help="the suggestion's number (#N in the list)")
        q.set_defaults(func=_decide, decision=name)


def _learning(args: argparse.Namespace) -> tuple[Learning, Store]:
    """The school's suggestions (in a trust, the ``--school`` one's), with its policies as they
    are read now (links whose clause changed or went are held or dropped first, as at a
    re-index)."""
    settings = args.tenancy.settings()
    store = Store.configured(settings)
    documents = args.tenancy.documents(settings)
    learning = Learning(store, settings, assistant=lambda: SimpleNamespace(documents=documents))
    learning.reconcile(documents)
    return learning, store


def _list(args: argparse.Namespace) -> int:
    learning, store = _learning(args)
    try:
        rows = learning.suggestions.select()
        documents = learning.documents()
        shown = [s for s in rows if args.all or s.status != REJECTED]
        if args.json:
            print(json.dumps([_json(learning, s, documents) for s in shown], ensure_ascii=False))
            return 0
        if not shown:
            print("No suggestions yet.")
        for s in shown:
            print(_line(s))
        return 0
    finally:
        store.close()


def _line(s: Suggestion) -> str:
    votes = f" ({s.votes} staff)" if s.votes > 1 else ""
    given = s.given.label if s.given else NO_RULE
    lines = [
        f"#{s.number:<4} {s.status:<9} “{s.question}”",
        f"      first given: {given}; picked: {s.picked.label}{votes}",
    ]
    if s.note:
        lines.append(f"      {'dropped' if s.status == DROPPED else 'held'}: {s.note}")
    return "\n".join(lines)


def _json(learning: Learning, s: Suggestion, documents: Any) -> dict[str, Any]:
    item = learning.review_item(s, documents)
    return {
        "number": s.number,
        "status": s.status,
        "question": s.question,
        "given": s.given.label if s.given else None,
        "picked": s.picked.label,
        "picked_quote": item.picked_lines,
        "votes": s.votes,
        "created_at": s.created_at,
        "decided_at": s.decided_at or None,
        "decided_by": s.decided_by or None,
        "note": s.note or None,
    }


def _decide(args: argparse.Namespace) -> int:
    learning, store = _learning(args)
    try:
        action = {"approve": learning.approve, "reject": learning.reject,
                  "remove": learning.remove}[args.decision]  # fmt: skip
        decision = action(args.number, CLI_ACTOR)
    finally:
        store.close()
    if not decision.ok:
        print(f"policybot: {decision.message}", file=sys.stderr)
        return 1
    print(decision.message)
    if args.decision != "reject":
        print("Running services use it from their next question.")
    return 0
