"""A staff CSV row is one person. A row sharing any identifier (email, Slack id, Teams id) with
another row, or with a different person already stored, would merge two people: the second
would inherit the first's read-and-understood confirmations, which are inspection evidence. The
whole file is refused instead, naming both lines or the stored person, and nothing changes."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.people import Actor
from bot.staff import StaffImportError, WorkspaceUser, parse_csv

from .conftest import HEAD

HEADER = "name,email,group,slack_user,teams_user\n"
ALICE = "Alice Teacher,alice@hilltop.sch.uk,teaching,U0ALICE01,\n"
ALICE_ID = Actor("slack", "U0ALICE01", "Alice Teacher")
AAD = "3f2b7c1e-8a4d-4c61-9a7e-2b1f0c9d8e77"


def refused(campaigns, clock, rows: str) -> str:
    with pytest.raises(StaffImportError) as caught:
        campaigns.directory.import_csv(parse_csv(HEADER + rows), "cli:test", clock())
    return str(caught.value)


def imported(campaigns, clock, rows: str) -> dict[str, object]:
    campaigns.directory.import_csv(parse_csv(HEADER + rows), "cli:test", clock())
    return {m.name: m for m in campaigns.directory.members(include_inactive=True)}


def test_the_issues_attack_from_the_command_line_imports_nothing(
    campaigns, clock, tmp_path, capsys
):
    """Alice is imported and confirms a policy; a CSV of Alice plus Bob with Alice's Slack id
    used to print "Imported 2 staff" and store one person named Bob holding her confirmation."""
    first = tmp_path / "staff.csv"
    first.write_text(HEADER + ALICE)
    assert main(["staff", "import", str(first)]) == 0
    receipt = campaigns.publish(HEAD, "dress code", "all", "2026-12-04")
    campaigns.confirm(ALICE_ID, receipt.reference)
    capsys.readouterr()

    second = tmp_path / "staff-2.csv"
    second.write_text(HEADER + ALICE + "Bob Support,bob@hilltop.sch.uk,support,U0ALICE01,\n")
    assert main(["staff", "import", str(second)]) == 1
    captured = capsys.readouterr()
    assert "Imported" not in captured.out
    assert (
        "line 3 (Bob Support): same Slack id U0ALICE01 as line 2 (Alice Teacher): give each "
        "person one row" in captured.err
    )
    assert main(["staff", "list"]) == 0
    assert capsys.readouterr().out == "Alice Teacher\tteaching\tslack\n"
    (row,) = campaigns.progress(HEAD, receipt.reference).rows
    assert row.name == "Alice Teacher" and row.confirmed_at


@pytest.mark.parametrize(
    "rows, problem",
    [
        (
            "Sam Teacher,sam@hilltop.sch.uk,teaching,,\nSam Again,SAM@hilltop.sch.uk,support,,\n",
            "line 3 (Sam Again): same email sam@hilltop.sch.uk as line 2 (Sam Teacher)",
        ),
        (
            f"Tom Reed,tom@hilltop.sch.uk,teaching,,{AAD}\n"
            f"Ann Other,ann@hilltop.sch.uk,support,,{AAD.upper()}\n",
            f"line 3 (Ann Other): same Teams id {AAD} as line 2 (Tom Reed)",
        ),
        (  # the shared id is the second one given: every identifier is checked, not the first
            "Tom Reed,tom@hilltop.sch.uk,teaching,U0TOM0001,\n"
            "Ann Other,ann@hilltop.sch.uk,support,U0TOM0001,\n",
            "line 3 (Ann Other): same Slack id U0TOM0001 as line 2 (Tom Reed)",
        ),
    ],
)
def test_two_rows_sharing_any_identifier_are_refused_naming_both_lines(
    campaigns, clock, rows, problem
):
    assert problem in refused(campaigns, clock, rows)
    assert campaigns.directory.members(include_inactive=True) == []


def test_a_row_with_a_stored_persons_slack_id_and_another_email_is_refused(campaigns, clock):
    imported(campaigns, clock, ALICE)
    message = refused(campaigns, clock, "Bob Support,bob@hilltop.sch.uk,support,U0ALICE01,\n")
    assert (
        "line 2 (Bob Support): its Slack id U0ALICE01 is Alice Teacher's, who is already stored "
        "with email alice@hilltop.sch.uk; correct the row" in message
    )
    assert [m.name for m in campaigns.directory.members()] == ["Alice Teacher"]


def test_a_row_with_only_a_stored_persons_slack_id_under_another_name_is_refused(campaigns, clock):
    imported(campaigns, clock, ALICE)
    message = refused(campaigns, clock, "Bob Support,,support,U0ALICE01,\n")
    assert "its Slack id U0ALICE01 is Alice Teacher's, who is already stored (from an" in message


def test_a_row_joining_two_stored_people_is_refused(campaigns, clock):
    imported(campaigns, clock, ALICE + "Bob Support,bob@hilltop.sch.uk,support,U0BOB0001,\n")
    message = refused(campaigns, clock, "Alice Teacher,alice@hilltop.sch.uk,teaching,U0BOB0001,\n")
    assert (
        "line 2 (Alice Teacher): its email alice@hilltop.sch.uk is Alice Teacher's; its Slack id "
        "U0BOB0001 is Bob Support's: different people already stored" in message
    )


def test_two_rows_reaching_one_stored_person_by_different_identifiers_are_refused(campaigns, clock):
    imported(campaigns, clock, ALICE)
    message = refused(
        campaigns,
        clock,
        "Alice Teacher,alice@hilltop.sch.uk,teaching,,\nAlice Teacher,,teaching,U0ALICE01,\n",
    )
    assert (
        "line 3 (Alice Teacher): is Alice Teacher, already stored, like line 2 (Alice Teacher)"
        in message
    )


def test_the_same_person_with_a_new_email_or_a_new_name_is_updated_not_refused(campaigns, clock):
    imported(campaigns, clock, ALICE)
    everyone = imported(
        campaigns, clock, "Alice Teacher,alice.t@hilltop.sch.uk,teaching,U0ALICE01,\n"
    )
    assert everyone["Alice Teacher"].email == "alice.t@hilltop.sch.uk"
    everyone = imported(
        campaigns, clock, "Alice Jones,alice.t@hilltop.sch.uk,teaching,U0ALICE01,\n"
    )
    assert list(everyone) == ["Alice Jones"]  # married: one person, her confirmations kept


def test_a_workspace_account_is_claimed_by_the_csv_row_naming_it(campaigns, clock):
    """Workspace sync knows people by a chat display name; the CSV's name is the school's."""
    campaigns.directory.sync_workspace(
        "slack", [WorkspaceUser("U0ALICE01", "ali")], "slack:sync", clock()
    )
    everyone = imported(campaigns, clock, ALICE)
    assert list(everyone) == ["Alice Teacher"]
    assert everyone["Alice Teacher"].slack_user == "U0ALICE01"
