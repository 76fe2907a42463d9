"""The Client: checks a query, plans its requests, fetches them and assembles the frame."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, Literal

import pandas as pd
import requests

from kaito_pandas.dates import METHODS, DateLike, resolve_range, today_utc
from kaito_pandas.errors import ResponseError
from kaito_pandas.parsing import combine_frames, loads, parse_response
from kaito_pandas.settings import Settings
from kaito_pandas.transport import Transport

__all__ = ["Client", "Query", "TokenArg"]

#: A single name, or several for one frame with (metric, token) columns.
TokenArg = str | Iterable[str] | None

#: Methods that accept ``keyword=`` as well as ``token=``.
KEYWORD_METHODS = frozenset({"engagement", "mentions"})
#: Parameters the client sets itself; passing them through ``**params`` is an error.
_RESERVED = {
    "start_date": "start=",
    "end_date": "end=",
    "token": "token=",
    "keyword": "keyword=",
}
_SECRET_PARAMS = {"api_key", "apikey", "key", "x-api-key", "x_api_key"}


@dataclasses.dataclass(frozen=True)
class Query:
    """One checked call: what to ask for, for which names, over which days."""

    method: str
    kind: Literal["token", "keyword"]
    names: tuple[str, ...]
    many: bool
    start: dt.date
    end: dt.date
    params: tuple[tuple[str, str], ...] = ()

    def request_params(self, name: str) -> dict[str, str]:
        """Return the query string parameters for one name: both dates always explicit."""
        return {
            self.kind: name,
            "start_date": self.start.isoformat(),
            "end_date": self.end.isoformat(),
            **dict(self.params),
        }

    def describe(self, name: str | None = None) -> str:
        """Return the query in words, for messages: ``engagement of token 'BTC' 2024-03-01..05``."""
        who: object = name if name is not None else (self.names if self.many else self.names[0])
        extra = "".join(f" {k}={v}" for k, v in self.params)
        return f"{self.method} of {self.kind} {who!r} {self.start}..{self.end}{extra}"

    def attrs(self) -> dict[Hashable, Any]:
        """Return what was asked, for ``DataFrame.attrs``."""
        return {
            "method": self.method,
            self.kind: list(self.names) if self.many else self.names[0],
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "params": dict(self.params),
        }


class Client:
    """A connection to Kaito's API: the four time-series methods as DataFrames.

    Parameters
    ----------
    api_key : str, optional
        Defaults to the ``KAITO_API_KEY`` environment variable, read now.
    base_url : str, optional
        Defaults to ``KAITO_API_BASE_URL``, then ``https://api.kaito.ai``.
    session : requests.Session, optional
        A session to send requests with; the client makes its own by default.
    today : callable, optional
        Returns the current UTC day; for tests and reproducible notebooks.
    **settings
        Any other :class:`~kaito_pandas.settings.Settings` field (timeouts,
        ``max_attempts``, ``rate_limit``, ...).

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
        self._transport = Transport(self.settings, session=session)

    def __repr__(self) -> str:
        key = "set" if self.settings.api_key else "missing"
        return f"Client(base_url={self.settings.base_url!r}, api_key={key})"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the client's connections."""
        self._transport.close()

    def engagement(
        self,
        token: TokenArg = None,
        *,
        keyword: TokenArg = None,
        start: DateLike | None = None,
        end: DateLike | None = None,
        **params: Any,
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
        **params
            Passed to the API unchanged.

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
        return self.fetch("engagement", token, keyword=keyword, start=start, end=end, **params)

    def mentions(
        self,
        token: TokenArg = None,
        *,
        keyword: TokenArg = None,
        start: DateLike | None = None,
        end: DateLike | None = None,
        **params: Any,
    ) -> pd.DataFrame:
        """Return daily document mentions per source (``document_mentions_twitter``, ...).

        Parameters
        ----------
        token, keyword, start, end, **params
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
        return self.fetch("mentions", token, keyword=keyword, start=start, end=end, **params)

    def mindshare(
        self,
        token: TokenArg,
        *,
        start: DateLike | None = None,
        end: DateLike | None = None,
        **params: Any,
    ) -> pd.DataFrame:
        """Return the daily ``mindshare`` of a token: a fraction of attention, 0.15 is 15%.

        Parameters
        ----------
        token : str or list of str
            Kaito token id(s).
        start, end : date-like, optional
            Default 2020-01-01 and today (UTC).
        **params
            Passed to the API unchanged, e.g. ``scope="pretge"``.

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
        return self.fetch("mindshare", token, start=start, end=end, **params)

    def sentiment(
        self,
        token: TokenArg,
        *,
        start: DateLike | None = None,
        end: DateLike | None = None,
        **params: Any,
    ) -> pd.DataFrame:
        """Return the daily ``sentiment_score`` and ``sentiment_event`` text of a token.

        Parameters
        ----------
        token : str or list of str
            Kaito token id(s).
        start, end : date-like, optional
            Default 2020-01-01 and today (UTC).
        **params
            Passed to the API unchanged: ``adjusted``, ``average``, ``gaussian``,
            ``language``, ``version``. Booleans are sent as ``true``/``false``.

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
        return self.fetch("sentiment", token, start=start, end=end, **params)

    def tokens(self) -> pd.DataFrame:
        """Return the tokens Kaito supports: ``token``, ``fullname``, ``symbol``, ``coingecko_id``.

        Needs no API key. Kaito's ``token`` id can differ from the market ticker (``symbol``).

        Returns
        -------
        pandas.DataFrame

        Raises
        ------
        KaitoError
            The service failed or answered something that is not a list of tokens.

        Examples
        --------
        >>> tokens = client.tokens()  # doctest: +SKIP
        >>> tokens.loc[tokens.symbol == "HYPE", "token"]  # doctest: +SKIP
        """
        what = "tokens list"
        body = self._transport.get("tokens", {}, what=what, auth=False)
        rows = loads(body)
        if not isinstance(rows, list) or not all(
            isinstance(row, dict) and isinstance(row.get("token"), str) for row in rows
        ):
            raise ResponseError(f"Kaito {what}: expected a JSON list of objects with a 'token'")
        columns = ["token", "fullname", "symbol", "coingecko_id"]
        extra = [k for row in rows for k in row if k not in columns]
        return pd.DataFrame(rows, columns=list(dict.fromkeys([*columns, *extra])))

    def plan(
        self,
        method: str,
        token: TokenArg = None,
        *,
        keyword: TokenArg = None,
        start: DateLike | None = None,
        end: DateLike | None = None,
        **params: Any,
    ) -> Query:
        """Return the checked :class:`Query` for a call, without sending anything.

        Raises
        ------
        ValueError
            Unknown method, neither or both of token and keyword, a bad name,
            a bad date or range, or a reserved parameter.
        """
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}: use one of {', '.join(METHODS)}")
        if keyword is not None and method not in KEYWORD_METHODS:
            raise ValueError(
                f"{method} takes a token, not a keyword; keywords work with "
                f"{' and '.join(sorted(KEYWORD_METHODS))}"
            )
        if token is not None and keyword is not None:
            raise ValueError("give token or keyword, not both")
        if token is None and keyword is None:
            hint = " or keyword=" if method in KEYWORD_METHODS else ""
            raise ValueError(f"{method} needs a token (e.g. 'BTC'){hint}")
        kind: Literal["token", "keyword"] = "token" if keyword is None else "keyword"
        names, many = _names(token if keyword is None else keyword, kind)
        first, last = resolve_range(method, start, end, today=self._today)
        return Query(method, kind, names, many, first, last, _params(params))

    def fetch(
        self,
        method: str,
        token: TokenArg = None,
        *,
        keyword: TokenArg = None,
        start: DateLike | None = None,
        end: DateLike | None = None,
        **params: Any,
    ) -> pd.DataFrame:
        """Return the frame of any of the four methods; :meth:`engagement` and friends call this.

        Raises
        ------
        ValueError, KaitoError
            As for :meth:`engagement`.

        Examples
        --------
        >>> client.fetch("mindshare", "BTC", start="2024-03-01")  # doctest: +SKIP
        """
        query = self.plan(method, token, keyword=keyword, start=start, end=end, **params)
        frames = {name: self._fetch_one(query, name) for name in query.names}
        frame = combine_frames(frames, level=query.kind) if query.many else frames[query.names[0]]
        frame.attrs = query.attrs()
        return frame

    def _fetch_one(self, query: Query, name: str) -> pd.DataFrame:
        what = query.describe(name)
        body = self._transport.get(query.method, query.request_params(name), what=what)
        try:
            return parse_response(body, query.method, start=query.start, end=query.end)
        except ResponseError as exc:
            raise ResponseError(f"Kaito {what}: {exc}", status_code=200) from None


def _names(value: object, kind: str) -> tuple[tuple[str, ...], bool]:
    """Check a token or keyword argument: the names, and whether a list was given."""
    if isinstance(value, str):
        names: tuple[object, ...] = (value,)
        many = False
    elif isinstance(value, (bytes, Mapping)) or not isinstance(value, Iterable):
        raise ValueError(
            f"{kind} must be a string or a list of strings, not {type(value).__name__}"
        )
    else:
        names = tuple(value)
        many = True
        if not names:
            raise ValueError(f"the list of {kind}s is empty")
    checked: list[str] = []
    for name in names:
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"every {kind} must be a non-empty string, got {name!r}")
        if name in checked:
            raise ValueError(f"{kind} {name!r} is given more than once")
        checked.append(name)
    return tuple(checked), many


def _params(params: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """Check pass-through parameters; booleans become ``true``/``false``, None is dropped."""
    out = []
    for key, value in params.items():
        if key in _RESERVED:
            raise ValueError(f"pass {key} as {_RESERVED[key]}, not as an extra parameter")
        if key.lower() in _SECRET_PARAMS:
            raise ValueError(
                "the API key goes in the x-api-key header, never the query: "
                "pass kp.Client(api_key=...) or set KAITO_API_KEY"
            )
        if value is None:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (str, int, float)):
            text = str(value)
        else:
            raise ValueError(f"parameter {key}={value!r} must be a string, number or boolean")
        out.append((key, text))
    return tuple(sorted(out))
