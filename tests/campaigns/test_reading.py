"""How a long policy is cut to fit a chat message: between words, nothing lost, in order."""

from __future__ import annotations

import pytest

from bot.campaigns.reading import pages, split_text


def test_a_long_text_is_cut_between_words_and_its_pieces_are_the_text_exactly():
    text = "Staff must not share passwords.\n" * 40 + "x" * 50
    pieces = split_text(text, 100)
    assert "".join(pieces) == text
    assert all(len(p) <= 100 for p in pieces)
    assert all(p.endswith((" ", "\n")) for p in pieces[:-1])  # never mid-word


def test_a_word_longer_than_half_a_piece_is_cut_where_it_must_be():
    text = "see " + "a" * 250
    pieces = split_text(text, 100)
    assert "".join(pieces) == text and [len(p) for p in pieces] == [100, 100, 54]
    assert split_text("", 10) == [""] and split_text("short", 10) == ["short"]
    with pytest.raises(ValueError):
        split_text("text", 0)


def test_pages_are_filled_in_order_up_to_the_budget():
    assert pages([5, 5, 5, 9, 1], lambda n: n, 10) == [[5, 5], [5], [9, 1]]
    assert pages([12, 3], lambda n: n, 10) == [[12], [3]]  # too big alone: a page of its own
    assert pages([], lambda n: n, 10) == []
