"""Who is staff: a CSV the admin provides, or the workspace's accounts (not bots, guests or
deactivated accounts)."""

from __future__ import annotations

import pytest

from bot.staff import StaffImportError, WorkspaceUser, parse_csv

from .conftest import HEAD


def test_a_csv_with_bad_rows_names_each_row_and_imports_nothing(campaigns, clock):
    text = (
        "name,email,group,slack_user\n"
        "Sam Teacher,sam@hilltop.sch.uk,teaching,U0STAFF01\n"
        ",nobody@hilltop.sch.uk,teaching,\n"
        "Ann Teacher,ann@hilltop,caretaking,\n"
        "Sam Again,SAM@hilltop.sch.uk,support,\n"
    )
    with pytest.raises(StaffImportError) as caught:
        campaigns.directory.import_csv(parse_csv(text), "cli:test", clock())
    message = str(caught.value)
    assert message.startswith("Nothing was imported; fix these rows")
    assert "line 3 (no name): name is empty" in message
    assert (
        "line 4 (Ann Teacher): group 'caretaking' is not one of teaching, support, governors, volunteers"
        in message
    )
    assert "email 'ann@hilltop' is not an email address" in message
    assert (
        "line 5 (Sam Again): same email sam@hilltop.sch.uk as line 2 (Sam Teacher): give each "
        "person one row" in message
    )
    assert campaigns.directory.members(include_inactive=True) == []


def test_a_csv_without_the_required_columns_says_what_the_header_must_be():
    with pytest.raises(
        StaffImportError, match="missing column\\(s\\) group; the header must be name,email,group"
    ):
        parse_csv("name,email\nSam,sam@x.org\n")


def test_importing_again_deactivates_who_left_and_keeps_their_record(campaigns, clock):
    first = "name,email,group\nSam Teacher,sam@x.org,teaching\nAnn Teacher,ann@x.org,teaching\n"
    campaigns.directory.import_csv(parse_csv(first), "cli:test", clock())
    campaigns.directory.import_csv(
        parse_csv("name,email,group\nSam Teacher,sam@x.org,support\n"), "cli:test", clock()
    )
    everyone = {m.name: m for m in campaigns.directory.members(include_inactive=True)}
    assert everyone["Sam Teacher"].group == "support" and everyone["Sam Teacher"].active
    assert not everyone["Ann Teacher"].active
    assert [m.name for m in campaigns.directory.members()] == ["Sam Teacher"]


def test_the_workspace_sync_leaves_out_bots_guests_and_deactivated_accounts(campaigns, clock):
    users = [
        WorkspaceUser("U0STAFF01", "Sam Teacher", "sam@x.org"),
        WorkspaceUser("U0BOT0001", "Policybot", is_bot=True),
        WorkspaceUser("U0GUEST01", "Visiting Guest", is_guest=True),
        WorkspaceUser("U0GONE001", "Former Staff", deleted=True),
        WorkspaceUser("USLACKBOT", "Slackbot"),
    ]
    active, _ = campaigns.directory.sync_workspace("slack", users, "slack:sync", clock())
    assert active == 1
    assert [m.name for m in campaigns.directory.members()] == ["Sam Teacher"]


def test_an_account_deactivated_since_the_last_sync_is_no_longer_sent_policies(campaigns, clock):
    csv_text = "name,email,group\nSam Teacher,sam@x.org,teaching\nAnn Teacher,ann@x.org,teaching\n"
    campaigns.directory.import_csv(parse_csv(csv_text), "cli:test", clock())
    campaigns.directory.sync_workspace(
        "slack",
        [
            WorkspaceUser("U0STAFF01", "Sam", "sam@x.org"),
            WorkspaceUser("U0ANN0001", "Ann", "ann@x.org"),
        ],
        "slack:sync",
        clock(),
    )
    assert {m.name: m.group for m in campaigns.directory.members()} == {
        "Ann Teacher": "teaching",
        "Sam Teacher": "teaching",
    }
    campaigns.directory.sync_workspace(
        "slack",
        [
            WorkspaceUser("U0STAFF01", "Sam", "sam@x.org"),
            WorkspaceUser("U0ANN0001", "Ann", deleted=True),
        ],
        "slack:sync",
        clock(),
    )
    receipt = campaigns.publish(HEAD, "dress code", "all", "2026-12-04")
    assert (receipt.sent_to, receipt.no_account) == (1, 0)
