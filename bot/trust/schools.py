"""`policybot schools add|list|check`: the trust's IT admin's tools for its schools.

``add`` writes one ``[schools.NAME]`` table to the end of the trust file (everything above it,
comments included, stays as written) after checking that the school's config reads and that
nothing of it is another school's; it makes the school's key file (0600) when there is none.
``check`` gives, per school, the ✔/✘ lines `policybot check` gives a single school, plus what
only a trust has: the trust's own policies, each school's key apart from every other, the
trust's people where a school consents to them, and how its Slack and Teams requests arrive.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from bot.config import TENANT_ID_RE, Settings
from bot.corpus import read_corpus
from bot.errors import ConfigError, CorpusError
from bot.keys import new_key, parse_keys, write_key_file
from bot.ops.check import model_check, school_checks, secret_checks
from bot.ops.result import Check
from bot.trust.config import (
    SCHOOL_NAME_RE,
    TEAMS_TEAM_RE,
    SchoolEntry,
    TrustConfig,
    check_apart,
    load_trust,
)
from bot.trust.root import school_settings

TRUST_HEADER = """# policybot: one service for the trust's schools (README: "For the trust's IT team").
# `policybot schools add` appends a [schools.NAME] table for each school.
[trust]
name = {name}
# policies = "/srv/policybot/trust-policies"   # the trust's own policies, for every school
# data_dir = "/var/lib/policybot"              # schools' data under schools/NAME, Slack installs
# keys_dir = "{keys}"                           # each school's key: NAME.key (default: beside this file)
# audit_dir = "/var/log/policybot"             # each school's audit head: NAME.audit-head
# contact = "the Trust IT service desk (it@example.org.uk)"   # who unmapped people are told to ask
"""
SLACK_TRUST_SECRETS = {
    "SLACK_CLIENT_ID": "Basic Information → App Credentials → Client ID",
    "SLACK_CLIENT_SECRET": "Basic Information → App Credentials → Client Secret",
    "SLACK_SIGNING_SECRET": "Basic Information → App Credentials → Signing Secret",
}
SlackChecks = Callable[[TrustConfig, Mapping[str, str], float], dict[str, list[Check]]]


@dataclass(frozen=True)
class Added:
    entry: SchoolEntry
    school_name: str
    key_created: bool
    trust_created: bool


def add_school(
    path: Path,
    name: str,
    config: Path,
    policies: Path,
    env: Mapping[str, str],
    **more: object,
) -> Added:
    """Add a school to the trust file at ``path`` (created if missing). ``more``: slack_teams,
    teams_tenant, teams_teams, data_dir, key_file (the trust's defaults otherwise)."""
    if not SCHOOL_NAME_RE.match(name):
        raise ConfigError(
            f"{name!r}: a school's name is lower-case letters, digits and hyphens (at most 40), "
            "e.g. hill-top; it is what --school takes"
        )
    created = not path.exists()
    if created:
        keys = path.parent / "keys"
        path.parent.mkdir(parents=True, exist_ok=True)
        _write(path, TRUST_HEADER.format(name=json.dumps("the trust"), keys=keys), created=True)
    trust = load_trust(path)
    if name in trust.schools:
        raise ConfigError(f"{path}: there is a school called {name!r} already (schools list)")
    tenant = str(more.get("teams_tenant") or "").lower()
    if tenant and not TENANT_ID_RE.match(tenant):
        raise ConfigError(f"--teams-tenant: {tenant!r} is not a tenant id (Entra ID → Overview)")
    for team in more.get("teams_teams") or ():  # type: ignore[attr-defined]
        if not TEAMS_TEAM_RE.match(str(team)):
            raise ConfigError(f"--teams-team: {team!r} is not a Teams team id (19:…)")
    config, policies = config.expanduser().resolve(), policies.expanduser().resolve()
    if not policies.is_dir():
        raise ConfigError(
            f"--policies: {policies} is not a folder (make it and put the policies in)"
        )
    entry = trust.default_entry(name, config, policies, **more)
    check_apart(replace(trust, schools={**trust.schools, name: entry}))
    key_created = not entry.key_file.exists()
    if key_created:  # a folder of keys only the service (and root) may read
        entry.key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_key_file(entry.key_file, [new_key()], bare=True)
    try:
        settings = school_settings(trust, entry, env)
    except ConfigError:
        if key_created:  # nothing of a school that was not added is left behind
            entry.key_file.unlink()
        raise
    _write(path, path.read_text() + _table(entry, given=more))
    return Added(entry, settings.school_name, key_created, created)


def _table(entry: SchoolEntry, given: Mapping[str, object]) -> str:
    """The school's TOML table: what was given, the trust's defaults left implicit."""
    lines = ["", f"[schools.{entry.name}]"]
    values: list[tuple[str, object]] = [
        ("config", str(entry.config)),
        ("policies", str(entry.policies)),
    ]
    for key in ("data_dir", "key_file", "audit_head_file"):
        if given.get(key):
            values.append((key, str(getattr(entry, key))))
    if entry.slack_teams:
        values.append(("slack_teams", list(entry.slack_teams)))
    if entry.teams_tenant:
        values.append(("teams_tenant", entry.teams_tenant))
    if entry.teams_teams:
        values.append(("teams_teams", list(entry.teams_teams)))
    # JSON strings and arrays of strings are valid TOML basic strings and arrays
    lines += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in values]
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str, *, created: bool = False) -> None:
    """Replace the file whole (a half-written trust file would stop every school)."""
    mode = 0o640 if created else (path.stat().st_mode & 0o777)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def school_rows(trust: TrustConfig) -> list[dict[str, str]]:
    """What `schools list` prints: where each school's things are (nothing is opened)."""
    return [
        {
            "school": e.name,
            "config": str(e.config),
            "policies": str(e.policies),
            "data_dir": str(e.data_dir),
            "key_file": str(e.key_file),
            "slack": ", ".join(e.slack_teams) or "-",
            "teams": e.teams_tenant
            + (f" (teams {', '.join(e.teams_teams)})" if e.teams_teams else "")
            or "-",  # fmt: skip
        }
        for e in sorted(trust.schools.values(), key=lambda e: e.name)
    ]


# ---- check -----------------------------------------------------------------------------------


def check_trust(
    trust: TrustConfig,
    env: Mapping[str, str],
    platform: str = "all",
    *,
    deep: bool = False,
    timeout: float = 5.0,
    slack: SlackChecks | None = None,
) -> list[tuple[str, list[Check]]]:
    """(heading, checks) for the trust, then for each school. ``slack``: the Slack front end's
    per-school installation checks (handlers/slack/installs.py), when Slack is checked."""
    platforms = ("slack", "teams") if platform == "all" else (platform,)
    trust_checks = [Check("trust file", True, f"{trust.path} ({len(trust.schools)} schools)")]
    trust_docs = _trust_policies(trust, trust_checks)
    for name in ("POLICYBOT_KEY", "POLICYBOT_KEY_FILE", "POLICYBOT_CONFIG"):
        if env.get(name, "").strip():
            trust_checks.append(
                Check(
                    name,
                    False,
                    "set, but with POLICYBOT_TRUST each school's comes from the trust file: "
                    "the servers ignore it, and a command for a school would use it instead",
                    f"remove {name} from the environment file",
                )
            )
    for p in platforms:
        trust_checks += _trust_secrets(env) if p == "slack" else secret_checks(env, p)
    trust_checks.append(model_check(_model_settings(trust, env), deep, env))
    out = [(f"trust: {trust.name}", trust_checks)]
    by_school = slack(trust, env, timeout) if slack is not None and "slack" in platforms else {}
    keys: dict[str, set[bytes]] = {}
    for name, entry in sorted(trust.schools.items()):
        out.append((f"school {name}", _school(trust, entry, env, platforms, trust_docs, keys)
                    + by_school.get(name, [])))  # fmt: skip
    return out


def _trust_policies(trust: TrustConfig, checks: list[Check]) -> int:
    if trust.policies is None:
        checks.append(Check("trust policies", True, "none: each school answers from its own"))
        return 0
    try:
        corpus = read_corpus(trust.policies)
    except CorpusError as exc:
        checks.append(
            Check("trust policies", False, str(exc), "make the folder or fix trust.policies")
        )
        return 0
    checks.append(Check("trust policies", bool(corpus.documents),
                        f"{len(corpus.documents)} documents in {trust.policies}",
                        "copy the trust's policies into that folder"))  # fmt: skip
    checks += [Check("trust policy file", False, f"{f.file}: {f.reason}", f.fix)
               for f in corpus.failures]  # fmt: skip
    return len(corpus.documents)


def _trust_secrets(env: Mapping[str, str]) -> list[Check]:
    out = []
    for name, where in SLACK_TRUST_SECRETS.items():
        ok = bool(env.get(name, "").strip())
        out.append(Check(name, ok, "set" if ok else "not set",
                         f"copy it from the Slack app's {where} into the environment file"))  # fmt: skip
    return out


def _model_settings(trust: TrustConfig, env: Mapping[str, str]) -> Settings:
    from bot.config import default_corpus_dir

    model = env.get("POLICYBOT_MODEL", "").strip() or None
    return Settings(None, trust.name, trust.data_dir, default_corpus_dir(), model)


def _school(
    trust: TrustConfig,
    entry: SchoolEntry,
    env: Mapping[str, str],
    platforms: tuple[str, ...],
    trust_docs: int,
    keys: dict[str, set[bytes]],
) -> list[Check]:
    try:
        settings = school_settings(trust, entry, env)
    except ConfigError as exc:
        return [Check("configuration", False, str(exc), "correct the file or key named above")]
    checks = [c for c in school_checks(settings, platforms)]
    if trust_docs:  # a school may answer from the trust's policies alone
        checks = [_with_trust(c, trust_docs) for c in checks]
    checks += _key_apart(entry, settings, keys)
    lead = settings.people.get("trust_safeguarding_lead")
    if lead is not None:
        missing = [p for p in platforms if not lead.address(p)]
        checks.append(Check(
            "trust safeguarding lead", not missing,
            f"{lead.name} receives {', '.join(sorted(settings.trust_routes))} concerns"
            + (f", but has no {' or '.join(missing)} account here" if missing else ""),
            f"add [trust.accounts.trust_safeguarding_lead] {missing[0] if missing else ''}_user "
            f"to {entry.config}, or their id to the trust file",
        ))  # fmt: skip
    if "teams" in platforms and not entry.teams_tenant:
        checks.append(Check("Teams tenant", False, "no teams_tenant: no Teams message reaches "
                            "this school", f"add teams_tenant to [schools.{entry.name}]"))  # fmt: skip
    elif "teams" in platforms:
        shared = [n for n, s in trust.schools.items()
                  if s.teams_tenant == entry.teams_tenant and n != entry.name]  # fmt: skip
        how = (
            f"shared with {', '.join(sorted(shared))}: people are told apart by their team "
            "or their school's people and staff list"
            if shared
            else "this school's own"
        )
        checks.append(Check("Teams tenant", True, f"{entry.teams_tenant} ({how})"))
    if "slack" in platforms and not entry.slack_teams:
        checks.append(Check("Slack workspace", False, "no slack_teams: no Slack request reaches "
                            "this school", f"add slack_teams to [schools.{entry.name}]"))  # fmt: skip
    return checks


def _with_trust(check: Check, trust_docs: int) -> Check:
    if check.name == "policies" and not check.ok and "no readable policy" in check.detail:
        return Check("policies", True, f"none of its own: answers from the trust's {trust_docs}")
    return check


def _key_apart(entry: SchoolEntry, settings: Settings, keys: dict[str, set[bytes]]) -> list[Check]:
    if settings.key is None:
        return []
    mine = set(parse_keys(settings.key))
    shared = sorted(n for n, k in keys.items() if k & mine)
    keys[entry.name] = mine
    if shared:
        return [Check("key apart", False, f"{entry.key_file} holds a key of {', '.join(shared)}",
                      "give each school its own key: `policybot key rotate --school "
                      f"{entry.name} --new-key-file NEW`")]  # fmt: skip
    return [Check("key apart", True, "no other school's key opens this school's data")]
