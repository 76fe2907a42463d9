"""Parsed chunks kept in this process, so a repeated query costs a slice, not a parse.

Each entry is one chunk's columns, keyed by the exact URL that fetched it and
kept until the moment its cache entry expires (a settled chunk: for good). The
memo holds only what the cache holds: it is filled when a chunk is read from the
cache, with that entry's expiry, and emptied with the cache. It is bounded by the size of the
bodies it stands for, least recently used first out.
"""

from __future__ import annotations

import collections
import datetime as dt
import threading
from collections.abc import Callable, Hashable
from typing import Any

__all__ = ["ChunkMemo"]

Columns = dict[str, Any]  # a chunk's parsed columns, never changed once held


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class ChunkMemo:
    """An LRU of parsed chunks by URL, each until its cache entry's expiry.

    Parameters
    ----------
    max_bytes : int
        The most body bytes the entries stand for; 0 keeps nothing.
    now : callable
        The current time, aware UTC (requests-cache's expiry times are).

    Examples
    --------
    >>> memo = ChunkMemo(1 << 20)
    >>> memo.put("http://x/a", {"mindshare": {}}, size=10, expires=None)
    >>> memo.get("http://x/a")
    {'mindshare': {}}
    """

    def __init__(self, max_bytes: int, now: Callable[[], dt.datetime] = _utcnow) -> None:
        self.max_bytes = max_bytes
        self._now = now
        self._lock = threading.Lock()
        self._entries: collections.OrderedDict[Hashable, tuple[Any, int, dt.datetime | None]] = (
            collections.OrderedDict()
        )
        self._bytes = 0

    def get(self, url: Hashable) -> Any:
        """Return the chunk fetched by ``url`` if it is held and its cache entry not expired."""
        held = self.lookup(url)
        return None if held is None else held[0]

    def lookup(self, url: Hashable) -> tuple[Any, dt.datetime | None] | None:
        """Return the chunk held for ``url`` and when it expires (None: never), or None."""
        with self._lock:
            entry = self._entries.get(url)
            if entry is None:
                return None
            columns, size, expires = entry
            if expires is not None and self._now() >= expires:
                del self._entries[url]
                self._bytes -= size
                return None
            self._entries.move_to_end(url)
            return columns, expires

    def put(self, url: Hashable, columns: Any, *, size: int, expires: dt.datetime | None) -> None:
        """Hold ``columns`` (never changed afterwards) until ``expires`` (None: for good)."""
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(url, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[url] = (columns, size, expires)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped, _) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        """Forget every chunk (the cache was cleared, or the client closed)."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)
