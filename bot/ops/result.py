"""One line of `policybot check`: what was checked, whether it passed, and the fix.

Shared by the local checks (check.py) and the network ones (reach.py). ``lines()`` passes
every detail and fix through ``bot.logs.redact``: a check never prints a secret, even one that
was pasted into the wrong variable.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.logs import redact


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def lines(self) -> list[str]:
        mark = "✔" if self.ok else "✘"
        out = [f"{mark} {self.name}: {redact(self.detail)}"]
        if not self.ok and self.fix:
            out.append(f"    fix: {redact(self.fix)}")
        return out
