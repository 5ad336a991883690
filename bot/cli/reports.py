"""`policybot reports ...`, `policybot audit verify`, `policybot key generate`: the
headteacher's tools. Commands act as a configured person (default the headteacher; `--as
ROLE`) and every one of them is recorded in the audit log."""

from __future__ import annotations

import argparse
import csv
import getpass
import io
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

from bot.config import ROLES, ConfigError
from bot.reports import audit
from bot.reports.models import ROLE_LABELS, ActionResult, Actor
from bot.store import StoreError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reports", help="list, show, acknowledge and export reports")
    p.add_argument(
        "--as",
        dest="role",
        choices=ROLES,
        default="headteacher",
        help="act as this configured person (default headteacher)",
    )
    rsub = p.add_subparsers(dest="reports_command", metavar="ACTION")
    rsub.required = True
    q = rsub.add_parser("list", help="reports you received, newest first")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=_list)
    q = rsub.add_parser("show", help="one report in full, with notes and delivery status")
    q.add_argument("reference")
    q.set_defaults(func=_show)
    q = rsub.add_parser("ack", help="acknowledge a report (the sender is told)")
    q.add_argument("reference")
    q.set_defaults(func=_ack)
    q = rsub.add_parser("note", help="add a note to a report")
    q.add_argument("reference")
    q.add_argument("text")
    q.set_defaults(func=_note)
    q = rsub.add_parser("close", help="close a report")
    q.add_argument("reference")
    q.set_defaults(func=_close)
    q = rsub.add_parser("export", help="export a register")
    q.add_argument("register", choices=["relationships"])
    q.add_argument("--csv", action="store_true", help="CSV (the only format; the default)")
    q.add_argument("--output", "-o", type=Path, help="write to this file (created 0600)")
    q.set_defaults(func=_export)

    a = sub.add_parser("audit", help="check the audit log")
    asub = a.add_subparsers(dest="audit_command", metavar="ACTION")
    asub.required = True
    q = asub.add_parser("verify", help="verify the audit log's hash chain")
    q.set_defaults(func=_verify, role="headteacher")

    k = sub.add_parser("key", help="encryption key for report records")
    ksub = k.add_subparsers(dest="key_command", metavar="ACTION")
    ksub.required = True
    q = ksub.add_parser("generate", help="print a new key, or write it to --file (0600)")
    q.add_argument("--file", type=Path, help="write the key here instead of printing it")
    q.set_defaults(func=_generate_key)


def _runtime():
    from bot.runtime import Runtime

    return Runtime.from_env(os.environ, load_assistant=False)


def _with_runtime(fn):
    def run(args: argparse.Namespace) -> int:
        try:
            runtime = _runtime()
        except (ConfigError, StoreError) as exc:
            print(f"policybot: {exc}", file=sys.stderr)
            return 2
        try:
            return fn(args, runtime)
        except StoreError as exc:
            print(f"policybot: {exc}", file=sys.stderr)
            return 2
        finally:
            runtime.close()

    return run


def _actor(args: argparse.Namespace, runtime) -> Actor:
    person = runtime.settings.people.get(args.role)
    if person is None:
        where = runtime.settings.config_path or "POLICYBOT_CONFIG (not set)"
        raise ConfigError(f"{where}: people.{args.role}: not configured, so you cannot act as them")
    try:
        os_user = getpass.getuser()
    except Exception:  # pragma: no cover - no login name in some containers
        os_user = "unknown"
    return Actor("cli", args.role, f"{person.name} (command line, {os_user})")


def _acting(fn):
    @_with_runtime
    def run(args: argparse.Namespace, runtime) -> int:
        try:
            actor = _actor(args, runtime)
        except ConfigError as exc:
            print(f"policybot: {exc}", file=sys.stderr)
            return 2
        return fn(args, runtime, actor)

    return run


def _result(result: ActionResult) -> int:
    print(result.message, file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1


@_acting
def _list(args, runtime, actor) -> int:
    summaries = runtime.reports.list_for_recipient(actor)
    runtime.reports.audit_event("list", actor, "", f"{len(summaries)} reports")
    if args.json:
        print(json.dumps([asdict(s) for s in summaries], indent=2))
        return 0
    if not summaries:
        print(f"No reports for the {ROLE_LABELS[args.role]}.")
        return 0
    for s in summaries:
        flags = " URGENT" if s.urgent else ""
        flags += " ABOUT-HEAD" if s.about_headteacher else ""
        ack = f"  ack: {s.acknowledged_by}" if s.acknowledged_by else ""
        pending = "  (delivery pending)" if s.delivery_pending else ""
        print(f"{s.reference}  {s.created_at[:10]}  {s.status:<12} {s.label}{flags}{ack}{pending}")
    return 0


@_acting
def _show(args, runtime, actor) -> int:
    detail = runtime.reports.get(args.reference, actor)
    if isinstance(detail, ActionResult):
        return _result(detail)
    s = detail.summary
    print(f"{s.reference}  {s.kind}  {s.status}{'  URGENT' if s.urgent else ''}")
    print(f"Submitted: {s.created_at} by {detail.submitted_by}")
    print(f"Sent to: {', '.join(s.recipients)}")
    if s.acknowledged_by:
        print(f"Acknowledged: {s.acknowledged_at} by {s.acknowledged_by}")
    if detail.closed_by:
        print(f"Closed: {detail.closed_at} by {detail.closed_by}")
    for label, value in detail.fields:
        print(f"{label}: {value}")
    for e in detail.evidence:
        print(f"Evidence: {e.name} ({e.ref})")
    for n in detail.notes:
        print(f"Note {n.at} {n.author}: {n.text}")
    for d in runtime.reports.delivery_status(s.reference):
        print(f"Delivery: {d.role} on {d.platform}: {d.status} (attempts {d.attempts})")
    return 0


@_acting
def _ack(args, runtime, actor) -> int:
    return _result(runtime.reports.acknowledge(args.reference, actor))


@_acting
def _note(args, runtime, actor) -> int:
    return _result(runtime.reports.add_note(args.reference, actor, args.text))


@_acting
def _close(args, runtime, actor) -> int:
    return _result(runtime.reports.close(args.reference, actor))


@_acting
def _export(args, runtime, actor) -> int:
    rows = runtime.reports.export_relationships(actor)
    fields = [
        "reference", "declared_at", "declared_by", "declarant_platform", "pupil", "year_group",
        "relationship", "social_media_contact", "notes", "status", "acknowledged_by",
        "acknowledged_at",
    ]  # fmt: skip
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        # Neutralise spreadsheet formulas in free text (=, +, -, @ at the start of a cell).
        writer.writerow({k: ("'" + v if str(v)[:1] in "=+-@" else v) for k, v in row.items()})
    if args.output:
        fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(buf.getvalue())
        print(f"Wrote {len(rows)} declarations to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(buf.getvalue())
    return 0


@_with_runtime
def _verify(args, runtime) -> int:
    with runtime.store.read() as db:
        result = audit.verify(db)
    if result.ok:
        print(result.message)
    else:
        print(f"Audit log FAILED verification: {result.message}", file=sys.stderr)
    detail = "ok" if result.ok else f"failed at row {result.bad_row}"
    try:
        user = getpass.getuser()
    except Exception:  # pragma: no cover
        user = "unknown"
    runtime.reports.audit_event("verify", Actor("cli", user), "", detail)
    return 0 if result.ok else 1


def _generate_key(args: argparse.Namespace) -> int:
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    if args.file is None:
        print(key)
        print(
            "Keep this key outside the data directory (POLICYBOT_KEY or POLICYBOT_KEY_FILE). "
            "Without it the reports cannot be read.",
            file=sys.stderr,
        )
        return 0
    try:
        fd = os.open(args.file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        print(f"policybot: {args.file} already exists; not overwriting a key.", file=sys.stderr)
        return 1
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    print(f"Wrote a new key to {args.file} (mode 0600). Set POLICYBOT_KEY_FILE={args.file}")
    return 0
