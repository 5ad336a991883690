"""The handbook fixtures are what tests/fixtures/handbook_src/README.md says they are, and the
handbook question sets stay usable as held-out judges of retrieval.

These guard the fixtures themselves: a regenerated Word file that lost its automatic numbering,
a PDF without its contents page, or a gold snippet edited out of its policy would quietly turn
every parser and retrieval test built on them into a test of something else.
"""

from __future__ import annotations

import html
import json
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
HANDBOOK = ROOT / "tests" / "fixtures" / "handbook"
SOURCES = ROOT / "tests" / "fixtures" / "handbook_src"
QUESTIONS = ROOT / "benchmarks" / "data" / "handbook_questions.jsonl"
CHECK_SET = ROOT / "benchmarks" / "data" / "handbook_questions_2.jsonl"
HANDBOOK_WORDS = re.compile(r"\b(staff|children|child|leave|sick|trip|parents?)\b", re.I)


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def visible_text(name: str) -> str:
    """What a reader of the policy sees, spaces collapsed: the .src for generated Word/PDF files."""
    source = SOURCES / f"{Path(name).stem}.src"
    text = source.read_text(encoding="utf-8") if source.exists() else (HANDBOOK / name).read_text()
    if name.endswith(".html"):
        text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return " ".join(text.split())


def readme_files() -> list[str]:
    readme = (SOURCES / "README.md").read_text(encoding="utf-8")
    return re.findall(r"^\| `([^`]+)` \|", readme, re.M)


def test_the_readme_table_lists_every_handbook_file_and_no_other() -> None:
    assert sorted(readme_files()) == sorted(p.name for p in HANDBOOK.iterdir())
    assert not (HANDBOOK / "social-media-policy.txt").exists()  # loaded beside, never inside


def test_every_format_a_school_publishes_in_is_represented() -> None:
    kinds = Counter(Path(name).suffix for name in readme_files())
    assert kinds[".docx"] >= 3 and kinds[".pdf"] >= 2 and kinds[".md"] >= 3
    assert kinds[".html"] >= 1 and kinds[".txt"] >= 2
    assert len(readme_files()) >= 12


@pytest.mark.parametrize("name", sorted(p.name for p in HANDBOOK.glob("*.docx")))
def test_word_policies_number_their_clauses_automatically_not_by_typing(name: str) -> None:
    with zipfile.ZipFile(HANDBOOK / name) as docx:
        numbering = docx.read("word/numbering.xml").decode()
        document = docx.read("word/document.xml").decode()
        header = docx.read("word/header1.xml").decode()
        footer = docx.read("word/footer1.xml").decode()
    for level_text in ('w:val="%1."', 'w:val="%1.%2"', 'w:val="(%3)"', 'w:val="(%4)"'):
        assert level_text in numbering
    assert 'w:val="lowerLetter"' in numbering and 'w:val="lowerRoman"' in numbering
    assert document.count("<w:numPr>") > 10
    assert not re.search(r"<w:t>\d+\.\d+ ", document), "a clause number was typed into the text"
    assert "Approved by" in document and "Next review" in document  # document-control table
    assert "Kingsway Primary and Nursery School" in header and "PAGE" in footer


def test_one_word_list_restarts_by_override_and_one_continues_past_a_paragraph() -> None:
    with zipfile.ZipFile(HANDBOOK / "supporting-pupils-medical-conditions.docx") as docx:
        numbering = docx.read("word/numbering.xml").decode()
        document = docx.read("word/document.xml").decode()
    assert "<w:startOverride" in numbering
    refrigeration = document.index("Medicines that need refrigeration")
    assert document.rfind('<w:numId w:val="10"/>', 0, refrigeration) > 0
    assert document.find('<w:numId w:val="10"/>', refrigeration) > refrigeration


@pytest.mark.parametrize("name", sorted(p.name for p in HANDBOOK.glob("*.pdf")))
def test_pdf_policies_have_a_contents_page_running_headers_and_page_numbers(name: str) -> None:
    pages = [page.extract_text() or "" for page in PdfReader(HANDBOOK / name).pages]
    assert len(pages) >= 3
    assert "Contents" in pages[0]
    for number, text in enumerate(pages, 1):
        assert text.splitlines()[0].count("Kingsway Primary and Nursery School") == 1
        assert f"Page {number} of {len(pages)}" in text


def test_a_pdf_breaks_words_with_hyphens_and_paragraphs_across_pages() -> None:
    pages = [
        p.extract_text() or "" for p in PdfReader(HANDBOOK / "staff-code-of-conduct.pdf").pages
    ]
    assert any(re.search(r"[a-z]-$", line) for page in pages for line in page.splitlines())
    assert pages[3].rstrip().splitlines()[-2].endswith("oper-")  # §8.4 runs on to the next page


def test_two_policies_open_with_the_same_generic_heading() -> None:
    with zipfile.ZipFile(HANDBOOK / "whistleblowing.docx") as docx:
        document = docx.read("word/document.xml").decode()
    first_heading = re.search(r'w:val="Heading1".*?<w:t>([^<]+)</w:t>', document, re.S)
    assert first_heading and first_heading[1] == "Policy statement"
    markdown = (HANDBOOK / "intimate-care.md").read_text(encoding="utf-8")
    assert re.search(r"^# (.+)$", markdown, re.M)[1] == "Policy statement"  # type: ignore[index]


@pytest.mark.parametrize("path", [QUESTIONS, CHECK_SET], ids=lambda p: p.name)
def test_every_gold_snippet_is_quoted_word_for_word_from_its_policy(path: Path) -> None:
    for n, record in enumerate(records(path), 1):
        if "gold_text" not in record:
            assert record["gold"] == [], f"{path.name}:{n}"
            continue
        text = visible_text(record["doc"])
        for snippet in record["gold_text"]:
            assert 10 <= len(snippet) <= 80, f"{path.name}:{n}: {snippet!r}"
            assert text.count(snippet) == 1, f"{path.name}:{n}: {snippet!r} not found once"


def test_the_question_sets_are_large_enough_spread_and_independent() -> None:
    main, check = records(QUESTIONS), records(CHECK_SET)
    in_scope = [r for r in main if "gold_text" in r]
    out_of_scope = [r for r in main if "gold_text" not in r]
    assert len(in_scope) >= 90 and len(out_of_scope) >= 25
    per_policy = Counter(r["doc"] for r in in_scope)
    assert set(per_policy) == set(readme_files())
    assert min(per_policy.values()) >= 5
    assert sum(bool(HANDBOOK_WORDS.search(r["q"])) for r in out_of_scope) * 2 >= len(out_of_scope)
    assert sum("gold_text" in r for r in check) >= 30
    assert sum("gold_text" not in r for r in check) >= 10
    assert not {r["q"] for r in main} & {r["q"] for r in check}
