"""kaito_pandas: Kaito's daily social-data API as tidy pandas DataFrames.

>>> import kaito_pandas as kp
>>> kp.engagement("BTC", start="2024-03-01")  # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

import contextlib
import importlib
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from kaito_pandas import accessor as _accessor  # noqa: F401  (registers df.kaito)
from kaito_pandas._docs import documented
from kaito_pandas._public import public_dir
from kaito_pandas.dates import DateLike
from kaito_pandas.errors import (
    APIError,
    AuthenticationError,
    CacheMissError,
    KaitoError,
    KaitoWarning,
    RateLimitError,
    ResponseError,
    UnknownNarrativeError,
    UnknownTokenError,
)
from kaito_pandas.query import Errors, TokenArg
from kaito_pandas.settings import Settings

if TYPE_CHECKING:
    from kaito_pandas.client import Client
    from kaito_pandas.store import Store

__all__ = [
    "APIError",
    "AuthenticationError",
    "CacheMissError",
    "Client",
    "KaitoError",
    "KaitoWarning",
    "RateLimitError",
    "ResponseError",
    "Settings",
    "Store",
    "UnknownNarrativeError",
    "UnknownTokenError",
    "__version__",
    "cache_info",
    "clear_cache",
    "configure",
    "engagement",
    "get_client",
    "get_json",
    "mentions",
    "mindshare",
    "narrative_mindshare",
    "narratives",
    "sentiment",
    "tokens",
]

_lock = threading.Lock()
_default: Client | None = None
_overrides: dict[str, Any] = {}


#: Subpackages that tab completion offers and ``kp.<name>`` imports on first use.
_SUBPACKAGES = ("analytics", "plotting", "report", "store", "testing")


def __getattr__(name: str) -> Any:
    # requests, requests-cache and urllib3 load with the first client, not with the
    # package: `import kaito_pandas` costs about what `import pandas` does (PEP 562)
    if name == "Client":
        return importlib.import_module("kaito_pandas.client").Client
    if name == "Store":  # pyarrow and duckdb load when a store is opened, not here
        return importlib.import_module("kaito_pandas.store").Store
    if name in _SUBPACKAGES:
        return importlib.import_module(f"kaito_pandas.{name}")
    raise AttributeError(f"module 'kaito_pandas' has no attribute {name!r}")


__dir__ = public_dir([*__all__, *_SUBPACKAGES])


def _new_client(**settings: Any) -> Client:
    from kaito_pandas.client import Client

    return Client(**settings)


def get_client() -> Client:
    """Return the default :class:`Client` the module functions use, building it on first use.

    Its settings come from :func:`configure`, then the ``KAITO_*`` environment
    variables as they are when it is built.

    Returns
    -------
    Client

    Raises
    ------
    ValueError
        If a configured or environment setting is invalid.

    Examples
    --------
    >>> import kaito_pandas as kp
    >>> kp.get_client()  # doctest: +SKIP
    """
    global _default
    with _lock:
        if _default is None:
            _default = _new_client(**_overrides)
        return _default


@contextlib.contextmanager
def _default_client() -> Iterator[Client]:
    """The default client, held open for one call even if configure() replaces it meanwhile."""
    global _default
    with contextlib.ExitStack() as stack:
        with _lock:
            if _default is None:
                _default = _new_client(**_overrides)
            client = _default
            stack.enter_context(client._in_use())
        yield client


def configure(**settings: Any) -> Client | None:
    """Change the default client's settings; return the new default client.

    Settings given here add to those of earlier calls, and ``None`` forgets
    one so that its environment variable or default applies again. The client
    is built at once, reading the environment now, so a bad setting fails
    here. With no arguments, every setting is forgotten and ``None`` is
    returned: the next call builds the default client from the environment.

    Parameters
    ----------
    **settings
        ``api_key``, ``base_url``, ``session``, ``today``, or any
        :class:`Settings` field.

    Returns
    -------
    Client or None

    The previous default client is closed once the calls it is serving (in
    other threads) have finished; they finish on it, unaffected.

    Raises
    ------
    ValueError, TypeError
        If a setting is invalid or unknown; the previous client stays in use.

    Examples
    --------
    >>> import kaito_pandas as kp
    >>> kp.configure(base_url="http://127.0.0.1:8000", api_key="fake-key")  # doctest: +SKIP
    """
    global _default
    merged = {k: v for k, v in {**_overrides, **settings}.items() if v is not None}
    client = _new_client(**merged) if settings else None
    with _lock:
        old, _default = _default, client
        _overrides.clear()
        if settings:
            _overrides.update(merged)
    if old is not None:
        old.close()
    return client


@documented("engagement", module=True)
def engagement(
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
    with _default_client() as client:
        return client.engagement(
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


@documented("mentions", module=True)
def mentions(
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
    with _default_client() as client:
        return client.mentions(
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


@documented("mindshare", module=True)
def mindshare(
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
    with _default_client() as client:
        return client.mindshare(
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


@documented("sentiment", module=True)
def sentiment(
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
    with _default_client() as client:
        return client.sentiment(
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


@documented("narrative_mindshare", module=True)
def narrative_mindshare(
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
    with _default_client() as client:
        return client.narrative_mindshare(
            narrative,
            start=start,
            end=end,
            errors=errors,
            progress=progress,
            refresh=refresh,
            params=params,
            **options,
        )


@documented("tokens", module=True)
def tokens(*, scope: str | None = None) -> pd.DataFrame:
    with _default_client() as client:
        return client.tokens(scope=scope)


@documented("narratives", module=True)
def narratives() -> pd.DataFrame:
    with _default_client() as client:
        return client.narratives()


@documented("get_json", module=True)
def get_json(endpoint: str, *, cache: bool = True, **params: Any) -> Any:
    with _default_client() as client:
        return client.get_json(endpoint, cache=cache, **params)


@documented("cache_info", module=True)
def cache_info() -> pd.DataFrame:
    with _default_client() as client:
        return client.cache_info()


@documented("clear_cache", module=True)
def clear_cache(expired_only: bool = False) -> None:
    with _default_client() as client:
        client.clear_cache(expired_only=expired_only)
