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
from kaito_pandas.settings import Settings
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

    def engagement(
        self,
        token: TokenArg = None,
        *,
        keyword: TokenArg = None,
        start: DateLike | None = None,
        end: DateLike | None = None,
        errors: Errors = "raise",
        progress: bool | None = None,
        params: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> pd.DataFrame:
        """Return daily ``total_engagement`` and ``smart_engagement`` of a token or keyword.

        Parameters
        ----------
        token : str or list of str, optional
            Kaito token id(s), e.g. ``"BTC"``. A list gives ``(metric, token)`` columns.
        keyword : str or list of str, optional
            Free text instead of a token; ``smart_engagement`` is then all NaN.
        start, end : str, date, datetime or Timestamp, optional
            First and last day, inclusive, in UTC; default 2023-01-01 and today.
        errors : {"raise", "warn"}
            For a list: raise one error naming every name that failed, or warn,
            return the others and list the failures in ``attrs["failed"]``.
        progress : bool, optional
            Show a progress bar when several requests must be sent (only in a
            terminal or notebook); default the client's ``progress`` setting.
        params : mapping, optional
            Parameters sent to the API unchecked, for ones Kaito adds after this
            release: ``params={"new_param": "x"}``.
        **options
            None are documented for this method: any other keyword (a typo such
            as ``strat=``) raises ValueError, with a did-you-mean, before any request.

        Returns
        -------
        pandas.DataFrame
            Daily UTC index named ``date``; float64 columns.

        Raises
        ------
        ValueError
            Bad arguments, before any request.
        KaitoError
            The key is missing or refused, or the service failed or answered nonsense.

        Examples
        --------
        >>> df = client.engagement("BTC", start="2024-03-01", end="2024-03-05")  # doctest: +SKIP
        >>> df["total_engagement"].sum()  # doctest: +SKIP
        """
        return self.fetch(
            "engagement",
            token,
            keyword=keyword,
            start=start,
            end=end,
            errors=errors,
            progress=progress,
            params=params,
            **options,
        )

    def mentions(
        self,
        token: TokenArg = None,
        *,
        keyword: TokenArg = None,
        start: DateLike | None = None,
        end: DateLike | None = None,
        errors: Errors = "raise",
        progress: bool | None = None,
        params: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> pd.DataFrame:
        """Return daily document mentions per source (``document_mentions_twitter``, ...).

        Parameters
        ----------
        token, keyword, start, end, errors, progress, params, **options
            As for :meth:`engagement`; the earliest day is 2023-01-01.

        Returns
        -------
        pandas.DataFrame
            One float64 column per source.

        Raises
        ------
        ValueError, KaitoError
            As for :meth:`engagement`.

        Examples
        --------
        >>> df = client.mentions(keyword="ETF approval")  # doctest: +SKIP
        >>> df.sum(axis=1)  # doctest: +SKIP
        """
        return self.fetch(
            "mentions",
            token,
            keyword=keyword,
            start=start,
            end=end,
            errors=errors,
            progress=progress,
            params=params,
            **options,
        )

    def mindshare(
        self,
        token: TokenArg = None,
        *,
        keyword: TokenArg = None,
        start: DateLike | None = None,
        end: DateLike | None = None,
        errors: Errors = "raise",
        progress: bool | None = None,
        params: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> pd.DataFrame:
        """Return the daily ``mindshare`` of a token: a fraction of attention, 0.15 is 15%.

        Parameters
        ----------
        token : str or list of str
            Kaito token id(s); mindshare takes no keyword (a ``keyword=`` raises ValueError).
        start, end : date-like, optional
            Default 2020-01-01 and today (UTC).
        errors, progress, params
            As for :meth:`engagement`.
        **options
            The documented ``scope="pretge"`` (pre-launch projects); any other
            keyword raises ValueError before any request.

        Returns
        -------
        pandas.DataFrame

        Raises
        ------
        ValueError, KaitoError
            As for :meth:`engagement`.

        Examples
        --------
        >>> df = client.mindshare(["BTC", "ETH"], start="2024-01-01")  # doctest: +SKIP
        >>> df["mindshare"].mean()  # doctest: +SKIP
        """
        return self.fetch(
            "mindshare",
            token,
            keyword=keyword,
            start=start,
            end=end,
            errors=errors,
            progress=progress,
            params=params,
            **options,
        )

    def sentiment(
        self,
        token: TokenArg = None,
        *,
        keyword: TokenArg = None,
        start: DateLike | None = None,
        end: DateLike | None = None,
        errors: Errors = "raise",
        progress: bool | None = None,
        params: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> pd.DataFrame:
        """Return the daily ``sentiment_score`` and ``sentiment_event`` text of a token.

        Parameters
        ----------
        token : str or list of str
            Kaito token id(s); sentiment takes no keyword (a ``keyword=`` raises ValueError).
        start, end : date-like, optional
            Default 2020-01-01 and today (UTC).
        errors, progress, params
            As for :meth:`engagement`.
        **options
            The documented ``adjusted``, ``average``, ``gaussian`` (booleans, sent
            as ``true``/``false``), ``language`` (``all``, ``en``, ``zh``, ``ko``,
            ``others``) and ``version`` (2 or 3); anything else, or another value,
            raises ValueError before any request.

        Returns
        -------
        pandas.DataFrame
            ``sentiment_score`` float64; ``sentiment_event`` text, missing on quiet days.

        Raises
        ------
        ValueError, KaitoError
            As for :meth:`engagement`.

        Examples
        --------
        >>> df = client.sentiment("BTC", language="en")  # doctest: +SKIP
        >>> df.dropna(subset="sentiment_event")  # doctest: +SKIP
        """
        return self.fetch(
            "sentiment",
            token,
            keyword=keyword,
            start=start,
            end=end,
            errors=errors,
            progress=progress,
            params=params,
            **options,
        )

    def narrative_mindshare(
        self,
        narrative: TokenArg = None,
        *,
        start: DateLike | None = None,
        end: DateLike | None = None,
        errors: Errors = "raise",
        progress: bool | None = None,
        params: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> pd.DataFrame:
        """Return the daily ``narrative_mindshare`` of a narrative: its share of attention.

        A fraction like mindshare (0.08 is 8% of crypto-Twitter conversation): it
        averages over time, never sums. Narrative ids are case-sensitive (``AI``,
        ``DeFi``, ``Account Abstraction``); :meth:`narratives` lists them, and an id
        not in that list is warned about (or, with ``check_tokens="raise"``, raises
        :class:`UnknownNarrativeError` with suggestions) before any request.

        Parameters
        ----------
        narrative : str or list of str
            Kaito narrative id(s). A list gives ``(metric, narrative)`` columns.
        start, end : date-like, optional
            Default 2023-01-01 and today (UTC).
        errors, progress, params
            As for :meth:`engagement`.
        **options
            None are documented: any other keyword raises ValueError before any request.

        Returns
        -------
        pandas.DataFrame
            Daily UTC index named ``date``; float64 ``narrative_mindshare``.

        Raises
        ------
        ValueError, KaitoError
            As for :meth:`engagement`.
        UnknownNarrativeError
            With ``check_tokens="raise"``, an id not in Kaito's narrative list; nothing is sent.

        Examples
        --------
        >>> df = client.narrative_mindshare(["AI", "DeFi", "RWA"], start="2024-01-01")  # doctest: +SKIP
        >>> df.kaito.share().plot.area()  # doctest: +SKIP
        """
        return self.fetch(
            "narrative_mindshare",
            narrative,
            start=start,
            end=end,
            errors=errors,
            progress=progress,
            params=params,
            **options,
        )

    def tokens(self, *, scope: str | None = None) -> pd.DataFrame:
        """Return the tokens Kaito supports: ``token``, ``fullname``, ``symbol``, ``coingecko_id``.

        Needs no API key, and is cached for a day. Kaito's ``token`` id can differ from
        the market ticker (``symbol``). Token queries check their ids against this list.

        Parameters
        ----------
        scope : {"pretge"}, optional
            ``"pretge"`` lists only pre-launch (Pre-TGE) projects, whose
            ``coingecko_id`` may be missing (None).

        Returns
        -------
        pandas.DataFrame

        Raises
        ------
        ValueError
            If ``scope`` is not a documented scope; nothing is sent.
        KaitoError
            The service failed or answered something that is not a list of tokens.

        Examples
        --------
        >>> tokens = client.tokens()  # doctest: +SKIP
        >>> tokens.loc[tokens.symbol == "HYPE", "token"]  # doctest: +SKIP
        """
        if scope is not None and scope not in SCOPES:
            raise ValueError(f"scope={scope!r}: use one of {', '.join(SCOPES)}, or leave it out")
        return self._listed(TOKEN_IDS, {"scope": scope} if scope else {})

    def narratives(self) -> pd.DataFrame:
        """Return the narratives Kaito tracks: ``narrative``, ``fullname``, ``description``.

        Needs no API key, and is cached for a day. ``narrative`` is the id to pass to
        :meth:`narrative_mindshare`; ids are case-sensitive and some hold spaces.

        Returns
        -------
        pandas.DataFrame

        Raises
        ------
        KaitoError
            The service failed or answered something that is not a list of narratives.

        Examples
        --------
        >>> narratives = client.narratives()  # doctest: +SKIP
        >>> client.narrative_mindshare(narratives["narrative"].head(5).tolist())  # doctest: +SKIP
        """
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

    def get_json(self, endpoint: str, *, cache: bool = True, **params: Any) -> Any:
        """Return the parsed JSON of ``GET /api/v1/<endpoint>``, for endpoints the package does not model.

        Same key, timeouts, retries, rate limit, error types and cache as the
        frames; nothing is parsed into a frame, and no parameter is checked but
        for the key (it travels in a header). Kaito publishes no response
        examples for ``mindshare_arena``, ``mindshare_delta``, ``events``,
        ``smart_followers`` and the like, so their shapes may change.

        Parameters
        ----------
        endpoint : str
            The endpoint's name, one path segment: ``"mindshare_arena"``.
        cache : bool, default True
            ``False`` neither reads nor writes the cache (offline, that raises).
        **params
            Query parameters, sent as given; booleans as ``true``/``false``, None left out.

        Returns
        -------
        object
            The decoded JSON: a dict, list, number, string or None.

        Raises
        ------
        ValueError
            A bad endpoint name or parameter, before any request.
        KaitoError
            As for :meth:`engagement`; a body that is not JSON is a ResponseError.

        Examples
        --------
        >>> arena = client.get_json("mindshare_arena", duration="7d")  # doctest: +SKIP
        >>> sorted(arena)  # doctest: +SKIP
        """
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
            )
        guard.check_zeros(frame, query, self.settings.check_tokens, warned=unknown)
        return frame

    def cache_info(self) -> pd.DataFrame:
        """Return one row per cached response: method, token or keyword, dates, expiry, size.

        Returns
        -------
        pandas.DataFrame
            Columns ``method``, ``token``, ``keyword``, ``start``, ``end``,
            ``params``, ``created``, ``expires`` (NaT: never), ``expired``, ``size``;
            empty when caching is off.

        Examples
        --------
        >>> client.cache_info().groupby("method")["size"].sum()  # doctest: +SKIP
        """
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

    def clear_cache(self, *, expired_only: bool = False) -> None:
        """Delete every cached response of this client's cache, or only the expired ones.

        Examples
        --------
        >>> client.clear_cache(expired_only=True)  # doctest: +SKIP
        """
        self._transport.memo.clear()
        session = self._transport.cached_session
        if session is not None:
            with self._in_use():
                cache.clear_cache(session, expired_only=expired_only)
