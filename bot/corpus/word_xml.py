"""What Word shows of a paragraph: its XML's visible text and runs (tracked deletions, field codes
and a text box's fallback copy are not shown), and the namespace helpers every Word reader uses."""

from __future__ import annotations

from typing import Any

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def attr(el: Any, name: str) -> str | None:
    return None if el is None else el.get(f"{W}{name}")


def child_at(el: Any, *path: str) -> Any:
    for name in path:
        if el is None:
            return None
        el = el.find(f"{W}{name}")
    return el


_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
HIDDEN = {f"{W}del", f"{W}moveFrom", f"{_MC}Fallback", f"{W}instrText", f"{W}delText"}


def visible_text(element: Any) -> str:
    """A paragraph's text as Word shows it: tracked insertions and fields' results included,
    tracked deletions, field codes and the duplicate fallback copy of a text box left out."""
    out: list[str] = []

    def walk(el: Any) -> None:
        for child in el.iterchildren():
            tag = child.tag
            if tag in HIDDEN or tag == f"{W}pPr":
                continue
            if tag == f"{W}p":  # a paragraph inside a text box: its own line
                out.append(" ")
                walk(child)
                out.append(" ")
            elif tag == f"{W}t":
                out.append(child.text or "")
            elif tag in (f"{W}tab", f"{W}ptab"):
                out.append("\t")
            elif tag in (f"{W}br", f"{W}cr"):
                out.append(" ")
            elif tag == f"{W}noBreakHyphen":
                out.append("-")
            else:
                walk(child)

    walk(element)
    return "".join(out)


def body_elements(parent: Any) -> Any:
    """Paragraphs and tables in reading order, including those inside content controls
    (w:sdt), which some templates wrap the whole policy in; a contents-page control is skipped."""
    for child in parent.iterchildren():
        if child.tag == f"{W}sdt":
            gallery = child.find(f".//{W}sdtPr/{W}docPartObj/{W}docPartGallery")
            if gallery is not None and "contents" in (attr(gallery, "val") or "").lower():
                continue
            content = child.find(f"{W}sdtContent")
            if content is not None:
                yield from body_elements(content)
        else:
            yield child


def visible_runs(paragraph: Any) -> list[Any]:
    """The paragraph's runs that show text, including those inside hyperlinks, fields and
    content controls (python-docx's `runs` lists only the direct ones)."""
    from docx.text.run import Run

    runs = []
    for r in paragraph._p.iter(f"{W}r"):
        if any(a.tag in HIDDEN for a in r.iterancestors()):
            continue
        if any(a.tag == f"{W}txbxContent" for a in r.iterancestors()):
            continue
        run = Run(r, paragraph)
        if run.text.strip():
            runs.append(run)
    return runs


def all_bold(paragraph: Any) -> bool:
    runs = visible_runs(paragraph)
    style_bold = bool(paragraph.style is not None and paragraph.style.font.bold)
    return bool(runs) and all(r.bold or (r.bold is None and style_bold) for r in runs)
