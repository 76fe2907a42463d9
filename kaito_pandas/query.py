"""Arguments to a checked query: names, dates, parameters. Pure: nothing is sent from here."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, Literal

from kaito_pandas.dates import ALL_METHODS, NARRATIVE_METHODS, DateLike, resolve_range, year_chunks

__all__ = [
    "DOCUMENTED_PARAMS",
    "KEYWORD_METHODS",
    "SCOPES",
    "Kind",
    "Query",
    "TokenArg",
    "check_endpoint",
    "plain_params",
    "plan_query",
    "subject_of",
]

#: A single name, or several for one frame with (metric, token) columns.
TokenArg = str | Iterable[str] | None
#: What a list query does when some names fail: raise for all, or warn and return the rest.
Errors = Literal["raise", "warn"]
#: What the names of a query are: the query parameter they are sent as.
Kind = Literal["token", "keyword", "narrative"]

#: Methods that accept ``keyword=`` as well as ``token=``.
KEYWORD_METHODS = frozenset({"engagement", "mentions"})
#: Parameters the client sets itself; passing them through ``**params`` is an error.
_RESERVED = {
    "start_date": "start=",
    "end_date": "end=",
    "token": "token=",
    "keyword": "keyword=",
    "narrative": "the narrative argument",
}
_SECRET_PARAMS = {"api_key", "apikey", "key", "x-api-key", "x_api_key"}
_BOOLEAN = ("true", "false")
#: The documented ``scope`` values: of ``mindshare`` and of the token list.
SCOPES = ("pretge",)
#: The parameters each method documents beyond token, keyword and the dates, with the
#: values they take as sent (booleans as ``true``/``false``). Any other keyword is a
#: ValueError before a request is sent; ``params={...}`` passes anything unchecked.
DOCUMENTED_PARAMS: dict[str, dict[str, tuple[str, ...]]] = {
    "engagement": {},
    "mentions": {},
    "mindshare": {"scope": SCOPES},
    "sentiment": {
        "adjusted": _BOOLEAN,
        "average": _BOOLEAN,
        "gaussian": _BOOLEAN,
        "language": ("all", "en", "zh", "ko", "others"),
        "version": ("2", "3"),
    },
    "narrative_mindshare": {},
}
#: The keyword arguments of the fetch functions themselves, for did-you-mean.
_OWN_ARGUMENTS = ("token", "keyword", "start", "end", "errors", "progress", "params")


@dataclasses.dataclass(frozen=True)
class Query:
    """One checked call: what to ask for, for which names, over which days."""

    method: str
    kind: Kind
    names: tuple[str, ...]
    many: bool
    start: dt.date
    end: dt.date
    params: tuple[tuple[str, str], ...] = ()

    def chunks(self, today: dt.date) -> list[tuple[dt.date, dt.date]]:
        """Return the whole calendar-year chunks to request for this query."""
        return year_chunks(self.method, self.start, self.end, today)

    def request_params(self, name: str, first: dt.date, last: dt.date) -> dict[str, str]:
        """Return the query string parameters of the chunk ``first..last``: both dates explicit.

        Whether the service's ``end_date`` is inclusive is not settled, so the chunk
        is asked through the day after its last one (the first day of the next
        chunk; tomorrow for the current one): its own days arrive under either
        reading, and the fetcher keeps only those.
        """
        return {
            self.kind: name,
            "start_date": first.isoformat(),
            "end_date": (last + dt.timedelta(days=1)).isoformat(),
            **dict(self.params),
        }

    def describe(self, name: str | None = None) -> str:
        """Return the query in words, for messages: ``engagement of token 'BTC' 2024-03-01..05``."""
        if name is None and self.many:
            who = f"{len(self.names)} {self.kind}s"
        else:
            label = name if name is not None else self.names[0]
            who = f"{self.kind} {label!r}"
        extra = "".join(f" {k}={v}" for k, v in self.params)
        return f"{self.method} of {who} {self.start}..{self.end}{extra}"

    def attrs(self) -> dict[Hashable, Any]:
        """Return what was asked, for ``DataFrame.attrs``."""
        return {
            "method": self.method,
            self.kind: list(self.names) if self.many else self.names[0],
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "params": dict(self.params),
        }


def plan_query(
    method: str,
    token: TokenArg = None,
    *,
    keyword: TokenArg = None,
    start: DateLike | None = None,
    end: DateLike | None = None,
    today: Callable[[], dt.date],
    params: Mapping[str, Any],
    extra: Mapping[str, Any] | None = None,
) -> Query:
    """Return the checked :class:`Query` for a call, without sending anything.

    Parameters
    ----------
    method : str
        One of :data:`~kaito_pandas.dates.ALL_METHODS`.
    token, keyword : str or list of str, optional
        Exactly one of them; ``token`` holds the narrative ids of narrative_mindshare.
    start, end : date-like, optional
        Defaulted and clipped by :func:`~kaito_pandas.dates.resolve_range`.
    today : callable
        Returns the current UTC day.
    params : mapping
        The method's documented parameters (:data:`DOCUMENTED_PARAMS`), checked.
    extra : mapping, optional
        Parameters passed to the API unchecked (``params=`` of the fetch
        functions), for parameters Kaito adds later.

    Returns
    -------
    Query

    Raises
    ------
    ValueError
        Unknown method, neither or both of token and keyword, a bad name,
        a bad date or range, a reserved parameter, or a parameter (or value)
        the method does not document.

    Examples
    --------
    >>> plan_query("engagement", "BTC", start="2024-03-01", today=lambda: dt.date(2024, 6, 1),
    ...            params={}).start
    datetime.date(2024, 3, 1)
    """
    if method not in ALL_METHODS:
        raise ValueError(f"unknown method {method!r}: use one of {', '.join(ALL_METHODS)}")
    subject = subject_of(method)
    if keyword is not None and method not in KEYWORD_METHODS:
        raise ValueError(
            f"{method} takes a {subject}, not a keyword; keywords work with "
            f"{' and '.join(sorted(KEYWORD_METHODS))}"
        )
    if token is not None and keyword is not None:
        raise ValueError("give token or keyword, not both")
    if token is None and keyword is None:
        hint = " or keyword=" if method in KEYWORD_METHODS else ""
        raise ValueError(f"{method} needs a {subject} (e.g. {_EXAMPLES[subject]}){hint}")
    kind: Kind = subject if keyword is None else "keyword"
    names, many = _names(token if keyword is None else keyword, kind)
    first, last = resolve_range(method, start, end, today=today)
    checked = _params(params)
    _check_documented(method, checked)
    unchecked = _params(extra or {})
    both = dict(checked)
    for key, value in unchecked:
        if key in both and both[key] != value:
            raise ValueError(f"{key} is given twice, as {key}= and in params=: give it once")
        both[key] = value
    return Query(method, kind, names, many, first, last, tuple(sorted(both.items())))


def subject_of(method: str) -> Literal["token", "narrative"]:
    """Return what a method's names are: ``"narrative"`` for narrative_mindshare, else ``"token"``."""
    return "narrative" if method in NARRATIVE_METHODS else "token"


_EXAMPLES = {"token": "'BTC'", "narrative": "'AI'; kp.narratives() lists the ids"}


def _check_documented(method: str, params: tuple[tuple[str, str], ...]) -> None:
    """Refuse a parameter the method does not document: a typo must not change the query."""
    documented = DOCUMENTED_PARAMS[method]
    for key, value in params:
        if key not in documented:
            own = [
                subject_of(method) if a == "token" else a
                for a in _OWN_ARGUMENTS
                if a != "keyword" or method in KEYWORD_METHODS
            ]
            known = [*own, *documented]
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}=? " if close else ""
            takes = ", ".join(f"{name}=" for name in known if name != "params")
            raise ValueError(
                f"{method} has no parameter {key!r}; {hint}{method} takes {takes}. "
                f"A parameter Kaito added after this release goes in params={{{key!r}: ...}}, "
                "sent unchecked."
            )
        if value not in documented[key]:
            raise ValueError(
                f"{method}: {key}={value!r} is not one of {', '.join(documented[key])} "
                f"(booleans go as True/False); params={{{key!r}: ...}} sends a value unchecked"
            )


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


_ENDPOINT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def check_endpoint(endpoint: object) -> str:
    """Return an endpoint name of ``GET /api/v1/<endpoint>``; refuse one that could leave that path.

    Raises
    ------
    ValueError
        If it is not one path segment of letters, digits, ``_`` and ``-``.

    Examples
    --------
    >>> check_endpoint("mindshare_arena")
    'mindshare_arena'
    """
    if not isinstance(endpoint, str) or not _ENDPOINT.fullmatch(endpoint):
        raise ValueError(
            f"endpoint={endpoint!r} is not an endpoint name such as 'mindshare_arena': "
            "letters, digits, '_' and '-' only (it goes after /api/v1/; parameters go "
            "as keyword arguments)"
        )
    return endpoint


def plain_params(params: Mapping[str, Any]) -> dict[str, str]:
    """Return parameters as sent, unchecked but for the key: booleans as ``true``/``false``.

    Raises
    ------
    ValueError
        If one is the API key (it travels in a header) or not a string, number or boolean.

    Examples
    --------
    >>> plain_params({"duration": "7d", "average": True, "language": None})
    {'average': 'true', 'duration': '7d'}
    """
    return dict(_params(params, reserved={}))


def _params(
    params: Mapping[str, Any], reserved: Mapping[str, str] = _RESERVED
) -> tuple[tuple[str, str], ...]:
    """Check pass-through parameters; booleans become ``true``/``false``, None is dropped."""
    out = []
    for key, value in params.items():
        if key in reserved:
            raise ValueError(f"pass {key} as {reserved[key]}, not as an extra parameter")
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
