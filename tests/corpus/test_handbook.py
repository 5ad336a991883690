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
        ("confidentiality.txt", ["1", "2", "3", "4", "5", "6"]),
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


def test_a_clause_split_by_a_page_break_comes_back_whole(handbook):
    code = handbook[1]["staff-code-of-conduct.pdf"]
    assert "such as an operation, should tell the headteacher" in code.clause("8.4").text
    assert not any("Page " in c.full_text for d in handbook[1].values() for c in d.clauses)
