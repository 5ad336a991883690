"""Where the front ends run blocking core calls, so the event loop keeps acknowledging requests.

Both front ends are asyncio servers and the core is synchronous: the store is SQLite with
crypto, retrieval is CPU-bound Python. Every core call from a listener or a turn goes through
:func:`off_loop` (the default executor) or, for a question, :func:`retrieve` (a small pool of
its own), never straight on the loop: Slack wants an ack within 3 seconds and the Bot Framework
waits on each turn's HTTP answer, whatever else is in flight."""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


# Retrieval is CPU-bound Python: more threads than cores only fight the event loop for the GIL
# and slow down acks. A small pool of its own keeps answers flowing and acks quick.
_RETRIEVAL = ThreadPoolExecutor(
    max_workers=max(1, min(4, (os.cpu_count() or 2) - 1)), thread_name_prefix="policybot-ask"
)


async def off_loop(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking core call (the store is SQLite, with crypto) in a thread so the event
    loop keeps acknowledging other requests."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(fn, *args, **kwargs))


async def retrieve(fn: Callable[..., T], *args: Any) -> T:
    """Run a question through retrieval on the retrieval pool."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_RETRIEVAL, functools.partial(fn, *args))
