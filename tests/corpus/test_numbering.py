"""A clause is cited by the number staff see on the page: Word's automatic numbering computed
from its definitions, typed numbers in every common scheme, and, where a policy has no numbers,
the section a person would name."""

import pytest

from bot.corpus import load_document
from tests.corpus.conftest import DOCS


def test_word_automatic_numbering_is_cited_as_word_shows_it():
    doc = load_document(DOCS / "visits-numbered.docx")
    # Headings numbered through their style; clauses "%1.%2"; sub-items "(%3)", "(%4)".
    assert [c for c in doc.ids if not c.startswith("3")] == [
        "1.1",
        "2.1",
        "2.2",
        "2.2(a)",
        "2.2(b)",
        "2.2(c)",
        "2.2(c)(i)",
        "2.2(c)(ii)",
        "2.3",
        "2.3(a)",  # lettering restarts under each clause
        "2.3(b)",
    ]
    assert doc.clause("2.2(c)(ii)").text == "conditions that need a care plan."
    assert doc.clause("2.2(b)").parent == "2.2"
    assert doc.clause("2.2").section_title == "Planning a visit"


def test_word_lists_restart_and_continue_as_word_shows_them():
    doc = load_document(DOCS / "visits-numbered.docx")
    day, residential = doc.clause("3, item 1"), doc.clause("3, item 2")
    assert day.full_text.splitlines()[1:] == [
        "1. Nursery and Reception: one adult for every four pupils.",
        "2. Years 1 to 6: one adult for every six pupils.",
    ]
    # A second list instance restarts at 1; the first list then carries on at 3.
    assert residential.full_text.splitlines()[1:] == [
        "1. Years 5 and 6: one adult for every eight pupils.",
        "3. Every group: at least one first aider.",
    ]


def test_typed_numbers_in_every_common_scheme():
    doc = load_document(DOCS / "attendance-typed.txt")
    assert doc.ids == [
        "1.1",
        "1.2",
        "1.2(a)",
        "1.2(b)",
        "1.2(b)(i)",
        "1.2(b)(ii)",
        "1.2.1",
        "2.i",
        "2.ii",
        "2.ii.a",
        "2.ii.b",
        "A.1",
    ]
    assert doc.clause("1.2(b)(i)").text == "records the time of the message;"
    assert doc.clause("2.ii.b").marker == "b)"
    assert doc.clause("A.1").section_title == "Persistent absence"


def test_a_policy_without_numbers_is_cited_by_its_sections():
    doc = load_document(DOCS / "lost-property.txt")
    assert doc.ids == [
        "Why this policy matters",  # the only paragraph of its section: the section names it
        "Items found in school, item 1",
        "Items found in school, item 2",
        "Valuables",
    ]
    assert not any(c.numbered for c in doc.clauses)
    assert "4 paragraphs cited by section" in doc.warnings


def test_sub_sections_give_the_path_below_the_title():
    doc = load_document(DOCS / "phones.md")
    assert doc.ids[-3:] == ["Photographs, item 1", "Photographs, item 2", "Emergencies"]
    assert doc.clause("Emergencies").path == ("Emergencies",)


def test_an_unnumbered_paragraph_under_a_numbered_heading_is_cited_by_that_number():
    doc = load_document(DOCS / "visits-numbered.docx")
    assert doc.clause("3, item 1").path == ("Ratios",)
    assert not doc.clause("3, item 1").numbered and doc.clause("2.2").numbered


def test_headings_are_context_never_clauses():
    for name in ("visits-numbered.docx", "lost-property.txt", "phones.md", "complaints.html"):
        doc = load_document(DOCS / name)
        headings = {h for c in doc.clauses for h in c.path}
        assert headings
        assert not any(c.text in headings for c in doc.clauses), name


def test_a_list_is_quoted_with_the_sentence_that_introduces_it():
    doc = load_document(DOCS / "lost-property.txt")
    clause = doc.clause("Items found in school, item 2")
    assert clause.full_text.splitlines() == [
        "Unnamed items are kept for half a term, then given to the uniform sale. The office will:",
        "display them on the last Friday of each half term;",
        "post a reminder in the newsletter.",
    ]
    bullying = load_document(DOCS / "anti-bullying.docx").clause("Reporting bullying, item 1")
    assert bullying.full_text.splitlines() == [
        "Pupils can report bullying to any adult they trust:",
        "by talking to them at any time;",
        "by writing a note for the worry box in each classroom.",
    ]
    # Lettered sub-items stay children of the clause that introduces them.
    typed = load_document(DOCS / "attendance-typed.txt")
    assert typed.clause("2.ii").children == ["2.ii.a", "2.ii.b"]
    assert typed.clause("2.ii").full_text.splitlines()[0] == (
        "Repeated lateness is discussed with parents:"
    )


def test_a_table_in_the_body_is_quoted_not_dropped():
    doc = load_document(DOCS / "lettings.docx")
    assert doc.clause("Hire charges").full_text.splitlines() == [
        "Community groups pay the hourly rate set each year by the governors.",
        "Room\tHourly rate",
        "School hall\t£30",
        "Classroom\t£15",
    ]
    assert doc.clause("Hire charges, row 1").text == "School hall\t£30"
    assert doc.clause("Hire charges, row 1").columns == ("Room", "Hourly rate")
    assert doc.control == {}  # not mistaken for a document-control table


def test_a_bold_line_is_a_sub_heading_as_staff_read_it():
    doc = load_document(DOCS / "anti-bullying.docx")
    online = doc.clause("Reporting bullying — Online bullying")
    assert online.path == ("Reporting bullying", "Online bullying")
    assert online.text == "Screenshots of unkind messages are passed to the DSL the same day."
    assert "Online bullying" not in doc.clause("Reporting bullying, item 2").full_text


def test_a_bold_line_in_markdown_is_a_sub_heading(tmp_path):
    policy = tmp_path / "visits.md"
    policy.write_text(
        "# Visits Policy\n\n## Before the visit\n\n**Risk assessments**\n\n"
        "The group leader writes the risk assessment.\n\n"
        "It is checked by the **visits coordinator**.\n"
    )
    doc = load_document(policy)
    assert doc.ids == [
        "Before the visit — Risk assessments, item 1",
        "Before the visit — Risk assessments, item 2",
    ]
    assert doc.clause("Before the visit — Risk assessments, item 2").text == (
        "It is checked by the visits coordinator."
    )


def test_a_plain_heading_inside_a_numbered_section_is_its_sub_heading(tmp_path):
    policy = tmp_path / "medicines.txt"
    policy.write_text(
        "Medicines Policy\n\n1. Storage\n\nInhalers\n\n1.1 Inhalers stay with the class.\n\n"
        "2. Records\n\n2.1 Every dose is written in the log.\n"
    )
    doc = load_document(policy)
    assert doc.clause("1.1").path == ("Storage", "Inhalers")
    assert doc.clause("2.1").path == ("Records",)


def test_text_inside_word_content_controls_is_read(tmp_path):
    import docx
    from docx.oxml import parse_xml

    d = docx.Document()
    d.add_paragraph("Privacy Notice", style="Title")
    d.add_heading("Who we share data with", level=1)
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    d.element.body.insert(
        len(d.element.body) - 1,  # before the section properties
        parse_xml(
            f"<w:sdt {w}><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>We share pupils' records with "
            "the local authority only when the law requires it.</w:t></w:r></w:p></w:sdtContent>"
            "</w:sdt>"
        ),
    )
    d.save(tmp_path / "privacy.docx")
    doc = load_document(tmp_path / "privacy.docx")
    assert doc.clause("Who we share data with").text.startswith("We share pupils' records")


def test_section_title_is_the_top_section_and_heading_the_innermost():
    doc = load_document(DOCS / "anti-bullying.docx")
    online = doc.clause("Reporting bullying — Online bullying")
    assert (online.section_title, online.heading) == ("Reporting bullying", "Online bullying")
    top = doc.clause("Reporting bullying, item 2")
    assert (top.section_title, top.heading) == ("Reporting bullying", "")


TYPED_IDS = [
    "1.1",
    "1.2",
    "1.2(a)",
    "1.2(b)",
    "1.2(b)(i)",
    "1.2(b)(ii)",
    "1.2.1",
    "2.i",
    "2.ii",
    "2.ii.a",
    "2.ii.b",
]


@pytest.mark.parametrize("suffix", ["txt", "md", "html", "docx", "pdf"])
def test_typed_numbers_are_read_the_same_in_every_format(suffix):
    doc = load_document(DOCS / f"typed.{suffix}")
    assert doc.title == "Typed Numbering Policy"
    assert doc.ids == TYPED_IDS
    reference = load_document(DOCS / "typed.txt")
    assert [c.full_text for c in doc.clauses] == [c.full_text for c in reference.clauses]
    assert doc.clause("2.ii.b").path == ("Keys",)


def test_upper_case_letters_and_roman_numerals_number_sections_and_items(tmp_path):
    policy = tmp_path / "lettings.txt"
    policy.write_text(
        "Lettings Policy\n\nI. Bookings\n\nA. Bookings are made through the office.\n\n"
        "B. A deposit is paid when the booking is confirmed.\n\nII. Charges\n\n"
        "IV. Charges rise each September.\n"
    )
    doc = load_document(policy)
    assert doc.ids == ["I.A", "I.B", "II.IV"]
    assert doc.clause("I.B").section_title == "Bookings"


def test_word_legal_numbering_and_list_style_links_are_followed():
    doc = load_document(DOCS / "retention.docx")
    # isLgl: the clauses of section "I." are printed "1.1", "1.2" by Word, so cited so.
    assert doc.ids == ["1.1", "1.2", "Disposal"]
    assert doc.clause("1.2").section == "I"
    # A list defined only by a link to a list style numbers its items "1)", "2)".
    assert doc.clause("Disposal").full_text.splitlines()[1:] == [
        "1) shredding on site;",
        "2) the confidential waste service.",
    ]


def test_a_custom_heading_style_is_a_heading_by_its_outline_level(tmp_path):
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import parse_xml

    d = docx.Document()
    style = d.styles.add_style("Policy Heading", WD_STYLE_TYPE.PARAGRAPH)
    style.element.get_or_add_pPr().append(
        parse_xml(
            '<w:outlineLvl xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
            ' w:val="0"/>'
        )
    )
    d.add_paragraph("Lunchtime Policy", style="Title")
    d.add_paragraph("Packed lunches", style="Policy Heading")
    d.add_paragraph("Packed lunches must not contain nuts.")
    d.save(tmp_path / "lunch.docx")
    doc = load_document(tmp_path / "lunch.docx")
    assert doc.ids == ["Packed lunches"]
    assert doc.clause("Packed lunches").text == "Packed lunches must not contain nuts."
