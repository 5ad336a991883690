"""The school's own export, artefacts and all, parses into the policy's clause ids."""

import datetime as dt
from pathlib import Path

import pytest

from bot.corpus import load_corpus

ROOT = Path(__file__).resolve().parents[2]
RAW = (ROOT / "policy_corpus" / "social-media-policy.txt").read_text()


@pytest.fixture(scope="module")
def policy():
    (doc,) = load_corpus(ROOT / "policy_corpus")
    return doc


def test_bundled_policy_is_the_schools_export_unchanged():
    shared = ROOT.parent / "shared" / "policy" / "social-media-policy.txt"
    if shared.exists():  # the school's original sits beside the repo in this workspace
        assert (
            shared.read_bytes() == (ROOT / "policy_corpus" / "social-media-policy.txt").read_bytes()
        )
    assert RAW.startswith("\n\nSocial Media Policy")


def test_metadata(policy):
    assert policy.title == "Social Media Policy"
    assert policy.school == "Kingsway Primary and Nursery School"
    assert policy.approval_date == "October 2023"
    assert policy.review_frequency == "Triennial"
    assert policy.next_review == "September 2026"
    assert policy.next_review_date == dt.date(2026, 9, 30)
    assert policy.overdue(dt.date(2026, 11, 25))
    assert not policy.overdue(dt.date(2026, 9, 1))
    assert any("line manager" in c and "leadership team" in c for c in policy.contacts)


def test_document_control_table_is_kept_as_written(policy):
    assert policy.control["Approved by"] == "Elizabeth Dunstan (Chair of Governors)"
    assert policy.control["Written by"] == "Kate Baskeyfield"
    assert policy.control["Date of next review"] == "September 2026"
    assert policy.control["Signed by Headteacher"] == "Kate Baskeyfield"  # not the signature
    assert "Paragraph" not in policy.control and "1. Introduction" not in policy.control


def test_clause_ids_follow_the_policy(policy):
    ids = policy.ids
    for expected in [
        "1.i",
        "2.vi",
        "4.i",
        "6.viii",
        "6.xi",
        "6.xxv",
        "6.xxv.a",
        "6.xxv.d",
        "6.xxvi",
        "9.i.a",
        "9.i.b",
        "9.ii.b",
        "9.iii",
        "10.vi",
        "11.iii",
    ]:
        assert expected in ids
    assert len(ids) == len(set(ids))
    assert policy.clause("6.xi").section_title == "Responsibilities when using social media"
    assert policy.clause("9.i.b").heading == "Cyberbullying"
    assert policy.clause("6.xxv.a").parent == "6.xxv"
    assert policy.clause("6.xxv").children == ["6.xxv.a", "6.xxv.b", "6.xxv.c", "6.xxv.d"]


def test_contents_table_does_not_become_clauses(policy):
    texts = [c.text for c in policy.clauses]
    assert not any(t in {"Headteacher", "Adults", "Cyberbullying", "Trolling"} for t in texts)
    assert not any("\t" in t for t in texts)
    # Section 4 of the contents lists "ii. Headteacher 7": the real 4.ii is the duty list.
    assert policy.clause("4.ii").text.startswith("The Headteacher will:")


@pytest.mark.parametrize(
    "clause_id, joined",
    [
        ("4.i", "The responsibility for the day to day management"),
        ("6.ix", "easily identified and recognised, adults must notify the Headteacher"),
        ("6.xx", "both within and outside of school, by ensuring"),
    ],
)
def test_page_breaks_that_split_a_clause_are_mended(policy, clause_id, joined):
    assert joined in policy.clause(clause_id).text


def test_unnumbered_paragraph_belongs_to_the_clause_before(policy):
    text = policy.clause("10.iv").text
    assert text.startswith("The statutory guidance makes clear")
    assert text.endswith("available on the UK Safer Internet Centre website.")
    assert "Internet safety is integral" in text


def test_bold_markup_is_removed(policy):
    text = policy.clause("2.iv").text
    assert "**" not in text
    assert (
        "the personal use of social media as well as the use of social media for school purposes"
        in text
    )


def test_lettered_sub_items(policy):
    assert policy.clause("6.xxv.b").text == "Cause (an individual) to be shunned or avoided;"
    assert policy.clause("9.i.a").text.startswith("Cyberbullying can be defined as")
    full = policy.clause("6.xxv").full_text
    assert full.splitlines()[1] == "a) Expose (an individual) to hatred, ridicule or contempt;"


def test_every_clause_is_verbatim_policy_text(policy):
    flat = " ".join(RAW.replace("**", "").split())
    for c in policy.clauses:
        for line in c.full_text.splitlines():
            assert " ".join(line.split()) in flat, c.id
