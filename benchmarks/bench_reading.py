"""Reading time on pathological files, measured (not asserted): run by hand, numbers go in the notes.

    .venv/bin/python benchmarks/bench_reading.py [--paragraphs 100000] [--rows 6000]

Writes, in a temporary folder, a Word file of N empty paragraphs and a policy whose one table has
R rows as an HTML page, a grid table in a .txt file and a Markdown pipe table, then times
`load_document` on each at R/10 and R rows (and N/10, N paragraphs): a reader that is linear
takes about ten times as long for ten times the size, never a hundred.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.corpus import load_document  # noqa: E402
from bot.errors import CorpusError  # noqa: E402


def empty_paragraphs(folder: Path, n: int) -> Path:
    import docx

    d = docx.Document()
    d.add_heading("Lettings Policy", 1)
    d.add_paragraph("Hirers sign the agreement before their first booking.")
    buf = io.BytesIO()
    d.save(buf)
    path = folder / f"empty-{n}.docx"
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, zipfile.ZipFile(path, "w") as out:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                xml = data.decode()
                k = xml.index("<w:sectPr")
                last = "<w:p><w:r><w:t>Keys are returned to the office.</w:t></w:r></w:p>"
                data = (xml[:k] + "<w:p/>" * n + last + xml[k:]).encode()
            out.writestr(item, data)
    return path


def tables(folder: Path, rows: int) -> list[Path]:
    html = folder / f"table-{rows}.html"
    html.write_text(
        "<html><body><h1>Charges</h1><p>The charges are:</p><table>"
        "<tr><th>Room</th><th>Rate</th></tr>"
        + "".join(f"<tr><td><p>Room {i}</p></td><td>£{i}</td></tr>" for i in range(rows))
        + "</table></body></html>"
    )
    grid = folder / f"table-{rows}.txt"
    grid.write_text(
        "Charges Policy\n\nReview date: July 2026\n\nCharges\n\nThe charges are:\n\n"
        "+----------+--------+\n| Room     | Rate   |\n+==========+========+\n"
        + "".join(f"| Room {i} | £{i} |\n+----------+--------+\n" for i in range(rows))
    )
    md = folder / f"table-{rows}.md"
    md.write_text(
        "# Charges Policy\n\nThe charges are:\n\n| Room | Rate |\n|---|---|\n"
        + "".join(f"| Room {i} | £{i} |\n" for i in range(rows))
    )
    return [html, grid, md]


def timed(path: Path) -> str:
    """How long reading takes, or how long it takes to refuse a file over the limits."""
    t0 = time.perf_counter()
    try:
        doc = load_document(path)
    except CorpusError as exc:
        reason = str(exc).split(": ", 1)[-1].split(" — ")[0]
        return f"{path.name:24} {time.perf_counter() - t0:6.2f} s  refused: {reason}"
    return f"{path.name:24} {time.perf_counter() - t0:6.2f} s  {len(doc.clauses)} clauses"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--paragraphs", type=int, default=100_000)
    ap.add_argument("--rows", type=int, default=6_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n in (args.paragraphs // 10, args.paragraphs):
            print(timed(empty_paragraphs(folder, n)))
        for rows in (args.rows // 10, args.rows):
            for path in tables(folder, rows):
                print(timed(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
