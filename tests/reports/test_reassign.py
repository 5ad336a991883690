"""When a role changes hands the records go with it: after the config names a new headteacher
and `policybot reports reassign --role headteacher` runs, the new head can act on every record the
role received (and is sent the open ones), the former head no longer can, and notes and
undelivered notices follow the new head. Never to anyone a record is about."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import load_settings
from bot.reports.models import Actor, ConcernForm, DeclarationForm
from bot.reports.service import ReportService
from bot.store import Store

from .conftest import CHAIR, CONFIG, HEAD, STAFF, FakeNotifier

NEW_HEAD = Actor("slack", "U0NEWHEAD", "Nina Newhead")


@pytest.fixture
def restart(school, clock):
    """restart(config) -> a service on the same database with the school's config now `config`."""
    opened: list[Store] = []

    def make(config: str) -> ReportService:
        Path(school["POLICYBOT_CONFIG"]).write_text(config)
        settings = load_settings(school)
        store = Store(settings.db_path, settings.key, key_source=settings.key_source)
        opened.append(store)
        return ReportService(store, settings, clock=clock)

    yield make
    for store in opened:
        with contextlib.suppress(Exception):
            store.close()


def new_head_config() -> str:
    return CONFIG.replace('name = "Kate Baskeyfield"', 'name = "Nina Newhead"').replace(
        f'slack_user = "{HEAD.user_id}"', f'slack_user = "{NEW_HEAD.user_id}"'
    )


def audit_actions(service: ReportService) -> list[str]:
    return [r["action"] for r in service.store.query("SELECT action FROM audit ORDER BY id")]


def test_after_reassign_the_new_head_holds_the_records_and_the_former_head_does_not(
    service, slack, restart, capsys, clock
):
    open_ref = service.submit_concern(ConcernForm("trolling", "Posts about Year 6."), STAFF)
    declared = service.declare_relationship(DeclarationForm("Alex", "Y3", "child"), STAFF)
    closed = service.submit_concern(ConcernForm("other", "Old matter."), STAFF)
    service.deliver_due()
    assert service.close(closed.reference, HEAD).ok
    service.store.close()

    after = restart(new_head_config())
    platform = FakeNotifier("slack")
    after.register_notifier(platform)
    refused = after.acknowledge(open_ref.reference, NEW_HEAD)
    assert not refused.ok  # recipients were fixed at filing: nothing moved by itself yet

    assert main(["reports", "reassign", "--role", "headteacher"], clock=clock) == 0
    out = capsys.readouterr().out
    assert "3 record(s) of the Headteacher now belong to Nina Newhead" in out

    assert after.acknowledge(open_ref.reference, NEW_HEAD).ok
    assert not after.add_note(declared.reference, HEAD, "still mine?").ok
    assert [s.reference for s in after.list_for_recipient(HEAD)] == []
    assert len(after.list_for_recipient(NEW_HEAD)) == 3
    # the open ones arrive in the new head's DM, with their buttons; the closed one does not
    after.deliver_due()  # the command line stamps on the same (fake) clock as the service
    sent = {n.reference: n for n in platform.inbox(NEW_HEAD.user_id) if n.actions}
    assert set(sent) == {open_ref.reference, declared.reference}
    assert sent[open_ref.reference].actions == ("acknowledge", "note")
    assert audit_actions(after).count("reassign") == 3


def test_notes_follow_the_role_to_its_new_holder(service, slack, restart):
    urgent = service.submit_concern(ConcernForm("radicalisation", "Leaflets."), STAFF)
    service.deliver_due()
    service.store.close()
    after = restart(new_head_config())
    platform = FakeNotifier("slack")
    after.register_notifier(platform)
    assert after.reassign(
        "headteacher", Actor("cli", display_name="IT admin", role="headteacher")
    ).ok
    after.deliver_due()

    from .conftest import DSL

    assert after.add_note(urgent.reference, DSL, "Spoke to the family.").ok
    after.deliver_due()
    notes = [n for n in platform.inbox(NEW_HEAD.user_id) if n.notice_type == "note"]
    assert len(notes) == 1 and "Spoke to the family." in notes[0].text
    assert [n for n in platform.inbox(HEAD.user_id) if n.notice_type == "note"] == []


def test_a_notice_refused_for_the_former_head_reaches_the_new_one(service, restart):
    gone = FakeNotifier("slack", refused={HEAD.user_id: "account_inactive"})
    service.register_notifier(gone)
    receipt = service.submit_concern(ConcernForm("trolling", "Posts."), STAFF)
    service.deliver_due()
    assert service.delivery_status(receipt.reference)[0].status == "failed"
    service.store.close()

    after = restart(new_head_config())
    platform = FakeNotifier("slack")
    after.register_notifier(platform)
    assert after.reassign(
        "headteacher", Actor("cli", display_name="IT admin", role="headteacher")
    ).ok
    after.deliver_due()
    (notice,) = platform.inbox(NEW_HEAD.user_id)
    assert notice.reference == receipt.reference
    assert after.delivery_status(receipt.reference)[0].status == "sent"


def test_a_concern_about_the_head_never_moves_to_the_head(service, slack, restart, settings):
    about = service.submit_concern(ConcernForm("other", "About K.", about_headteacher=True), STAFF)
    service.deliver_due()
    service.store.close()
    head_as_chair = CONFIG.replace(
        f'slack_user = "{CHAIR.user_id}"', f'slack_user = "{HEAD.user_id}"'
    )
    after = restart(head_as_chair)
    result = after.reassign(
        "chair_of_governors", Actor("cli", display_name="IT admin", role="headteacher")
    )
    assert result.ok
    assert "1 record(s) about the headteacher were left as they are" in result.message
    assert not after.is_recipient(about.reference, HEAD)
    with sqlite3.connect(settings.db_path) as db:
        assert db.execute("SELECT COUNT(*) FROM audit WHERE action = 'reassign'").fetchone() == (0,)


def test_reassigning_a_role_nobody_holds_says_what_to_do(service, restart, capsys):
    service.store.close()
    without_dsl = CONFIG.split("[people.safeguarding_lead]")[0]
    restart(without_dsl)
    assert main(["reports", "reassign", "--role", "safeguarding_lead"]) == 1
    err = capsys.readouterr().err
    assert "No Designated Safeguarding Lead is configured" in err
    assert "people.safeguarding_lead" in err


def test_a_reassign_while_a_notice_is_being_sent_still_reaches_the_new_holder(service, restart):
    service.submit_concern(ConcernForm("trolling", "Posts."), STAFF)
    service.store.close()
    after = restart(new_head_config())

    class SlowPlatform(FakeNotifier):
        def send(self, to, notice, idempotency_key):
            if not self.calls:  # the head changes hands while this first send is on its way
                after.reassign(
                    "headteacher", Actor("cli", display_name="IT admin", role="headteacher")
                )
            super().send(to, notice, idempotency_key)

    platform = SlowPlatform("slack")
    after.register_notifier(platform)
    after.deliver_due()
    after.deliver_due()
    assert len(platform.inbox(HEAD.user_id)) == 1  # it was already on its way to them
    assert len(platform.inbox(NEW_HEAD.user_id)) == 1  # and the new holder gets it too
