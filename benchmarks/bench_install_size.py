"""What a first install downloads: the files pip picks from each lock for this machine (Linux
x86-64, Python 3.11 here, as in the image), fetched into a temporary folder and added up.

    .venv/bin/python benchmarks/bench_install_size.py

requirements/dev-lock.txt is what `make setup` (make chat, make test, CI) installs;
requirements/lock.txt what the Docker image and the systemd install do. The README's first-run
note quotes these numbers.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCKS = ("requirements/dev-lock.txt", "requirements/lock.txt")
MB = 1_000_000


def downloaded(lock: str) -> list[Path]:
    folder = Path(tempfile.mkdtemp(prefix="policybot-download-"))
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--require-hashes",
         "-r", str(ROOT / lock), "-d", str(folder)],
        check=True, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return sorted(folder.iterdir(), key=lambda f: -f.stat().st_size)


def main() -> None:
    for lock in LOCKS:
        files = downloaded(lock)
        total = sum(f.stat().st_size for f in files)
        torch = sum(f.stat().st_size for f in files if f.name.startswith("torch-"))
        print(f"{lock}: {len(files)} files, {total / MB:.0f} MB (torch {torch / MB:.0f} MB)")
        for f in files[:5]:
            print(f"    {f.stat().st_size / MB:6.1f} MB  {f.name}")
        for f in files:
            f.unlink()
        files[0].parent.rmdir()


if __name__ == "__main__":
    main()
