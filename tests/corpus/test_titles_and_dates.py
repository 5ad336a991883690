"""Each document is cited by its own title and flagged when its review is overdue, whatever
format it came in and however it writes its dates."""

import datetime as dt

import pytest

from bot.corpus import load_corpus, load_document
from bot.corpus.dates import parse_date
from tests.corpus.conftest import DOCS, DUPS

TODAY = dt.date(2026, 11, 29)


@pytest.mark.parametrize(
    "name, title",
    [
        ("phones.md", "Mobile Phone Policy"),  # front matter; first heading "Policy statement"
        ("anti-bullying.docx", "Anti-Bullying Policy"),  # core property only
        ("visits-numbered.docx", "Educational Visits Policy"),  # Title style
        ("lettings.docx", "Lettings Policy"),  # first Heading 1
        ("lone-working.pdf", "Lone Working Policy"),  # PDF metadata
        ("medicines.pdf", "Medicines in School Policy"),  # largest text on page one
        ("lost-property.txt", "Lost Property Policy"),  # a plain file's first line
        ("attendance-typed.txt", "Attendance Policy"),  # below the school's name in capitals
        ("complaints.html", "Complaints Procedure"),  # <h1>, not the <title>'s site name
    ],
)
def test_the_title_comes_from_the_document_itself(name, title):
    assert load_document(DOCS / name).title == title


@pytest.mark.parametrize(
    "name, approved, next_review, deadline, overdue",
    [
        ("phones.md", "2025-06-17", "2027-06-30", dt.date(2027, 6, 30), False),
        ("visits-numbered.docx", "14 March 2024", "March 2027", dt.date(2027, 3, 31), False),
        ("anti-bullying.docx", "2 October 2023", "September 2026", dt.date(2026, 9, 30), True),
        ("lone-working.pdf", "14 March 2024", "01/09/2025", dt.date(2025, 9, 1), True),
        ("attendance-typed.txt", "1 September 2024", "01/09/2025", dt.date(2025, 9, 1), True),
        ("lost-property.txt", "", "September 2026", dt.date(2026, 9, 30), True),
        ("complaints.html", "8 July 2025", "2027-09-30", dt.date(2027, 9, 30), False),
    ],
)
def test_approval_and_review_dates_are_read_and_overdue_policies_flagged(
    name, approved, next_review, deadline, overdue
):
    doc = load_document(DOCS / name)
    assert (doc.approval_date, doc.next_review) == (approved, next_review)
    assert doc.next_review_date == deadline
    assert doc.overdue(TODAY) is overdue


def test_date_lines_are_about_the_policy_not_rules_in_it():
    doc = load_document(DOCS / "anti-bullying.docx")
    assert not any("Review date" in c.full_text or "Approved" in c.full_text for c in doc.clauses)
    # What staff are told when they ask about the policy itself.
    assert doc.control == {"Review date": "September 2026", "Approved": "2 October 2023"}


def test_dates_are_read_day_first_as_uk_schools_write_them():
    assert parse_date("01/09/2025") == dt.date(2025, 9, 1)
    assert parse_date("1st September 2025") == dt.date(2025, 9, 1)
    assert parse_date("September 2026") == dt.date(2026, 9, 30)
    assert parse_date("Autumn 2027") == dt.date(2027, 12, 31)
    assert parse_date("next year") is None


def test_a_policy_without_a_review_date_says_so():
    doc = load_document(DOCS / "lettings.docx")
    assert doc.next_review_date is None and not doc.overdue(TODAY)
    assert "no review date found" in doc.warnings


def test_two_files_with_one_title_are_told_apart_by_file_name():
    docs = {d.source: d for d in load_corpus(DUPS)}
    assert set(docs) == {"charging.md", "archive/charging-2019.md"}  # sub-folders are read
    assert docs["charging.md"].title == "Charging and Remissions Policy (charging)"
    assert docs["archive/charging-2019.md"].title == (
        "Charging and Remissions Policy (charging-2019)"
    )
    assert any("duplicate title" in w for w in docs["charging.md"].warnings)


def test_the_same_file_name_in_two_folders_is_told_apart_by_its_path(tmp_path):
    for folder in ("2019", "2024"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "charging.md").write_bytes((DUPS / "charging.md").read_bytes())
    titles = sorted(d.title for d in load_corpus(tmp_path))
    assert titles == [
        "Charging and Remissions Policy (2019/charging)",
        "Charging and Remissions Policy (2024/charging)",
    ]


def test_front_matter_is_the_control_table_and_only_dates_are_dates(tmp_path):
    policy = tmp_path / "e-safety.md"
    policy.write_text(
        "---\ntitle: E-Safety Policy\napproved_by: Resources Committee\napproved: 17/06/2025\n"
        "owner: Computing lead\n---\n\n## Passwords\n\nPasswords are never shared.\n"
    )
    doc = load_document(policy)
    assert doc.approval_date == "17/06/2025"  # not "Resources Committee"
    assert doc.control == {
        "approved_by": "Resources Committee",
        "approved": "17/06/2025",
        "owner": "Computing lead",
    }


def test_an_editor_left_title_property_is_not_the_title(tmp_path):
    import docx

    d = docx.Document()
    d.core_properties.title = "Microsoft Word - uniform_v3.docx"
    d.add_paragraph("School Uniform Policy", style="Title")
    d.add_heading("Shoes", level=1)
    d.add_paragraph("Black school shoes are worn every day except for PE.")
    d.save(tmp_path / "uniform.docx")
    assert load_document(tmp_path / "uniform.docx").title == "School Uniform Policy"


@pytest.mark.parametrize(
    "name, next_review",
    [("fire-drill.pdf", "01/03/2027"), ("uniform.docx", "July 2027")],
)
def test_a_review_date_only_in_the_page_footer_is_still_read(name, next_review):
    doc = load_document(DOCS / name)
    assert doc.next_review == next_review
    assert "no review date found" not in doc.warnings
    assert not any("Review" in c.full_text or "review" in c.full_text for c in doc.clauses)


def test_a_pdf_starting_with_its_first_section_keeps_that_section():
    doc = load_document(DOCS / "fire-drill.pdf")
    assert doc.title == "Fire Drill Policy"  # from the metadata
    assert [(c.id, c.path) for c in doc.clauses] == [("1.1", ("Drills",)), ("2.1", ("Registers",))]


def test_a_review_due_is_worked_out_from_approval_and_frequency(tmp_path):
    policy = tmp_path / "first-aid.txt"
    policy.write_text(
        "First Aid Policy\n\nApproval date: October 2023\nReview frequency: Every two years\n\n"
        "Kits\n\nA first aid kit is kept in every classroom.\n"
    )
    doc = load_document(policy)
    assert doc.next_review == "" and doc.next_review_date == dt.date(2025, 10, 31)
    assert doc.overdue(TODAY)
    assert "next review worked out from approval date and frequency: October 2025" in doc.warnings


def test_a_labelled_sentence_before_the_first_heading_is_policy_text(tmp_path):
    policy = tmp_path / "swimming.txt"
    policy.write_text(
        "Swimming Policy\n\nSwimming lead: Daniel Okafor\n\n"
        "Note: every pupil in Years 3 and 4 swims each week.\n\nKit\n\nGoggles are optional.\n"
    )
    doc = load_document(policy)
    assert doc.control == {"Swimming lead": "Daniel Okafor"}
    assert doc.clauses[0].text == "Note: every pupil in Years 3 and 4 swims each week."


def test_more_ways_schools_write_a_review_date_are_read():
    assert parse_date("Sep-25") == dt.date(2025, 9, 30)
    assert parse_date("09/26") == dt.date(2026, 9, 30)
    assert parse_date("2025/26") == dt.date(2026, 8, 31)  # a school year ends in August
    assert parse_date("2025-2026") == dt.date(2026, 8, 31)
    assert parse_date("2026") == dt.date(2026, 12, 31)
    assert parse_date("Spring Term 2 2026") == dt.date(2026, 4, 30)
    assert parse_date("2025/27") is None  # not one school year
    assert parse_date("12") is None


def _policy_with(tmp_path, name: str, control_line: str):
    policy = tmp_path / f"{name}.txt"
    policy.write_text(
        f"Lunchtime Supervision Policy\n\n{control_line}\n\n1. Duties\n\n"
        "1.1 Midday supervisors must keep children in sight at all times.\n\n"
        "1.2 Every accident is written in the accident book before the end of the day.\n"
    )
    return load_document(policy)


@pytest.mark.parametrize(
    ("line", "approved", "next_review", "due"),
    [
        ("Adopted October 2019   Review date October 2020", "October 2019", "October 2020",
         dt.date(2020, 10, 31)),
        ("Reviewed: September 2024    Next review: September 2025", "", "September 2025",
         dt.date(2025, 9, 30)),
        ("Last reviewed: March 2024. Next review: March 2025.", "", "March 2025",
         dt.date(2025, 3, 31)),
        ("Approved by Governors: Spring 2024 | Review: Spring 2026", "Spring 2024",
         "Spring 2026", dt.date(2026, 4, 30)),
        ("Review cycle: Annual   Last review: Nov 2023   Next review: Nov 2024", "", "Nov 2024",
         dt.date(2024, 11, 30)),
        ("Policy review date – July 2026", "", "July 2026", dt.date(2026, 7, 31)),
        ("Next review: September 2025 (or sooner if the law changes)", "", "September 2025",
         dt.date(2025, 9, 30)),
    ],
)  # fmt: skip
def test_a_line_holding_several_dates_gives_each_its_field(
    tmp_path, line, approved, next_review, due
):
    doc = _policy_with(tmp_path, "lunchtime", line)
    assert (doc.approval_date, doc.next_review, doc.next_review_date) == (
        approved,
        next_review,
        due,
    )
    assert [c.id for c in doc.clauses] == ["1.1", "1.2"]  # the line is no rule, nor a heading
    assert "no review date found" not in doc.warnings


def test_a_sentence_about_this_policy_gives_its_dates_and_stays_policy_text(tmp_path):
    doc = _policy_with(
        tmp_path,
        "lunchtime",
        "This policy was approved by the governing body on 5 October 2023 and will be "
        "reviewed in October 2025.",
    )
    assert (doc.approval_date, doc.next_review) == ("5 October 2023", "October 2025")
    assert doc.overdue(TODAY)
    assert doc.clauses[0].text.startswith("This policy was approved")


def test_a_rule_with_a_date_is_not_taken_for_the_policys_review(tmp_path):
    doc = _policy_with(
        tmp_path, "lunchtime", "Risk assessments for the field are reviewed in September 2025."
    )
    assert doc.next_review == "" and "no review date found" in doc.warnings


def test_a_numbered_title_over_numbered_clauses_is_a_heading_not_a_rule(tmp_path):
    policy = tmp_path / "attendance.txt"
    policy.write_text(
        "Attendance Policy\n\n3. Registration and punctuality\n\n3.2 Lateness\n\n"
        "3.2.1 The school gates open at 8.40am.\n\n"
        "3.2.2 Pupils who arrive late are signed in at the office.\n\n"
        "3.3 Registers are kept for three years.\n"
    )
    doc = load_document(policy)
    assert [c.id for c in doc.clauses] == ["3.2.1", "3.2.2", "3.3"]
    assert doc.clause("3.2.1").path == ("Registration and punctuality", "Lateness")
    assert doc.clause("3.3").path == ("Registration and punctuality",)
