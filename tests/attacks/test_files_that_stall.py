"""A small policy file must not stall the service. A 38 KB Word file of 100,000 empty paragraphs
and a 240 KB web page with a 6,000-row table each kept `policybot corpus` busy for minutes
(a style lookup scanning every style for each paragraph; a layout test walking the whole table
for each cell). Reading is now linear in the file and bounded (bot/corpus/limits.py): such a
file is read in one pass or refused with a ✘ "too large to read: …" line, and a file still being
read when its time budget runs out is given up the same way. Both files are made here, in the
test, never committed. No timings are asserted: the time budget is tested with a fake clock."""

from __future__ import annotations

import itertools
import zipfile

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement

from bot.cli import main
from bot.corpus import CorpusError, limits, load_document, read_corpus
from bot.runtime import Runtime
from tests.corpus.conftest import DOCS, cli_env, corpus_of  # noqa: F401 - fixture
from tests.reports.conftest import school  # noqa: F401 - fixture

TOO_LARGE = "too large to read"


def empty_paragraphs(path, n: int = 100_000):
    """The issue's Word file: n empty paragraphs (38 KB zipped)."""
    document = docx.Document()
    body = document.element.body
    for _ in range(n):
        body[-1].addprevious(OxmlElement("w:p"))  # before the section properties, as Word does
    document.save(path)
    return path


def big_table(path, rows: int = 6_000):
    """The issue's web page: a lettings policy whose charges table has 6,000 rows (240 KB)."""
    trs = "".join(f"<tr><td>{i}</td><td><p>£{i}</p></td></tr>" for i in range(rows))
    path.write_text(
        "<html><body><h1>Lettings Policy</h1><h2>Charges</h2>"
        f"<p>The hire charges are set by the governors each year.</p><table>{trs}</table>"
        "</body></html>"
    )
    return path


class SteppingClock:
    """A monotonic clock that moves one second each time it is read."""

    def __init__(self) -> None:
        self.ticks = itertools.count()

    def __call__(self) -> float:
        return float(next(self.ticks))


def test_the_word_file_of_100000_empty_paragraphs_is_a_cross_line_and_the_rest_loads(
    cli_env,  # noqa: F811 - the fixture
    capsys,
):
    corpus_of(cli_env, DOCS / "phones.md")
    assert empty_paragraphs(cli_env / "spacing.docx").stat().st_size < 40_000
    assert main(["corpus"]) == 1
    out = capsys.readouterr().out
    assert "✔ Mobile Phone Policy (phones.md): 5 clauses" in out
    assert (
        "✘ spacing.docx: too large to read: more than 25,000 paragraphs (the limit for one "
        "policy file) — split the policy into smaller files" in out
    )


def test_the_page_with_a_6000_row_table_is_read_whole(tmp_path):
    page = big_table(tmp_path / "lettings.html")
    assert 200_000 < page.stat().st_size < 300_000
    (document,) = read_corpus(tmp_path).documents
    rows = [c.text for c in document.clauses if "\t" in c.text]  # each row a clause of its own
    assert document.title == "Lettings Policy"
    assert len(rows) == 6000 and rows[0] == "0\t£0" and rows[-1] == "5999\t£5999"


def test_a_file_still_being_read_when_its_time_budget_runs_out_is_given_up(tmp_path):
    document = docx.Document()
    document.add_heading("Visitors Policy", 1)
    for n in range(60):
        document.add_paragraph(f"Visitors to block {n} must sign in at reception.")
    document.save(tmp_path / "visitors.docx")
    for policy in (tmp_path / "visitors.docx", big_table(tmp_path / "lettings.html", rows=60)):
        with pytest.raises(CorpusError, match="too large to read: still not read after 30 s"):
            load_document(policy, budget=limits.Budget(seconds=30, clock=SteppingClock()))
        assert load_document(policy, budget=limits.Budget(seconds=1000, clock=SteppingClock()))


def test_a_word_file_that_unzips_to_far_more_than_it_weighs_is_refused(tmp_path, monkeypatch):
    policy = tmp_path / "bomb.docx"
    policy.write_bytes((DOCS / "uniform.docx").read_bytes())
    with zipfile.ZipFile(policy, "a", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/media/padding.bin", b"\0" * (3 * limits.MB))
    monkeypatch.setattr(limits, "MAX_UNZIPPED_BYTES", 2 * limits.MB)
    assert policy.stat().st_size < limits.MB
    (failure,) = read_corpus(tmp_path).failures  # the padding and the document's own parts
    assert failure.line().startswith("✘ bomb.docx: too large to read: its parts unzip to 3.")
    assert "MB (the limit is 2.0 MB) — split the policy" in failure.line()


def test_a_text_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    (tmp_path / "phones.md").write_bytes((DOCS / "phones.md").read_bytes())
    monkeypatch.setattr(limits, "MAX_TEXT_BYTES", 512)
    (failure,) = read_corpus(tmp_path).failures
    assert failure.line().startswith(
        "✘ phones.md: too large to read: 892 bytes (the limit for a .md file is 512 bytes)"
    )


def test_styles_based_on_each_other_in_a_loop_are_read_not_followed_for_ever(tmp_path):
    document = docx.Document()
    first = document.styles.add_style("Policy Body", WD_STYLE_TYPE.PARAGRAPH)
    second = document.styles.add_style("Policy Text", WD_STYLE_TYPE.PARAGRAPH)
    second.base_style = first
    first.base_style = second
    document.add_heading("Visitors Policy", 1)
    document.add_paragraph("All visitors must sign in at reception.", style="Policy Body")
    document.save(tmp_path / "visitors.docx")
    (clause,) = load_document(tmp_path / "visitors.docx").clauses
    assert clause.text == "All visitors must sign in at reception."


def test_a_restart_reads_each_policy_from_the_parse_cache(
    school,  # noqa: F811 - the fixture
    tmp_path,
    monkeypatch,
):
    """Start-up reads the folder through the parse cache (in the data directory): the second
    start parses nothing, and a file edited in between is the only one read again."""
    folder = corpus_of(tmp_path / "policies", DOCS / "lettings.docx", DOCS / "phones.md")
    env = {**school, "POLICYBOT_CORPUS_DIR": str(folder)}
    parsed: list[str] = []
    real = load_document

    def counting(path, source=None, budget=None):
        parsed.append(source)
        return real(path, source, budget)

    monkeypatch.setattr("bot.corpus.loader.load_document", counting)
    for expected in (["lettings.docx", "phones.md"], [], ["phones.md"]):
        if expected == ["phones.md"]:
            (folder / "phones.md").write_text((folder / "phones.md").read_text() + "\nMore.\n")
        parsed.clear()
        runtime = Runtime.from_env(env, embedder="none")
        try:
            assert len(runtime.assistant.documents) == 2
        finally:
            runtime.close()
        assert parsed == expected
