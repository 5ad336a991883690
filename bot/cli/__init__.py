"""`policybot` command line. Each module in COMMAND_MODULES adds its own sub-commands.

The console chat is just another front end over the same core the Slack and Teams apps use.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.cli.tenancy import add_school_option, resolve
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
    "bot.cli.schools",  # schools add|list|check, trust overview (a multi-academy trust)
]
# Commands that act on no one school's data, so take no --school (bot/cli/tenancy.py): the
# servers serve every school, `schools` and `trust` are about all of them, the rest touch none.
NO_SCHOOL = {"serve", "teams", "schools", "trust", ("key", "generate")}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policybot",
        description="School policy assistant: cited answers, concern reports, relationship declarations.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    for name, command in sub.choices.items():
        _school_option(command, (name,))
    return parser


def _school_option(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
    """``--school`` on a command and each of its sub-commands, unless it names no school."""
    if path[0] in NO_SCHOOL or path in NO_SCHOOL:
        return
    add_school_option(parser)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                _school_option(child, (*path, name))


def main(argv: Sequence[str] | None = None, *, clock: Callable[[], datetime] | None = None) -> int:
    """Run one command. `clock` is the process's one clock (default: the real UTC time); tests
    pass their fake clock so what a command stamps agrees with what they then advance."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.clock = clock
    if default_format() == "json":  # stderr goes to a log, not a person: no progress bars in it
        quiet_progress_bars()
    try:
        args.tenancy = resolve(args)  # which school (in a trust), decided here and passed in
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
