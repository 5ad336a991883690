"""Start the Teams server exactly as deploy/systemd/policybot-teams.service would: its
EnvironmentFile (the shipped example, filled in for the test), its data directory and its
ExecStart command line, then probe it over HTTP."""

from __future__ import annotations

import json
import os
import shlex
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bot.health import readiness
from bot.runtime import Runtime

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "systemd" / "policybot-teams.service"
ENV_FILE = ROOT / "deploy" / "systemd" / "policybot.env"


def parse_unit(path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        out.setdefault(key.strip(), []).append(value.strip())
    return out


def parse_environment_file(path: Path) -> dict[str, str]:
    """systemd's EnvironmentFile= format: KEY=value lines, # or ; comments, optional quotes."""
    env: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path}: not KEY=value: {raw!r}"
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        env[key.strip()] = value
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def test_the_unit_file_says_what_the_deployment_needs():
    unit = parse_unit(UNIT)
    assert unit["Restart"] == ["on-failure"]
    assert unit["EnvironmentFile"] == ["/etc/policybot/policybot.env"]
    assert unit["StateDirectory"] == ["policybot"] and unit["StateDirectoryMode"] == ["0700"]
    # the audit log's head lives outside the data directory, where the service can write it
    assert unit["LogsDirectory"] == ["policybot"] and unit["LogsDirectoryMode"] == ["0700"]
    assert parse_environment_file(ENV_FILE)["POLICYBOT_AUDIT_HEAD_FILE"].startswith(
        "/var/log/policybot/"
    )
    assert "/var/lib/policybot" in unit["ReadWritePaths"]
    assert unit["NoNewPrivileges"] == ["yes"] and unit["ProtectSystem"] == ["strict"]
    assert unit["PrivateTmp"] == ["yes"]
    env = parse_environment_file(ENV_FILE)
    for name in ("POLICYBOT_CONFIG", "POLICYBOT_KEY_FILE", "MicrosoftAppId", "SLACK_BOT_TOKEN"):
        assert name in env


def test_server_started_as_the_service_file_would_answers_healthz_and_is_ready(school, tmp_path):
    unit = parse_unit(UNIT)
    env_file = parse_environment_file(ENV_FILE)
    # Fill the example in, as an admin would, with this test's paths (state dir under tmp).
    state_dir = tmp_path / "var" / "lib" / unit["StateDirectory"][0]
    logs_dir = tmp_path / "var" / "log" / unit["LogsDirectory"][0]
    logs_dir.mkdir(parents=True, mode=0o700)  # systemd creates it for the service user
    env_file.update(
        POLICYBOT_CONFIG=school["POLICYBOT_CONFIG"],
        POLICYBOT_KEY_FILE=school["POLICYBOT_KEY_FILE"],
        POLICYBOT_DATA_DIR=str(state_dir),
        POLICYBOT_AUDIT_HEAD_FILE=str(logs_dir / "audit-head"),
        MicrosoftAppId="",  # local-testing mode: no Microsoft credentials
        MicrosoftAppPassword="",
    )
    filled = tmp_path / "policybot.env"
    filled.write_text("".join(f"{k}={v}\n" for k, v in env_file.items()))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        **parse_environment_file(filled),
    }
    for line in unit["Environment"]:
        key, _, value = line.partition("=")
        if key != "POLICYBOT_DATA_DIR":  # the unit's /var/lib path maps to state_dir here
            env[key] = value

    argv = shlex.split(unit["ExecStart"][0])
    assert argv[1:3] == ["serve", "teams"]
    port = free_port()
    argv[0] = str(Path(sys.executable).with_name("policybot"))
    argv[argv.index("--port") + 1] = str(port)
    argv.append("--local-testing")  # no Microsoft credentials here: serve refuses them otherwise

    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        status, body = 0, {}
        deadline = time.monotonic() + 240  # a wait for start-up, not a timing assertion
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status, body = get(f"http://127.0.0.1:{port}/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
        assert status == 200, body
        assert body["status"] == "ok" and body["platform"] == "teams"

        # The data directory the service made is private, and so is the database.
        assert stat.S_IMODE(state_dir.stat().st_mode) == 0o700
        assert stat.S_IMODE((state_dir / "policybot.db").stat().st_mode) == 0o600

        # /healthz answers while the policies load in the background; /readyz once they are in
        while time.monotonic() < deadline:
            status, ready = get(f"http://127.0.0.1:{port}/readyz")
            if status == 200 or not ready["index"].get("error", "").endswith("are loading"):
                break
            time.sleep(0.5)
        assert status == 200, ready
        assert ready["status"] == "ready"
        assert ready["database"]["writable"] and ready["index"]["clauses"] > 0
        assert ready["outbox"]["stuck"] == 0

        # Readiness as /readyz computes it, against the running service's environment and
        # data directory (while the server holds its own connection).
        runtime = Runtime.from_env(env, embedder="none")
        try:
            ok, details = readiness(runtime, platforms=["teams"])
        finally:
            runtime.close()
        assert ok, details
        assert details["database"]["writable"] and details["index"]["clauses"] > 0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()
