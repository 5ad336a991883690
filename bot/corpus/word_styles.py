"""Word styles, looked up once per document.

python-docx finds a paragraph's style by scanning every style's XML on each ``paragraph.style``
and ``style.base_style`` (about 1 ms in a template with a few hundred styles), which made a file of
100,000 empty paragraphs take minutes. Here each style is looked up once, by id, and a chain of
"based on" styles that loops back on itself is cut where it closes, so walking it always ends."""

from __future__ import annotations

from functools import cache
from typing import Any


class Style:
    """A style as this reader uses it: name, element, font and the style it is based on."""

    __slots__ = ("name", "element", "font", "base_style")

    def __init__(self, style: Any) -> None:
        self.name: str | None = style.name
        self.element: Any = style.element
        self.font: Any = getattr(style, "font", None)  # a numbering style has none
        self.base_style: Style | None = None


class Styles:
    """Every style of one document by id, with each base style resolved (a chain of bases
    that loops back on itself is cut where it closes, so walking it always ends)."""

    def __init__(self, document: Any) -> None:
        from docx.enum.style import WD_STYLE_TYPE

        self.by_id: dict[str, Style] = {}
        paragraph_ids: set[str] = set()
        for style in document.styles:
            style_id = style.style_id
            if style_id and style_id not in self.by_id:  # python-docx takes the first too
                self.by_id[style_id] = Style(style)
                if style.type == WD_STYLE_TYPE.PARAGRAPH:
                    paragraph_ids.add(style_id)
        self.paragraph_ids = paragraph_ids
        for style in self.by_id.values():
            based_on = style.element.basedOn_val
            style.base_style = self.by_id.get(based_on) if based_on else None
        for style in self.by_id.values():
            seen = {id(style)}
            link = style
            while link.base_style is not None:
                if id(link.base_style) in seen:
                    link.base_style = None
                    break
                seen.add(id(link.base_style))
                link = link.base_style
        default = document.styles.element.default_for(WD_STYLE_TYPE.PARAGRAPH)
        self.default = self.by_id.get(default.styleId) if default is not None else None

    def of(self, p: Any) -> Style | None:
        """A paragraph's style, as python-docx resolves it (unknown or missing: the default)."""
        style_id = p.style
        if style_id is None or style_id not in self.paragraph_ids:
            return self.default
        return self.by_id[style_id]


@cache
def paragraph_type() -> Any:
    """python-docx's Paragraph whose ``style`` comes from the document's ``Styles``."""
    from docx.text.paragraph import Paragraph

    class StyledParagraph(Paragraph):
        def __init__(self, p: Any, parent: Any, styles: Styles) -> None:
            super().__init__(p, parent)
            self._styles = styles

        @property  # type: ignore[misc]  # read-only: this reader never sets a style
        def style(self) -> Any:
            return self._styles.of(self._p)

    return StyledParagraph
