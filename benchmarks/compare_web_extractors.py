"""Would a main-content extractor read school web pages better than html.py's own furniture
removal? Run by hand (neither extractor is a dependency of policybot):

    .venv/bin/pip install trafilatura readability-lxml
    PYTHONPATH=$PWD .venv/bin/python benchmarks/compare_web_extractors.py

For each committed web page (tests/corpus/fixtures/web/, the handbook's and the docs' HTML) it
takes the clauses policybot reads (the tests check them by hand against what a person sees),
then asks trafilatura and readability-lxml for the page's main content, and counts how many of
those clauses each keeps and which of its lines are in no clause, heading, title or detail of
the policy (menus, "Share this page", "Download the PDF", copyright lines…).
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

from bot.corpus import load_document

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(
    [
        *(ROOT / "tests/corpus/fixtures/web").glob("*.htm*"),
        ROOT / "tests/fixtures/handbook/complaints.html",
        ROOT / "tests/corpus/fixtures/docs/complaints.html",
        ROOT / "tests/corpus/fixtures/docs/typed.html",
    ]
)


def norm(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split()).lower()


def main() -> None:
    warnings.filterwarnings("ignore")
    logging.disable(logging.CRITICAL)
    import lxml.html
    import trafilatura
    from readability import Document as Readable

    def by_trafilatura(raw: str) -> str:
        return trafilatura.extract(raw, include_tables=True, favor_recall=True) or ""

    def by_readability(raw: str) -> str:
        summary = Readable(raw).summary(html_partial=True)
        return str(lxml.html.fromstring(summary).text_content()) if summary.strip() else ""

    totals = {"trafilatura": [0, 0, 0], "readability-lxml": [0, 0, 0]}
    for page in PAGES:
        raw = page.read_bytes().decode("utf-8", "replace")
        doc = load_document(page)
        clauses = [norm(c.text) for c in doc.clauses if c.text.strip()]
        known = " ".join(
            [*clauses, *(norm(h) for c in doc.clauses for h in c.path), norm(doc.title)]
            + [norm(f"{k} {v}") for k, v in doc.control.items()]
        )
        for name, extract in (
            ("trafilatura", by_trafilatura),
            ("readability-lxml", by_readability),
        ):
            text = extract(raw)
            flat = norm(text)
            kept = sum(1 for c in clauses if c[:60] in flat)
            extra = [
                line
                for line in (norm(ln) for ln in text.splitlines())
                if line and line not in known and not any(line in c for c in clauses)
            ]
            totals[name][0] += kept
            totals[name][1] += len(clauses)
            totals[name][2] += len(extra)
            print(
                f"{page.name:26} {name:17} clauses kept {kept}/{len(clauses)}; lines in no clause "
                f"{len(extra)}: {'; '.join(x[:40] for x in extra[:3])}"
            )
    for name, (kept, total, extra) in totals.items():
        print(
            f"TOTAL {name}: clauses kept {kept}/{total} ({kept / total:.2f}); "
            f"lines in no clause {extra}"
        )


if __name__ == "__main__":
    main()
