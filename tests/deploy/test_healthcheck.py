"""The image's HEALTHCHECK (deploy/healthcheck.py) probes the port the running `policybot serve`
listens on: 3978 for `serve teams` with no PORT set, --port when given; PORT only as a last
resort. Run against a real HTTP server on loopback, with /proc read from a folder the test fills."""

from __future__ import annotations

import http.server
import importlib.util
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "healthcheck.py"
spec = importlib.util.spec_from_file_location("policybot_healthcheck", SCRIPT)
assert spec and spec.loader
healthcheck = importlib.util.module_from_spec(spec)
spec.loader.exec_module(healthcheck)


def fake_proc(root: Path, *commands: list[str]) -> Path:
    """A /proc holding one process per command line (pid 1 first), as the kernel writes them."""
    for pid, argv in enumerate(commands, 1):
        (root / str(pid)).mkdir(parents=True)
        (root / str(pid) / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    (root / "self").mkdir(parents=True)  # not a process number: ignored
    return root


def test_serve_teams_is_probed_on_3978_when_port_is_unset(tmp_path):
    proc = fake_proc(
        tmp_path, ["/usr/local/bin/python", "/usr/local/bin/policybot", "serve", "teams"]
    )
    assert healthcheck.probe_port(healthcheck.serve_commands(proc), {}) == 3978
    # .env.example's empty PORT= line changes nothing
    assert healthcheck.probe_port(healthcheck.serve_commands(proc), {"PORT": ""}) == 3978


def test_serve_slack_defaults_to_3000_and_port_flags_win(tmp_path):
    slack = fake_proc(tmp_path / "a", ["policybot", "serve", "slack"])
    assert healthcheck.probe_port(healthcheck.serve_commands(slack), {"PORT": "9999"}) == 3000
    flagged = fake_proc(tmp_path / "b", ["policybot", "serve", "teams", "--port", "4000"])
    assert healthcheck.probe_port(healthcheck.serve_commands(flagged), {}) == 4000
    equals = fake_proc(tmp_path / "c", ["policybot", "serve", "slack", "--port=4001"])
    assert healthcheck.probe_port(healthcheck.serve_commands(equals), {}) == 4001


def test_without_a_server_process_port_or_3000_is_probed(tmp_path):
    idle = fake_proc(tmp_path, ["sleep", "infinity"], ["policybot", "check"])
    assert healthcheck.serve_commands(idle) == []
    assert healthcheck.probe_port([], {"PORT": "3978"}) == 3978
    assert healthcheck.probe_port([], {}) == 3000


@pytest.fixture
def healthz():
    """A loopback server answering /healthz like policybot's (200 when alive)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/healthz" else 404)
            self.end_headers()
            self.wfile.write(b'{"status": "ok"}')

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_the_script_exits_0_when_the_server_answers_and_1_when_it_does_not(healthz, tmp_path):
    serving = fake_proc(tmp_path / "up", ["policybot", "serve", "teams", "--port", str(healthz)])
    probe = [sys.executable, str(SCRIPT), "--proc"]
    ok = subprocess.run([*probe, str(serving)], env={}, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert f"127.0.0.1:{healthz}/healthz answered 200" in ok.stdout
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    # no server process: PORT is probed, and nothing listens there
    nothing = fake_proc(tmp_path / "down")
    down = subprocess.run(
        [*probe, str(nothing)], env={"PORT": str(closed)}, capture_output=True, text=True
    )
    assert down.returncode == 1
    assert down.stderr.startswith(f"unhealthy: http://127.0.0.1:{closed}/healthz")
    assert len(down.stderr.splitlines()) == 1
