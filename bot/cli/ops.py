"""`policybot check`, `policybot backup DEST`, `policybot restore SRC`: for the school's IT
admin. The work is in bot/ops/; this module parses and prints. Nothing here prints a secret;
a refusal is a PolicybotError printed once by bot/cli/__init__.py."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.errors import OpsError
from bot.ops.backup import KEY_WARNING, backup, restore
from bot.ops.check import run_checks


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "check", help="check config, secrets, permissions, key, model and the chat APIs"
    )
    p.add_argument(
        "--platform",
        choices=["slack", "teams", "all"],
        default="all",
        help="which chat platform's secrets and API to check (default all)",
    )
    p.add_argument("--deep", action="store_true", help="also load the embedding model (slow)")
    p.add_argument(
        "--timeout", type=float, default=5.0, help="seconds to wait for each chat API (default 5)"
    )
    p.set_defaults(func=_check)

    p = sub.add_parser("backup", help="copy the database to DEST (safe while running)")
    p.add_argument("dest", type=Path, help="a file to create (0600), or a folder")
    p.add_argument("--force", action="store_true", help="overwrite DEST if it exists")
    p.set_defaults(func=_backup)

    p = sub.add_parser("restore", help="put a backup in place as the database")
    p.add_argument("src", type=Path, help="a file made by `policybot backup`")
    p.add_argument(
        "--force",
        action="store_true",
        help="replace an existing database (it is kept as policybot.db.pre-restore-TIME)",
    )
    p.set_defaults(func=_restore)


def _check(args: argparse.Namespace) -> int:
    if args.tenancy.trust is not None:  # a trust: each school's lines (schools check)
        from bot.cli.schools import run_schools_check

        return run_schools_check(args, only=args.tenancy.entry)
    checks = run_checks(args.tenancy.env, args.platform, deep=args.deep, timeout=args.timeout)
    for c in checks:
        for line in c.lines():
            print(line)
    failed = [c for c in checks if not c.ok]
    if failed:
        print(f"\n{len(failed)} problem(s) found.")
        return 1
    print("\nAll checks passed.")
    return 0


def _backup(args: argparse.Namespace) -> int:
    settings = args.tenancy.settings()
    try:
        info = backup(settings, args.dest, force=args.force)
    except OSError as exc:  # the disk, not policybot: still refused with its reason
        raise OpsError(f"backup failed: {exc}") from exc
    with_files = f", with {' and '.join(info.companions)}" if info.companions else ""
    print(
        f"Backed up {info.reports} reports and {info.audit_rows} audit entries{with_files} to "
        f"{info.path} ({info.bytes} bytes, mode 0600)."
    )
    print(f"WARNING: {KEY_WARNING}", file=sys.stderr)
    return 0


def _restore(args: argparse.Namespace) -> int:
    settings = args.tenancy.settings()
    try:
        info = restore(settings, args.src, force=args.force)
    except OSError as exc:  # the disk, not policybot: still refused with its reason
        raise OpsError(f"restore refused: {exc}") from exc
    if info.previous is not None:
        print(f"The previous database was kept as {info.previous}.")
    print(
        f"Restored {info.reports} reports and {info.audit_rows} audit entries to {settings.db_path}."
    )
    if info.companions:
        print(f"Restored {' and '.join(info.companions)} beside it.")
    if not info.audit_ok:
        print(f"Audit log FAILED verification: {info.audit_message}", file=sys.stderr)
        return 1
    print(f"Audit log verified: {info.audit_message}")
    return 0
