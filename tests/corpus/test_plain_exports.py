"""Plain-text policies as they really reach a school's shared drive (Word's "Save as Plain Text",
text copied out of a PDF, Notepad files, an e-mail pasted into a file) load as a person reads
them: the policy's own title and dates, its own clause numbers, and clean verbatim clause text
with no page furniture, signature blanks or mail headers in it.

The files are in fixtures/plain/ (see its README.md for how each was made)."""

import shutil
from pathlib import Path

import pytest

from bot.corpus import load_corpus, load_document

PLAIN = Path(__file__).resolve().parent / "fixtures" / "plain"


def doc(name: str):
    return load_document(PLAIN / name)


def text_of(d, clause_id: str) -> str:
    return d.clause(clause_id).full_text


# file → (title, approved, next review) as a person reading the file would give them
FACTS = {
    "anti-bullying.txt": ("Anti-Bullying Policy", "14 October 2024", "October 2025"),
    "equal-opportunities.txt": ("Equal Opportunities Policy", "3 March 2025", "March 2027"),
    # printed in capitals and never written otherwise: kept as printed ("SEND" is no "Send")
    "homework.txt": ("HOMEWORK POLICY", "June 2024", "June 2026"),
    "rse.txt": ("Relationships and Sex Education (RSE) Policy", "21 January 2025", "January 2026"),
    "sun-safety.txt": ("Sun Safety Policy", "12/05/2025", "05/2026"),
    "staff-dress-code.txt": ("Staff Dress Code", "28 August 2024", "September 2025"),
    "mobile-phones.txt": ("Mobile Phone Policy", "4 November 2024", "November 2025"),
    "visitors.txt": ("Visitors Policy", "Autumn 2024", "Autumn 2026"),
    "lockdown.txt": ("Lockdown Procedure", "9 January 2025", "January 2026"),
    "healthy-eating.txt": ("Healthy Eating Policy", "", "July 2026"),
}


@pytest.mark.parametrize("name", sorted(FACTS))
def test_each_export_gives_the_title_and_dates_printed_on_it(name):
    title, approved, review = FACTS[name]
    d = doc(name)
    assert (d.title, d.approval_date, d.next_review) == (title, approved, review)
    assert d.next_review_date is not None


@pytest.mark.parametrize("name", sorted(FACTS))
def test_no_clause_quotes_page_furniture_signature_blanks_or_mail(name):
    for c in doc(name).clauses:
        assert "\t" not in c.text or ", row " in c.id, c.id  # only a table row parts its cells
        assert "____" not in c.text, c.id
        assert "Page " not in c.text and "- 1 -" not in c.text, c.id
        assert not c.text.startswith(("From:", "Subject:", "Dear ", "Kind regards")), c.id
        assert "-" not in c.text.split()[-1] or c.text.split()[-1].count("-") < 2, c.id


def test_the_whole_folder_loads_with_distinct_titles(tmp_path):
    for f in PLAIN.glob("*.txt"):
        shutil.copy(f, tmp_path / f.name)
    corpus = load_corpus(tmp_path)
    titles = [d.title for d in corpus]
    assert len(titles) == len(FACTS) and len(set(titles)) == len(titles)


# --- Word's "Save as Plain Text" -------------------------------------------------------------


def test_word_plain_text_keeps_its_numbering_though_a_tab_follows_each_number():
    # "1.1<tab>At Meadowbank…" and "o<tab>physical…": the tab is Word's spacing, not a table
    d = doc("anti-bullying.txt")
    assert d.ids == ["1.1", "1.2", "2.1", "2.2", "3.1", "3.2", "3.3", "4.1", "4.2", "4.3", "5.1"]
    assert d.clause("1.1").path == ("Our aims",)
    assert text_of(d, "2.1") == (
        "Bullying can take many forms, including:\n"
        "physical – hitting, kicking, pushing or taking someone’s belongings;\n"
        "verbal – name-calling, teasing, insults or threats;\n"
        "emotional – leaving someone out, spreading rumours or “jokes” that hurt;\n"
        "online – unkind messages, images or posts on phones, games or social media."
    )
    assert text_of(d, "4.2").endswith("contribute to the cost of replacement, up to £25.")


def test_a_control_block_on_top_names_the_policy_and_its_date():
    # "Policy: Anti-Bullying Policy / Date: 14 October 2024 / Review: October 2025"
    d = doc("anti-bullying.txt")
    assert d.title == "Anti-Bullying Policy"
    assert d.approval_date == "14 October 2024"
    assert d.control["Approved by"] == "Full Governing Body"


def test_lost_automatic_numbering_leaves_headings_on_lines_of_their_own():
    # "Purpose\nThis policy sets out…" with no blank lines: a heading, then its paragraph
    d = doc("mobile-phones.txt")
    assert [c.path for c in d.clauses][:2] == [("Purpose",), ("Pupils",)]
    assert d.clause("Purpose").text.startswith("This policy sets out how mobile phones")
    assert d.clause("Pupils, item 2").text == (
        "The school accepts no responsibility for phones that are lost or damaged. Parents may "
        "wish to insure phones, which typically costs around £5 a month."
    )


def test_a_table_saved_as_tab_separated_lines_is_quoted_row_by_row():
    d = doc("mobile-phones.txt")
    assert text_of(d, "Staff, item 1").splitlines()[1:3] == [
        "Area\tStaff phones\tVisitor phones",
        "Classrooms\tNot allowed\tNot allowed",
    ]
    # each row is a clause of the paragraph that introduces the table, read under its header
    office = d.clause("Staff, item 1, row 3")
    assert office.text == "School office\tFor school business only\tNot allowed"
    assert office.columns == ("Area", "Staff phones", "Visitor phones")
    assert office.parent == "Staff, item 1"
    assert "Area" not in [h for c in d.clauses for h in c.path]  # the header is no heading
    assert d.clause("Staff, item 2").text.startswith("Staff must never use a personal device")


def test_one_paragraph_per_line_keeps_each_paragraph_its_own_clause():
    d = doc("rse.txt")
    assert d.clause("3, item 2").text == (
        "The PSHE lead plans the curriculum, supports staff and reviews resources before they "
        "are used."
    )
    assert d.clause("4, item 2").text.startswith("Before granting a request, the headteacher")


# --- headings as plain text writes them ------------------------------------------------------


def test_section_and_appendix_headings_number_their_paragraphs():
    d = doc("rse.txt")
    assert d.clause("1").path == ("Purpose",)
    assert d.clause("1").text.startswith("This policy explains what children at St Aidan's")
    assert d.clause("Appendix 2, item 1").text == (
        "Year 1 and Year 2: families, friendships and keeping safe."
    )
    assert d.clause("Appendix 2, item 1").path == ("Curriculum overview",)


def test_a_signature_block_and_a_blank_form_are_not_clauses():
    for name in ("rse.txt", "visitors.txt"):
        assert not any(
            "Signed" in c.text or "Chair of Governors" in c.text for c in doc(name).clauses
        )


def test_underlined_headings_are_headings_and_the_underline_is_not_text():
    d = doc("sun-safety.txt")
    assert d.school == "Brook Lane Infant School"
    assert d.ids == [
        "Introduction",
        "What parents should do",
        "What the school will do, item 1",
        "What the school will do, item 2",
        "What the school will do, item 3",
    ]
    assert text_of(d, "What parents should do") == (
        "Parents are asked to:\n"
        "apply a sun cream of at least SPF 30 before school on sunny days;\n"
        "send their child to school with a named sun hat with a brim or neck flap;\n"
        "provide a named water bottle every day."
    )


def test_notepad_unicode_text_is_read():
    assert (PLAIN / "sun-safety.txt").read_bytes()[:2] == b"\xff\xfe"
    assert doc("sun-safety.txt").clause("Introduction").text.startswith("Children spend")


# --- text copied out of a PDF ----------------------------------------------------------------


def test_pdf_page_headers_and_numbers_mid_text_are_not_quoted():
    d = doc("equal-opportunities.txt")
    assert d.ids == ["1.1", "1.2", "2.1", "2.2", "2.3", "3.1", "3.2", "4.1"]
    assert d.clause("4.1").text.endswith("on the attainment of different groups of pupils.")
    assert d.clause("2.3").text.endswith("are removed from classrooms.")


def test_words_broken_across_lines_are_joined_back():
    d = doc("equal-opportunities.txt")
    assert "We value the differences between people" in d.clause("1.1").text
    assert d.clause("2.2").text.endswith("including trips and after-school clubs.")
    assert "give the all-clear in person" in doc("lockdown.txt").clause("3.1").text


def test_a_running_header_inside_a_list_leaves_the_list_whole():
    d = doc("lockdown.txt")
    assert d.clause("2.2.c").text == "keep children away from doors and windows and out of sight;"
    assert d.clause("2.2.d").text == (
        "take the register and report any missing children to the office by the class "
        "walkie-talkie or by text."
    )
    assert d.clause("2.1").text == (
        "A lockdown is signalled by three long blasts on the air horn, repeated. Any member of "
        "staff who sees a threat must tell the office immediately, who will raise the alarm."
    )


def test_a_review_date_only_in_the_running_footer_is_still_the_review_date():
    d = doc("healthy-eating.txt")
    assert d.next_review == "July 2026"
    assert d.ids == [
        "Introduction",
        "Packed lunches, item 1",
        "Packed lunches, item 2",
        "Allergies",
        "Celebrations",
    ]
    assert d.clause("Celebrations").text.endswith("so that staff can check them for allergens.")


def test_a_pdf_line_broken_short_of_the_width_mid_sentence_still_joins_its_paragraph():
    # "…must give the" / "School Business Manager a care plan…": one sentence, one clause
    assert doc("healthy-eating.txt").clause("Allergies").text == (
        "The school is a nut-free site. Parents of children with a food allergy must give the "
        "School Business Manager a care plan from the child's doctor, which is kept in the class "
        "first aid bag and in the kitchen."
    )


def test_hard_wrapped_list_items_are_joined_under_their_hanging_indent():
    d = doc("visitors.txt")
    assert d.ids == ["1.1", "2.1", "2.2", "2.3", "3.1", "3.2"]
    # "SECTION 2 - SIGNING IN" is section 2, titled "SIGNING IN"
    assert (d.clause("2.3").section, d.clause("2.3").path) == ("2", ("SIGNING IN",))
    assert text_of(d, "2.3").splitlines()[1] == (
        "check the visitor's identity against photo identification;"
    )
    assert d.clause("3.1").text.endswith("be done in the school holidays.")


# --- an e-mail pasted into a file ------------------------------------------------------------


def test_a_pasted_email_is_read_as_the_policy_it_carries():
    d = doc("staff-dress-code.txt")
    assert (d.title, d.school) == ("Staff Dress Code", "Elmtree Primary Academy")
    assert d.ids == ["1", "2, item 1", "2, item 2", "3", "4"]
    assert text_of(d, "2, item 2").splitlines() == [
        "The following are not acceptable during the school day:",
        "clothing with offensive slogans or images;",
        "very short skirts or shorts, or see-through clothing;",
        "flip-flops or shoes that are unsafe for running on the playground.",
    ]
    assert d.clause("4").text.endswith("does not create a health and safety risk.")


def test_an_email_whose_subject_is_not_the_title_loses_its_covering_note(tmp_path):
    mail = tmp_path / "first-aid.txt"
    mail.write_text(
        "From: Office <office@school.example>\nSent: 10 March 2025 16:02\nTo: Staff\n"
        "Subject: FW: new arrangements\n\nHi everyone,\n\n"
        "Below are the new arrangements, please read them before Monday.\n\nThanks\nSue\n\n"
        "First Aid Policy\nApproved: March 2025\nNext review: March 2026\n\n"
        "Every class has a first aid bag. Staff record every injury in the accident book.\n\n"
        "Kind regards,\n\nSue Patel\nOffice Manager\n"
    )
    d = load_document(mail)
    assert (d.title, d.next_review) == ("First Aid Policy", "March 2026")
    assert [c.text for c in d.clauses] == [
        "Every class has a first aid bag. Staff record every injury in the accident book."
    ]


def test_a_forwarded_email_with_a_signed_policy_keeps_the_signature_as_a_detail(tmp_path):
    mail = tmp_path / "whistleblowing.txt"
    mail.write_text(
        "---------- Forwarded message ---------\nFrom: Head <head@school.example>\n"
        "Date: Tue, 3 Sep 2024 at 09:12\nSubject: Whistleblowing Policy\nTo: Staff\n\n"
        "Whistleblowing Policy\nApproved: July 2024\nNext review: July 2025\n\n"
        "1. Raising a concern\n1.1 Staff should raise a concern with the headteacher.\n\n"
        "Signed: J. Patel (Chair of Governors)\n"
    )
    d = load_document(mail)
    assert (d.title, d.approval_date) == ("Whistleblowing Policy", "July 2024")
    assert d.control["Signed"] == "J. Patel (Chair of Governors)"
    assert [(c.id, c.full_text) for c in d.clauses] == [
        ("1.1", "Staff should raise a concern with the headteacher.")
    ]


def test_a_paragraph_indented_with_a_tab_is_text_not_a_table_row(tmp_path):
    policy = tmp_path / "first-aid.txt"
    policy.write_text(
        "First Aid Policy\n\nReview date: May 2026\n\nAccidents\n\n"
        "\tEvery accident is written in the accident book on the day it happens.\n\n"
        "\tParents are told of any bump to the head by a phone call.\n",
        encoding="utf-8",
    )
    d = load_document(policy)
    assert [c.text for c in d.clauses] == [
        "Every accident is written in the accident book on the day it happens.",
        "Parents are told of any bump to the head by a phone call.",
    ]


def test_a_table_numbered_in_its_first_column_stays_a_table(tmp_path):
    policy = tmp_path / "homework.txt"
    policy.write_text(
        "Homework Policy\n\nReview date: July 2026\n\nTime spent\n\n"
        "Homework should take no longer than this each night:\n"
        "Year\tMinutes\n1\t10 minutes\n2\tReading at home\n"
    )
    assert load_document(policy).clause("Time spent").full_text.splitlines() == [
        "Homework should take no longer than this each night:",
        "Year\tMinutes",
        "1\t10 minutes",
        "2\tReading at home",
    ]


def test_word_numbering_right_under_a_tabbed_control_block_is_still_numbering(tmp_path):
    policy = tmp_path / "anti-bullying.txt"
    policy.write_bytes(
        b"Anti-Bullying Policy\r\nApproved by:\tGoverning Body\r\nReview date:\tMay 2026\r\n"
        b"1.\tAims\r\n1.1\tEvery child has the right to learn without fear of being bullied.\r\n"
    )
    d = load_document(policy)
    assert d.control == {"Approved by": "Governing Body", "Review date": "May 2026"}
    assert [(c.id, c.path) for c in d.clauses] == [("1.1", ("Aims",))]


def test_pdftotext_output_reads_across_its_page_breaks(tmp_path):
    # pdftotext: a form feed between pages, the page number alone on a line, a running header
    policy = tmp_path / "visits.txt"
    policy.write_text(
        "Educational Visits Policy\n\nReview date: March 2027\n\n1. Planning\n\n"
        "1.1 A risk assessment is written for each visit and shared with all adults\n\n"
        + " " * 70
        + "2\n\x0cEducational Visits Policy"
        + " " * 40
        + "March 2025\n\ngoing on the visit.\n\n2. Ratios\n\n"
        "2.1 For Reception, one adult for every four children.\n\n"
        + " " * 70
        + "3\n\x0cEducational Visits Policy"
        + " " * 40
        + "March 2025\n\n2.2 For Key Stage 2, one adult for every ten children.\n"
    )
    d = load_document(policy)
    assert [(c.id, c.text) for c in d.clauses] == [
        (
            "1.1",
            "A risk assessment is written for each visit and shared with all adults going on the visit.",
        ),
        ("2.1", "For Reception, one adult for every four children."),
        ("2.2", "For Key Stage 2, one adult for every ten children."),
    ]


def test_a_rule_between_paragraphs_is_not_an_underline(tmp_path):
    policy = tmp_path / "uniform.txt"
    policy.write_text(
        "Uniform Policy\n\nReview date: June 2026\n\nPE kit\n\n"
        "Children wear a plain white T-shirt and black shorts for PE.\n"
        "----------------------------------------\n"
        "Earrings must be removed for PE.\n"
    )
    d = load_document(policy)
    assert [c.text for c in d.clauses] == [
        "Children wear a plain white T-shirt and black shorts for PE.",
        "Earrings must be removed for PE.",
    ]


def test_a_wrapped_line_that_starts_with_a_cross_reference_is_not_a_heading(tmp_path):
    policy = tmp_path / "relationships.txt"
    policy.write_text(
        "Relationships Policy\n\nReview date: May 2026\n\nWithdrawal\n\n"
        "Parents who wish to withdraw their child should write to the headteacher, using the form in\n"
        "Appendix 1. The headteacher will reply within ten school days and will offer to meet them.\n"
        "Section 2 Roles\n"
        "The PSHE lead plans the curriculum, supports staff and reviews resources before use.\n"
    )
    d = load_document(policy)
    assert d.clause("Withdrawal").text == (
        "Parents who wish to withdraw their child should write to the headteacher, using the form "
        "in Appendix 1. The headteacher will reply within ten school days and will offer to meet "
        "them."
    )
    assert d.clause("2").path == ("Roles",)


def test_a_title_printed_in_capitals_is_spelled_as_the_policy_writes_it():
    # "VISITORS POLICY" on top; "1.1 This Visitors Policy explains…" in the text
    d = doc("visitors.txt")
    assert d.title == "Visitors Policy"
    assert d.clause("1.1").text.startswith("This Visitors Policy explains how the school")
