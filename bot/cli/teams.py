"""`policybot teams package [--out FILE]`: build the Microsoft Teams app upload zip.

The packaging code lives with the Teams front end (handlers/teams/package.py) and is imported only
when the command runs, so the core never depends on it.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("teams", help="Microsoft Teams app tools")
    teams_sub = p.add_subparsers(dest="teams_command", metavar="COMMAND")
    teams_sub.required = True
    pkg = teams_sub.add_parser(
        "package", help="build the app package (zip) to upload in the Teams admin centre"
    )
    pkg.add_argument("--out", type=Path, default=Path("policybot-teams.zip"), help="zip to write")
    pkg.add_argument("--app-id", default=None, help="Microsoft App ID (default: $MicrosoftAppId)")
    pkg.add_argument(
        "--name",
        default=None,
        help="bot name in Teams (default: $POLICYBOT_TEAMS_BOT_NAME or PolicyBot)",
    )
    pkg.add_argument("--version", default=None, help="app version, e.g. 1.0.1 (bump on re-upload)")
    pkg.add_argument("--developer-name", default=None, help="shown on the app's About page")
    pkg.add_argument("--website-url", default=None, help="https:// URL for the About page")
    pkg.add_argument("--privacy-url", default=None, help="https:// URL of the privacy notice")
    pkg.add_argument("--terms-url", default=None, help="https:// URL of the terms of use")
    pkg.set_defaults(func=_package)


def _school_name() -> str:
    if not os.environ.get("POLICYBOT_CONFIG", "").strip():
        return ""
    from bot.config import load_settings
    from bot.errors import ConfigError

    try:
        return load_settings(os.environ).school_name
    except ConfigError as exc:
        print(f"warning: {exc}; leaving the school's name out", file=sys.stderr)
        return ""


def _package(args: argparse.Namespace) -> int:
    package = importlib.import_module("handlers.teams.package")
    app_id = args.app_id if args.app_id is not None else os.environ.get("MicrosoftAppId", "")  # noqa: SIM112 - Azure's name
    name = args.name or os.environ.get("POLICYBOT_TEAMS_BOT_NAME", "") or package.DEFAULT_NAME
    school = _school_name()
    developer = {
        "name": args.developer_name or (school if school and school != "the school" else ""),
        "websiteUrl": args.website_url,
        "privacyUrl": args.privacy_url,
        "termsOfUseUrl": args.terms_url,
    }
    out = package.build_package(  # a PackageError is printed by bot/cli/__init__.py
        args.out,
        app_id=app_id,
        bot_name=name,
        school_name=school if school != "the school" else "",
        developer={k: v for k, v in developer.items() if v},
        version=args.version,
    )
    print(f"Wrote {out}. Upload it in the Teams admin centre: Teams apps → Manage apps → Upload.")
    return 0
