"""The README's privacy promises are the threat model's, word for word."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def promises(markdown: str) -> list[str]:
    """The bold sentences of a document, with line breaks and list indentation folded."""
    return [" ".join(p.split()) for p in re.findall(r"\*\*(.+?)\*\*", markdown, re.S)]


def test_the_readme_quotes_every_promise_of_the_threat_model():
    model = (ROOT / "docs" / "threat-model.md").read_text()
    section = model.split("## The promises", 1)[1].split("\n## ", 1)[0]
    quoted = promises(section)
    readme = set(promises((ROOT / "README.md").read_text()))
    assert len(quoted) == 4
    assert [p for p in quoted if p not in readme] == []
