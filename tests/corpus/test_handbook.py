"""The school's whole handbook (tests/fixtures/handbook, thirteen policies in every format the
school publishes in) loads with the titles, dates and clause ids its README records as true."""

import datetime as dt
import re
from pathlib import Path

import pytest

from bot.corpus import read_corpus
from bot.corpus.dates import parse_date

ROOT = Path(__file__).resolve().parents[2]
HANDBOOK = ROOT / "tests" / "fixtures" / "handbook"
README = ROOT / "tests" / "fixtures" / "handbook_src" / "README.md"
TODAY = dt.date(2026, 11, 29)


def truth() -> list[dict[str, str]]:
    """The README's table: file, true title, approved, next review (as written)."""
    rows = []
    for line in README.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        if len(cells) >= 5 and cells[0].startswith("`"):
            rows.append(
                {
                    "file": cells[0].strip("`"),
                    "title": cells[1],
                    "approved": cells[3],
                    "next_review": cells[4],
                }
            )
    return rows


def written_date(cell: str) -> dt.date | None:
    """ "05/09/2024 (5 September 2024)" → 2024-09-05; "Autumn 2027 (the one…)" → 2027-12-31."""
    return parse_date(cell.split(" (")[0].replace("`", "").strip())


@pytest.fixture(scope="module")
def handbook():
    corpus = read_corpus(HANDBOOK)
    return corpus, {d.source: d for d in corpus.documents}


def test_every_handbook_file_loads(handbook):
    corpus, docs = handbook
    assert corpus.failures == []
    assert sorted(docs) == sorted(p.name for p in HANDBOOK.iterdir() if p.is_file())
    assert len(truth()) == len(docs)
    assert all(len(d.clauses) >= 10 for d in docs.values())


@pytest.mark.parametrize("row", truth(), ids=lambda r: r["file"])
def test_titles_and_dates_match_the_readme(handbook, row):
    doc = handbook[1][row["file"]]
    assert doc.title == row["title"]
    assert parse_date(doc.approval_date) == written_date(row["approved"])
    assert doc.next_review_date == written_date(row["next_review"])
    assert doc.overdue(TODAY) is ("overdue" in row["next_review"])


@pytest.mark.parametrize(
    "file, clause_ids",
    [
        ("safeguarding-child-protection.docx", ["5.3(b)(ii)", "5.2(d)", "5.3"]),
        ("data-protection.docx", ["3.4(c)(iv)"]),
        ("supporting-pupils-medical-conditions.docx", ["4.5.c", "5.2.b", "3.2(d)"]),
        ("attendance.txt", ["2.1.a", "4.2.c", "5.3.b", "3.2.3(i)", "3.2.3(iii)", "3.1.1"]),
        # An ordered list after a lead-in belongs to its block in every format (README: the
        # convention leaves this open and asks for one choice everywhere).
        ("confidentiality.txt", ["Our principles"]),
        ("intimate-care.md", ["Changing and toileting procedure, item 1"]),
        ("complaints.html", ["Stage 1: formal complaint to the headteacher, item 2"]),
        ("behaviour.md", ["Our school rules, item 1"]),
        (
            "intimate-care.md",
            ["Policy statement, item 2", "Who provides intimate care — Intimate care plans"],
        ),
        ("educational-visits.md", ["On the day, item 1"]),
        ("safeguarding-child-protection.docx", ["4.5(a)"]),
        ("whistleblowing.docx", ["1.1"]),
        ("acceptable-use-it.md", ["8.1"]),
        ("attendance.txt", ["3.2.3(ii)"]),
        ("behaviour.md", ["Responding to poor behaviour, item 2"]),
        ("educational-visits.md", ["Before the visit — Risk assessments, item 2"]),
        ("staff-code-of-conduct.pdf", ["6.3", "8.4", "10.2"]),
        ("health-and-safety.pdf", ["3.3"]),
    ],
)
def test_clause_ids_the_readme_names_exist(handbook, file, clause_ids):
    doc = handbook[1][file]
    for clause_id in clause_ids:
        assert clause_id in doc.ids


@pytest.mark.parametrize(
    "file, clause_id, start",
    [
        ("safeguarding-child-protection.docx", "5.3(b)(ii)", "a body map where an injury has been"),
        ("safeguarding-child-protection.docx", "4.5(a)", "a child who is often hungry"),
        ("data-protection.docx", "3.4(c)(iv)", "if there has been a data breach"),
        ("supporting-pupils-medical-conditions.docx", "4.5.c", "blood glucose meters and insulin"),
        (
            "supporting-pupils-medical-conditions.docx",
            "5.2.b",
            "contact the parents from the office",
        ),
        ("whistleblowing.docx", "1.1", "Kingsway Primary and Nursery School is committed"),
        ("staff-code-of-conduct.pdf", "8.4", "Every member of staff who has been absent"),
        ("health-and-safety.pdf", "3.3", "Staff who plan an activity that carries a significant"),
        ("acceptable-use-it.md", "8.1", "I have read and understood this policy. I agree that:"),
        ("behaviour.md", "Our school rules, item 1", "We have three school rules"),
        ("behaviour.md", "Responding to poor behaviour, item 2", "Where behaviour continues"),
        ("intimate-care.md", "Policy statement, item 2", "No child will be refused a place"),
        (
            "intimate-care.md",
            "Who provides intimate care — Intimate care plans",
            "An intimate care",
        ),
        (
            "educational-visits.md",
            "Before the visit — Risk assessments, item 2",
            "All adults going",
        ),
        ("educational-visits.md", "On the day, item 1", "Before the group leaves"),
        (
            "complaints.html",
            "Stage 1: formal complaint to the headteacher, item 2",
            "The headteacher will:",
        ),
        ("attendance.txt", "3.2.3(ii)", "invite the parents to a meeting"),
        ("attendance.txt", "5.3.b", "a parent's or sibling's graduation or wedding ceremony"),
    ],
)
def test_the_readme_spot_checks_name_the_right_passage(handbook, file, clause_id, start):
    assert start in handbook[1][file].clause(clause_id).full_text


def test_a_clause_split_by_a_page_break_comes_back_whole(handbook):
    code = handbook[1]["staff-code-of-conduct.pdf"]
    assert "such as an operation, should tell the headteacher" in code.clause("8.4").text
    assert not any("Page " in c.full_text for d in handbook[1].values() for c in d.clauses)
