"""The school's settings: a TOML file (``POLICYBOT_CONFIG``) plus environment secrets,
validated once at start. Errors name the file and the key.

Example ``/etc/policybot.toml``::

    [school]
    name = "Hill Top Primary"

    [people.headteacher]
    name = "Kate Baskeyfield"
    slack_user = "U0123ABCD"
    teams_user = "3f2b7c1e-8a4d-4c61-9a7e-2b1f0c9d8e77"   # Azure AD object id
    email = "head@hilltop.sch.uk"

    [people.chair_of_governors]
    name = "..."
    [people.safeguarding_lead]
    name = "..."

    [retrieval]
    model = "/opt/models/all-MiniLM-L6-v2"

    [storage]
    data_dir = "/var/lib/policybot"

    [delivery]
    undelivered_alert_minutes = 60         # /readyz 503 and `reports undelivered` after this
    escalate_urgent_after_minutes = 15     # an urgent concern also goes to the next role
    [feedback]
    shown_to = "headteacher"   # the one role shown questions staff marked not helpful

    [learning]
    reviewers = ["safeguarding_lead"]   # besides [feedback] shown_to: who approves suggestions

    [teams]
    allowed_tenants = ["72f988bf-…"]   # only these Entra tenants' users may use the Teams bot

    [trust]                      # only in a multi-academy trust (bot/trust/): what this school
    overview = true              # shares: its counts in the trust's view (never content)
    safeguarding_lead_receives = ["urgent", "about_headteacher"]   # the trust's lead gets these
    [trust.accounts.trust_safeguarding_lead]
    slack_user = "U0TRUSTDSL"    # their member id in this school's workspace, if not the trust's

    [evidence]
    max_files = 5                # screenshots / PDFs a concern may carry
    max_file_mb = 10             # each
    keep_days_after_close = 30   # then the bot's copies are deleted (bot/reports/evidence.py)
    add_minutes = 10             # Teams: files sent this long after filing are attached

Environment: POLICYBOT_CONFIG, POLICYBOT_DATA_DIR, POLICYBOT_CORPUS_DIR, POLICYBOT_MODEL,
POLICYBOT_KEY (a Fernet key) or POLICYBOT_KEY_FILE (a file holding one, kept outside the
database), POLICYBOT_HEALTH_TOKEN (lets a monitor read /readyz's details). Environment values win
over the file.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bot
from bot.errors import ConfigError
from bot.keys import load_key
from bot.people import ROLES, TRUST_ROLES, Person

PERSON_KEYS = ("name", "slack_user", "teams_user", "email")
SLACK_USER_RE = re.compile(r"^[UW][A-Z0-9]{2,20}$")
TEAMS_USER_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
# A bot-scoped Teams id ("29:…"): refused, because people acting in Teams are matched by their
# Azure AD object id, and a 29: id is per bot and cannot be checked against the directory.
TEAMS_BOT_SCOPED_PREFIX = "29:"
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEFAULT_DATA_DIR = "~/.local/share/policybot"
ALLOWED = {
    "school": {"name"},
    "people": set(ROLES),
    "retrieval": {"model"},
    "storage": {"data_dir"},
    "delivery": {"undelivered_alert_minutes", "escalate_urgent_after_minutes"},
    "feedback": {"shown_to"},
    "learning": {"reviewers"},
    "teams": {"allowed_tenants"},
    "campaigns": {"publishers", "max_reminders", "timezone"},
    "evidence": {"max_files", "max_file_mb", "keep_days_after_close", "add_minutes"},
    "trust": {"overview", "safeguarding_lead_receives", "accounts"},
}
# What a school may let its trust's safeguarding lead receive (bot/reports/routing.py).
TRUST_ROUTES = ("urgent", "about_headteacher")
# How long a notice may stay undelivered before people are told (see bot/reports/escalation.py).
DEFAULT_UNDELIVERED_ALERT_MINUTES = 60.0
DEFAULT_ESCALATE_URGENT_AFTER_MINUTES = 15.0
MAX_DELIVERY_MINUTES = 7 * 24 * 60
MIN_HEALTH_TOKEN = 24
TENANT_ID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass(frozen=True)
class EvidenceLimits:
    """Files attached to a concern (bot/reports/evidence.py). The defaults, and why, are in the
    README ("Evidence"): 30 days after a report is closed the bot's copies go, because the
    headteacher files the evidence in the school's own safeguarding or HR record, whose
    retention the school's schedule sets; the bot keeps a working copy, not the record."""

    max_files: int = 5  # per concern; Slack's file field takes at most 10
    max_file_mb: int = 10  # per file; Slack's file field takes at most 10 MB whatever this says
    keep_days_after_close: int = 30
    add_minutes: int = 10  # Teams: files sent in the chat this long after filing are attached

    @property
    def max_bytes(self) -> int:
        return self.max_file_mb * 1024 * 1024


EVIDENCE_RANGES = {  # key: (lowest, highest, what it counts)
    "max_files": (1, 10, "files"),
    "max_file_mb": (1, 25, "megabytes"),
    "keep_days_after_close": (0, 3650, "days"),
    "add_minutes": (1, 120, "minutes"),
}


@dataclass(frozen=True)
class Settings:
    config_path: Path | None
    school_name: str
    data_dir: Path
    corpus_dir: Path
    model: str | None
    people: dict[str, Person] = field(default_factory=dict)
    key: bytes | None = field(default=None, repr=False)  # Fernet key(s), bot/keys/; never printed
    key_source: str = ""  # "POLICYBOT_KEY" or the key file's path, for messages
    # a notice still undelivered after this long makes /readyz 503 and is listed for the admin
    undelivered_alert_minutes: float = DEFAULT_UNDELIVERED_ALERT_MINUTES
    # an urgent concern that has not reached a recipient by then also goes to the next role
    escalate_urgent_after_minutes: float = DEFAULT_ESCALATE_URGENT_AFTER_MINUTES
    # bearer token that lets a monitor read /readyz's details from off the machine; never printed
    health_token: str | None = field(default=None, repr=False)
    feedback_viewer: str = "headteacher"  # the one role shown "what staff find unclear"
    # who else approves or rejects what staff suggest after "was it one of these?" (bot/learning/)
    learning_reviewers: tuple[str, ...] = ()
    teams_tenants: frozenset[str] = frozenset()  # allowed Entra tenant ids (empty: any)
    # Where the audit log's head is recorded outside the data directory (bot/reports/audit.py);
    # None: beside the key file (bot.store.default_audit_anchor).
    audit_head_file: Path | None = None
    # "Read and understood" campaigns (bot/campaigns/): the roles that may publish policies to
    # staff and see receipts, how many reminders at most, and the school's time zone (quiet
    # hours and weekends are the school's).
    campaign_publishers: tuple[str, ...] = ("headteacher",)
    campaign_max_reminders: int = 3
    school_timezone: str = "Europe/London"
    evidence: EvidenceLimits = field(default_factory=EvidenceLimits)
    # In a multi-academy trust (bot/trust/): the school's name in the trust file ("" alone), and
    # what its own config consents to share: its counts in the trust's view, and which concerns
    # also go to the trust's safeguarding lead ("urgent", "about_headteacher"). The trust's
    # people are added to ``people`` by the trust (bot/trust/root.py), with the ids
    # ``trust_accounts`` gives for this school's workspace or tenant (role -> platform -> id).
    school_id: str = ""
    trust_overview: bool = False
    trust_routes: frozenset[str] = frozenset()
    trust_accounts: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "policybot.db"

    def reports_unavailable(self) -> str | None:
        """Why reports cannot be accepted, for the user; None when they can."""
        if self.config_path is None:
            return (
                "Reports are not set up yet: the school's configuration (POLICYBOT_CONFIG) "
                "does not say who receives them. Nothing was saved; please tell the "
                "headteacher in person."
            )
        if self.key is None:
            return (
                "Reports are not set up yet: no encryption key is configured "
                "(POLICYBOT_KEY or POLICYBOT_KEY_FILE). Nothing was saved; please tell the "
                "headteacher in person."
            )
        return None


def default_corpus_dir() -> Path:
    """The bundled policies: the ``policy_corpus/`` folder beside the ``bot`` package. In a
    checkout (or an editable install) that is the repository's folder; an installed wheel
    (Docker, systemd, ``pip install``) carries the same folder as package data into
    site-packages, next to ``bot/`` (pyproject.toml, [tool.setuptools.package-data]). So the
    default never depends on the working directory."""
    return Path(bot.__file__).resolve().parents[1] / "policy_corpus"


def _corpus_dir(env: Mapping[str, str]) -> Path:
    """POLICYBOT_CORPUS_DIR, or the bundled policies when it is unset, empty or blank: an
    ``.env`` copied from ``.env.example`` carries an empty ``POLICYBOT_CORPUS_DIR=`` line into
    the container, which means "not chosen", never "the current directory"."""
    raw = env.get("POLICYBOT_CORPUS_DIR", "").strip()
    if not raw:
        return default_corpus_dir()
    corpus_dir = Path(raw).expanduser()
    if not corpus_dir.is_dir():
        raise ConfigError(
            f"POLICYBOT_CORPUS_DIR: {corpus_dir} is not a directory (make the folder and put the "
            "policies in it, or leave the variable empty for the bundled policies)"
        )
    return corpus_dir


def load_settings(env: Mapping[str, str] = os.environ) -> Settings:
    """Read env + TOML, validate everything, create the data dir (0700). Raises ConfigError."""
    config_path: Path | None = None
    data: dict[str, Any] = {}
    raw_config = env.get("POLICYBOT_CONFIG", "").strip()
    if raw_config:
        config_path = Path(raw_config).expanduser()
        data = _read_toml(config_path)
    where = str(config_path) if config_path else "POLICYBOT_CONFIG"
    _check_keys(where, data)

    school = data.get("school", {})
    school_name = _opt_str(where, "school.name", school.get("name")) or "the school"
    people = {
        role: read_person(where, role, table) for role, table in data.get("people", {}).items()
    }

    retrieval = data.get("retrieval", {})
    model = env.get("POLICYBOT_MODEL", "").strip() or _opt_str(
        where, "retrieval.model", retrieval.get("model")
    )

    storage = data.get("storage", {})
    data_dir_raw = (
        env.get("POLICYBOT_DATA_DIR", "").strip()
        or _opt_str(where, "storage.data_dir", storage.get("data_dir"))
        or DEFAULT_DATA_DIR
    )
    data_dir = Path(data_dir_raw).expanduser()
    make_private_dir(data_dir)

    corpus_dir = _corpus_dir(env)

    delivery = data.get("delivery", {})
    alert = _minutes(
        where, "delivery.undelivered_alert_minutes",
        delivery.get("undelivered_alert_minutes"), DEFAULT_UNDELIVERED_ALERT_MINUTES,
    )  # fmt: skip
    escalate = _minutes(
        where, "delivery.escalate_urgent_after_minutes",
        delivery.get("escalate_urgent_after_minutes"), DEFAULT_ESCALATE_URGENT_AFTER_MINUTES,
    )  # fmt: skip

    health_token = env.get("POLICYBOT_HEALTH_TOKEN", "").strip() or None
    if health_token is not None and len(health_token) < MIN_HEALTH_TOKEN:
        raise ConfigError(
            f"POLICYBOT_HEALTH_TOKEN: must be at least {MIN_HEALTH_TOKEN} characters "
            '(e.g. python3 -c "import secrets; print(secrets.token_urlsafe(32))"), or leave it '
            "empty to show /readyz details only on the machine itself"
        )

    viewer = _opt_str(where, "feedback.shown_to", data.get("feedback", {}).get("shown_to"))
    if viewer is not None and viewer not in ROLES:
        raise ConfigError(
            f"{where}: feedback.shown_to: must be one of {', '.join(ROLES)}, got {viewer!r}"
        )

    reviewers = data.get("learning", {}).get("reviewers", [])
    if not isinstance(reviewers, list) or not all(r in ROLES for r in reviewers):
        raise ConfigError(
            f"{where}: learning.reviewers: must be a list of roles from {', '.join(ROLES)}, "
            f"got {reviewers!r}"
        )
    teams_tenants = _tenants(where, data.get("teams", {}).get("allowed_tenants"))
    publishers, max_reminders, timezone = _campaigns(where, data.get("campaigns", {}))
    evidence = _evidence(where, data.get("evidence", {}))
    overview, routes, accounts = _trust(where, data.get("trust", {}))

    key, key_source = load_key(env)
    audit_head_file = _audit_head_file(env, data_dir)
    return Settings(
        config_path=config_path,
        school_name=school_name,
        data_dir=data_dir,
        corpus_dir=corpus_dir,
        model=model,
        people=people,
        key=key,
        key_source=key_source,
        undelivered_alert_minutes=alert,
        escalate_urgent_after_minutes=escalate,
        health_token=health_token,
        feedback_viewer=viewer or "headteacher",
        learning_reviewers=tuple(dict.fromkeys(reviewers)),
        teams_tenants=teams_tenants,
        audit_head_file=audit_head_file,
        campaign_publishers=publishers,
        campaign_max_reminders=max_reminders,
        school_timezone=timezone,
        evidence=evidence,
        trust_overview=overview,
        trust_routes=routes,
        trust_accounts=accounts,
    )


def _trust(where: str, table: Any) -> tuple[bool, frozenset[str], dict[str, dict[str, str]]]:
    """A school's consent to its trust (only read when it is one of a trust's schools)."""
    overview = table.get("overview", False)
    if not isinstance(overview, bool):
        raise ConfigError(f"{where}: trust.overview: must be true or false, got {overview!r}")
    routes = table.get("safeguarding_lead_receives", [])
    if not isinstance(routes, list) or not all(r in TRUST_ROUTES for r in routes):
        raise ConfigError(
            f"{where}: trust.safeguarding_lead_receives: must be a list of "
            f"{', '.join(repr(r) for r in TRUST_ROUTES)}, got {routes!r}"
        )
    accounts: dict[str, dict[str, str]] = {}
    raw_accounts = table.get("accounts", {})
    if not isinstance(raw_accounts, dict):
        raise ConfigError(f"{where}: trust.accounts: must be a table, e.g. [trust.accounts.ROLE]")
    for role, ids in raw_accounts.items():
        prefix = f"trust.accounts.{role}"
        if role not in TRUST_ROLES:
            raise ConfigError(
                f"{where}: {prefix}: unknown trust role (expected one of {', '.join(TRUST_ROLES)})"
            )
        if not isinstance(ids, dict) or not set(ids) <= {"slack_user", "teams_user"}:
            raise ConfigError(f"{where}: {prefix}: may hold only slack_user and teams_user")
        person = read_person(where, role, {"name": role, **ids}, prefix=prefix)
        accounts[role] = {
            p: v for p, v in (("slack", person.slack_user), ("teams", person.teams_user)) if v
        }
    return overview, frozenset(routes), accounts


def _evidence(where: str, table: Any) -> EvidenceLimits:
    values: dict[str, int] = {}
    for key, (low, high, unit) in EVIDENCE_RANGES.items():
        value = table.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(
                f"{where}: evidence.{key}: must be a whole number of {unit} from {low} to "
                f"{high}, got {value!r}"
            )
        values[key] = value
    return EvidenceLimits(**values)


def _campaigns(where: str, table: Any) -> tuple[tuple[str, ...], int, str]:
    publishers = table.get("publishers", ["headteacher"])
    if not isinstance(publishers, list) or not all(p in ROLES for p in publishers):
        raise ConfigError(
            f"{where}: campaigns.publishers: must be a list of roles from {', '.join(ROLES)}, "
            f"got {publishers!r}"
        )
    if "headteacher" not in publishers:
        publishers = ["headteacher", *publishers]
    most = table.get("max_reminders", 3)
    if not isinstance(most, int) or isinstance(most, bool) or not 0 <= most <= 10:
        raise ConfigError(
            f"{where}: campaigns.max_reminders: must be a whole number 0-10, got {most!r}"
        )
    timezone = table.get("timezone", "Europe/London")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(str(timezone))
    except (ValueError, KeyError, OSError):
        raise ConfigError(
            f"{where}: campaigns.timezone: {timezone!r} is not a time zone; use e.g. "
            "'Europe/London'"
        ) from None
    return tuple(dict.fromkeys(publishers)), most, str(timezone)


def _tenants(where: str, value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: teams.allowed_tenants: must be a list of tenant id strings")
    out = set()
    for tenant in value:
        tenant = tenant.strip().lower()
        if not TENANT_ID_RE.match(tenant):
            raise ConfigError(
                f"{where}: teams.allowed_tenants: {tenant!r} is not a tenant id (the Directory "
                "(tenant) ID from Entra ID → Overview, like 72f988bf-86f1-41af-91ab-2d7cd011db47)"
            )
        out.add(tenant)
    return frozenset(out)


def _audit_head_file(env: Mapping[str, str], data_dir: Path) -> Path | None:
    raw = env.get("POLICYBOT_AUDIT_HEAD_FILE", "").strip()
    if not raw:
        return None
    path = Path(raw).expanduser()
    if not path.parent.is_dir():
        raise ConfigError(
            f"POLICYBOT_AUDIT_HEAD_FILE: {path.parent} is not a directory (create it, writable by "
            "the service, outside the data directory)"
        )
    if path.resolve().is_relative_to(data_dir.resolve()):
        raise ConfigError(
            f"POLICYBOT_AUDIT_HEAD_FILE: {path} is inside the data directory, where whoever can "
            "rewrite the database can rewrite it too: choose a directory outside it"
        )
    return path


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found (POLICYBOT_CONFIG)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def _check_keys(where: str, data: dict[str, Any]) -> None:
    for section, value in data.items():
        if section not in ALLOWED:
            raise ConfigError(
                f"{where}: {section}: unknown section (expected one of "
                f"{', '.join(sorted(ALLOWED))})"
            )
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: {section}: must be a table, e.g. [{section}]")
        for key in value:
            if key not in ALLOWED[section]:
                what = "role" if section == "people" else "key"
                raise ConfigError(
                    f"{where}: {section}.{key}: unknown {what} (expected one of "
                    f"{', '.join(sorted(ALLOWED[section]))})"
                )


def _opt_str(where: str, key: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key}: must be a string")
    return value.strip() or None


def _minutes(where: str, key: str, value: Any, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}: {key}: must be a number of minutes, e.g. {default:g}")
    if not 1 <= value <= MAX_DELIVERY_MINUTES:
        raise ConfigError(
            f"{where}: {key}: must be between 1 and {MAX_DELIVERY_MINUTES} minutes (a week), "
            f"got {value:g}"
        )
    return float(value)


def read_person(where: str, role: str, table: Any, *, prefix: str = "") -> Person:
    """A configured person (``[people.ROLE]``; ``prefix`` names the table when it is another:
    the trust's file uses the same rules for its own people)."""
    prefix = prefix or f"people.{role}"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: {prefix}: must be a table, e.g. [{prefix}]")
    for key in table:
        if key not in PERSON_KEYS:
            raise ConfigError(
                f"{where}: {prefix}.{key}: unknown key (expected one of {', '.join(PERSON_KEYS)})"
            )
    name = _opt_str(where, f"{prefix}.name", table.get("name"))
    if not name:
        raise ConfigError(f"{where}: {prefix}.name: required (the person's name)")
    slack_user = _opt_str(where, f"{prefix}.slack_user", table.get("slack_user"))
    if slack_user and not SLACK_USER_RE.match(slack_user):
        raise ConfigError(
            f"{where}: {prefix}.slack_user: must be a Slack user id like U0123ABCD "
            f"(Profile → ⋮ → Copy member ID), got {slack_user!r}"
        )
    teams_user = _opt_str(where, f"{prefix}.teams_user", table.get("teams_user"))
    if teams_user and teams_user.startswith(TEAMS_BOT_SCOPED_PREFIX):
        raise ConfigError(
            f"{where}: {prefix}.teams_user: {teams_user!r} is a Teams chat id (29:…), which "
            "only this bot sees and which cannot identify the person when they act on a report. "
            "Use their Azure AD (Entra ID) object id instead: Entra admin centre → Users → "
            f"{name or 'the person'} → Object ID (a GUID like 3f2b7c1e-8a4d-4c61-9a7e-2b1f0c9d8e77)"
        )
    if teams_user and not TEAMS_USER_RE.match(teams_user):
        raise ConfigError(
            f"{where}: {prefix}.teams_user: must be the person's Azure AD object id, a GUID "
            f"like 3f2b7c1e-8a4d-4c61-9a7e-2b1f0c9d8e77, got {teams_user!r}"
        )
    if teams_user:
        teams_user = teams_user.lower()
    email = _opt_str(where, f"{prefix}.email", table.get("email"))
    if email and not EMAIL_RE.match(email):
        raise ConfigError(f"{where}: {prefix}.email: must be an email address, got {email!r}")
    if not slack_user and not teams_user:
        raise ConfigError(
            f"{where}: {prefix}: needs slack_user or teams_user so reports can reach {name}"
        )
    return Person(role=role, name=name, slack_user=slack_user, teams_user=teams_user, email=email)


def make_private_dir(path: Path, setting: str = "POLICYBOT_DATA_DIR") -> Path:
    """`path` as a directory only its owner can enter (0700, made so when it is new);
    ConfigError naming `setting` when it cannot be."""
    try:
        existed = path.exists()
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not existed:
            os.chmod(path, 0o700)
    except OSError as exc:
        raise ConfigError(f"{setting}: cannot create {path}: {exc.strerror}") from None
    if not path.is_dir():
        raise ConfigError(f"{setting}: {path} is not a directory")
    return path
