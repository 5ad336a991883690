"""`policybot schools add|list|check` and `policybot trust overview`: a multi-academy trust's
commands (bot/trust/). They need ``POLICYBOT_TRUST``, the trust's file of schools; ``schools
add`` creates it. The work is in bot/trust/schools.py; this module parses and prints."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.errors import ConfigError, CorpusError
from bot.handbook import PoliciesLoading
from bot.ops.result import Check
from bot.trust.config import SchoolEntry, TrustConfig, load_trust, trust_path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    s = sub.add_parser("schools", help="a trust's schools: add, list, check (POLICYBOT_TRUST)")
    ssub = s.add_subparsers(dest="schools_command", metavar="ACTION")
    ssub.required = True
    q = ssub.add_parser("add", help="add a school to the trust file (its key file is made 0600)")
    q.add_argument("name", help="short name, e.g. hill-top (what --school takes)")
    q.add_argument("--config", type=Path, required=True, help="the school's policybot.toml")
    q.add_argument("--policies", type=Path, required=True, help="the school's policy folder")
    q.add_argument("--slack-team", dest="slack_teams", action="append", metavar="T…",
                   help="its Slack workspace id (repeat for more)")  # fmt: skip
    q.add_argument("--teams-tenant", metavar="TENANT", help="its Microsoft 365 tenant id")
    q.add_argument("--teams-team", dest="teams_teams", action="append", metavar="19:…",
                   help="where schools share a tenant: a Teams team of this school (repeat)")  # fmt: skip
    q.add_argument("--data-dir", type=Path, help="default: the trust's data_dir/schools/NAME")
    q.add_argument("--key-file", type=Path, help="default: the trust's keys_dir/NAME.key")
    q.set_defaults(func=_add)
    q = ssub.add_parser("list", help="the schools and where each one's things are")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_list)
    q = ssub.add_parser("check", help="per school, the ✔/✘ lines of `policybot check`")
    q.add_argument("--platform", choices=["slack", "teams", "all"], default="all")
    q.add_argument("--deep", action="store_true", help="also load the embedding model (slow)")
    q.add_argument("--timeout", type=float, default=5.0, help="seconds per chat API call")
    q.set_defaults(func=run_schools_check)

    t = sub.add_parser("trust", help="the trust's view of its schools (counts only)")
    tsub = t.add_subparsers(dest="trust_command", metavar="ACTION")
    tsub.required = True
    q = tsub.add_parser("overview", help="per school: open concerns by age, undelivered "
                        "notices, overdue policies, read-and-understood progress")  # fmt: skip
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_overview)


def _trust(args: argparse.Namespace) -> TrustConfig:
    trust: TrustConfig | None = args.tenancy.trust
    path = trust_path(args.tenancy.env)
    if trust is None and path is not None:
        return load_trust(path)  # a missing file: ConfigError saying `schools add` makes it
    if trust is None:
        raise ConfigError(
            "POLICYBOT_TRUST is not set: point it at the trust's file of schools (e.g. "
            "/etc/policybot/trust.toml; `policybot schools add` creates it)"
        )
    return trust


def _add(args: argparse.Namespace) -> int:
    from bot.trust.schools import add_school

    path = trust_path(args.tenancy.env)
    if path is None:
        _trust(args)  # raises, saying what to set
        return 2
    more: dict[str, Any] = {
        k: getattr(args, k)
        for k in ("slack_teams", "teams_tenant", "teams_teams", "data_dir", "key_file")
        if getattr(args, k)
    }
    added = add_school(path, args.name, args.config, args.policies, args.tenancy.env, **more)
    entry = added.entry
    if added.trust_created:
        print(f"Created the trust file {path} (mode 0640): fill in [trust] (name, contact).")
    print(f"Added school {entry.name} ({added.school_name}) to {path}.")
    print(f"  config {entry.config}; policies {entry.policies}; data {entry.data_dir}")
    if added.key_created:
        print(f"  key: a new key in {entry.key_file} (mode 0600). Back it up now, apart from the "
              "data backups: without it this school's reports cannot be read.")  # fmt: skip
    else:
        print(f"  key: {entry.key_file} (existing)")
    print(f"Then: `policybot schools check`, and restart policybot to serve {entry.name}.")
    return 0


def _list(args: argparse.Namespace) -> int:
    from bot.trust.schools import school_rows

    trust = _trust(args)
    rows = school_rows(trust)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{trust.name} ({trust.path}): {len(rows)} school(s)")
    for r in rows:
        print(f"  {r['school']}: config {r['config']}; policies {r['policies']}; data "
              f"{r['data_dir']}; key {r['key_file']}; Slack {r['slack']}; Teams {r['teams']}")  # fmt: skip
    return 0


def run_schools_check(args: argparse.Namespace, only: SchoolEntry | None = None) -> int:
    """Every school's ✔/✘ lines (or ``only`` one school's, for `check --school`)."""
    from bot.trust.schools import check_trust

    trust = _trust(args)
    if only is not None:
        trust = replace(trust, schools={only.name: only})
    slack = None
    if args.platform in ("slack", "all"):  # the installation store is the Slack front end's
        slack = importlib.import_module("handlers.slack.installs").checks
    sections = check_trust(
        trust, args.tenancy.env, args.platform, deep=args.deep, timeout=args.timeout, slack=slack
    )
    failed: list[Check] = []
    for heading, checks in sections:
        print(f"== {heading}")
        for c in checks:
            for line in c.lines():
                print(line)
        failed += [c for c in checks if not c.ok]
    if failed:
        print(f"\n{len(failed)} problem(s) found.")
        return 1
    print("\nAll checks passed.")
    return 0


def _overview(args: argparse.Namespace) -> int:
    from bot.trust.overview import overview_text, school_counts
    from bot.trust.root import school_runtime

    trust = _trust(args)
    counts = []
    for name, entry in sorted(trust.schools.items()):
        runtime = school_runtime(trust, entry, args.tenancy.env, clock=getattr(args, "clock", None))
        try:
            with contextlib.suppress(CorpusError, PoliciesLoading):
                runtime.handbook.documents()  # overdue policies are counted from the handbook
            counts.append(school_counts(name, runtime))
        finally:
            runtime.close()
    if args.json:
        print(json.dumps([{**vars(c), "open_total": c.open_total} for c in counts], indent=2))
        return 0
    print(overview_text(trust.name, counts))
    print("Counts come from times and states only: no report was opened.", file=sys.stderr)
    return 0
