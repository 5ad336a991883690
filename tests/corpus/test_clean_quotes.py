"""Quotes are the text a reader of the page sees: no markup, link targets, footnote markers,
page furniture or contents pages; wrapped lines rejoined and words split at line ends mended."""

from bot.corpus import load_document
from tests.corpus.conftest import DOCS


def all_text(name: str) -> str:
    return "\n".join(c.full_text for c in load_document(DOCS / name).clauses)


def test_markdown_syntax_links_and_footnotes_are_not_quoted():
    doc = load_document(DOCS / "phones.md")
    first = doc.clause("Policy statement, item 1").text
    assert first == (
        "Staff phones are kept out of sight while pupils are present, so that no photograph of "
        "a pupil is ever taken on a personal device."
    )  # link target, bold and footnote marker gone; the hard wrap rejoined
    text = all_text("phones.md")
    for syntax in ("](", "**", "[^", "> ", "example.org", "_school", "See also"):
        assert syntax not in text
    assert "Staff may use their phones in the staffroom during breaks." in text  # blockquote
    assert doc.clause("Emergencies").text.endswith("(see the Safeguarding Policy).")
    assert "[sg]" not in text  # a reference link's definition is not text either


def test_html_page_furniture_is_not_quoted():
    text = all_text("complaints.html")
    for furniture in ("Policies", "Contact us", "Privacy", "var menu", "font-family", "<"):
        assert furniture not in text
    assert "sent to the Chair of Governors." in text  # the link's text, not its target


def test_pdf_headers_footers_page_numbers_and_contents_are_not_quoted():
    doc = load_document(DOCS / "lone-working.pdf")
    assert doc.ids == ["1.1", "1.2", "2.1"]
    text = all_text("lone-working.pdf")
    for furniture in ("Lone Working Policy", "Page ", "....", "Contents", "Kingsway Primary"):
        assert furniture not in text


def test_pdf_line_breaks_are_mended_without_changing_words():
    doc = load_document(DOCS / "lone-working.pdf")
    assert "sets out the safeguarding duties that still apply" in doc.clause("1.1").text
    assert "the health and well-being of every member of staff" in doc.clause("1.2").text
    # A clause split by a page break comes back whole.
    assert doc.clause("1.2").text.endswith("so that they can call for help at any time.")


def test_hard_wrapped_text_lines_are_rejoined_into_their_paragraph():
    doc = load_document(DOCS / "lost-property.txt")
    assert doc.clause("Why this policy matters").text == (
        "Children lose things every day. Clearly named clothing and equipment can almost "
        "always be returned to its owner the same day."
    )


def test_word_tracked_changes_are_quoted_as_word_shows_them(tmp_path):
    import docx
    from docx.oxml import parse_xml

    d = docx.Document()
    d.add_paragraph("Lettings Policy", style="Title")
    d.add_heading("Keys", level=1)
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    d.element.body.insert(
        len(d.element.body) - 1,
        parse_xml(
            f"<w:p {w}><w:r><w:t xml:space='preserve'>Keys are returned to the </w:t></w:r>"
            "<w:del w:id='1' w:author='x'><w:r><w:delText>caretaker</w:delText></w:r></w:del>"
            "<w:ins w:id='2' w:author='x'><w:r><w:t>site manager</w:t></w:r></w:ins>"
            "<w:r><w:t xml:space='preserve'> by 6pm.</w:t></w:r></w:p>"
        ),
    )
    d.save(tmp_path / "lettings.docx")
    clause = load_document(tmp_path / "lettings.docx").clause("Keys")
    assert clause.text == "Keys are returned to the site manager by 6pm."


def test_bullet_glyphs_from_word_pdf_exports_are_not_quoted():
    from bot.corpus.build import build
    from bot.corpus.text import read_text

    doc = build(
        read_text(
            "Visits Policy\n\nPacking\n\nEvery child brings:\n\uf0b7 a packed lunch;\n"
            "\uf0b7a waterproof coat.\n"
        ),
        "visits.txt",
    )
    assert doc.clause("Packing").full_text.splitlines() == [
        "Every child brings:",
        "a packed lunch;",
        "a waterproof coat.",
    ]


def test_page_numbers_in_the_styles_word_processors_print_are_not_quoted():
    from bot.corpus.build import build
    from bot.corpus.text import read_text

    text = "Visits Policy\n\nCoaches\n\nSeat belts are worn on every coach journey.\n\n"
    for page in ("- 2 -", "2 | P a g e", "Page 2 of 3", "2"):
        text += f"{page}\n\nCoaches are booked through the office.\n\n"
    doc = build(read_text(text), "visits.txt")
    assert all("2" not in c.full_text for c in doc.clauses)
