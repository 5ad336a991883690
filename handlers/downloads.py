"""Reading a file a front end downloads for the core (evidence), never more than a limit."""

from __future__ import annotations

import aiohttp

CHUNK = 64 * 1024


async def read_capped(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    """The body, or its first ``limit + 1`` bytes when it is longer: enough for the core to
    say the file is too big, without holding more of it."""
    chunks: list[bytes] = []
    total = 0
    async for chunk in resp.content.iter_chunked(CHUNK):
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            break
    return b"".join(chunks)[: limit + 1]
