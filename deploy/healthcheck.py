"""The image's HEALTHCHECK: GET /healthz from the `policybot serve` running in this container.

The port is the one that server was started with, read from its command line in /proc
(`serve teams` listens on 3978 and `serve slack` on 3000 unless --port says otherwise); PORT
in the environment is used only when no server process is found. So `docker run IMAGE serve
teams` is probed on 3978 without anyone setting PORT. Exit 0 when healthy, 1 otherwise (Docker's
convention), with one line saying why.
"""

from __future__ import annotations

import os
import sys
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path

DEFAULT_PORTS = {"slack": 3000, "teams": 3978}  # as bot/cli/serve.py
FALLBACK_PORT = 3000


def serve_commands(proc: Path = Path("/proc")) -> list[list[str]]:
    """The argument lists of the processes here that run `… serve slack|teams …`."""
    found = []
    for cmdline in sorted(proc.glob("[0-9]*/cmdline")):
        try:
            argv = [a.decode(errors="replace") for a in cmdline.read_bytes().split(b"\0") if a]
        except OSError:  # the process ended meanwhile
            continue
        if "serve" in argv and any(a in DEFAULT_PORTS for a in argv):
            found.append(argv)
    return found


def port_of(argv: list[str]) -> int:
    """The port a `policybot serve` command line listens on."""
    for i, arg in enumerate(argv):
        if arg == "--port" and i + 1 < len(argv):
            return int(argv[i + 1])
        if arg.startswith("--port="):
            return int(arg.split("=", 1)[1])
    platform = next(a for a in argv[argv.index("serve") + 1 :] if a in DEFAULT_PORTS)
    return DEFAULT_PORTS[platform]


def probe_port(commands: Iterable[list[str]], env: Mapping[str, str]) -> int:
    for argv in commands:
        return port_of(argv)
    return int(env.get("PORT", "").strip() or FALLBACK_PORT)


def main(argv: list[str]) -> int:
    # --proc DIR: where to read the processes from (default /proc; the tests pass a folder)
    proc = Path(argv[argv.index("--proc") + 1]) if "--proc" in argv else Path("/proc")
    port = probe_port(serve_commands(proc), os.environ)
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=4) as resp:
            status = resp.status
    except OSError as exc:  # refused, timed out, or an HTTP error status
        print(f"unhealthy: {url}: {exc}", file=sys.stderr)
        return 1
    print(f"healthy: {url} answered {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
