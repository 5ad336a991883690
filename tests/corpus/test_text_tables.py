"""Tables and lists written as text read as a person sees them: a table row is a clause quoted as
its cells (never with the rules or pipes that draw the table), under the column headers that give
it meaning; a header row is no heading; a short line in a list is an entry of that list, not a
heading; a number glued to its heading is parted from it.

The files are in fixtures/reading/ (make_reading.py says how each was made: pandoc's plain text,
Word's "Save as Plain Text" in Unicode, a policy typed in Notepad)."""

import datetime as dt
import shutil
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.corpus import cache, load_document, read_corpus
from bot.corpus.text import read_text

READING = Path(__file__).resolve().parent / "fixtures" / "reading"
DRAWING = ("|", "+--", "---", "===")


def doc(name: str):
    return load_document(READING / name)


def rows(d, holder: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(c.text, c.columns) for c in d.clauses if c.parent == holder and ", row " in c.id]


@pytest.mark.parametrize("name", ["outings-pandoc.txt", "first-aid-word.txt", "lettings-typed.txt"])
def test_no_clause_quotes_a_tables_rules_and_no_header_row_is_a_heading(name):
    d = doc(name)
    for c in d.clauses:
        assert not any(mark in c.full_text for mark in DRAWING), (c.id, c.full_text)
    headers = {h for c in d.clauses for h in c.columns}
    assert headers and not headers & {h for c in d.clauses for h in c.path}


# --- typed in Notepad: grid and pipe tables --------------------------------------------------


def test_a_grid_table_is_a_clause_per_row_under_its_header():
    d = doc("lettings-typed.txt")
    community = ("Room", "Community rate", "Commercial rate")  # a header cell that wraps
    assert rows(d, "2.1") == [
        ("School hall\t£25\t£40", community),
        ("Classroom\t£15\t£25", community),
        ("Playing field (summer term only)\t£20\t£35", community),  # a cell over two lines
    ]
    assert d.clause("2.1").full_text.splitlines() == [
        "The governors set these hourly rates each September:",
        "Room\tCommunity rate\tCommercial rate",
        "School hall\t£25\t£40",
        "Classroom\t£15\t£25",
        "Playing field (summer term only)\t£20\t£35",
    ]
    assert d.clause("2.2").text.startswith("Hirers who cancel")  # the numbering goes on


def test_a_pipe_table_typed_in_a_text_file_is_read_like_markdowns():
    d = doc("lettings-typed.txt")
    assert rows(d, "3.1") == [
        ("Weekdays\t6pm\t9.30pm", ("Day", "Earliest start", "Latest finish")),
        ("Saturday\t9am\t5pm", ("Day", "Earliest start", "Latest finish")),
    ]
    assert d.clause("3.1, row 2").parent == "3.1"


def test_a_grid_table_ruled_only_under_its_header_has_a_row_per_line():
    d = doc("lettings-typed.txt")
    assert [text for text, _ in rows(d, "4.1")] == [
        "Single session\t£25",
        "Block of sessions\t£50",
        "Family party\t£75",
    ]
    assert d.clause("4.1, row 3").columns == ("Booking", "Deposit")


# --- pandoc's plain text: dashed tables ------------------------------------------------------


def test_a_dashed_table_whose_cells_wrap_is_a_clause_per_row():
    d = doc("outings-pandoc.txt")
    columns = ("Age of children", "Adults : children", "Notes")
    assert rows(d, "Adult to child ratios") == [
        ("Under 2\t1 : 2\tIncluding the key person", columns),
        ("2 to 3 years\t1 : 3", columns[:2]),  # an empty cell is not quoted, nor its header
        ("3 years and over\t1 : 5\tOne adult holds a paediatric first aid certificate", columns),
    ]
    assert d.clause("Adult to child ratios").text == (
        "Outings keep at least these ratios of adults to children at all times:"
    )


def test_a_dashed_table_without_a_header_is_rows_with_no_headers():
    d = doc("outings-pandoc.txt")
    assert rows(d, "Costs") == [
        ("Farm visit\t£6.50", ()),
        ("Theatre trip\t£9.00", ()),
        ("Forest school session\tFree", ()),
    ]


def test_a_header_cell_that_names_a_detail_is_still_a_header_not_the_policys_details():
    # "Contact | When to call | Number": a table of the policy, not its document control
    d = doc("outings-pandoc.txt")
    assert "Contact" not in d.control
    assert d.clause("Emergencies, row 1").columns == ("Contact", "When to call", "Number")
    assert d.clause("Emergencies, row 1").text.endswith(
        "as soon as the children are safe\t01632 960 410"
    )
    assert d.clause("Emergencies").full_text.splitlines()[1:4] == [
        "1.  gather the other children together and count them;",
        "2.  search the immediate area with one other adult;",
        "3.  call the police on 999 if the child is not found within ten minutes.",
    ]


def test_pandoc_plain_text_keeps_its_title_dates_and_unmarked_headings():
    d = doc("outings-pandoc.txt")
    assert (d.title, d.approval_date, d.next_review) == (
        "Educational Visits and Outings Policy",
        "3 February 2025",
        "February 2026",
    )
    assert d.clause("Planning an outing, item 2").full_text.splitlines() == [
        "The visit leader must:",
        "complete the risk assessment form;",
        "book transport with a company on the local authority’s approved list;",
        "tell parents the date, times and cost in writing.",
    ]


# --- Word's "Save as Plain Text" (Unicode) ---------------------------------------------------


def test_word_unicode_text_reads_its_tab_separated_table_between_numbered_paragraphs():
    d = doc("first-aid-word.txt")
    assert (d.title, d.approval_date, d.next_review) == (
        "First Aid Policy",
        "12 March 2025",
        "March 2026",
    )
    assert d.clause("3.1, row 2").text == (
        "Mr D Pryce\tYear 4 teacher\tPaediatric first aid\tUpper junior block"
    )
    assert d.clause("3.1, row 2").columns == ("Name", "Role", "Certificate", "Usually found")
    # "3.<tab>Trained staff" and "4.<tab>Head injuries" beside the table are still sections
    assert d.clause("3.2").path == ("Trained staff",)
    assert d.clause("4.1").path == ("Head injuries",)


def test_a_list_that_lost_its_bullets_is_the_list_not_headings():
    d = doc("first-aid-word.txt")
    assert d.clause("2.1").full_text.splitlines()[1:] == ["Put on", "Disposable gloves", "Apron"]
    assert not {"Put on", "Disposable gloves", "Apron"} & {h for c in d.clauses for h in c.path}


def test_a_number_glued_to_its_heading_is_parted_from_it():
    d = doc("first-aid-word.txt")
    assert d.ids[4:6] == ["2.20.1", "2.20.2"]
    assert d.clause("2.20.1").path == ("First aid kits", "General rules for first aiders")
    assert not any("2.20General" in h for c in d.clauses for h in c.path)


# --- the heading rules, line by line ---------------------------------------------------------

HEADER = "Sun Safety Policy\n\nReview date: May 2026\n\n"


def test_short_entries_set_out_like_every_other_paragraph_stay_in_their_list():
    d = read_text(
        HEADER + "Hot weather\n\nOn hot days children bring:\n\nSun hat\n\nWater bottle\n\n"
        "Hat\n\nParents apply sun cream before school.\n"
    )
    paths = {h for b in d.blocks if b.kind == "heading" for h in [b.text]}
    assert paths == {"Hot weather"}


def test_a_short_line_set_apart_after_a_tight_list_is_a_heading():
    text = HEADER + (
        "Children bring:\nSun hat\nWater bottle\n\nShade\n\nThe school provides shade in the playground.\n"
    )
    blocks = read_text(text).blocks
    assert [b.text for b in blocks if b.kind == "heading"] == ["Shade"]
    assert [b.text for b in blocks if b.item] == ["Sun hat", "Water bottle"]


def test_a_short_line_that_runs_on_in_lower_case_is_no_heading():
    blocks = read_text(HEADER + "Before going out\n\nPut on\n\nsun cream and a hat.\n").blocks
    assert [b.text for b in blocks if b.kind == "heading"] == ["Before going out"]


def test_a_short_line_followed_by_its_paragraph_is_a_heading_without_blank_lines():
    blocks = read_text(HEADER + "Shade\nThe school provides shade in the playground.\n").blocks
    assert [b.text for b in blocks if b.kind == "heading"] == ["Shade"]


# --- the rows travel: cache and answers ------------------------------------------------------


def test_a_rows_headers_survive_the_parse_cache(tmp_path):
    folder = tmp_path / "policies"
    folder.mkdir()
    shutil.copy(READING / "lettings-typed.txt", folder)
    read_corpus(folder, tmp_path / "cache")
    (cached,) = read_corpus(folder, tmp_path / "cache").documents
    assert cached.clause("2.1, row 1").columns == ("Room", "Community rate", "Commercial rate")
    assert cached == load_document(folder / "lettings-typed.txt")
    assert cache.parser_version()


def test_a_question_answered_by_one_row_quotes_that_row(tmp_path):
    folder = tmp_path / "policies"
    folder.mkdir()
    shutil.copy(READING / "lettings-typed.txt", folder)
    bot = Assistant.load(folder, embedder="none", today=lambda: dt.date(2026, 1, 5))
    answer = bot.ask("What is the commercial rate for hiring the playing field?")
    assert answer.best is not None
    assert answer.best.clause == "2.1, row 3"
    # the row, under the sentence that introduces the table and the table's own column headers
    assert answer.best.lines == [
        "The governors set these hourly rates each September:",
        "Room\tCommunity rate\tCommercial rate",
        "… Playing field (summer term only)\t£20\t£35",
    ]
    assert answer.to_json()["citations"][0]["columns"] == [
        "Room",
        "Community rate",
        "Commercial rate",
    ]
