"""`policybot` command line. Each module in COMMAND_MODULES adds its own sub-commands.

The console chat is just another front end over the same core the Slack and Teams apps use.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.errors import PolicybotError
from bot.logs import default_format, quiet_progress_bars

# Each module exposes `register(subparsers)`; parsers set `func=callable(args) -> int`.
COMMAND_MODULES = [
    "bot.cli.policy",  # ask, chat, index, corpus, eval
    "bot.cli.serve",  # serve slack|teams
    "bot.cli.teams",  # teams package
    "bot.cli.reports",  # reports …, audit verify
    "bot.cli.keys",  # key generate|rotate|reencrypt
    "bot.cli.ops",  # check, backup, restore
    "bot.cli.policies",  # policies publish|receipts|rounds|remind, staff import|list
    "bot.cli.learned",  # learned list|approve|reject|remove
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policybot",
        description="School policy assistant: cited answers, concern reports, relationship declarations.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None, *, clock: Callable[[], datetime] | None = None) -> int:
    """Run one command. `clock` is the process's one clock (default: the real UTC time); tests
    pass their fake clock so what a command stamps agrees with what they then advance."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.clock = clock
    if default_format() == "json":  # stderr goes to a log, not a person: no progress bars in it
        quiet_progress_bars()
    try:
        return int(args.func(args) or 0)
    except PolicybotError as exc:  # every deliberate error (bot/errors.py): its message only
        print(f"policybot: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
