"""`policybot policies publish|receipts|rounds` and `policybot staff import|list`: the
headteacher's "read and understood" tools on the command line (bot/campaigns/). Commands act as
a configured role (default the headteacher; `--as ROLE`), which must be allowed to publish
(``[campaigns] publishers``); publishing, exports and imports are recorded in the audit log."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.campaigns.models import AUDIENCES, Progress
from bot.cli.reports import _acting, _with_runtime
from bot.errors import StaffImportError
from bot.people import ROLES, Actor
from bot.spreadsheets import safe_cell
from bot.staff import parse_csv

if TYPE_CHECKING:
    from bot.runtime import Runtime

# delivery: delivered | being sent | not reachable yet | could not be delivered | no chat
# account; confirmed_in: the round whose button they pressed (a confirmation counts for every
# round of the same version, so it may be another round's)
RECEIPT_COLUMNS = (
    "round", "policy", "version", "approved", "due", "name", "group", "platform", "sent_at",
    "opened_at", "confirmed_at", "reminders", "delivery", "confirmed_in",
)  # fmt: skip


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("policies", help="send a policy to staff to read and confirm; receipts")
    p.add_argument("--as", dest="role", choices=ROLES, default="headteacher",
                   help="act as this configured person (default headteacher)")  # fmt: skip
    psub = p.add_subparsers(dest="policies_command", metavar="ACTION")
    psub.required = True
    q = psub.add_parser("publish", help="send a policy (a file, or a title from the handbook)")
    q.add_argument("policy", metavar="FILE|TITLE")
    q.add_argument("--to", dest="audience", required=True, metavar="all|GROUP",
                   help=f"who: {', '.join(AUDIENCES)}")  # fmt: skip
    q.add_argument("--due", required=True, metavar="YYYY-MM-DD")
    q.add_argument("--message", default="", help="one line shown with the policy")
    q.set_defaults(func=_publish)
    q = psub.add_parser("receipts", help="who has confirmed each round of a policy")
    q.add_argument("title")
    q.add_argument("--csv", action="store_true", help="CSV with names and times")
    q.add_argument("--output", "-o", type=Path, help="write to this file (created 0600)")
    q.set_defaults(func=_receipts)
    q = psub.add_parser("rounds", help="every round sent, newest first, with counts")
    q.set_defaults(func=_rounds)
    q = psub.add_parser("remind", help="queue the reminders now due (the servers do this too)")
    q.set_defaults(func=_remind)

    s = sub.add_parser("staff", help="the staff directory policies are sent to")
    ssub = s.add_subparsers(dest="staff_command", metavar="ACTION")
    ssub.required = True
    q = ssub.add_parser("import", help="replace the staff list from a CSV "
                        "(name,email,group[,slack_user][,teams_user])")  # fmt: skip
    q.add_argument("file", type=Path)
    q.set_defaults(func=_staff_import)
    q = ssub.add_parser("list", help="staff, their group and where they can be reached")
    q.add_argument("--group", default="all", choices=AUDIENCES)
    q.set_defaults(func=_staff_list)


@_acting
def _publish(args: argparse.Namespace, runtime: Runtime, actor: Actor) -> int:
    from bot.corpus.loader import load_document
    from bot.corpus.model import Document

    policy: Document | str = args.policy
    path = Path(args.policy).expanduser()
    if path.suffix and path.is_file():
        policy = load_document(path)
    receipt = runtime.campaigns.publish(actor, policy, args.audience, args.due, args.message)
    print(receipt.message)
    print("The delivery worker of `policybot serve slack|teams` sends the messages.")
    return 0


@_acting
def _receipts(args: argparse.Namespace, runtime: Runtime, actor: Actor) -> int:
    rounds = runtime.campaigns.receipts(actor, args.title)
    if args.csv or args.output:
        text = _csv(rounds)
        if args.output:
            from bot.cli.reports import _write_private

            _write_private(args.output, text)
            print(f"Wrote {sum(r.total for r in rounds)} rows to {args.output} (mode 0600)",
                  file=sys.stderr)  # fmt: skip
        else:
            sys.stdout.write(text)
        return 0
    for p in rounds:
        print(f"{p.reference}  {p.title} (version {p.version}, approved {p.approval_date or '-'}) "
              f"to {p.audience}, due {p.due}")  # fmt: skip
        print(f"  {p.summary}")
    return 0


def _csv(rounds: list[Progress]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(RECEIPT_COLUMNS)
    for p in rounds:
        for r in p.rows:
            writer.writerow([safe_cell(v) for v in (
                p.reference, p.title, p.version, p.approval_date, p.due, r.name, r.group,
                r.platform, r.sent_at, r.opened_at, r.confirmed_at, r.reminders, r.delivery,
                r.confirmed_in,
            )])  # fmt: skip
    return buf.getvalue()


@_acting
def _rounds(args: argparse.Namespace, runtime: Runtime, actor: Actor) -> int:
    for c in runtime.campaigns.campaigns(actor):
        print(f"{c.reference}  {c.title} (version {c.version}) to {c.audience}, due {c.due}: "
              f"{c.confirmed} of {c.total} confirmed")  # fmt: skip
    return 0


@_with_runtime
def _remind(args: argparse.Namespace, runtime: Runtime) -> int:
    print(f"{runtime.campaigns.send_reminders()} reminders queued")
    return 0


@_with_runtime
def _staff_import(args: argparse.Namespace, runtime: Runtime) -> int:
    from bot.operator import cli_actor
    from bot.reports.service import actor_id

    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StaffImportError([f"{args.file}: cannot read it as a UTF-8 CSV ({exc})"]) from None
    members = parse_csv(text)
    campaigns = runtime.campaigns
    added, gone = campaigns.directory.import_csv(members, actor_id(cli_actor()), campaigns.now())
    print(f"Imported {added} staff from {args.file}" + (f"; {gone} no longer listed are now "
          "inactive (their past confirmations are kept)" if gone else ""))  # fmt: skip
    return 0


@_with_runtime
def _staff_list(args: argparse.Namespace, runtime: Runtime) -> int:
    members = runtime.campaigns.directory.members(group=args.group)
    for m in members:
        where = ", ".join(p for p, v in (("slack", m.slack_user), ("teams", m.teams_user)) if v)
        print(
            f"{m.name}\t{m.group or '-'}\t{where or 'NO CHAT ACCOUNT: will not be sent policies'}"
        )
    print(f"{len(members)} staff", file=sys.stderr)
    return 0
