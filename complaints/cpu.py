"""Thread pools for CPU-heavy work (argon2, image decoding) that yield the CPU to the event loop.

The C code releases the GIL, so the loop keeps running, but on a small machine the workers' threads (argon2
adds its own lane threads) still take the cores: the loop thread then waits its turn in the kernel's scheduler
and a health check took 150 ms. Workers run at nice 10 (Linux sets niceness per thread, and threads the C code
starts inherit it), so the scheduler gives the loop the CPU first.
"""

from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

NICE = 10


def _lower_priority() -> None:
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not allowed: run at normal priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)


def pool(name: str, workers: int) -> ThreadPoolExecutor:
    """A pool of `workers` threads named `name`, each at lower priority than the event loop."""
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name, initializer=_lower_priority)
