"""`policybot corpus`, `index` and `check` show the IT admin every policy file: what was read
from it, or a ✘ line naming the file and what to do."""

import json
from datetime import UTC, datetime

from bot.cli import main
from tests.corpus.conftest import BAD, DOCS, corpus_of


def today() -> datetime:
    """The one clock of these commands: a fixed day, so "overdue" never depends on the calendar."""
    return datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_corpus_lists_each_policy_and_each_failed_file(cli_env, capsys):
    corpus_of(cli_env, DOCS / "lost-property.txt", DOCS / "phones.md", BAD / "uniform.doc")
    assert main(["corpus"], clock=today) == 1  # a file was not read: the exit code says so
    out = capsys.readouterr().out
    assert "✔ Lost Property Policy (lost-property.txt): 4 clauses" in out
    assert "next review September 2026 — OVERDUE for review" in out
    assert "note: 4 paragraphs cited by section" in out
    assert "✘ uniform.doc: .doc files cannot be read — open it in Word" in out


def test_corpus_json_gives_titles_dates_warnings_and_failures(cli_env, capsys):
    corpus_of(cli_env, DOCS / "lettings.docx", DOCS / "phones.md", BAD / "scanned.pdf")
    main(["corpus", "--json"], clock=today)
    data = json.loads(capsys.readouterr().out)
    by_file = {d["file"]: d for d in data["documents"]}
    assert by_file["phones.md"] == {
        "title": "Mobile Phone Policy",
        "file": "phones.md",
        "clauses": 5,
        "school": "",
        "approved": "2025-06-17",
        "review_frequency": "",
        "next_review": "2027-06-30",
        "next_review_date": "2027-06-30",
        "overdue": False,
        "warnings": ["5 paragraphs cited by section"],
    }
    assert "no review date found" in by_file["lettings.docx"]["warnings"]
    assert data["failures"] == [
        {
            "file": "scanned.pdf",
            "reason": "the PDF has no text (a scanned image)",
            "fix": "export the original document to PDF or .docx, or run OCR on the scan "
            "(e.g. Acrobat › Scan & OCR), then run `policybot index`",
        }
    ]


def test_a_clean_corpus_lists_no_failures(cli_env, capsys):
    corpus_of(cli_env, DOCS / "phones.md")
    assert main(["corpus"], clock=today) == 0
    assert "✘" not in capsys.readouterr().out


def test_index_shows_the_files_it_leaves_out(cli_env, capsys, monkeypatch):
    monkeypatch.setenv("POLICYBOT_MODEL", str(cli_env.parent / "no-model-here"))
    corpus_of(cli_env, DOCS / "phones.md", BAD / "first-aid.odt")
    main(["index"], clock=today)
    out = capsys.readouterr().out
    assert "✘ first-aid.odt: .odt files cannot be read" in out
    assert "Read 1 policies" in out


def test_check_shows_the_same_failed_files(cli_env, capsys):
    corpus_of(cli_env, DOCS / "phones.md", BAD / "corrupt.docx")
    main(["check", "--platform", "slack"], clock=today)
    out = capsys.readouterr().out
    assert "✔ policies: 1 documents in" in out
    assert "✘ policy file: corrupt.docx: could not be read" in out
    assert "fix: open it in the program that made it and save it again as .docx" in out


def test_check_fails_when_no_file_can_be_read(cli_env, capsys):
    corpus_of(cli_env, BAD / "uniform.doc")
    assert main(["check", "--platform", "slack"], clock=today) == 1
    out = capsys.readouterr().out
    assert "✘ policies: no readable policy documents in" in out
    assert "✘ policy file: uniform.doc: .doc files cannot be read" in out
