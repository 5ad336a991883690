"""No file is ever silently dropped: a file that cannot be read is named with what to do about
it, never a traceback, and the rest of the corpus still loads."""

import pytest

from bot.corpus import CorpusError, load_corpus, load_document, read_corpus
from tests.corpus.conftest import BAD, DOCS, corpus_of


@pytest.mark.parametrize(
    "name, reason, fix",
    [
        ("fire-safety-encrypted.pdf", "password-protected", "without one"),
        ("scanned.pdf", "no text (a scanned image)", "OCR"),
        ("corrupt.docx", "damaged", "save it again as .docx"),
        ("uniform.doc", ".doc files cannot be read", "Save As › Word Document (.docx)"),
        ("first-aid.odt", ".odt files cannot be read", "LibreOffice Writer"),
    ],
)
def test_an_unreadable_file_gets_a_reason_and_a_fix(name, reason, fix):
    with pytest.raises(CorpusError) as caught:
        load_document(BAD / name)
    message = str(caught.value)
    assert name in message and reason in message and fix in message
    assert "Traceback" not in message


def test_every_file_in_the_folder_loads_or_is_listed_as_failed(tmp_path, caplog):
    folder = corpus_of(tmp_path / "c", DOCS / "phones.md", *sorted(BAD.iterdir()))
    corpus = read_corpus(folder)
    assert [d.source for d in corpus.documents] == ["phones.md"]
    assert sorted(f.file for f in corpus.failures) == sorted(p.name for p in BAD.iterdir())
    assert all(f.line().startswith(f"✘ {f.file}: ") and f.fix for f in corpus.failures)
    assert "scanned.pdf" in caplog.text  # the service log names it too
    assert load_corpus(folder)[0].title == "Mobile Phone Policy"


def test_a_folder_of_only_unreadable_files_is_a_clear_error(tmp_path):
    folder = corpus_of(tmp_path / "c", BAD / "uniform.doc")
    with pytest.raises(CorpusError, match=r"no readable policies.*uniform\.doc"):
        load_corpus(folder)


@pytest.mark.parametrize("suffix", [".pdf", ".docx", ".html", ".md", ".txt", ".png"])
def test_garbage_in_any_format_is_a_listed_failure_never_a_traceback(tmp_path, suffix):
    (tmp_path / f"upload{suffix}").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "phones.md").write_bytes((DOCS / "phones.md").read_bytes())
    corpus = read_corpus(tmp_path)  # raises nothing
    assert [d.source for d in corpus.documents] == ["phones.md"]
    assert [f.file for f in corpus.failures] == [f"upload{suffix}"]
    assert corpus.failures[0].fix


def test_a_windows_text_export_is_read_with_a_note(tmp_path):
    (tmp_path / "uniform.txt").write_bytes(
        "Uniform Policy\n\nShoes\n\nPupils wear \u201cblack\u201d shoes.\n".encode("cp1252")
    )
    doc = load_document(tmp_path / "uniform.txt")
    assert doc.clause("Shoes").text == "Pupils wear \u201cblack\u201d shoes."
    assert "read as Windows-1252 text, not UTF-8" in doc.warnings


def test_a_password_protected_word_file_says_how_to_unlock_it(tmp_path):
    # Word saves a password-protected .docx as an encrypted OLE container, like an old .doc.
    (tmp_path / "staff-handbook.docx").write_bytes((BAD / "uniform.doc").read_bytes())
    with pytest.raises(CorpusError, match=r"password-protected.*remove the password"):
        load_document(tmp_path / "staff-handbook.docx")


def test_files_windows_and_office_leave_behind_are_not_reported(tmp_path):
    folder = corpus_of(tmp_path / "c", DOCS / "phones.md")
    for junk in ("Thumbs.db", "desktop.ini", "~$phones.docx", ".DS_Store"):
        (folder / junk).write_bytes(b"\x00junk")
    corpus = read_corpus(folder)
    assert corpus.failures == [] and len(corpus.documents) == 1
