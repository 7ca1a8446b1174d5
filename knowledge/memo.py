"""Remembering the results of pure functions of a message's text for the most recent messages.

Parents ask the same few things most often ("产假有多少天"); every message runs the emergency
patterns, the intent rules and retrieval on its text, and each is a pure function of it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

#: Texts remembered per function; each entry is a short string and a small result.
SIZE = 2048
#: Longer texts are personal stories that do not repeat: only the last few are kept, long enough for a story
#: decided in the knowledge thread to be found by the engine that answers it.
UP_TO = 200
LONG_SIZE = 32


class Recent(Generic[T]):
    """A least-recently-used map from text to result; pickled empty (it is a cache, not data)."""

    def __init__(self, size: int = SIZE, long_size: int = LONG_SIZE) -> None:
        self.size, self.long_size = size, long_size
        self._results: OrderedDict[str, T] = OrderedDict()
        self._long: OrderedDict[str, T] = OrderedDict()  # stories do not push the common questions out
        self._lock = threading.Lock()  # questions are prepared in the knowledge thread, read on the event loop

    def __call__(self, text: str, compute: Callable[[str], T]) -> T:
        """`compute(text)`, or the result remembered for `text`. Results are shared: never change one."""
        results, size = (self._results, self.size) if len(text) <= UP_TO else (self._long, self.long_size)
        with self._lock:
            if text in results:
                results.move_to_end(text)
                return results[text]
        result = compute(text)  # outside the lock: two threads may compute one text, both get equal results
        with self._lock:
            results[text] = result
            if len(results) > size:
                results.popitem(last=False)
        return result

    def __len__(self) -> int:
        return len(self._results) + len(self._long)

    def __contains__(self, text: object) -> bool:
        return text in self._results or text in self._long

    def __getstate__(self) -> dict[str, int]:
        return {"size": self.size, "long_size": self.long_size}

    def __setstate__(self, state: dict[str, int]) -> None:
        self.__init__(state["size"], state.get("long_size", LONG_SIZE))  # type: ignore[misc]
