"""The public functions' docstrings, shared by each Client method and its module function."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

#: Each method's docstring, as ``help()`` shows it for ``Client.x`` and ``kp.x``.
DOCS: dict[str, str] = {
    # plotting.plot's, here so that df.kaito.plot shows it without importing plotting
    "plot": """Return the Axes of the chart that fits the frame, or of the chart named by ``kind``.

Without ``kind``: one token's engagement → :func:`plot_engagement`; tokens'
engagement → :func:`plot_compare` of total engagement, rebased; tokens'
(or narratives') mindshare → :func:`plot_share`; one token's sentiment →
:func:`plot_sentiment`; tokens' sentiment → :func:`plot_compare` of scores;
tokens' mentions → :func:`plot_compare` of mentions summed over sources, log
scale; a correlation matrix → :func:`plot_corr`; anything else →
:func:`plot_lines`.

Parameters
----------
data : DataFrame
    A frame from kaito_pandas, or a matrix from :func:`analytics.corr`.
kind : {"engagement", "compare", "share", "sentiment", "corr", "lines", "spikes"}, optional
    The chart to draw; by default chosen from ``data.attrs["method"]`` and shape.
source : str, optional
    What the note under this chart credits (``"Kaito; own calculations"``);
    default :func:`set_source`'s. Numbers from the fake server are labelled
    demonstration data whatever this says.
**kwargs
    Passed to the chart function (``ax``, ``metric``, ``rolling``, ``freq``, ...);
    they override the choices above.

Returns
-------
Axes
    The chart.

Raises
------
ValueError
    If ``kind`` is unknown, or as the chart function raises.

Examples
--------
>>> ax = plot(kp.mindshare(["BTC", "ETH", "SOL"]))
>>> savefig(ax, "mindshare.png")
""",
    "engagement": """Return daily ``total_engagement`` and ``smart_engagement`` of a token or keyword.

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
refresh : bool, default False
    Fetch every year chunk the call touches again, whatever the cache holds
    and whenever it would expire, and replace the cached answers (through
    the same rate limit; identical requests in flight are still sent once).
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
""",
    "mentions": """Return daily document mentions per source (``document_mentions_twitter``, ...).

Parameters
----------
token, keyword, start, end, errors, progress, refresh, params, **options
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
""",
    "mindshare": """Return the daily ``mindshare`` of a token: a fraction of attention, 0.15 is 15%.

Parameters
----------
token : str or list of str
    Kaito token id(s); mindshare takes no keyword (a ``keyword=`` raises ValueError).
start, end : date-like, optional
    Default 2020-01-01 and today (UTC).
errors, progress, refresh, params
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
""",
    "sentiment": """Return the daily ``sentiment_score`` and ``sentiment_event`` text of a token.

Parameters
----------
token : str or list of str
    Kaito token id(s); sentiment takes no keyword (a ``keyword=`` raises ValueError).
start, end : date-like, optional
    Default 2020-01-01 and today (UTC).
errors, progress, refresh, params
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
""",
    "narrative_mindshare": """Return the daily ``narrative_mindshare`` of a narrative: its share of attention.

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
errors, progress, refresh, params
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
""",
    "tokens": """Return the tokens Kaito supports: ``token``, ``fullname``, ``symbol``, ``coingecko_id``.

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
""",
    "narratives": """Return the narratives Kaito tracks: ``narrative``, ``fullname``, ``description``.

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
""",
    "get_json": """Return the parsed JSON of ``GET /api/v1/<endpoint>``, for endpoints the package does not model.

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
""",
    "cache_info": """Return one row per cached response: method, token or keyword, dates, expiry, size.

Returns
-------
pandas.DataFrame
    Columns ``method``, ``token``, ``keyword``, ``start``, ``end``,
    ``params``, ``created``, ``expires`` (NaT: never), ``expired``, ``size``;
    empty when caching is off.

Examples
--------
>>> client.cache_info().groupby("method")["size"].sum()  # doctest: +SKIP
""",
    "clear_cache": """Delete every cached response of this client's cache, or only the expired ones.

Examples
--------
>>> client.clear_cache(expired_only=True)  # doctest: +SKIP
""",
}


def documented(name: str, *, module: bool = False) -> Callable[[F], F]:
    """Give a function the docstring of ``name``; the module's version uses the default client.

    Examples
    --------
    >>> @documented("tokens")
    ... def tokens(): ...
    """

    def apply(function: F) -> F:
        text = DOCS[name]
        if module:
            text = text.replace(">>> client.", ">>> kp.").replace("= client.", "= kp.")
            first, _, rest = text.partition("\n")
            text = f"{first}\n\nUses the default client (:func:`kaito_pandas.get_client`).\n{rest}"
        function.__doc__ = text
        return function

    return apply
