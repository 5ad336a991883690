"""Parsed policies are kept on disk so a restart does not re-read every PDF; a changed file is
read again, and a damaged cache entry never breaks loading."""

from bot.corpus import cache, read_corpus
from tests.corpus.conftest import DOCS, corpus_of


def test_a_cached_corpus_is_the_same_corpus(tmp_path):
    folder = corpus_of(tmp_path / "c", DOCS / "lone-working.pdf", DOCS / "visits-numbered.docx")
    fresh = read_corpus(folder)
    first = read_corpus(folder, tmp_path / "cache")
    again = read_corpus(folder, tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("*.json"))) == 2
    assert first.documents == fresh.documents == again.documents


def test_a_changed_file_is_read_again(tmp_path):
    folder = corpus_of(tmp_path / "c", DOCS / "phones.md")
    read_corpus(folder, tmp_path / "cache")
    policy = folder / "phones.md"
    policy.write_text(policy.read_text().replace("Mobile Phone Policy", "Phones Policy"))
    (doc,) = read_corpus(folder, tmp_path / "cache").documents
    assert doc.title == "Phones Policy"


def test_a_damaged_cache_entry_is_ignored(tmp_path, caplog):
    folder = corpus_of(tmp_path / "c", DOCS / "phones.md")
    read_corpus(folder, tmp_path / "cache")
    (entry,) = (tmp_path / "cache").glob("*.json")
    entry.write_text("{not json")
    (doc,) = read_corpus(folder, tmp_path / "cache").documents
    assert doc.title == "Mobile Phone Policy"
    assert "unusable" in caplog.text


def test_the_key_changes_with_the_parser(tmp_path, monkeypatch):
    folder = corpus_of(tmp_path / "c", DOCS / "phones.md")
    before = cache.key(folder / "phones.md", "phones.md")
    monkeypatch.setattr(cache, "parser_version", lambda: "another-parser")
    assert cache.key(folder / "phones.md", "phones.md") != before
