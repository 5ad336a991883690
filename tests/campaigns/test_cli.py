"""The head's command line: import staff, publish a policy (a file or a title), export receipts."""

from __future__ import annotations

import csv
import io

from bot.cli import main

from .conftest import DRESS_CODE, STAFF_CSV


def test_import_list_publish_and_export_receipts_from_the_command_line(
    tmp_path, handbook, settings, capsys, clock
):
    staff_csv = tmp_path / "staff.csv"
    staff_csv.write_text(STAFF_CSV)
    assert main(["staff", "import", str(staff_csv)], clock=clock) == 0
    assert "Imported 4 staff" in capsys.readouterr().out

    assert main(["staff", "list", "--group", "governors"], clock=clock) == 0
    assert "Gina Governor\tgovernors\tNO CHAT ACCOUNT" in capsys.readouterr().out

    policy_file = tmp_path / "dress-code-2027.md"
    policy_file.write_text(DRESS_CODE)
    assert main(["policies", "publish", str(policy_file), "--to", "teaching",
                 "--due", "2099-01-08", "--message", "Before the INSET day"], clock=clock) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "RU-2026-0001: 'Staff Dress Code'" in out and "sent to 2 of teaching staff" in out

    assert main(["policies", "receipts", "Staff Dress Code"], clock=clock) == 0
    assert "0 of 2 confirmed; outstanding: Ann Teacher, Sam Teacher" in capsys.readouterr().out

    assert main(["policies", "receipts", "dress code", "--csv"], clock=clock) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["round"], r["name"], r["group"], r["confirmed_at"]) for r in rows] == [
        ("RU-2026-0001", "Ann Teacher", "teaching", ""),
        ("RU-2026-0001", "Sam Teacher", "teaching", ""),
    ]


def test_bad_staff_rows_fail_the_import_naming_the_row(tmp_path, settings, capsys, clock):
    staff_csv = tmp_path / "staff.csv"
    staff_csv.write_text("name,email,group\nSam Teacher,sam@x.org,teachers\n")
    assert main(["staff", "import", str(staff_csv)], clock=clock) == 1
    err = capsys.readouterr().err
    assert "line 2 (Sam Teacher): group 'teachers' is not one of" in err
    assert main(["staff", "list"], clock=clock) == 0
    assert capsys.readouterr().out == ""


def test_publishing_a_title_not_in_the_handbook_or_a_past_date_is_refused(
    tmp_path, handbook, settings, capsys, clock
):
    staff_csv = tmp_path / "staff.csv"
    staff_csv.write_text(STAFF_CSV)
    main(["staff", "import", str(staff_csv)], clock=clock)
    capsys.readouterr()
    assert (
        main(
            ["policies", "publish", "Fire Safety", "--to", "all", "--due", "2099-01-08"],
            clock=clock,
        )
        == 1
    )
    assert "There is no policy called 'Fire Safety'" in capsys.readouterr().err
    assert (
        main(["policies", "publish", "Dress", "--to", "all", "--due", "2020-01-08"], clock=clock)
        == 1
    )
    assert "is in the past" in capsys.readouterr().err


def test_only_a_publisher_role_sees_receipts_on_the_command_line(
    tmp_path, handbook, settings, capsys, clock
):
    assert (
        main(["policies", "--as", "chair_of_governors", "receipts", "dress code"], clock=clock) == 1
    )
    assert "Only the Headteacher can send policies" in capsys.readouterr().err
