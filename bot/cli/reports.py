"""`policybot reports ...`, `policybot audit verify`: the
headteacher's tools. Commands act as a configured person (default the headteacher; `--as
ROLE`) and every one of them is recorded in the audit log."""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import ConfigError
from bot.operator import cli_actor
from bot.people import ALL_ROLES
from bot.reports import audit
from bot.reports.models import ROLE_LABELS, ActionResult, Actor
from bot.spreadsheets import safe_cell

if TYPE_CHECKING:
    from bot.runtime import Runtime

Command = Callable[[argparse.Namespace], int]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("reports", help="list, show, acknowledge and export reports")
    p.add_argument(
        "--as",
        dest="role",
        choices=ALL_ROLES,
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
    q = rsub.add_parser(
        "evidence", help="write a report's evidence files into a folder (files 0600, audited)"
    )
    q.add_argument("reference")
    q.add_argument("--out", type=Path, required=True, help="folder to write them into")
    q.set_defaults(func=_evidence)
    q = rsub.add_parser("history", help="who did what with one report (its audit entries)")
    q.add_argument("reference")
    q.set_defaults(func=_history)
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
    q = rsub.add_parser(
        "undelivered",
        help="notices that could not be delivered (refused for good, or overdue), oldest first",
    )
    q.add_argument(
        "--all", action="store_true", help="also those still being retried within the limit"
    )
    q.add_argument(
        "--retry",
        action="store_true",
        help="try the notices refused for good again (after fixing the cause, e.g. a new token)",
    )
    q.set_defaults(func=_undelivered)
    q = rsub.add_parser(
        "reassign",
        help="after a role changes hands (config edited, service restarted): move every record "
        "the role received to the person now configured for it (audited)",
    )
    q.add_argument("--role", dest="target_role", choices=ALL_ROLES, required=True)
    q.set_defaults(func=_reassign)
    q = rsub.add_parser("export", help="export a register")
    q.add_argument("register", choices=["relationships"])
    q.add_argument("--csv", action="store_true", help="CSV (the only format; the default)")
    q.add_argument("--output", "-o", type=Path, help="write to this file (created 0600)")
    q.set_defaults(func=_export)

    a = sub.add_parser("audit", help="check the audit log")
    asub = a.add_subparsers(dest="audit_command", metavar="ACTION")
    asub.required = True
    q = asub.add_parser("verify", help="verify the audit log's hash chain")
    q.add_argument(
        "--accept-reset",
        action="store_true",
        help="after comparing the log with the service log and backups: accept the recorded "
        "resets of the audit head file (recorded in the log with your name)",
    )
    q.set_defaults(func=_verify, role="headteacher")


def _runtime(args: argparse.Namespace) -> Runtime:

    return args.tenancy.runtime(getattr(args, "clock", None))  # type: ignore[no-any-return]


def _with_runtime(fn: Callable[[argparse.Namespace, Runtime], int]) -> Command:
    """Run fn with a runtime, closed afterwards; a failure (a PolicybotError such as a wrong
    key) is printed once by bot/cli/__init__.py."""

    def run(args: argparse.Namespace) -> int:
        runtime = _runtime(args)
        try:
            return fn(args, runtime)
        finally:
            runtime.close()

    return run


def _actor(args: argparse.Namespace, runtime: Runtime) -> Actor:
    person = runtime.settings.people.get(args.role)
    if person is None:
        where = runtime.settings.config_path or "POLICYBOT_CONFIG (not set)"
        raise ConfigError(f"{where}: people.{args.role}: not configured, so you cannot act as them")
    return cli_actor(args.role, person.name)


def _acting(fn: Callable[[argparse.Namespace, Runtime, Actor], int]) -> Command:
    @_with_runtime
    def run(args: argparse.Namespace, runtime: Runtime) -> int:
        return fn(args, runtime, _actor(args, runtime))

    return run


def _result(result: ActionResult) -> int:
    print(result.message, file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1


@_acting
def _list(args: argparse.Namespace, runtime: Runtime, actor: Actor) -> int:
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
def _show(args: argparse.Namespace, runtime: Runtime, actor: Actor) -> int:
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
    keep_days = runtime.settings.evidence.keep_days_after_close
    for e in detail.evidence:
        gone = f": evidence deleted on {e.deleted_at[:10]} ({keep_days} days after closing)"
        print(f"Evidence {e.number}: {e.describe()}" + (gone if e.deleted_at else ""))
    if detail.evidence and any(not e.deleted_at for e in detail.evidence):
        print(f"  (write the files out with: policybot reports evidence {s.reference} --out DIR)")
    for n in detail.notes:
        print(f"Note {n.at} {n.author}: {n.text}")
    for d in runtime.reports.delivery_status(s.reference):
        print(f"Delivery: {d.role} on {d.platform}: {d.status} (attempts {d.attempts})")
    return 0


@_acting
def _evidence(args: argparse.Namespace, runtime: Runtime, actor: Actor) -> int:
    from bot.reports.evidence import deleted_message

    files = runtime.reports.evidence.export(args.reference, actor)
    if isinstance(files, ActionResult):
        return _result(files)
    if not files:
        print(f"{args.reference.upper()} has no evidence files.")
        return 0
    out: Path = args.out
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    keep_days = runtime.settings.evidence.keep_days_after_close
    written = 0
    for f in files:
        if f.deleted_at:
            print(deleted_message(f, keep_days), file=sys.stderr)
            continue
        path = out / _file_name(f.number, f.name, f.extension)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            print(f"{path} already exists: not overwritten (choose another --out)", file=sys.stderr)
            return 1
        with os.fdopen(fd, "wb") as fh:
            fh.write(f.content)
        print(f"{path}  {f.kind}, {len(f.content):,} bytes")
        written += 1
    print(f"Wrote {written} file(s) to {out} (mode 0600). Delete them when you are done.")
    return 0


def _file_name(number: int, name: str, extension: str) -> str:
    """ "2-screenshot.png": the number keeps names apart, the extension matches the content
    (a PDF called "notes.exe" is written "notes.exe.pdf"), nothing can leave the folder."""
    safe = "".join(c if c.isalnum() or c in " ._-()" else "_" for c in name).strip(" .")
    stem = safe[:120] or "file"
    if not stem.lower().endswith("." + extension) and not (
        extension == "jpg" and stem.lower().endswith(".jpeg")
    ):
        stem += "." + extension
    return f"{number}-{stem}"


@_acting
def _undelivered(args: argparse.Namespace, runtime: Runtime, actor: Actor) -> int:
    if args.retry:
        return _result(runtime.reports.retry_failed(actor))
    rows = runtime.reports.undelivered(actor, everything=args.all)
    limit = runtime.settings.undelivered_alert_minutes
    if not rows:
        print(
            f"No undelivered notice needs attention on reports sent to the {ROLE_LABELS[args.role]}."
        )
    for r in rows:
        to = "the person who sent it" if r.role == "submitter" else r.role.replace("+", " and ")
        error = f"  ({r.last_error})" if r.last_error else ""
        print(
            f"{r.reference}  to {to} on {r.platform}: {r.state}, {r.age_minutes} min old, "
            f"{r.attempts} attempts{error}"
        )
    print(
        f"Listed: notices refused for good or undelivered for over {limit:g} minutes, on reports "
        f"sent to the {ROLE_LABELS[args.role]} (other roles: --as ROLE). A person who left or "
        "changed: fix the config, restart, then `reports reassign --role ROLE`. A fixed token "
        "or app: `reports undelivered --retry`. Not yet opened the bot in Teams: ask them to. "
        "Closing a report clears its entries.",
        file=sys.stderr,
    )
    return 1 if any(r.overdue for r in rows) else 0


@_acting
def _reassign(args: argparse.Namespace, runtime: Runtime, actor: Actor) -> int:
    return _result(runtime.reports.reassign(args.target_role, actor))


@_acting
def _history(args: argparse.Namespace, runtime: Runtime, actor: Actor) -> int:
    entries = runtime.reports.history(args.reference, actor)
    if isinstance(entries, ActionResult):
        return _result(entries)
    for e in entries:
        print(f"{e.at}  {e.action:<12} {e.actor:<40} {e.detail}")
    return 0


@_acting
def _ack(args: argparse.Namespace, runtime: Runtime, actor: Actor) -> int:
    return _result(runtime.reports.acknowledge(args.reference, actor))


@_acting
def _note(args: argparse.Namespace, runtime: Runtime, actor: Actor) -> int:
    return _result(runtime.reports.add_note(args.reference, actor, args.text))


@_acting
def _close(args: argparse.Namespace, runtime: Runtime, actor: Actor) -> int:
    return _result(runtime.reports.close(args.reference, actor))


@_acting
def _export(args: argparse.Namespace, runtime: Runtime, actor: Actor) -> int:
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
        writer.writerow({k: safe_cell(v) for k, v in row.items()})  # no formulas from free text
    if args.output:
        _write_private(args.output, buf.getvalue())
        print(f"Wrote {len(rows)} declarations to {args.output} (mode 0600)", file=sys.stderr)
    else:
        sys.stdout.write(buf.getvalue())
    return 0


def _write_private(path: Path, text: str) -> None:
    """Write a new 0600 file and move it over path: an existing file's looser mode (or owner)
    never carries over to pupils' names."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@_with_runtime
def _verify(args: argparse.Namespace, runtime: Runtime) -> int:
    with runtime.store.read() as db:
        result = audit.verify(runtime.store, db)
    if args.accept_reset and result.resets:  # the resets are then the only failure
        rows = ", ".join(str(r) for r in result.resets)
        runtime.reports.audit_event("anchor_accept", cli_actor(), "", f"resets at row {rows}")
        with runtime.store.read() as db:
            result = audit.verify(runtime.store, db)
        print(f"Accepted the audit head resets at row {rows} (recorded in the log).")
    elif args.accept_reset:
        print("No audit head reset to accept.", file=sys.stderr)
    if result.ok:
        print(result.message)
    else:
        print(f"Audit log FAILED verification: {result.message}", file=sys.stderr)
    detail = "ok" if result.ok else f"failed at row {result.bad_row}"
    runtime.reports.audit_event("verify", cli_actor(), "", detail)
    return 0 if result.ok else 1
