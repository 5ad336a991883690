"""Schools drop Word, PDF, Markdown and text policies into the corpus folder: all are read, each
cited by its own title."""

from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from bot.assistant import Assistant
from bot.corpus import CorpusError, load_corpus, load_document

PHONES_TITLE = "Mobile Phone Policy"


def make_docx(path: Path) -> Path:
    d = docx.Document()
    d.add_paragraph(PHONES_TITLE, style="Title")
    d.add_paragraph("Date of next review\tJuly 2027")
    d.add_heading("1. Purpose", level=1)
    d.add_paragraph("i. This policy sets out how staff use mobile phones during the school day.")
    d.add_heading("2. Staff phones", level=1)
    d.add_paragraph(
        "i. Staff must keep personal mobile phones in their locker during lessons and must not "
        "use them in classrooms when pupils are present."
    )
    d.add_paragraph(
        "ii. Staff must never use a personal mobile phone to photograph pupils. Only school "
        "cameras may be used for photographs of pupils."
    )
    d.save(path)
    return path


def make_pdf(path: Path) -> Path:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    lines = [
        "Educational Visits Policy",
        "",
        "1. Planning visits",
        "i. Every educational visit must be approved by the visits coordinator at least four weeks "
        "before the trip, with a written risk assessment for the coach journey and the venue.",
        "ii. The ratio of adults to pupils on a residential trip must be at least one adult for "
        "every six pupils.",
        "2. Emergencies",
        "i. The group leader must carry the emergency contact list and a first aid kit at all times.",
    ]
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def make_md(path: Path) -> Path:
    path.write_text(
        "# Staff Dress Code\n\n"
        "## Expectations\n\n"
        "Staff should dress smartly and appropriately for working with children.\n\n"
        "Trainers may be worn for PE lessons and on sports day.\n\n"
        "## Jewellery\n\n"
        "Large hooped earrings must not be worn when teaching PE.\n"
    )
    return path


def test_word_policy(tmp_path):
    doc = load_document(make_docx(tmp_path / "phones.docx"))
    assert doc.title == PHONES_TITLE
    assert doc.ids == ["1.i", "2.i", "2.ii"]
    assert doc.clause("2.ii").section_title == "Staff phones"
    assert doc.next_review == "July 2027"


def test_pdf_policy_with_wrapped_lines(tmp_path):
    doc = load_document(make_pdf(tmp_path / "visits.pdf"))
    assert doc.title == "Educational Visits Policy"
    assert doc.ids == ["1.i", "1.ii", "2.i"]
    # PDF text wraps every visual line; the clause comes back as one sentence.
    assert (
        "at least four weeks before the trip, with a written risk assessment"
        in doc.clause("1.i").text
    )


def test_markdown_policy_without_its_own_numbering(tmp_path):
    doc = load_document(make_md(tmp_path / "dress.md"))
    assert doc.title == "Staff Dress Code"
    # No numbers in the policy: paragraphs are cited by their section, as staff would say it.
    assert doc.ids == ["Expectations, item 1", "Expectations, item 2", "Jewellery"]
    assert not doc.clause("Jewellery").numbered
    assert (
        doc.clause("Jewellery").text == "Large hooped earrings must not be worn when teaching PE."
    )


def test_several_documents_each_cited_by_its_own_title(tmp_path):
    make_docx(tmp_path / "phones.docx")
    make_pdf(tmp_path / "visits.pdf")
    make_md(tmp_path / "dress.md")
    root = Path(__file__).resolve().parents[2]
    (tmp_path / "social-media-policy.txt").write_bytes(
        (root / "policy_corpus" / "social-media-policy.txt").read_bytes()
    )
    bot = Assistant.load(tmp_path, embedder="none")
    assert sorted(d.title for d in bot.documents) == [
        "Educational Visits Policy",
        PHONES_TITLE,
        "Social Media Policy",
        "Staff Dress Code",
    ]
    answer = bot.ask("Can I take photos of pupils on my own mobile phone?")
    assert answer.best.document == PHONES_TITLE and answer.best.clause == "2.ii"
    answer = bot.ask("How many adults per pupil on a residential trip?")
    assert answer.best.label == "Educational Visits Policy §1.ii"
    answer = bot.ask("Can I accept a parent's friend request on Facebook?")
    assert answer.best.label == "Social Media Policy §6.xi"


def test_a_damaged_file_is_skipped_and_named_not_fatal(tmp_path, caplog):
    make_md(tmp_path / "dress.md")
    (tmp_path / "broken.docx").write_bytes(b"this is not a zip file")
    docs = load_corpus(tmp_path)
    assert [d.title for d in docs] == ["Staff Dress Code"]
    assert "broken.docx" in caplog.text


def test_an_empty_folder_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="no readable policies"):
        load_corpus(tmp_path)
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "missing")
