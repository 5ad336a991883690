"""benchmarks/handbook_gold.py turns verbatim gold snippets into the parser's clause ids, and
refuses, naming the line, whenever a snippet would not point at exactly one answerable clause."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.handbook_gold import main

POLICY = """Visitors Policy

1. Signing in

1.1 Every visitor signs in at reception and wears a lanyard on the same day as the visit.

1.2 Contractors show their DBS certificate to the business manager on the same day as the visit.

2. Leaving the site

2.1 Visitors hand their lanyard back to the office before they leave.
"""


@pytest.fixture
def handbook(tmp_path: Path) -> Path:
    folder = tmp_path / "handbook"
    folder.mkdir()
    (folder / "visitors.txt").write_text(POLICY, encoding="utf-8")
    return folder


def write_questions(tmp_path: Path, records: list[dict]) -> Path:
    path = tmp_path / "questions.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def ask(snippet: str) -> dict:
    return {"q": "a staff question", "doc": "visitors.txt", "gold_text": [snippet]}


def test_each_snippet_becomes_the_id_of_the_clause_that_holds_it_and_the_snippet_is_kept(
    tmp_path: Path, handbook: Path
) -> None:
    path = write_questions(
        tmp_path,
        [
            ask("wears a lanyard"),
            ask("hand their lanyard back to the office"),
            {"q": "where is the staff car park?", "gold": []},
        ],
    )

    assert main([str(path), "--handbook", str(handbook)]) == 0

    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["gold"] for r in lines] == [["1.1"], ["2.1"], []]
    assert lines[0]["gold_text"] == ["wears a lanyard"]
    assert main([str(path), "--handbook", str(handbook), "--check"]) == 0


def test_a_snippet_in_no_clause_fails_naming_its_line_and_nothing_is_written(
    tmp_path: Path, handbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_questions(tmp_path, [ask("wears a lanyard"), ask("parks in the bay")])
    before = path.read_text()

    assert main([str(path), "--handbook", str(handbook)]) == 1

    assert "questions.jsonl:2: 'parks in the bay' is in no clause" in capsys.readouterr().err
    assert path.read_text() == before


def test_a_snippet_found_only_in_a_heading_is_refused(
    tmp_path: Path, handbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_questions(tmp_path, [ask("Leaving the site")])

    assert main([str(path), "--handbook", str(handbook)]) == 1

    assert "questions.jsonl:1: 'Leaving the site' is only in a heading" in capsys.readouterr().err


def test_a_snippet_in_two_clauses_is_refused_as_ambiguous(
    tmp_path: Path, handbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_questions(tmp_path, [ask("on the same day as the visit")])

    assert main([str(path), "--handbook", str(handbook)]) == 1

    assert "in 2 clauses (1.1, 1.2): make it longer" in capsys.readouterr().err


def test_check_reports_gold_that_no_longer_matches_the_parser(
    tmp_path: Path, handbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_questions(tmp_path, [{**ask("wears a lanyard"), "gold": ["2.1"]}])

    assert main([str(path), "--handbook", str(handbook), "--check"]) == 1

    assert "stored gold ['2.1'] but the parser gives ['1.1']" in capsys.readouterr().err
