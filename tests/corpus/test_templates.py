"""Schools build their policies from templates (their own, the trust's or the local authority's):
a cover page with the title in a text box, a contents page, a body set in a table, bold numbered
lines instead of heading styles, a version-history table and forms in the appendices. A member of
staff reading the Word file, or its PDF export, sees one title, the dates on the cover and the
numbered clauses: the assistant must read the same.

The files are in fixtures/templates/ (made by make_templates.py; README.md there lists what a
reader sees in each).
"""

import json
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.corpus import load_document

TEMPLATES = Path(__file__).resolve().parent / "fixtures" / "templates"
BOTH = pytest.mark.parametrize("ext", ["docx", "pdf"])


def clauses(name: str) -> dict[str, str]:
    return {c.id: c.text for c in load_document(TEMPLATES / name).clauses}


@BOTH
def test_the_cover_page_gives_title_and_dates_and_is_not_quoted(ext):
    # The cover: "[School logo]", the school's name and "Lettings Policy" in a text box, then a
    # Date adopted / Review date table and a page break.
    doc = load_document(TEMPLATES / f"lettings-cover-textbox.{ext}")
    assert doc.title == "Lettings Policy"
    assert (doc.approval_date, doc.next_review) == ("14 October 2025", "October 2027")
    assert doc.school == "Ashdown Vale Primary School"
    texts = " ".join(c.full_text for c in doc.clauses)
    assert "School logo" not in texts and "Ashdown Vale Primary School" not in texts
    assert doc.ids[0] == "1.1"


@BOTH
def test_a_title_in_large_bold_type_is_the_title_not_the_file_name(ext):
    doc = load_document(TEMPLATES / f"drugs-bold-numbered.{ext}")
    assert doc.title == "Drug Education and Managing Drug-Related Incidents Policy"
    doc = load_document(TEMPLATES / f"eyfs-caps-headings.{ext}")
    assert doc.title == "Early Years Foundation Stage (EYFS) Policy"
    assert (doc.approval_date, doc.next_review) == ("November 2024", "November 2025")


@BOTH
def test_a_local_authority_policy_set_in_a_number_and_text_table_reads_as_clauses(ext):
    doc = load_document(TEMPLATES / f"charging-la-table.{ext}")
    assert doc.title == "Charging and Remissions Policy"
    assert (doc.approval_date, doc.next_review) == ("23 January 2025", "January 2026")
    got = {c.id: c for c in doc.clauses}
    assert list(got) == [
        "1.1", "1.2", "2.1", "2.2", "3.1", "3.1(a)", "3.1(b)", "3.1(c)", "3.2", "4.1", "4.2",
    ]  # fmt: skip
    assert got["2.2"].text == (
        "If too few contributions are received, the headteacher may cancel the activity."
    )
    assert got["2.2"].path == ("Voluntary contributions",)
    assert got["3.1(b)"].text == "activities that take place wholly outside school hours; and"


@BOTH
def test_a_version_history_table_is_not_policy_text(ext):
    # "Version | Date | Changes" rows once became clauses "1.0" and "1.1-2".
    for name in ("lettings-cover-textbox", "charging-la-table", "exclusions-appendix-form"):
        doc = load_document(TEMPLATES / f"{name}.{ext}")
        assert not any("New policy" in c.text or "Appendix A added" in c.text for c in doc.clauses)
        assert not any(c.id in {"1.0", "2.0", "3.0", "1.1-2"} for c in doc.clauses), doc.ids


@BOTH
def test_a_version_table_under_the_title_ends_where_the_first_section_starts(ext):
    doc = load_document(TEMPLATES / f"eyfs-caps-headings.{ext}")
    assert doc.ids == ["AIMS", "SAFEGUARDING AND WELFARE", "Appendix 1"]  # cited as staff say it
    assert doc.clause("AIMS").text.startswith("1. Every child in the Early Years Foundation Stage")
    assert not any("consultation" in c.text or "Nov 2023" in c.text for c in doc.clauses)


@BOTH
def test_a_form_in_an_appendix_is_not_quoted_as_a_rule(ext):
    doc = load_document(TEMPLATES / f"exclusions-appendix-form.{ext}")
    assert (doc.approval_date, doc.next_review) == ("18/09/2025", "18/09/2026")
    texts = [c.full_text for c in doc.clauses]
    assert not any("____" in t or "☐" in t or "Signed" in t for t in texts), texts
    assert doc.clause("2.2(c)").text == (
        "take account of any special educational needs or disability."
    )


@BOTH
def test_sub_items_typed_as_i_bracket_are_kept(ext):
    # "i) not taste or smell the substance;" used to vanish: no numbering scheme claimed "i)".
    got = clauses(f"drugs-bold-numbered.{ext}")
    assert got["3.1.i"] == "not taste or smell the substance;"
    assert got["3.1.iii"] == "record the incident on the school's safeguarding system."


@BOTH
def test_footnote_numbers_and_footnotes_are_not_in_the_clause(ext):
    got = clauses(f"drugs-bold-numbered.{ext}")
    assert got["1.1"] == (
        "This policy follows the Department for Education guidance on drug advice for schools "
        "and applies to all pupils, staff and visitors."
    )
    assert got["3.2"] == (
        "The headteacher will decide whether to inform the police and will always inform the "
        "pupil's parents."
    )


@BOTH
def test_dates_in_content_controls_with_a_bold_label_are_the_policy_dates(ext):
    # "Date approved:" in bold, the date in a date-picker control: not a bold heading.
    doc = load_document(TEMPLATES / f"lone-working-autonumber.{ext}")
    assert doc.title == "Lone Working Policy"
    assert (doc.approval_date, doc.next_review) == ("2 July 2025", "1 July 2026")
    assert doc.ids[:3] == ["1.1", "1.2", "2.1"]
    assert doc.clause("2.1(b)").text == "access to a telephone and first aid; and"


@BOTH
def test_a_cover_that_ends_where_contents_starts_a_new_page_is_not_quoted(ext):
    # No page break: the "Contents" paragraph is set to start on a new page.
    doc = load_document(TEMPLATES / f"lone-working-autonumber.{ext}")
    assert doc.control["Approved by"] == "Full Governing Body"
    assert not any("diocesan model" in c.text for c in doc.clauses)


@BOTH
def test_dates_in_a_table_with_the_labels_across_the_top(ext):
    # Date adopted | Review date | Policy lead, with the values in the row below.
    doc = load_document(TEMPLATES / f"wellbeing-trust-cover.{ext}")
    assert doc.title == "Staff Wellbeing Policy"
    assert (doc.approval_date, doc.next_review) == ("5 February 2025", "February 2026")
    assert doc.ids[:2] == ["Introduction", "Workload"]


def test_a_word_policy_and_its_pdf_export_read_the_same():
    for docx_file in sorted(TEMPLATES.glob("*.docx")):
        word, pdf = load_document(docx_file), load_document(docx_file.with_suffix(".pdf"))
        assert (pdf.title, pdf.approval_date, pdf.next_review) == (
            word.title,
            word.approval_date,
            word.next_review,
        ), docx_file.name
        assert [(c.id, c.full_text) for c in pdf.clauses] == [
            (c.id, c.full_text) for c in word.clauses
        ], docx_file.name


def test_the_it_admin_sees_every_template_policy_with_its_own_title(cli_env, capsys):
    for f in TEMPLATES.glob("*.docx"):
        shutil.copy(f, cli_env / f.name)
    assert main(["corpus", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    titles = {d["file"]: d["title"] for d in data["documents"]}
    assert titles == {
        "charging-la-table.docx": "Charging and Remissions Policy",
        "drugs-bold-numbered.docx": "Drug Education and Managing Drug-Related Incidents Policy",
        "exclusions-appendix-form.docx": "Suspensions and Permanent Exclusions Policy",
        "eyfs-caps-headings.docx": "Early Years Foundation Stage (EYFS) Policy",
        "lettings-cover-textbox.docx": "Lettings Policy",
        "lone-working-autonumber.docx": "Lone Working Policy",
        "pay-heading-numbering.docx": "Teachers' Pay Policy 2025–26",
        "wellbeing-trust-cover.docx": "Staff Wellbeing Policy",
    }
    assert all("no review date found" not in d["warnings"] for d in data["documents"])


@BOTH
def test_the_school_named_in_the_running_header_is_the_policys_school(ext):
    doc = load_document(TEMPLATES / f"charging-la-table.{ext}")
    assert doc.school == "Brookfield Church of England Primary School"


def test_a_word_policy_kept_beside_its_pdf_export_gets_two_distinct_titles(cli_env, capsys):
    # Schools often keep "lettings.docx" and the "lettings.pdf" they publish in one folder.
    for ext in ("docx", "pdf"):
        shutil.copy(TEMPLATES / f"lettings-cover-textbox.{ext}", cli_env)
    main(["corpus", "--json"])
    titles = sorted(d["title"] for d in json.loads(capsys.readouterr().out)["documents"])
    assert titles == [
        "Lettings Policy (lettings-cover-textbox.docx)",
        "Lettings Policy (lettings-cover-textbox.pdf)",
    ]
