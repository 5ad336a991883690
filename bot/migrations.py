"""The database's migrations: what each release changed in the SQLite schema, in order.

``bot.store.Store`` applies them at every open (sqlite-utils records each applied one by name in
its ``_sqlite_migrations`` table, so each runs once per database). One function per migration,
registered with ``@migrations()``; the order they are registered in is the order they run in.
A new one goes at the end, numbered next (``m010_…``); one a release has shipped is never edited,
since databases already upgraded by it would not run it again.

A migration only changes the schema and moves data that needs no key: anything that must
decrypt or seal runs at the first open with the key (``bot.reports.sealing.upgrade``). A new
encrypted column is also listed in ``bot.store.ENCRYPTED_COLUMNS``, or key rotation misses it.
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("policybot")


@migrations()
def m001_reports(db: sqlite_utils.Database) -> None:
    db.table("meta").create({"key": str, "value": str}, pk="key")
    db.table("counters").create({"kind": str, "year": int, "last": int}, pk=("kind", "year"))
    db.table("reports").create(
        {
            "id": int,
            "reference": str,
            "kind": str,  # concern | declaration
            "year": int,
            "category": str,  # concern category key (not secret: needed to list and route)
            "relationship": str,  # declaration relationship key
            "urgent": int,
            "about_headteacher": int,
            "immediate_risk": int,
            "status": str,  # open | acknowledged | closed
            "created_at": str,
            "submitter_platform": str,
            "submitter_id": str,
            "submitter_name": str,  # encrypted
            "body": str,  # encrypted JSON of every free-text field
            "acknowledged_by": str,
            "acknowledged_role": str,
            "acknowledged_at": str,
            "closed_by": str,
            "closed_at": str,
        },
        pk="id",
        not_null={"reference", "kind", "status", "created_at", "body"},
    )
    db.table("reports").create_index(["reference"], unique=True)
    db.table("reports").create_index(["submitter_platform", "submitter_id"])
    db.table("recipients").create(
        {
            "id": int,
            "report_id": int,
            "role": str,
            "name": str,
            "slack_user": str,
            "teams_user": str,
        },
        pk="id",
        foreign_keys=[("report_id", "reports", "id")],
    )
    db.table("recipients").create_index(["report_id"])
    db.table("recipients").create_index(["slack_user"])
    db.table("recipients").create_index(["teams_user"])
    db.table("notes").create(
        {"id": int, "report_id": int, "at": str, "author": str, "author_role": str, "text": str},
        pk="id",
        foreign_keys=[("report_id", "reports", "id")],
    )
    db.table("outbox").create(
        {
            "id": int,
            "report_id": int,
            "reference": str,
            "notice_type": str,
            "role": str,  # recipient role(s) joined by "+", or "submitter"
            "platform": str,
            "user_id": str,
            "notice": str,  # encrypted JSON of the Notice
            "idempotency_key": str,
            "status": str,  # pending | sending | sent
            "attempts": int,
            "next_attempt_at": float,  # unix time
            "last_error": str,
            "unreachable": int,
            "created_at": str,
            "sent_at": str,
        },
        pk="id",
        defaults={"attempts": 0, "unreachable": 0, "last_error": ""},
        foreign_keys=[("report_id", "reports", "id")],
    )
    db.table("outbox").create_index(["idempotency_key"], unique=True)
    db.table("outbox").create_index(["status", "next_attempt_at"])
    db.table("outbox").create_index(["report_id"])
    db.table("audit").create(
        {
            "id": int,
            "at": str,
            "action": str,
            "reference": str,
            "actor": str,
            "detail": str,
            "prev_hash": str,
            "hash": str,
        },
        pk="id",
    )
    # Append-only: the application can never edit or delete an audit row. (Someone with the
    # file can drop these triggers; the hash chain is what detects that.)
    db.execute(
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
    )
    db.execute(
        "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
    )


@migrations()
def m002_submission_keys(db: sqlite_utils.Database) -> None:
    # A form a front end sends twice (a double click, a retry after a slow answer) carries the
    # same key; it must file one report, not two.
    db.table("reports").add_column("submission_key", str)
    db.table("reports").create_index(
        ["submitter_platform", "submitter_id", "submission_key"],
        unique=True,
        index_name="reports_submission_key",
    )


@migrations()
def m003_sealed_records(db: sqlite_utils.Database) -> None:
    # Who filed a report, whom it went to and whether it concerns the headteacher move into
    # encrypted columns. This migration only changes the schema: moving the data needs the key,
    # so ``bot.reports.sealing.seal_legacy_rows`` does it at the first open with the key. From
    # then on the flag, submitter and "who acted" columns of `reports`, `recipients` (whom a
    # record went to is in its sealed facts) and notes' author columns stay empty.
    db.table("reports").add_column("sealed", str)  # encrypted, padded JSON: see service._seal
    db.table("reports").add_column(
        "submission_tag", str
    )  # HMAC(submitter + form id): de-duplication
    db.table("outbox").add_column("envelope", str)  # encrypted JSON: role, platform, user id
    db.table("audit").add_column("key_id", str)  # which key signed the row (bot.keys.key_id)
    for index in (
        "reports_submission_key",
        "idx_reports_submitter_platform_submitter_id",
        "idx_recipients_slack_user",
        "idx_recipients_teams_user",
    ):
        db.execute(f"DROP INDEX IF EXISTS {index}")
    db.table("reports").create_index(
        ["submission_tag"], unique=True, index_name="reports_submission_tag"
    )


@migrations()
def m004_undeliverable_notices(db: sqlite_utils.Database) -> None:
    # A notice the platform refuses for good is marked status 'failed' (no more retries). These
    # flags record, once per notice, that its submitter was told and that an urgent concern was
    # escalated, so two delivery workers (Slack's and Teams' processes) never do either twice.
    # Flags only, and uniform: whom the notice is for is in its sealed envelope (m003), and
    # `escalated` is set on every refused or late first notice, urgent or not (urgency is sealed).
    db.table("outbox").add_column("submitter_told", int, not_null_default=0)
    db.table("outbox").add_column("escalated", int, not_null_default=0)


@migrations()
def m005_policy_campaigns(db: sqlite_utils.Database) -> None:
    # "Read and understood" campaigns (bot/campaigns/). Who someone is stays sealed: staff rows
    # keep name and accounts in ``sealed`` and are found by keyed hashes of each account; a
    # recipient row names its person only by a keyed hash of the staff row (``person_tag``) and
    # a sealed copy of their name and address. Policy text is the school's published policy
    # and is kept in plain text so a later version can be compared clause by clause.
    db.table("staff").create(
        {
            "id": int,
            "email_tag": str,  # HMAC of the lower-cased email ("" when none)
            "slack_tag": str,  # HMAC of the Slack user id ("" when none)
            "teams_tag": str,  # HMAC of the Teams AAD object id ("" when none)
            "staff_group": str,  # teaching | support | governors | volunteers | ""
            "active": int,
            "source": str,  # csv | slack | teams
            "sealed": str,  # encrypted JSON: name, email, slack_user, teams_user
            "updated_at": str,
        },
        pk="id",
        defaults={"active": 1, "email_tag": "", "slack_tag": "", "teams_tag": ""},
    )
    for column in ("email_tag", "slack_tag", "teams_tag"):
        db.table("staff").create_index([column])
    db.table("policy_versions").create(
        {
            "id": int,
            "title": str,
            "content_hash": str,  # sha256 of the title and every clause's id and text
            "approval_date": str,
            "source": str,
            "clauses": str,  # JSON [[id, full_text], ...] in document order
            "created_at": str,
        },
        pk="id",
    )
    db.table("policy_versions").create_index(["title", "content_hash"], unique=True)
    db.table("campaigns").create(
        {
            "id": int,
            "reference": str,  # RU-2026-0001
            "version_id": int,
            "audience": str,  # all | a staff group
            "due": str,  # ISO date
            "message": str,  # encrypted
            "published_by": str,  # encrypted
            "created_at": str,
            "reminders": str,  # JSON list of ISO instants when reminders are due
        },
        pk="id",
        foreign_keys=[("version_id", "policy_versions", "id")],
    )
    db.table("campaigns").create_index(["reference"], unique=True)
    db.table("campaign_recipients").create(
        {
            "id": int,
            "campaign_id": int,
            "number": int,  # 1.. within the campaign: outbox reference RU-2026-0001.17
            "person_tag": str,  # HMAC of the staff row: the same person across rounds
            "sealed": str,  # encrypted JSON: name, group, platform, user_id
            "opened_at": str,
            "confirmed_at": str,
            "reminders_sent": int,
        },
        pk="id",
        defaults={"reminders_sent": 0},
        foreign_keys=[("campaign_id", "campaigns", "id")],
    )
    db.table("campaign_recipients").create_index(["campaign_id", "person_tag"], unique=True)
    db.table("campaign_recipients").create_index(["person_tag"])


@migrations()
def m006_campaign_submissions(db: sqlite_utils.Database) -> None:
    # A publish form sent twice (a double click, Teams re-sending after a slow answer, or a
    # restart in between) carries the same key; it must send the policy to staff once. The key
    # is kept as a keyed hash of who sent it and the form's id; the receipt as encrypted JSON.
    db.table("campaigns").add_column("submission_tag", str)
    db.table("campaigns").add_column("receipt", str)
    db.table("campaigns").create_index(
        ["submission_tag"], unique=True, index_name="campaigns_submission_tag"
    )


@migrations()
def m007_confirmations_per_version(db: sqlite_utils.Database) -> None:
    # A confirmation is of a policy version, whichever round's button was pressed
    # (bot/campaigns/confirmations.py). ``confirmed_round`` names the round it was pressed in.
    # Rounds recorded before this: each confirmation is its own round's, and a person still
    # outstanding in another round of a version they confirmed takes their first confirmation
    # of it (and is no longer reminded there).
    db.table("campaign_recipients").add_column("confirmed_round", str)
    db.execute(
        "UPDATE campaign_recipients SET confirmed_round = (SELECT reference FROM campaigns "
        "WHERE campaigns.id = campaign_recipients.campaign_id) WHERE confirmed_at IS NOT NULL"
    )
    first: dict[tuple[str, int], tuple[str, str]] = {}
    for r in db.query(
        "SELECT r.person_tag, c.version_id, r.confirmed_at, c.reference FROM campaign_recipients r "
        "JOIN campaigns c ON c.id = r.campaign_id WHERE r.confirmed_at IS NOT NULL "
        "ORDER BY r.confirmed_at, c.id"
    ):
        first.setdefault((r["person_tag"], r["version_id"]), (r["confirmed_at"], r["reference"]))
    for r in list(
        db.query(
            "SELECT r.id, r.number, r.person_tag, c.version_id, c.reference "
            "FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id "
            "WHERE r.confirmed_at IS NULL"
        )
    ):
        earlier = first.get((r["person_tag"], r["version_id"]))
        if earlier is None:
            continue
        db.execute(
            "UPDATE campaign_recipients SET confirmed_at = ?, confirmed_round = ? WHERE id = ?",
            [earlier[0], earlier[1], r["id"]],
        )
        db.execute(
            "DELETE FROM outbox WHERE reference = ? AND notice_type = 'policy_reminder' "
            "AND status = 'pending'",
            [f"{r['reference']}.{r['number']}"],
        )


@migrations()
def m008_evidence(db: sqlite_utils.Database) -> None:
    # Files attached to a concern (bot/reports/evidence.py). Name, type, size and checksum are
    # one sealed JSON; the bytes one Fernet token, padded to bot.store.EVIDENCE_BLOCK so its
    # length says little; `content` becomes NULL (and `deleted_at` is set) when the retention
    # period ends.
    # A reader without the key sees how many files a record has and roughly how big they are.
    db.table("evidence").create(
        {
            "id": int,
            "report_id": int,
            "number": int,  # 1, 2, … within the record
            "created_at": str,
            "sealed": str,
            "content": str,
            "deleted_at": str,
        },
        pk="id",
        foreign_keys=[("report_id", "reports", "id")],
    )
    db.table("evidence").create_index(["report_id", "number"], unique=True)


@migrations()
def m009_learning(db: sqlite_utils.Database) -> None:
    # What staff picked after "was it one of these?" (bot/learning/suggestions.py): the question,
    # the rules given and picked and each voter's keyed hash are one sealed JSON, padded; a
    # reader without the key sees how many suggestions there are, their status and dates.
    db.table("suggestions").create(
        {"id": int, "status": str, "created_at": str, "decided_at": str, "sealed": str},
        pk="id",
        not_null={"status", "created_at", "sealed"},
    )
