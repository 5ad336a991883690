"""Policies saved from school websites read as a person reads the page.

Schools publish policies as CMS pages (WordPress themes, school-website platforms) whose menus,
breadcrumbs, cookie banners, sidebars, share buttons and footers are <div>s with class names,
and as Markdown exported from static sites. Staff asking about a policy must be quoted the
policy's own words, under its own title and dates: never the site around it.
The pages are in fixtures/web/; their README lists what each one should give.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.corpus import load_document

WEB = Path(__file__).resolve().parent / "fixtures" / "web"

# What no quote from any page may contain: site chrome as a reader skips it.
CHROME = (
    "Skip to",
    "cookie",
    "Cookie",
    "Home",
    "Share",
    "Facebook",
    "Back to top",
    "Related Policies",
    "Quick Links",
    "Download",
    "©",
    "Copyright",
    "Posted on",
    "Last updated",
    "Page updated",
    "Telephone",
    "Tel:",
    "Website by",
    "Edit",
    ".pdf",
)


def quotes(name: str) -> str:
    return "\n".join(c.full_text for c in load_document(WEB / name).clauses)


@pytest.mark.parametrize(
    "name",
    sorted(
        p.name for p in WEB.iterdir() if p.suffix in {".html", ".htm", ".md"} and p.stem != "README"
    ),
)
def test_no_page_quotes_its_website_chrome_or_markup(name):
    text = quotes(name)
    for chrome in CHROME:
        assert chrome not in text, f"{name} quotes {chrome!r}"
    for markup in ("<", "{{", "{:", "{#", "!!!", ":::", "+++", "|---", "--- |", "**", "]["):
        assert markup not in text, f"{name} quotes markup {markup!r}"


@pytest.mark.parametrize(
    "name, title, approved, next_review",
    [
        (
            "charging-remissions.html",
            "Charging and Remissions Policy",
            "11 March 2025",
            "March 2027",
        ),
        ("uniform.htm", "School Uniform Policy", "", "June 2026"),
        ("anti-bullying.html", "Anti-Bullying Policy", "17 July 2025", "July 2026"),
        ("online-safety.html", "Online Safety Policy", "05/02/2025", "February 2026"),
        ("first-aid.html", "First Aid Policy", "24 February 2025", "February 2026"),
        ("send-information-report.md", "SEND Information Report", "", "October 2026"),
        ("equality-objectives.md", "Equality Information and Objectives", "", "November 2028"),
        ("lettings.md", "Lettings Policy", "19/05/2025", "2027-05-31"),
        ("intimate-care.html", "Intimate Care Policy", "10 December 2024", "December 2026"),
        ("attendance.html", "Attendance Policy", "", "September 2026"),
        ("medicines-word.htm", "Administering Medicines Policy", "3 March 2025", "March 2027"),
        ("visits.md", "Educational Visits Policy", "", "2026-06-01"),
    ],
)
def test_each_page_has_its_own_title_and_dates(name, title, approved, next_review):
    doc = load_document(WEB / name)
    assert (doc.title, doc.approval_date, doc.next_review) == (title, approved, next_review)
    assert doc.next_review_date is not None


# --- HTML -------------------------------------------------------------------------------------
def test_a_wordpress_page_is_only_its_article():
    """Cookie banner, site header and menu, breadcrumbs, "Posted on" line, download button,
    share buttons, edit link, sidebar widgets and footer are all <div>s with class names."""
    doc = load_document(WEB / "charging-remissions.html")
    rows = ["3.1, row 1", "3.1, row 2", "3.1, row 3"]  # the price table, a clause per row
    assert doc.ids == ["1.1", "1.2", "2.1", "2.2", "3.1", *rows, "4.1", "4.2"]
    assert doc.clause("3.1").full_text.endswith(
        "Individual instrument tuition\t£9.50 per lesson\nBreakfast club\t£3.00 per session"
    )
    assert doc.control["Posted on"] == "14th March 2025"  # the page's date, kept as written


def test_the_school_name_in_the_logo_heading_is_not_the_policy_title():
    """The site header's <h1> is the school's name; the policy's title is the page-title
    heading in the content."""
    doc = load_document(WEB / "online-safety.html")
    assert doc.title == "Online Safety Policy"
    assert doc.ids == ["1.1", "1.2", "2.1", "2.2", "3.1", "3.2"]
    assert "Abbey Road" not in quotes("online-safety.html")  # the footer's address


def test_bold_paragraphs_are_the_sub_headings_they_look_like():
    doc = load_document(WEB / "uniform.htm")
    assert [c.id for c in doc.clauses] == [
        "Aims",
        "Uniform list",
        "PE kit",
        "Jewellery",
        "Hair",  # "<p><strong>Hair</strong><br />Long hair is…"
        "Lost property",  # <span style="font-weight: bold">
        "Help with the cost of uniform",
    ]
    assert doc.clause("Hair").text == "Long hair is tied back with a plain band in school colours."


def test_lines_broken_with_br_are_the_list_they_show():
    doc = load_document(WEB / "uniform.htm")
    assert doc.clause("Uniform list").full_text == (
        "Children wear:\n"
        "grey or black trousers, skirt or pinafore\n"
        "a white polo shirt\n"
        "a green sweatshirt or cardigan with the school logo\n"
        "black school shoes (not trainers)"
    )
    # A sentence the editor broke with <br> is still one sentence.
    assert doc.clause("Jewellery").text.endswith(
        "Earrings must be removed or covered with tape by the child for PE; staff will not "
        "remove them."
    )
    aid = load_document(WEB / "first-aid.html")
    assert aid.clause("Treating an injury, item 1").full_text == (
        "When a child is hurt, the adult on duty will:\n"
        "1) make sure the area is safe;\n"
        "2) give first aid or call a first aider;\n"
        "3) record the injury in the accident book before the end of the day."
    )


def test_a_page_laid_out_with_a_table_is_read_as_its_content():
    """An old site puts the menu in one cell and the policy in the next: no "row" of the page."""
    doc = load_document(WEB / "first-aid.html")
    assert doc.title == "First Aid Policy"  # not "First Aid - Policies - Meadow Lane…"
    assert doc.control["Date adopted"] == "24 February 2025"
    assert "HomePoliciesContact" not in doc.control
    assert doc.clause("Calling an ambulance").text.startswith("Staff should call 999")


def test_nested_lists_in_main_keep_their_numbers_but_not_the_sidebar():
    doc = load_document(WEB / "anti-bullying.html")
    assert doc.clause("What staff will do").full_text.splitlines()[1:4] == [
        "2. Tell the class teacher and the designated member of staff:",
        "a. by the end of the school day; and",
        "b. using the behaviour log on the school system.",
    ]
    assert "In this section" not in " ".join(doc.ids)
    assert "Safeguarding Policy" not in quotes("anti-bullying.html")


def test_a_policy_pasted_from_word_into_the_website_keeps_its_sections():
    """Word's paste: bold "1.&nbsp;&nbsp;Purpose" paragraphs (with empty <o:p> tags) are the
    numbered sections, Symbol-font bullets are bullets, a <div> split by <br><br> is three
    paragraphs, and a table whose cells hold <p>s is still a table."""
    doc = load_document(WEB / "intimate-care.html")
    assert doc.title == "Intimate Care Policy"  # not the banner's "Ashcroft Primary School"
    assert doc.clause("1").text.startswith("Intimate care is any care that involves washing")
    assert doc.clause("2").full_text == (
        "Every child has the right to privacy and dignity.\n"
        "Children are encouraged to do as much for themselves as they can."
    )
    assert doc.clause("3, item 2").text == (
        "Staff wear disposable gloves and aprons, and dispose of soiled items in the yellow bin "
        "in the medical room."
    )
    assert doc.ids == ["1", "2", "3, item 1", "3, item 2", "3, item 3", "4", "4, row 1", "4, row 2"]
    assert doc.clause("4, row 2").columns == ("Record", "Kept by")
    assert doc.clause("4").full_text.splitlines() == [
        "Record\tKept by",
        "Intimate care log\tClass teacher",
        "Individual care plan\tSENDCo",
    ]
    assert "Vale Schools Partnership" not in quotes("intimate-care.html")
    # "Policy adopted by governors: 10 December 2024. Next review: December 2026." is about
    # the policy, not a rule in it.
    assert doc.control["Policy adopted by governors"] == "10 December 2024"


def test_a_word_document_saved_as_a_web_page_reads_like_the_document():
    """The Title-style paragraph names the policy (not the first numbered <h1>), the contents
    list is not quoted, and "a)", "b)" straight under a heading are both clauses."""
    doc = load_document(WEB / "medicines-word.htm")
    assert doc.title == "Administering Medicines Policy"
    assert doc.ids == ["1.1", "2.a", "2.b"]
    assert doc.clause("2.b").text == "Inhalers stay with the child's class."


def test_accordion_and_card_titles_are_the_sections_staff_see():
    doc = load_document(WEB / "attendance.html")
    assert doc.ids == ["Reporting an absence", "Lateness", "Holidays in term time"]


@pytest.mark.parametrize(
    "title, expected",
    [
        (
            "Hollybank Church of England Primary School - Policies - School Uniform",
            "School Uniform",
        ),
        ("First Aid - Policies - Meadow Lane Infant School", "First Aid"),
        ("Anti-Bullying Policy – Brookside Academy", "Anti-Bullying Policy"),
        ("Key Information | Behaviour Policy | Oak Federation", "Behaviour Policy"),
    ],
)
def test_a_page_without_a_heading_is_named_by_the_policy_part_of_its_title(
    tmp_path, title, expected
):
    page = tmp_path / "page.html"
    page.write_text(
        f"<html><head><title>{title}</title></head><body>"
        "<div class='content'><p>Pupils are collected from the playground at 3.15pm.</p></div>"
        "</body></html>",
        encoding="utf-8",
    )
    assert load_document(page).title == expected


# --- Markdown -----------------------------------------------------------------------------------
def test_front_matter_keeps_the_policys_details_not_the_site_generators():
    doc = load_document(WEB / "send-information-report.md")
    assert doc.control["last_reviewed"] == "1 October 2025"
    assert doc.control["next_review"] == "October 2026"
    for key in ("layout", "permalink", "tags", "categories"):
        assert key not in doc.control


def test_html_inside_markdown_is_read_as_html_and_comments_are_not_text():
    doc = load_document(WEB / "send-information-report.md")
    assert doc.clause("Who else can help").full_text.splitlines() == [
        "Service\tHow to contact",
        "Local authority SEND team\t01632 960 555",  # "authority" is not a control label
        "Parent partnership service\tThrough the local offer website",
    ]
    assert doc.clause("Support in lessons, item 2").text.startswith(
        "Pupils with an Education, Health and Care plan"
    )
    assert "Check the contact details" not in quotes("send-information-report.md")
    equality = load_document(WEB / "equality-objectives.md")
    assert equality.clause("Equality information for 2024").text.startswith("In 2024, 23%")


def test_heading_ids_admonitions_and_the_copyright_line_are_not_text():
    doc = load_document(WEB / "visits.md")
    assert doc.ids == [
        "Planning a visit, item 1",
        "Planning a visit, item 2",
        "Ratios, item 1",
        "Ratios, item 1, row 1",
        "Ratios, item 1, row 2",
        "Ratios, item 2",
    ]
    assert doc.clause("Planning a visit, item 2").text == (
        "Residential visits are also approved by the governing body."
    )
    assert doc.clause("Ratios, item 1").full_text.splitlines()[2] == "Year 1 to 6\t1 : 10"


def test_toml_front_matter_is_read_like_yaml():
    doc = load_document(WEB / "equality-objectives.md")
    assert doc.school == "Riverside Community Primary School"  # from its [params] table
    assert doc.control["Page updated"] == "20 November 2024"  # the page's date, not a clause


def test_a_table_without_outer_pipes_is_rows_and_template_tags_are_not_text():
    doc = load_document(WEB / "lettings.md")
    assert doc.ids == [
        "1.1",
        "1.2",
        "2.1",
        "2.2",
        "2.3",
        "3.1",
        *(f"3.1, row {n}" for n in (1, 2, 3)),
    ]
    assert doc.clause("3.1").full_text.splitlines()[1:] == [
        "Room\tPer hour",
        "Hall\t£25",
        "Classroom\t£15",
        "Field (summer only)\t£30",
    ]
    assert doc.clause("2.3").text.endswith("enhanced DBS checks.")  # no "{: .highlight}"


def test_a_content_block_whose_class_mentions_the_sidebar_is_still_the_content(tmp_path):
    """WordPress puts "has-sidebar" and "cookie-consent-active" on <body> and on the content
    wrapper: the page's paragraphs are read all the same; the real sidebar is not."""
    page = tmp_path / "movement.html"
    page.write_text(
        "<html><head><title>Movement Policy | Elm School</title></head>"
        '<body class="page has-sidebar cookie-consent-active">'
        '<div class="content-with-sidebar"><h1>Movement Policy</h1>'
        "<p>Pupils walk on the left in corridors.</p>"
        "<p>Staff stand at classroom doors at the end of each break.</p></div>"
        '<div class="sidebar"><p>Related policies and useful links for parents.</p></div>'
        "</body></html>",
        encoding="utf-8",
    )
    doc = load_document(page)
    assert [c.text for c in doc.clauses] == [
        "Pupils walk on the left in corridors.",
        "Staff stand at classroom doors at the end of each break.",
    ]


def test_a_page_of_never_closed_tags_still_loads(tmp_path):
    page = tmp_path / "visitors.html"
    page.write_text(
        "<html><body><h1>Visitors Policy</h1>"
        + "<font size=2>" * 3000
        + "<p>Visitors sign in at reception and wear a lanyard.</p></body></html>",
        encoding="utf-8",
    )
    doc = load_document(page)
    assert [c.text for c in doc.clauses] == ["Visitors sign in at reception and wear a lanyard."]


def test_a_table_on_a_page_without_section_headings_is_quoted_not_taken_for_its_details(
    tmp_path,
):
    """Many policy pages are one heading and a few paragraphs: a price table after the first
    paragraph is the policy's text, not its document-control table."""
    page = tmp_path / "music.html"
    page.write_text(
        "<html><head><title>Music Tuition Charges | Elm Primary School</title></head><body>"
        "<div class='entry-content'><h1>Music Tuition Charges</h1>"
        "<p>Lessons are charged each half term in advance. The costs are:</p>"
        "<table><tr><th>Lesson</th><th>Cost</th></tr>"
        "<tr><td>Individual (20 minutes)</td><td>£12.00</td></tr></table>"
        "<p>Families who receive free school meals pay nothing.</p></div></body></html>",
        encoding="utf-8",
    )
    doc = load_document(page)
    assert doc.clause("item 1").full_text == (
        "Lessons are charged each half term in advance. The costs are:\n"
        "Lesson\tCost\n"
        "Individual (20 minutes)\t£12.00"
    )
    assert "Lesson" not in doc.control


def test_a_page_saved_complete_is_one_policy_not_its_scripts_and_frames(tmp_path):
    """ "Save Page As… Webpage, Complete" puts the page's scripts, styles and embedded frames in
    a "_files" folder beside it: they are the page's parts, not policies to load or report."""
    from bot.corpus.loader import read_corpus

    (tmp_path / "Uniform Policy _ Hollybank.htm").write_bytes((WEB / "uniform.htm").read_bytes())
    parts = tmp_path / "Uniform Policy _ Hollybank_files"
    parts.mkdir()
    (parts / "style.css").write_text("body { margin: 0 }")
    (parts / "jquery.min.js").write_text("var a = 1;")
    (parts / "saved_resource.html").write_text(
        "<html><body><p>Follow us on social media for the latest news.</p></body></html>"
    )
    corpus = read_corpus(tmp_path)
    assert [d.title for d in corpus.documents] == ["School Uniform Policy"]
    assert corpus.failures == []


@pytest.mark.parametrize("header", ["pageheader", "entry-header", "postHeader"])
def test_the_contents_own_header_keeps_its_title_however_its_class_is_spelt(tmp_path, header):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Elm School</title></head><body>"
        '<div class="site-header"><h1>Elm School</h1></div>'
        f'<div class="{header}"><h1>Lost Property Policy</h1></div>'
        "<p>Unnamed clothing is kept for half a term, then given to the uniform rail.</p>"
        "</body></html>",
        encoding="utf-8",
    )
    assert load_document(page).title == "Lost Property Policy"


def test_a_listed_form_that_links_to_its_file_is_still_an_item_of_the_rule(tmp_path):
    page = tmp_path / "medicines.html"
    page.write_text(
        "<html><body><h1>Medicines Policy</h1><h2>Before medicine is given</h2>"
        "<p>Parents must complete:</p><ul>"
        "<li><a href='/forms/consent.pdf'>the medication consent form</a></li>"
        "<li><a href='/forms/plan.docx'>an individual healthcare plan, if one is needed</a></li>"
        "</ul><p><a href='/files/medicines-policy.pdf'>Medicines Policy 2025</a></p>"
        "</body></html>",
        encoding="utf-8",
    )
    doc = load_document(page)
    assert doc.clause("Before medicine is given").full_text == (
        "Parents must complete:\n"
        "the medication consent form\n"
        "an individual healthcare plan, if one is needed"
    )
