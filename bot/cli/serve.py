"""`policybot serve slack|teams`: the chat front ends live in handlers/ and are imported only here,
at run time, so the core never depends on a chat SDK."""

from __future__ import annotations

import argparse
import importlib
import sys

DEFAULT_PORTS = {"slack": 3000, "teams": 3978}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the Slack or Teams app")
    p.add_argument("platform", choices=sorted(DEFAULT_PORTS), help="which chat platform to serve")
    p.add_argument(
        "--host",
        default=None,
        help="address to listen on (default 0.0.0.0; 127.0.0.1 with --local-testing)",
    )
    p.add_argument("--port", type=int, default=None, help="port (default 3000 Slack, 3978 Teams)")
    p.add_argument(
        "--socket", action="store_true", help="Slack only: Socket Mode (needs SLACK_APP_TOKEN)"
    )
    p.add_argument(
        "--local-testing",
        action="store_true",
        help="Teams only: run without MicrosoftAppId/Password, listening on 127.0.0.1 only",
    )
    p.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    if args.port is None:
        args.port = DEFAULT_PORTS[args.platform]
    if args.platform != "teams":
        if args.local_testing:
            print("policybot serve: --local-testing is for Teams only", file=sys.stderr)
            return 2
        args.host = args.host or "0.0.0.0"
    server = importlib.import_module(f"handlers.{args.platform}.server")
    return int(server.serve(args) or 0)
