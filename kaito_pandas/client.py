"""The Client: owns the settings, the (cached) session and the rate limit; fetches frames."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import requests
from requests_cache import DO_NOT_CACHE

from kaito_pandas import cache
from kaito_pandas._docs import documented
from kaito_pandas.dates import DateLike, today_utc
from kaito_pandas.errors import CacheMissError, KaitoError, ResponseError
from kaito_pandas.fetching import fetch_query
from kaito_pandas.known import (
    ID_KINDS,
    NARRATIVE_IDS,
    TOKEN_IDS,
    TOKEN_LIST_DEADLINE,
    TOKEN_LIST_EXPIRE_AFTER,
    IdKind,
    TokenGuard,
)
from kaito_pandas.parsing import loads, parse_list
from kaito_pandas.query import (
    SCOPES,
    Errors,
    Query,
    TokenArg,
    check_endpoint,
    plain_params,
    plan_query,
)
from kaito_pandas.settings import DEMO, DEMO_URLS, Settings
from kaito_pandas.transport import Transport

__all__ = ["Client"]


class Client:
    """A connection to Kaito's API: the time-series methods as DataFrames, any endpoint as JSON.

    Parameters
    ----------
    api_key : str, optional
        Defaults to the ``KAITO_API_KEY`` environment variable, read now.
    base_url : str, optional
        Defaults to ``KAITO_API_BASE_URL``, then ``https://api.kaito.ai``.
    session : requests.Session, optional
        A session to send requests with (a ``requests_cache.CachedSession``
        keeps its own cache settings); by default the client makes a cached
        session from the settings below.
    today : callable, optional
        Returns the current UTC day; for tests and reproducible notebooks.
    **settings
        Any other :class:`~kaito_pandas.settings.Settings` field: ``cache``
        (False turns caching off), ``cache_dir`` (default
        ``KAITO_PANDAS_CACHE_DIR``, then the per-user cache directory),
        ``cache_backend`` (``"sqlite"``, ``"filesystem"``, ``"memory"`` or a
        requests-cache backend), ``expire_after`` (seconds, default 3600),
        ``offline`` (default ``KAITO_PANDAS_OFFLINE``), ``max_workers``,
        ``progress``, timeouts, retries, ``rate_limit`` and ``check_tokens``
        (``"warn"``, ``"raise"`` or ``"off"``: what a token id that is not in
        Kaito's token list, or a series of zeros, gets; default
        ``KAITO_PANDAS_CHECK_TOKENS``, then ``"warn"``).

    Examples
    --------
    >>> client = Client(api_key="...", base_url="http://127.0.0.1:8000")
    >>> client.engagement("BTC", start="2024-03-01")  # doctest: +SKIP
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        session: requests.Session | None = None,
        today: Callable[[], dt.date] | None = None,
        **settings: Any,
    ) -> None:
        self.settings = Settings.from_env(api_key=api_key, base_url=base_url, **settings)
        self._today = today or today_utc
        owned = session is None
        shared: dict[str, Any] = {}
        if session is None and self.settings.cache:
            session, shared = cache.session_for(self.settings)
        self._transport = Transport(self.settings, session=session, owns_session=owned, **shared)
        # one guard per kind of id, each with its list (tokens, narratives)
        self._guards = {
            kind.noun: TokenGuard(functools.partial(self._list_for_check, kind), kind=kind)
            for kind in ID_KINDS.values()
        }
        # calls in flight; close() releases the connections once the last one ends
        self._state = threading.Lock()
        self._calls = 0
        self._closing = False
        self._released = False
        self._depth = threading.local()

    def __repr__(self) -> str:
        key = "set" if self.settings.api_key else "missing"
        mode = ", offline" if self.settings.offline else ""
        return f"Client(base_url={self.settings.base_url!r}, api_key={key}{mode})"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the client's connections, once the calls in flight (other threads') end.

        A call already running finishes normally; a call started after ``close()``
        raises :class:`KaitoError`. Closing twice does nothing.
        """
        with self._state:
            self._closing = True
            release = self._calls == 0 and not self._released
            self._released = self._released or release
        if release:
            self._transport.close()

    def _begin(self) -> None:
        """Count one more call in flight; refuse it if the client was closed."""
        with self._state:
            if self._closing:
                raise KaitoError(
                    f"{self!r} is closed: make a new Client, or use the module functions "
                    "(kp.engagement, ...), whose default client is replaced by kp.configure()"
                )
            self._calls += 1

    def _end(self) -> None:
        with self._state:
            self._calls -= 1
            release = self._closing and self._calls == 0 and not self._released
            self._released = self._released or release
        if release:
            self._transport.close()

    @contextlib.contextmanager
    def _in_use(self) -> Iterator[None]:
        """Hold the client open for one call; nested uses in the same thread count once."""
        depth = getattr(self._depth, "value", 0)
        if depth == 0:
            self._begin()
        self._depth.value = depth + 1
        try:
            yield
        finally:
            self._depth.value = depth
            if depth == 0:
                self._end()

    @documented("engagement")
    def engagement(
        self,
        token: TokenArg = None,
        *,
        keyword: TokenArg = None,
        start: DateLike | None = None,
        end: DateLike | None = None,
        errors: Errors = "raise",
        progress: bool | None = None,
        refresh: bool = False,
        params: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> pd.DataFrame:
        return self.fetch(
            "engagement",
            token,
            keyword=keyword,
            start=start,
            end=end,
            errors=errors,
            progress=progress,
            refresh=refresh,
            params=params,
            **options,
        )

    @documented("mentions")
    def mentions(
        self,
        token: TokenArg = None,
        *,
        keyword: TokenArg = None,
        start: DateLike | None = None,
        end: DateLike | None = None,
        errors: Errors = "raise",
        progress: bool | None = None,
        refresh: bool = False,
        params: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> pd.DataFrame:
        return self.fetch(
            "mentions",
            token,
            keyword=keyword,
            start=start,
            end=end,
            errors=errors,
            progress=progress,
            refresh=refresh,
            params=params,
            **options,
        )

    @documented("mindshare")
    def mindshare(
        self,
        token: TokenArg = None,
        *,
        keyword: TokenArg = None,
        start: DateLike | None = None,
        end: DateLike | None = None,
        errors: Errors = "raise",
        progress: bool | None = None,
        refresh: bool = False,
        params: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> pd.DataFrame:
        return self.fetch(
            "mindshare",
            token,
            keyword=keyword,
            start=start,
            end=end,
            errors=errors,
            progress=progress,
            refresh=refresh,
            params=params,
            **options,
        )

    @documented("sentiment")
    def sentiment(
        self,
        token: TokenArg = None,
        *,
        keyword: TokenArg = None,
        start: DateLike | None = None,
        end: DateLike | None = None,
        errors: Errors = "raise",
        progress: bool | None = None,
        refresh: bool = False,
        params: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> pd.DataFrame:
        return self.fetch(
            "sentiment",
            token,
            keyword=keyword,
            start=start,
            end=end,
            errors=errors,
            progress=progress,
            refresh=refresh,
            params=params,
            **options,
        )

    @documented("narrative_mindshare")
    def narrative_mindshare(
        self,
        narrative: TokenArg = None,
        *,
        start: DateLike | None = None,
        end: DateLike | None = None,
        errors: Errors = "raise",
        progress: bool | None = None,
        refresh: bool = False,
        params: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> pd.DataFrame:
        return self.fetch(
            "narrative_mindshare",
            narrative,
            start=start,
            end=end,
            errors=errors,
            progress=progress,
            refresh=refresh,
            params=params,
            **options,
        )

    @documented("tokens")
    def tokens(self, *, scope: str | None = None) -> pd.DataFrame:
        if scope is not None and scope not in SCOPES:
            raise ValueError(f"scope={scope!r}: use one of {', '.join(SCOPES)}, or leave it out")
        return self._listed(TOKEN_IDS, {"scope": scope} if scope else {})

    @documented("narratives")
    def narratives(self) -> pd.DataFrame:
        return self._listed(NARRATIVE_IDS, {})

    def _listed(self, kind: IdKind, params: dict[str, str]) -> pd.DataFrame:
        with self._in_use():
            frame = self._get_list(kind, self._transport, params)
        if not params:  # the whole list: the one ids are checked against
            self._guards[kind.noun].remember(frame)
        return frame

    def _get_list(
        self,
        kind: IdKind,
        transport: Transport,
        params: dict[str, str],
        deadline: float | None = None,
    ) -> pd.DataFrame:
        what = f"{kind.noun}s list" + "".join(f" {k}={v}" for k, v in params.items())
        body = transport.get(
            kind.endpoint,
            params,
            what=what,
            auth=False,
            expire_after=TOKEN_LIST_EXPIRE_AFTER,
            deadline=deadline,
        )
        try:
            return parse_list(body, kind.columns)
        except ResponseError as exc:
            raise transport.reject(kind.endpoint, params, what, exc) from None

    def _list_for_check(self, kind: IdKind) -> pd.DataFrame:
        """The list in one attempt and a short deadline: a failing list must not hold a
        query up. Same session (so the same cache) and the same rate limit."""
        once = Transport(
            dataclasses.replace(self.settings, max_attempts=1),
            session=self._transport.session,
            owns_session=False,
            limiter=self._transport.limiter,
        )
        budget = min(TOKEN_LIST_DEADLINE, self.settings.retry_deadline)
        return self._get_list(kind, once, {}, deadline=time.monotonic() + budget)

    @documented("get_json")
    def get_json(self, endpoint: str, *, cache: bool = True, **params: Any) -> Any:
        check_endpoint(endpoint)
        sent = plain_params(params)
        what = f"{endpoint}" + "".join(f" {k}={v}" for k, v in sent.items())
        if not cache and self.settings.offline:
            raise CacheMissError(
                f"offline, and Kaito {what} was asked with cache=False: nothing can answer "
                "it. Turn offline mode off, or let the cache answer."
            )
        keyless = any(kind.endpoint == endpoint for kind in ID_KINDS.values())
        with self._in_use():
            body = self._transport.get(
                endpoint,
                sent,
                what=what,
                auth=not keyless,
                expire_after=self.settings.expire_after if cache else DO_NOT_CACHE,
            )
        try:
            return loads(body)
        except ResponseError as exc:
            raise self._transport.reject(endpoint, sent, what, exc) from None

    def plan(
        self,
        method: str,
        token: TokenArg = None,
        *,
        keyword: TokenArg = None,
        start: DateLike | None = None,
        end: DateLike | None = None,
        params: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> Query:
        """Return the checked query for a call, without sending anything; see :func:`plan_query`."""
        return plan_query(
            method,
            token,
            keyword=keyword,
            start=start,
            end=end,
            today=self._today,
            params=options,
            extra=params,
        )

    def fetch(
        self,
        method: str,
        token: TokenArg = None,
        *,
        keyword: TokenArg = None,
        start: DateLike | None = None,
        end: DateLike | None = None,
        errors: Errors = "raise",
        progress: bool | None = None,
        refresh: bool = False,
        params: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> pd.DataFrame:
        """Return the frame of any time-series method; :meth:`engagement` and friends call this.

        Raises
        ------
        ValueError, KaitoError
            As for :meth:`engagement`.
        UnknownTokenError, UnknownNarrativeError
            With ``check_tokens="raise"``, a token (narrative) id not in Kaito's list;
            nothing is sent.

        Warns
        -----
        KaitoWarning
            With ``check_tokens="warn"`` (the default), for token ids not in Kaito's
            list, and for series that are 0 on every day asked for.

        Examples
        --------
        >>> client.fetch("mindshare", "BTC", start="2024-03-01")  # doctest: +SKIP
        """
        if errors not in ("raise", "warn"):
            raise ValueError(f"errors={errors!r}: use 'raise' or 'warn'")
        today = self._today()  # one day for the whole query, even across midnight
        query = plan_query(
            method,
            token,
            keyword=keyword,
            start=start,
            end=end,
            today=lambda: today,
            params=options,
            extra=params,
        )
        unknown: dict[str, list[str]] = {}
        guard = self._guards.get(query.kind, self._guards[TOKEN_IDS.noun])
        with self._in_use():
            if self.settings.api_key or self.settings.offline:  # no key: nothing is sent
                unknown = guard.check(query, self.settings.check_tokens)
            frame = fetch_query(
                self._transport,
                query,
                today=today,
                settings=self.settings,
                errors=errors,
                progress=progress,
                refresh=refresh,
            )
        guard.check_zeros(frame, query, self.settings.check_tokens, warned=unknown)
        if self.settings.base_url.rstrip("/") in DEMO_URLS:
            frame.attrs[DEMO] = True  # charts and reports say so on the image itself
        return frame

    @documented("cache_info")
    def cache_info(self) -> pd.DataFrame:
        session = self._transport.cached_session
        if session is not None:
            try:
                with self._in_use():
                    return cache.cache_info(session)
            except cache.CACHE_ERRORS as exc:
                cache.warn_cache_failed(self.settings, cache.cache_path(session), exc)
        return cache.cache_info(cache.make_cached_session("memory", None, expire_after=1))

    def cache_location(self) -> Path | None:
        """Return the cache's file or directory, or None for a memory cache or no cache.

        Examples
        --------
        >>> client.cache_location()  # doctest: +SKIP
        PosixPath('/home/me/.cache/kaito-pandas/http-cache.sqlite')
        """
        session = self._transport.cached_session
        return None if session is None else cache.cache_path(session)

    @documented("clear_cache")
    def clear_cache(self, *, expired_only: bool = False) -> None:
        self._transport.memo.clear()
        session = self._transport.cached_session
        if session is not None:
            with self._in_use():
                cache.clear_cache(session, expired_only=expired_only)
