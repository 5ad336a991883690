"""The trust's file (``POLICYBOT_TRUST``): which schools one policybot serves, and where each
one's own things are.

A multi-academy trust runs one policybot for all its schools. Each school keeps what it has
alone today — its own config (people, routing, consent), policy folder, data directory and
encryption key — and the trust file only says where those are and how a chat request reaches
the school: its Slack workspace (team id) and its Microsoft 365 tenant (plus, where schools
share one tenant, the Teams teams that belong to it). A single school needs no trust file: it
is a trust of one, set up with ``POLICYBOT_CONFIG`` as before.

Example ``/etc/policybot/trust.toml``::

    [trust]
    name = "Oak Learning Trust"
    policies = "/srv/policybot/trust-policies"   # the trust's own policies, for every school
    data_dir = "/var/lib/policybot"              # schools' data under it, Slack installs, caches
    keys_dir = "/etc/policybot/keys"             # each school's key file: NAME.key
    audit_dir = "/var/log/policybot"             # each school's audit head: NAME.audit-head
    contact = "the Trust IT service desk (it@oaktrust.org.uk)"
    slack_enterprise = "E0OAKTRUST"              # Enterprise Grid only: the org's id

    [trust.people.trust_safeguarding_lead]       # optional trust roles (bot/people.py)
    name = "Amina Shah"
    teams_user = "5d1c…"

    [schools.hill-top]
    config = "/etc/policybot/schools/hill-top.toml"   # the school's own policybot.toml
    policies = "/srv/policybot/hill-top"
    slack_teams = ["T0HILLTOP"]
    teams_tenant = "72f988bf-…"
    teams_teams = ["19:…@thread.tacv2"]               # only where schools share a tenant

Every problem is a ConfigError naming the file and the key.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.config import TENANT_ID_RE, make_private_dir, read_person
from bot.errors import ConfigError
from bot.people import TRUST_ROLES, Person

TRUST_ENV = "POLICYBOT_TRUST"
SCHOOL_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
SLACK_TEAM_RE = re.compile(r"^T[A-Z0-9]{2,20}$")
SLACK_ENTERPRISE_RE = re.compile(r"^E[A-Z0-9]{2,20}$")
TEAMS_TEAM_RE = re.compile(r"^19:\S{1,200}$")
TRUST_KEYS = {
    "name", "policies", "data_dir", "keys_dir", "audit_dir", "contact", "slack_enterprise",
    "people",
}  # fmt: skip
SCHOOL_KEYS = {
    "config", "policies", "data_dir", "key_file", "audit_head_file", "slack_teams",
    "teams_tenant", "teams_teams",
}  # fmt: skip
DEFAULT_CONTACT = "your trust's IT team"
# The settings a school's own entry decides; the rest of the environment is the process's.
SCHOOL_VARIABLES = (
    "POLICYBOT_CONFIG", "POLICYBOT_DATA_DIR", "POLICYBOT_CORPUS_DIR", "POLICYBOT_KEY",
    "POLICYBOT_KEY_FILE", "POLICYBOT_AUDIT_HEAD_FILE",
)  # fmt: skip


@dataclass(frozen=True)
class SchoolEntry:
    """Where one school's things are, and how its people's requests are recognised."""

    name: str
    config: Path
    policies: Path
    data_dir: Path
    key_file: Path
    audit_head_file: Path
    slack_teams: tuple[str, ...] = ()
    teams_tenant: str = ""
    teams_teams: tuple[str, ...] = ()

    def env(self, base: Mapping[str, str]) -> dict[str, str]:
        """The environment ``bot.config.load_settings`` reads for this school: the process's,
        with every per-school variable replaced by this school's (a key in the process's
        environment never reaches a school: each school has its own)."""
        env = {k: v for k, v in base.items() if k not in SCHOOL_VARIABLES}
        env.update(
            POLICYBOT_CONFIG=str(self.config),
            POLICYBOT_DATA_DIR=str(self.data_dir),
            POLICYBOT_CORPUS_DIR=str(self.policies),
            POLICYBOT_KEY_FILE=str(self.key_file),
            POLICYBOT_AUDIT_HEAD_FILE=str(self.audit_head_file),
        )
        return env


@dataclass(frozen=True)
class TrustConfig:
    path: Path
    name: str
    data_dir: Path
    keys_dir: Path
    audit_dir: Path
    policies: Path | None = None
    contact: str = DEFAULT_CONTACT
    slack_enterprise: str = ""
    people: dict[str, Person] = field(default_factory=dict)
    schools: dict[str, SchoolEntry] = field(default_factory=dict)

    @property
    def installations_dir(self) -> Path:
        """Slack's installations (bot tokens), in the trust's data directory (0700)."""
        return self.data_dir / "slack-installations"

    def school(self, name: str | None) -> SchoolEntry:
        """The school called ``name``; with one school, ``None`` means it. ConfigError (listing
        the schools) otherwise."""
        if name is None:
            if len(self.schools) == 1:
                return next(iter(self.schools.values()))
            listed = ", ".join(sorted(self.schools)) or "none yet"
            raise ConfigError(
                f"{self.path}: this trust has {len(self.schools)} schools: name one with "
                f"--school NAME ({listed})"
            )
        entry = self.schools.get(name)
        if entry is None:
            listed = ", ".join(sorted(self.schools)) or "none yet"
            raise ConfigError(f"{self.path}: no school called {name!r} (schools: {listed})")
        return entry

    def default_entry(self, name: str, config: Path, policies: Path, **more: Any) -> SchoolEntry:
        """A new school's entry with the trust's defaults for what is not given."""
        return SchoolEntry(
            name=name,
            config=config,
            policies=policies,
            data_dir=more.get("data_dir") or self.data_dir / "schools" / name,
            key_file=more.get("key_file") or self.keys_dir / f"{name}.key",
            audit_head_file=more.get("audit_head_file") or self.audit_dir / f"{name}.audit-head",
            slack_teams=tuple(more.get("slack_teams") or ()),
            teams_tenant=(more.get("teams_tenant") or "").lower(),
            teams_teams=tuple(more.get("teams_teams") or ()),
        )


def private_dir(path: Path) -> Path:
    """The trust's data directory (schools' data, Slack installations, the parse cache): 0700,
    like a school's (bot/config.py). ConfigError when it cannot be made."""
    return make_private_dir(path, "trust.data_dir")


def trust_path(env: Mapping[str, str] = os.environ) -> Path | None:
    """The trust file ``POLICYBOT_TRUST`` names, or None (one school, as before)."""
    raw = env.get(TRUST_ENV, "").strip()
    return Path(raw).expanduser() if raw else None


def load_trust(path: Path) -> TrustConfig:
    """Read and check the trust file. Raises ConfigError naming the file and the key."""
    where = str(path)
    data = _read(path)
    for section in data:
        if section not in ("trust", "schools"):
            raise ConfigError(f"{where}: {section}: unknown section (expected trust, schools)")
    trust = _table(where, "trust", data.get("trust", {}))
    for key in trust:
        if key not in TRUST_KEYS:
            raise ConfigError(
                f"{where}: trust.{key}: unknown key (expected one of {', '.join(sorted(TRUST_KEYS))})"
            )
    base = path.parent
    data_dir = (
        _path(where, "trust.data_dir", trust.get("data_dir"), base)
        or Path("~/.local/share/policybot").expanduser()
    )
    keys_dir = _path(where, "trust.keys_dir", trust.get("keys_dir"), base) or base / "keys"
    audit_dir = _path(where, "trust.audit_dir", trust.get("audit_dir"), base) or keys_dir
    enterprise = _str(where, "trust.slack_enterprise", trust.get("slack_enterprise"))
    if enterprise and not SLACK_ENTERPRISE_RE.match(enterprise):
        raise ConfigError(
            f"{where}: trust.slack_enterprise: must be an Enterprise Grid org id like E0123ABCD, "
            f"got {enterprise!r}"
        )
    people: dict[str, Person] = {}
    for role, table in _table(where, "trust.people", trust.get("people", {})).items():
        if role not in TRUST_ROLES:
            raise ConfigError(
                f"{where}: trust.people.{role}: unknown trust role (expected one of "
                f"{', '.join(TRUST_ROLES)})"
            )
        people[role] = read_person(where, role, table, prefix=f"trust.people.{role}")
    config = TrustConfig(
        path=path,
        name=_str(where, "trust.name", trust.get("name")) or "the trust",
        data_dir=data_dir,
        keys_dir=keys_dir,
        audit_dir=audit_dir,
        policies=_path(where, "trust.policies", trust.get("policies"), base),
        contact=_str(where, "trust.contact", trust.get("contact")) or DEFAULT_CONTACT,
        slack_enterprise=enterprise or "",
        people=people,
    )
    schools = {}
    for name, table in _table(where, "schools", data.get("schools", {})).items():
        schools[name] = _school(config, where, name, table, base)
    config = replace(config, schools=schools)
    check_apart(config)
    return config


def _school(trust: TrustConfig, where: str, name: str, table: Any, base: Path) -> SchoolEntry:
    prefix = f"schools.{name}"
    if not SCHOOL_NAME_RE.match(name):
        raise ConfigError(
            f"{where}: {prefix}: a school's name is lower-case letters, digits and hyphens "
            "(at most 40), e.g. hill-top"
        )
    table = _table(where, prefix, table)
    for key in table:
        if key not in SCHOOL_KEYS:
            raise ConfigError(
                f"{where}: {prefix}.{key}: unknown key (expected one of "
                f"{', '.join(sorted(SCHOOL_KEYS))})"
            )
    config = _path(where, f"{prefix}.config", table.get("config"), base)
    policies = _path(where, f"{prefix}.policies", table.get("policies"), base)
    if config is None:
        raise ConfigError(f"{where}: {prefix}.config: required (the school's policybot.toml)")
    if policies is None:
        raise ConfigError(f"{where}: {prefix}.policies: required (the school's policy folder)")
    teams = _strings(where, f"{prefix}.slack_teams", table.get("slack_teams"))
    for team in teams:
        if not SLACK_TEAM_RE.match(team):
            raise ConfigError(
                f"{where}: {prefix}.slack_teams: {team!r} is not a Slack workspace id (like "
                "T0123ABCD: in Slack, the workspace's URL /client/T…/ or About this workspace)"
            )
    tenant = (_str(where, f"{prefix}.teams_tenant", table.get("teams_tenant")) or "").lower()
    if tenant and not TENANT_ID_RE.match(tenant):
        raise ConfigError(
            f"{where}: {prefix}.teams_tenant: {tenant!r} is not a tenant id (the Directory "
            "(tenant) ID from Entra ID → Overview)"
        )
    teams_teams = _strings(where, f"{prefix}.teams_teams", table.get("teams_teams"))
    for team in teams_teams:
        if not TEAMS_TEAM_RE.match(team):
            raise ConfigError(
                f"{where}: {prefix}.teams_teams: {team!r} is not a Teams team id (19:…@thread."
                "tacv2: in Teams, the team's ⋯ → Get link to team, the groupId's team thread)"
            )
    return trust.default_entry(
        name,
        config,
        policies,
        data_dir=_path(where, f"{prefix}.data_dir", table.get("data_dir"), base),
        key_file=_path(where, f"{prefix}.key_file", table.get("key_file"), base),
        audit_head_file=_path(
            where, f"{prefix}.audit_head_file", table.get("audit_head_file"), base
        ),
        slack_teams=teams,
        teams_tenant=tenant,
        teams_teams=teams_teams,
    )


def check_apart(trust: TrustConfig) -> None:
    """What keeps schools apart: no two share a data directory (or one inside another), a key
    file, an audit head, a Slack workspace or a Teams team; and no key or audit head inside a
    data directory (whoever can copy the data would have the key with it)."""
    where = str(trust.path)
    seen: dict[tuple[str, str], str] = {}
    data_dirs = {n: s.data_dir.expanduser().resolve() for n, s in trust.schools.items()}
    for name, school in trust.schools.items():  # in the file's order: a new school is last
        for what, value in (
            ("key_file", str(school.key_file.expanduser().resolve())),
            ("audit_head_file", str(school.audit_head_file.expanduser().resolve())),
            *(("slack_teams", t) for t in school.slack_teams),
            *(("teams_teams", t) for t in school.teams_teams),
        ):
            other = seen.setdefault((what, value), name)
            if other != name:
                raise ConfigError(
                    f"{where}: schools.{name}.{what}: {value} is also school {other}'s; each "
                    "school needs its own"
                )
        for other, folder in data_dirs.items():
            mine = data_dirs[name]
            if other != name and (mine == folder or mine.is_relative_to(folder)):
                raise ConfigError(
                    f"{where}: schools.{name}.data_dir: {mine} is (inside) school {other}'s "
                    "data directory; each school needs its own"
                )
            for what, path in (
                ("key_file", school.key_file),
                ("audit_head_file", school.audit_head_file),
            ):
                if path.expanduser().resolve().is_relative_to(folder):
                    raise ConfigError(
                        f"{where}: schools.{name}.{what}: {path} is inside a data directory "
                        f"({folder}); keep keys and audit heads apart from the data"
                    )


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: file not found ({TRUST_ENV}; `policybot schools add` creates it)"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def _table(where: str, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {key}: must be a table, e.g. [{key}]")
    return value


def _str(where: str, key: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key}: must be a string")
    return value.strip() or None


def _strings(where: str, key: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: {key}: must be a list of strings")
    return tuple(v.strip() for v in value)


def _path(where: str, key: str, value: Any, base: Path) -> Path | None:
    """A path as written; a relative one is relative to the trust file's folder."""
    text = _str(where, key, value)
    if text is None:
        return None
    path = Path(text).expanduser()
    return path if path.is_absolute() else base / path
