"""Someone holding the data directory (or a backup) but not the key learns nothing about who
filed a report, what it says, whom it went to, or whether it concerns the headteacher - and a
database written before records were sealed is upgraded in place, readable as before."""

import hashlib
import re
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference

from bot.cli import main
from bot.config import load_settings
from bot.feedback import FeedbackLog
from bot.reports.evidence import IncomingFile
from bot.reports.models import Actor, ConcernForm, DeclarationForm
from bot.reports.service import ReportService
from bot.sealed_table import TEAMS_FILE
from bot.store import Store
from handlers.teams.references import ReferenceStore
from tests.evidence_files import png

from .conftest import CHAIR, DSL, HEAD, STAFF, STAFF_TEAMS

FIXTURES = Path(__file__).parent / "fixtures"
COLLEAGUE = Actor("slack", "U0STAFF02", "Sue Colleague")
PUPIL = "Poppy Quenneville-Marsh"
MARKER_HEAD = "MARKER-7f3a the head shouted at"
MARKER_PLAIN = "MARKER-9b2c a parent shouted at"  # same length: bodies compare fairly
REVEALING = [
    PUPIL,
    "MARKER-",
    STAFF.user_id,
    STAFF.display_name,
    COLLEAGUE.user_id,
    COLLEAGUE.display_name,
    HEAD.user_id,
    HEAD.display_name,
    CHAIR.user_id,
    CHAIR.display_name,
    DSL.user_id,
    DSL.display_name,
    "chair_of_governors",
    "Chair of governors",
    "headteacher",
    "Headteacher",
    "safeguarding_lead",
]
CIPHER = re.compile(r"gAAAAA[A-Za-z0-9_=-]+")
HEX = re.compile(r"[0-9a-f]{32,}")


def every_value(data_dir: Path) -> dict[Path, list[tuple[str, str, dict]]]:
    """Every row of every table of every .db file under data_dir, read with plain sqlite3 and
    no key: (table, json-ish row) per file."""
    found = {}
    for path in sorted(data_dir.rglob("*.db")):
        with sqlite3.connect(path) as db:
            db.row_factory = sqlite3.Row
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            found[path] = [
                (table, dict(row))
                for table in tables
                for row in db.execute(f"SELECT * FROM {table}")
            ]
    return found


def shape(value):
    """What a reader without the key sees of a value: ciphertext and tags only by length."""
    if isinstance(value, str) and CIPHER.fullmatch(value):
        return ("ciphertext", len(value))
    if isinstance(value, str) and HEX.fullmatch(value):
        return ("tag", len(value))
    return value


def visible(rows, reference: str, report_id: int, skip=("id", "report_id", "reference")):
    """The rows about one report, as multisets of shapes with the reference and ids removed."""
    out = Counter()
    for table, row in rows:
        mine = row.get("reference") == reference or (
            table in ("notes", "outbox", "evidence") and row.get("report_id") == report_id
        )
        if not mine:
            continue
        fields = tuple(
            (k, shape(str(v).replace(reference, "REF") if isinstance(v, str) else v))
            for k, v in sorted(row.items())
            if k not in skip and k not in ("hash", "prev_hash")
        )
        out[(table, fields)] += 1
    return out


def file_everything(service, settings):
    """Everything a school's database holds: concerns (one about the head) with a screenshot
    each, named for a pupil and showing the marker, notes, a declaration, a feedback vote."""
    about_head = service.submit_concern(
        ConcernForm("other", f"{MARKER_HEAD} {PUPIL}", immediate_risk=True,
                    about_headteacher=True, people_involved=PUPIL),
        STAFF, submission_key="form-about-head",
    ).reference  # fmt: skip
    other = service.submit_concern(
        ConcernForm("other", f"{MARKER_PLAIN} {PUPIL}", immediate_risk=True,
                    about_headteacher=False, people_involved=PUPIL),
        COLLEAGUE, submission_key="form-other",
    ).reference  # fmt: skip
    service.declare_relationship(DeclarationForm(PUPIL, "Year 4", "sibling"), STAFF)
    for reference, who, marker in (
        (about_head, STAFF, MARKER_HEAD),
        (other, COLLEAGUE, MARKER_PLAIN),
    ):
        shot = IncomingFile(f"{PUPIL} chat.png", png(marker, size=64))
        assert service.evidence.attach(reference, who, [shot]).ok
    service.deliver_due()
    assert service.acknowledge(about_head, CHAIR).ok
    assert service.acknowledge(other, HEAD).ok
    assert service.add_note(about_head, CHAIR, f"Spoke to {PUPIL}.").ok
    assert service.add_note(other, HEAD, f"Spoke to {PUPIL}.").ok
    service.deliver_due()
    votes = FeedbackLog(settings.data_dir / "feedback.db", settings.key)
    votes.record(question=f"Can I give {PUPIL} a lift?", helpful=False, platform="slack",
                 user_id=STAFF.user_id)  # fmt: skip
    votes.close()
    return about_head, other


def test_without_the_key_no_file_in_the_data_dir_names_a_person_a_pupil_or_a_role(
    service, slack, settings
):
    file_everything(service, settings)
    service.submit_concern(ConcernForm("other", f"About {PUPIL}"), STAFF_TEAMS)  # never delivered
    service.store.close()
    teams = ReferenceStore(settings.data_dir / TEAMS_FILE, settings.key)
    teams.remember(
        ConversationReference(
            service_url="https://smba.example/", bot=ChannelAccount(id="28:bot"),
            user=ChannelAccount(id="29:1-bot-scoped", name=STAFF_TEAMS.display_name,
                                aad_object_id=STAFF_TEAMS.user_id),
            conversation=ConversationAccount(id="a:1-chat", conversation_type="personal"),
        )
    )  # fmt: skip
    teams.close()
    guessable = [
        hashlib.sha256(f"slack:{STAFF.user_id}".encode()).hexdigest(),  # who voted
        hashlib.sha256(f"can i give {PUPIL} a lift?".casefold().encode()).hexdigest(),
    ]

    dump = every_value(settings.data_dir)
    assert {p.name for p in dump} == {"policybot.db", "feedback.db", TEAMS_FILE}
    for path, rows in dump.items():
        for table, row in rows:
            for column, value in row.items():
                text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                for secret in [*REVEALING, *guessable, "29:1-bot-scoped"]:
                    assert secret not in text, f"{path.name}: {table}.{column} shows {secret!r}"
    raw = b"".join(p.read_bytes() for p in settings.data_dir.rglob("*") if p.is_file())
    for secret in (PUPIL, "MARKER-", STAFF.user_id, CHAIR.user_id, "Colin Chair"):
        assert secret.encode() not in raw, secret  # not in free pages or the WAL either
    shot = png(MARKER_HEAD, size=64)
    for start in range(0, len(shot) - 16, 8):  # no run of 16 of the file's bytes, anywhere
        assert shot[start : start + 16] not in raw, f"the screenshot's bytes at {start}"


def test_without_the_key_a_concern_about_the_head_looks_like_any_other(service, slack, settings):
    about_head, other = file_everything(service, settings)
    ids = {
        r["reference"]: r["id"] for r in service.store.query("SELECT id, reference FROM reports")
    }
    service.store.close()
    (rows,) = [
        rows for path, rows in every_value(settings.data_dir).items() if path == settings.db_path
    ]

    head_view = visible(rows, about_head, ids[about_head])
    other_view = visible(rows, other, ids[other])
    assert sum(head_view.values()) > 10  # the report, its outbox rows, notes and audit entries
    assert any(table == "evidence" for table, _ in head_view)  # its screenshot too
    assert head_view == other_view


def test_a_database_from_before_sealing_is_upgraded_in_place_and_reads_as_before(
    school, monkeypatch, clock
):
    data_dir = Path(school["POLICYBOT_DATA_DIR"])
    data_dir.mkdir(mode=0o700, exist_ok=True)
    shutil.copy(FIXTURES / "legacy_m002.db", data_dir / "policybot.db")
    Path(school["POLICYBOT_KEY_FILE"]).write_text((FIXTURES / "legacy_m002.key").read_text())
    settings = load_settings(school)

    service = ReportService(Store(settings.db_path, settings.key, key_source=settings.key_source),
                            settings, clock=clock)  # fmt: skip
    assert service.store.applied_migrations()[-7:] == [
        "m003_sealed_records", "m004_undeliverable_notices", "m005_policy_campaigns",
        "m006_campaign_submissions", "m007_confirmations_per_version", "m008_evidence",
        "m009_learning",
    ]  # fmt: skip

    # The head still sees their reports and never the one about them; the chair sees that one.
    assert [s.reference for s in service.list_for_recipient(HEAD)] == ["R-2026-0001", "C-2026-0002"]
    (about_head,) = service.list_for_recipient(CHAIR)
    assert (about_head.reference, about_head.about_headteacher, about_head.urgent) == (
        "C-2026-0001", True, True,
    )  # fmt: skip
    detail = service.get("C-2026-0001", CHAIR)
    assert ("Description", "LEGACY-MARKER-about-head: Kate shouted at Poppy Legacypupil") in (
        detail.fields
    )
    assert detail.submitted_by.startswith("Sam Teacher")
    plain = service.get("C-2026-0002", HEAD)
    assert plain.summary.status == "acknowledged"
    assert plain.summary.acknowledged_by == "Kate Baskeyfield (Headteacher)"
    assert [(n.author, n.text) for n in plain.notes] == [
        ("Kate Baskeyfield (Headteacher)", "LEGACY-MARKER-note about Poppy Legacypupil")
    ]
    assert len(service.list_for_submitter(STAFF)) == 3
    again = service.submit_concern(ConcernForm("other", "sent twice"), STAFF,
                                   submission_key="legacy-form-1")  # fmt: skip
    assert again.reference == "C-2026-0001" and "already sent" in again.message
    declared = service.export_relationships(Actor("cli", role="headteacher"))
    assert [(r["declared_by"], r["pupil"]) for r in declared] == [
        ("Sam Teacher", "Poppy Legacypupil")
    ]
    service.store.close()

    assert main(["audit", "verify"]) == 0
    raw = b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())
    for secret in ("LEGACY-MARKER", "Poppy Legacypupil", "U0STAFF01", "chair_of_governors"):
        assert secret.encode() not in raw, secret  # the old plaintext left the file


def test_a_form_sent_again_after_a_key_rotation_is_still_recognised(
    service, slack, settings, school, monkeypatch
):
    first = service.submit_concern(ConcernForm("other", "Sent once."), STAFF, submission_key="f-1")
    service.store.close()
    new_file = Path(school["POLICYBOT_KEY_FILE"]).parent / "policybot-2.key"
    assert main(["key", "rotate", "--new-key-file", str(new_file)]) == 0
    only_new = new_file.parent / "policybot-3.key"
    only_new.write_text(new_file.read_text().splitlines()[1] + "\n")  # the new key alone

    rotated = load_settings(dict(school, POLICYBOT_KEY_FILE=str(only_new)))
    again = ReportService(Store(rotated.db_path, rotated.key), rotated).submit_concern(
        ConcernForm("other", "Sent once."), STAFF, submission_key="f-1"
    )
    assert again.reference == first.reference and "already sent" in again.message


def test_without_the_key_a_refused_notice_about_the_head_looks_like_any_other(
    service, slack, settings, clock
):
    """The chair refuses the concern about the head, the head refuses the ordinary one: both
    are marked failed, both reporters are told, and the flags that say so (m004) are the same,
    since every refused or late first notice gets them, urgent or not."""
    slack.refused = {CHAIR.user_id: "account_inactive", HEAD.user_id: "account_inactive"}
    about_head = service.submit_concern(
        ConcernForm("other", f"{MARKER_HEAD} {PUPIL}", about_headteacher=True), STAFF
    ).reference
    other = service.submit_concern(ConcernForm("other", f"{MARKER_PLAIN} {PUPIL}"), COLLEAGUE)
    service.deliver_due()
    service.deliver_due(clock.advance(hours=2))  # past both the escalation and alert limits
    ids = {
        r["reference"]: r["id"] for r in service.store.query("SELECT id, reference FROM reports")
    }
    outbox = service.store.query("SELECT * FROM outbox WHERE notice_type = 'concern'")
    assert [(r["status"], r["escalated"], r["submitter_told"]) for r in outbox] == [
        ("failed", 1, 1),
        ("failed", 1, 1),
    ]
    assert len(slack.inbox(STAFF.user_id)) == len(slack.inbox(COLLEAGUE.user_id)) == 1
    service.store.close()
    (rows,) = [
        rows for path, rows in every_value(settings.data_dir).items() if path == settings.db_path
    ]

    assert visible(rows, about_head, ids[about_head]) == visible(
        rows, other.reference, ids[other.reference]
    )


def test_without_the_key_the_escalation_flag_does_not_tell_an_urgent_concern(
    service, settings, clock
):
    """Nobody can be reached (no notifier yet): the urgent concern escalates after 15 minutes,
    the ordinary one does not, and still every late first notice carries the same flags."""
    urgent = service.submit_concern(
        ConcernForm("other", "Urgent.", immediate_risk=True), STAFF
    ).reference
    ordinary = service.submit_concern(ConcernForm("other", "Ordinary."), STAFF).reference
    service.check_overdue(clock.advance(minutes=20))

    rows = service.store.query(
        "SELECT reference, status, escalated, submitter_told FROM outbox "
        "WHERE notice_type = 'concern' ORDER BY id"
    )
    first = [r for r in rows if r["reference"] in (urgent, ordinary)][:3]  # head+DSL, head
    assert {(r["status"], r["escalated"], r["submitter_told"]) for r in first} == {
        ("pending", 1, 0)
    }
    actions = [e.action for e in service.history(urgent, Actor("cli", role="headteacher"))]
    assert "escalate" in actions  # it did escalate (to the chair)
    assert "escalate" not in [
        e.action for e in service.history(ordinary, Actor("cli", role="headteacher"))
    ]
