"""What a cached answer is kept under and for how long: exact keys, expiry settled by the service.

A key is a digest of exactly the URL sent, so two names that differ in any
character never share an entry. A year chunk is kept for good once the service's
own clock (the answer's ``Date`` header) says it is settled; until then it expires
like the current chunk.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import re
from typing import Any

import requests
from requests_cache import NEVER_EXPIRE, CachedSession
from requests_cache.policy.expiration import get_expiration_datetime

from kaito_pandas.wire import http_date

__all__ = ["ChunkExpiry", "chunk_expiry", "exact_key", "get_key", "settle"]


@dataclasses.dataclass(frozen=True)
class ChunkExpiry:
    """How long a chunk's answer stays fresh: forever once settled, else ``expire_after``.

    A chunk is settled when its last day is at least ``settle_days`` before the
    service's own day, read from the answer's ``Date`` header; before an answer
    arrives (and for one without a ``Date``) the client's day stands in.

    Examples
    --------
    >>> ChunkExpiry(dt.date(2023, 12, 31), dt.date(2024, 6, 1), 2, 3600).seconds() == NEVER_EXPIRE
    True
    """

    last: dt.date
    today: dt.date
    settle_days: int
    expire_after: float

    def seconds(self, service_day: dt.date | None = None) -> float:
        """Seconds fresh, judged by ``service_day`` (default: the client's day)."""
        day = self.today if service_day is None else service_day
        if self.last <= day - dt.timedelta(days=self.settle_days):
            return float(NEVER_EXPIRE)
        return self.expire_after


def chunk_expiry(
    chunk_end: dt.date, today: dt.date, expire_after: float, settle_days: int = 2
) -> float:
    """Return the seconds a chunk's answer stays fresh by the client's clock; see ChunkExpiry.

    Examples
    --------
    >>> chunk_expiry(dt.date(2023, 12, 31), dt.date(2024, 6, 1), 3600) == NEVER_EXPIRE
    True
    """
    return ChunkExpiry(chunk_end, today, settle_days, expire_after).seconds()


def settle(session: CachedSession, response: requests.Response, expiry: ChunkExpiry) -> None:
    """Re-date a fresh answer's cache entry by the service's own day (its ``Date`` header).

    The entry was stored with the expiry the client's clock gave; if the service's
    clock says otherwise (the client is a day or two ahead, or behind), the stored
    entry gets the expiry the service's day gives. An entry not stored (filtered
    out) stays unstored.
    """
    service_day = _date_header_day(response.headers.get("Date"))
    if service_day is None:
        return
    wanted = expiry.seconds(service_day)
    if wanted == expiry.seconds():
        return
    key = session.cache.create_key(response.request)
    if not session.cache.contains(key=key):
        return
    session.cache.save_response(response, key, get_expiration_datetime(wanted))


def _date_header_day(value: str | None) -> dt.date | None:
    moment = http_date(value)
    return None if moment is None else moment.date()


def exact_key(request: Any, **kwargs: Any) -> str:
    """Return the cache key of a request: a digest of its method and exact URL, as sent.

    requests-cache's own keys normalize the URL (Unicode forms among it), so two
    different keywords could share one entry; this key differs whenever the bytes
    sent differ, and never holds a header (so never the API key).

    Examples
    --------
    >>> len(exact_key(requests.Request("GET", "http://x/api?k=%C3%A9").prepare()))
    32
    """
    return _digest(f"{(request.method or 'GET').upper()} {request.url}")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


# What the transport's URLs end in: an endpoint, then values percent-encoded with
# nothing left unescaped but unreserved characters, which requests sends unchanged.
_AS_SENT_TAIL = re.compile(r"/api/v1/[A-Za-z0-9_]+(?:\?(?:[A-Za-z0-9_.~=&-]|%[0-9A-F]{2})*)?")


def get_key(session: CachedSession, url: str) -> str:
    """Return the cache key of a GET of ``url``, without preparing a request when it can.

    A session keyed by :func:`exact_key` keys a URL the transport built straight
    from its text, since requests sends such a URL unchanged; any other URL or
    key function goes through ``Request.prepare``, as requests-cache would.

    Examples
    --------
    >>> get_key(session, "http://127.0.0.1:8080/api/v1/mindshare?token=BTC")  # doctest: +SKIP
    """
    if session.settings.key_fn is exact_key:
        base, sep, tail = url.rpartition("/api/v1/")
        if sep and _AS_SENT_TAIL.fullmatch(sep + tail) and _sent_unchanged(base):
            return _digest(f"GET {url}")
    return session.cache.create_key(requests.Request("GET", url).prepare())


@functools.lru_cache(maxsize=64)
def _sent_unchanged(base: str) -> bool:
    """Whether requests sends URLs on ``base`` as written (it lowercases hosts, encodes IDNA, ...)."""
    probe = f"{base}/api/v1/x"
    return requests.Request("GET", probe).prepare().url == probe
