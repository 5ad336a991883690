"""Small real files for the evidence tests: a PNG and a PDF that open in any viewer, each
carrying a marker that must never be readable in the data directory, a backup or a log."""

from __future__ import annotations

import random
import struct
import zlib


def png(marker: str = "", size: int = 4, extra: int = 0) -> bytes:
    """A size x size grey PNG with a tEXt chunk holding ``marker`` (readable in the raw bytes,
    as a screenshot's text would be in a real one), and ``extra`` bytes of noise in a private
    chunk (viewers skip it) to make it as big as a real screenshot."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\0" + b"\x80" * size for _ in range(size)))
    text = chunk(b"tEXt", b"Comment\0" + marker.encode()) if marker else b""
    noise = chunk(b"prIv", random.Random(extra).randbytes(extra)) if extra else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + text
        + noise
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def pdf(marker: str = "") -> bytes:
    """A one-page PDF whose page says ``marker``."""
    stream = f"BT /F1 12 Tf 72 720 Td ({marker}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out
