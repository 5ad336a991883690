"""`policybot reports ...`, `policybot audit verify`, `policybot key generate`: the
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
from dataclasses import asdict
from pathlib import Path

from bot.config import ROLES, ConfigError
from bot.operator import cli_actor
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
    q.add_argument("--role", dest="target_role", choices=ROLES, required=True)
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
    q.set_defaults(func=_verify, role="headteacher")

    k = sub.add_parser("key", help="encryption key for report records")
    ksub = k.add_subparsers(dest="key_command", metavar="ACTION")
    ksub.required = True
    q = ksub.add_parser("generate", help="print a new key, or write it to --file (0600)")
    q.add_argument("--file", type=Path, help="write the key here instead of printing it")
    q.set_defaults(func=_generate_key)
    q = ksub.add_parser(
        "rotate",
        help="move to a new key: write it (with the current one after it) to --new-key-file "
        "and re-encrypt every stored record under it",
    )
    q.add_argument(
        "--new-key-file", type=Path, required=True, help="created 0600; never overwritten"
    )
    q.set_defaults(func=_rotate_key)
    q = ksub.add_parser(
        "reencrypt", help="re-encrypt every stored record under the first configured key"
    )
    q.set_defaults(func=_reencrypt)


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
    return cli_actor(args.role, person.name)


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
def _undelivered(args, runtime, actor) -> int:
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
def _reassign(args, runtime, actor) -> int:
    return _result(runtime.reports.reassign(args.target_role, actor))


@_acting
def _history(args, runtime, actor) -> int:
    entries = runtime.reports.history(args.reference, actor)
    if isinstance(entries, ActionResult):
        return _result(entries)
    for e in entries:
        print(f"{e.at}  {e.action:<12} {e.actor:<40} {e.detail}")
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
def _verify(args, runtime) -> int:
    with runtime.store.read() as db:
        result = audit.verify(runtime.store, db)
    if result.ok:
        print(result.message)
    else:
        print(f"Audit log FAILED verification: {result.message}", file=sys.stderr)
    detail = "ok" if result.ok else f"failed at row {result.bad_row}"
    runtime.reports.audit_event("verify", cli_actor(), "", detail)
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


def _reencrypt_all(settings, keys: bytes, action: str, detail: str) -> int:
    """Re-encrypt the reports database and the feedback log under the first of `keys`; the
    reports part is one transaction with its audit entry."""
    from datetime import UTC, datetime

    from bot.feedback import FeedbackLog
    from bot.reports.service import actor_id
    from bot.store import Store, reencrypt

    store = Store(
        settings.db_path, keys, key_source=settings.key_source,
        audit_anchor=settings.audit_head_file,
    )  # fmt: skip
    try:
        count, chain_before = reencrypt(store)
        with store.transaction() as db:
            audit.append(
                store,
                db,
                when=datetime.now(UTC),
                action=action,
                actor=actor_id(cli_actor()),
                detail=f"{count} values {detail}; audit chain before re-signing: {chain_before}",
            )
    finally:
        store.close()
    from bot.sealed_table import TEAMS_FILE, reencrypt_file

    count += reencrypt_file(settings.data_dir / TEAMS_FILE, keys)
    feedback_db = settings.data_dir / "feedback.db"
    if feedback_db.exists():
        log = FeedbackLog(feedback_db, keys)
        try:
            count += log.reencrypt()
        finally:
            log.close()
    return count


def _settings_with_key():
    """The settings, or None (having said why) when they are invalid or hold no key."""
    from bot.cli.ops import settings_or_none

    settings = settings_or_none()
    if settings is not None and settings.key is None:
        print(
            "policybot: no encryption key is configured (POLICYBOT_KEY or POLICYBOT_KEY_FILE). "
            "`policybot key generate` makes a first one.",
            file=sys.stderr,
        )
        return None
    return settings


def _rotate_key(args: argparse.Namespace) -> int:
    from cryptography.fernet import Fernet

    from bot.keys import key_file_text, parse_keys
    from bot.store import Store

    settings = _settings_with_key()
    if settings is None:
        return 2
    path: Path = args.new_key_file
    if path.exists():
        print(f"policybot: {path} already exists; not overwriting a key.", file=sys.stderr)
        return 1
    try:  # the current key must open the database before anything is written
        Store(settings.db_path, settings.key, key_source=settings.key_source).close()
    except StoreError as exc:
        print(f"policybot: {exc}", file=sys.stderr)
        return 2
    old = parse_keys(settings.key)
    keys = [Fernet.generate_key(), *old]
    # The new key file is written (and flushed to disk) before any record is re-encrypted, so
    # no record is ever under a key that exists nowhere.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key_file_text(keys))
        fh.flush()
        os.fsync(fh.fileno())
    try:
        count = _reencrypt_all(settings, b"\n".join(keys), "key_rotate", "re-encrypted")
    except StoreError as exc:
        print(
            f"policybot: {exc}\nThe database is unchanged and still uses the current key; "
            f"{path} was not put to use and can be deleted.",
            file=sys.stderr,
        )
        return 2
    print(
        f"Re-encrypted {count} stored values under a new key, written to {path} (mode 0600).\n"
        f"Next: set POLICYBOT_KEY_FILE={path} (and unset POLICYBOT_KEY) and restart policybot.\n"
        "The file also holds the previous key, so anything written before the restart and "
        "backups made before today stay readable. After the restart, run "
        "`policybot key reencrypt`; delete the older line(s) once no backup you keep needs them."
    )
    return 0


def _reencrypt(args: argparse.Namespace) -> int:
    from bot.keys import parse_keys

    settings = _settings_with_key()
    if settings is None:
        return 2
    try:
        count = _reencrypt_all(settings, settings.key, "key_reencrypt", "under the first key")
    except StoreError as exc:
        print(f"policybot: {exc}", file=sys.stderr)
        return 2
    older = len(parse_keys(settings.key)) - 1
    print(f"Re-encrypted {count} stored values under the first key in {settings.key_source}.")
    if older:
        print(
            f"The {older} older key(s) there now only open backups made before the rotation: "
            "delete their lines when no backup you keep needs them."
        )
    return 0
