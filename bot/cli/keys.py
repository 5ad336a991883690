"""`policybot key generate|rotate|reencrypt`: the encryption key's commands. The work is done
in bot/keys/ (which owns the key); this module only parses arguments and prints the outcome.
A failure is a PolicybotError, printed once by bot/cli/__init__.py."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.keys import new_key, rotation, write_key_file


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    k = sub.add_parser("key", help="encryption key for report records")
    ksub = k.add_subparsers(dest="key_command", metavar="ACTION")
    ksub.required = True
    q = ksub.add_parser("generate", help="print a new key, or write it to --file (0600)")
    q.add_argument("--file", type=Path, help="write the key here instead of printing it")
    q.set_defaults(func=_generate_key)
    q = ksub.add_parser(
        "rotate",
        help="move to a new key: write it (with the current one after it) to --new-key-file "
        "and re-encrypt every stored record under it",
    )
    q.add_argument(
        "--new-key-file", type=Path, required=True, help="created 0600; never overwritten"
    )
    q.set_defaults(func=_rotate_key)
    q = ksub.add_parser(
        "reencrypt", help="re-encrypt every stored record under the first configured key"
    )
    q.set_defaults(func=_reencrypt)


def _generate_key(args: argparse.Namespace) -> int:
    key = new_key()
    if args.file is None:
        print(key.decode())
        print(
            "Keep this key outside the data directory (POLICYBOT_KEY or POLICYBOT_KEY_FILE). "
            "Without it the reports cannot be read.",
            file=sys.stderr,
        )
        return 0
    write_key_file(args.file, [key], bare=True)
    print(f"Wrote a new key to {args.file} (mode 0600). Set POLICYBOT_KEY_FILE={args.file}")
    return 0


def _rotate_key(args: argparse.Namespace) -> int:
    path: Path = args.new_key_file
    done = rotation.rotate(args.tenancy.settings(), path)
    print(
        f"Re-encrypted {done.values} stored values under a new key, written to {path} "
        f"(mode 0600).\n"
        f"Next: set POLICYBOT_KEY_FILE={path} (and unset POLICYBOT_KEY) and restart policybot.\n"
        f"{_in_trust(args, path)}"
        "The file also holds the previous key, so anything written before the restart and "
        "backups made before today stay readable. After the restart, run "
        "`policybot key reencrypt`; delete the older line(s) once no backup you keep needs them."
    )
    return 0


def _reencrypt(args: argparse.Namespace) -> int:
    settings = args.tenancy.settings()
    done = rotation.reencrypt(settings)
    print(f"Re-encrypted {done.values} stored values under the first key in {settings.key_source}.")
    if done.older_keys:
        print(
            f"The {done.older_keys} older key(s) there now only open backups made before the "
            "rotation: delete their lines when no backup you keep needs them."
        )
    return 0


def _in_trust(args: argparse.Namespace, path: Path) -> str:
    """In a trust, a school's key file is named in the trust file, not the environment."""
    entry = args.tenancy.entry
    if entry is None:
        return ""
    return (
        f'In a trust: instead, set key_file = "{path}" under [schools.{entry.name}] in '
        f"{args.tenancy.trust.path} (this school only) and restart policybot.\n"
    )
