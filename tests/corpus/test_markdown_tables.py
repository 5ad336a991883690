"""A Markdown policy is read by a CommonMark parser, so what its page shows is what is quoted:
tables of every kind a site's authors type (pipe, grid, dashed) are rows under their headers,
a definition list keeps each definition with its term, and front matter is read as YAML or TOML
with every value as written."""

from bot.corpus import load_document

PAGE = """\
---
title: Uniform Policy
adopted: 2025-03-04
review_date: "March 2027"
draft: false
seo:
  title: Buy our uniform online
---

# Uniform Policy

## Prices

The school shop sells these items:

+----------------+---------+
| Item           | Price   |
+================+=========+
| Sweatshirt     | £12.50  |
+----------------+---------+
| Book bag       | £6.00   |
+----------------+---------+

## PE kit

Children bring their kit on PE days:

  Item            Colour
  --------------- ---------
  T-shirt         White
  Shorts          Navy

## Words we use

Uniform
:   the clothes every pupil wears to school, shown in the table above.

Non-uniform day
:   a day when pupils may wear their own clothes for a small donation.

1. Lost property
---

Named clothing is returned to the class the same day. *Unnamed* items go to the
[lost property box](https://example.org/lost "Lost property").
"""


def load(tmp_path, text=PAGE, name="uniform.md"):
    page = tmp_path / name
    page.write_text(text, encoding="utf-8")
    return load_document(page)


def test_a_grid_table_in_markdown_is_a_clause_per_row_under_its_header(tmp_path):
    d = load(tmp_path)
    assert d.clause("Prices, row 1").text == "Sweatshirt\t£12.50"
    assert d.clause("Prices, row 2").columns == ("Item", "Price")
    assert d.clause("Prices").full_text.splitlines() == [
        "The school shop sells these items:",
        "Item\tPrice",
        "Sweatshirt\t£12.50",
        "Book bag\t£6.00",
    ]


def test_a_dashed_table_in_markdown_is_rows_too(tmp_path):
    d = load(tmp_path)
    assert [(c.text, c.columns) for c in d.clauses if c.parent == "PE kit"] == [
        ("T-shirt\tWhite", ("Item", "Colour")),
        ("Shorts\tNavy", ("Item", "Colour")),
    ]


def test_a_definition_stays_with_the_term_it_defines(tmp_path):
    d = load(tmp_path)
    assert d.clause("Words we use, item 2").full_text == (
        "Non-uniform day\na day when pupils may wear their own clothes for a small donation."
    )


def test_a_numbered_line_underlined_is_the_heading_its_author_typed(tmp_path):
    d = load(tmp_path)
    assert d.clause("1").text == (
        "Named clothing is returned to the class the same day. Unnamed items go to the "
        "lost property box."
    )
    assert d.clause("1").path == ("Lost property",)


def test_front_matter_values_are_kept_as_written_and_nested_keys_are_not_the_policys(tmp_path):
    d = load(tmp_path)
    assert (d.title, d.approval_date, d.next_review) == (
        "Uniform Policy",
        "2025-03-04",
        "March 2027",
    )
    assert d.control["adopted"] == "2025-03-04"
    assert "draft" not in d.control and "seo" not in d.control  # the site generator's


def test_toml_front_matter_is_read_by_tomllib(tmp_path):
    d = load(
        tmp_path,
        '+++\ntitle = "Charging Policy"\nreview_date = 2026-09-01\n[params]\nschool = "Elm School"'
        "\n+++\n\nThe school charges for music lessons.\n",
        "charging.md",
    )
    assert (d.title, d.next_review, d.school) == ("Charging Policy", "2026-09-01", "Elm School")


def test_broken_front_matter_is_no_detail_and_not_the_policys_text(tmp_path):
    d = load(
        tmp_path,
        "---\ntitle: [unclosed\n---\n\n# Charging Policy\n\nThe school charges for music lessons.\n",
        "charging.md",
    )
    assert d.title == "Charging Policy"
    assert [c.text for c in d.clauses] == ["The school charges for music lessons."]
