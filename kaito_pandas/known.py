"""Kaito's token and narrative lists in the client's path: unknown ids, did-you-mean, zeros.

Kaito answers a token id it does not know with zeros, not an error, and a
narrative id of the wrong case (``ai`` for ``AI``) with 400. So before a query
is sent its ids are looked up in the list (``GET /api/v1/tokens`` or
``/narratives``), and after it is fetched a series that is 0 on every day is
pointed out. The lookup and the messages are pure; :class:`TokenGuard` keeps one
client's list of one kind.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import re
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from kaito_pandas.errors import (
    KaitoError,
    KaitoWarning,
    UnknownNarrativeError,
    UnknownTokenError,
)
from kaito_pandas.query import Query

__all__ = [
    "ID_KINDS",
    "MAX_SUGGESTIONS",
    "NARRATIVE_IDS",
    "TOKEN_IDS",
    "TOKEN_LIST_DEADLINE",
    "TOKEN_LIST_EXPIRE_AFTER",
    "TOKEN_LIST_RETRY_AFTER",
    "IdKind",
    "TokenGuard",
    "TokenList",
    "all_zero_message",
    "all_zero_names",
    "unknown_message",
]

logger = logging.getLogger("kaito_pandas")

#: Seconds the token (and narrative) list stays fresh, in the cache and in the client's memory.
TOKEN_LIST_EXPIRE_AFTER = 86400.0
#: After the list could not be had, seconds before a query asks for it again.
TOKEN_LIST_RETRY_AFTER = 600.0
#: Seconds the check may spend getting the list (retries included), so that a
#: failing list never costs a query the whole retry deadline.
TOKEN_LIST_DEADLINE = 10.0
#: Suggestions given at most per unknown id.
MAX_SUGGESTIONS = 3
_FUZZY_CUTOFF = 0.75
_ZEROS = "Kaito returns zeros for names it does not know"


@dataclasses.dataclass(frozen=True)
class IdKind:
    """A list of ids Kaito publishes: its noun (the id column), endpoint, columns, what a miss costs."""

    noun: str
    endpoint: str
    columns: tuple[str, ...]
    consequence: str
    error: type[UnknownTokenError] | type[UnknownNarrativeError]

    @property
    def lister(self) -> str:
        """The call that lists the ids: ``kp.tokens()``."""
        return f"kp.{self.endpoint}()"


TOKEN_IDS = IdKind(
    "token", "tokens", ("token", "fullname", "symbol", "coingecko_id"), _ZEROS, UnknownTokenError
)
NARRATIVE_IDS = IdKind(
    "narrative",
    "narratives",
    ("narrative", "fullname", "description"),
    "Narrative ids are case-sensitive and Kaito answers 400 for one it does not know",
    UnknownNarrativeError,
)
#: The kinds of ids that have a list, by :attr:`Query.kind`.
ID_KINDS = {kind.noun: kind for kind in (TOKEN_IDS, NARRATIVE_IDS)}
_WORD = re.compile(r"[a-z0-9]+")


class TokenList:
    """Kaito's token (or narrative) ids with their symbols and full names, for lookups; pure.

    Parameters
    ----------
    frame : pandas.DataFrame
        :meth:`Client.tokens`: columns ``token``, ``fullname`` and ``symbol``; or
        :meth:`Client.narratives`: ``narrative``, ``fullname`` and ``description``.
    kind : IdKind, default TOKEN_IDS
        :data:`NARRATIVE_IDS` for the narrative list; a name that matches no id or full
        name is then also looked up among the words of the descriptions.

    Examples
    --------
    >>> tokens = TokenList(pd.DataFrame({"token": ["HYPERLIQUID"], "fullname": ["Hyperliquid"],
    ...                                  "symbol": ["HYPE"]}))
    >>> tokens.suggest("hype")
    ['HYPERLIQUID']
    """

    def __init__(self, frame: pd.DataFrame, *, kind: IdKind = TOKEN_IDS) -> None:
        self.kind = kind
        self._rows: dict[str, tuple[str, str]] = {}
        self._words: dict[str, list[str]] = {}  # a description's words, to the ids they describe
        for token, fullname, symbol, description in zip(
            frame[kind.noun],
            _texts(frame, "fullname"),
            _texts(frame, "symbol"),
            _texts(frame, "description"),
            strict=True,
        ):
            self._rows.setdefault(str(token), (fullname, symbol))
            for word in dict.fromkeys(_WORD.findall(description.lower())):
                self._words.setdefault(word, []).append(str(token))
        # exact matches, case-insensitive: by id first, then by symbol, then by name
        self._exact: list[dict[str, list[str]]] = [{}, {}, {}]
        for token, (fullname, symbol) in self._rows.items():
            for table, key in zip(self._exact, (token, symbol, fullname), strict=True):
                if key:
                    table.setdefault(key.lower(), []).append(token)
        self._keys: dict[str, list[str]] = {}
        for table in self._exact:
            for key, ids in table.items():
                self._keys.setdefault(key, []).extend(ids)

    def __contains__(self, token: object) -> bool:
        return token in self._rows

    def __len__(self) -> int:
        return len(self._rows)

    def suggest(self, name: str) -> list[str]:
        """Return the ids closest to ``name`` by id, symbol or full name, best first."""
        # a listed id is matched by its own symbol and name: ids that share them
        keys = [name.strip(), *self._rows.get(name, ())]
        found = [
            t for table in self._exact for key in keys if key for t in table.get(key.lower(), [])
        ]
        found = [t for t in found if t != name]
        key = name.strip().lower()
        if not found and name not in self:  # a known id gets only others of its symbol or name
            close = difflib.get_close_matches(
                key, self._keys, n=MAX_SUGGESTIONS * 2, cutoff=_FUZZY_CUTOFF
            )
            found = [token for match in close for token in self._keys[match]]
        if not found and name not in self:
            found = self._words.get(key, [])
        return list(dict.fromkeys(found))[:MAX_SUGGESTIONS]

    def unknown(self, names: Iterable[str]) -> dict[str, list[str]]:
        """Return each name that is not an id in the list, with its suggestions."""
        return {name: self.suggest(name) for name in names if name not in self}

    def label(self, token: str) -> str:
        """Return an id in words: ``'HYPERLIQUID' (Hyperliquid, symbol HYPE)``."""
        fullname, symbol = self._rows.get(token, ("", ""))
        parts = [fullname] if fullname else []
        if symbol and symbol != token:
            parts.append(f"symbol {symbol}")
        return f"{token!r} ({', '.join(parts)})" if parts else repr(token)

    def did_you_mean(self, suggestions: list[str]) -> str:
        """Return ``did you mean 'A' (..) or 'B' (..)?``, or ``""`` without suggestions."""
        if not suggestions:
            return ""
        labels = [self.label(token) for token in suggestions]
        listed = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"
        return f"did you mean {listed}?"


def _texts(frame: pd.DataFrame, column: str) -> list[str]:
    if column not in frame.columns:
        return [""] * len(frame)
    return [value if isinstance(value, str) else "" for value in frame[column]]


#: How many unknown names a warning spells out before it says "and N more".
_MAX_NAMED = 10


def unknown_message(unknown: Mapping[str, list[str]], tokens: TokenList, *, asked: int) -> str:
    """Return the words for ids that are not in the list, one sentence per id.

    Examples
    --------
    >>> unknown_message({"btc": ["BTC"]}, tokens, asked=1)  # doctest: +SKIP
    "'btc' is not a Kaito token id; did you mean 'BTC' (Bitcoin)? Kaito answers ..."
    """
    kind = tokens.kind
    sentences: list[str] = []
    hopeless: list[str] = []  # no close match: named together, not one sentence each
    for name, suggestions in unknown.items():
        hint = tokens.did_you_mean(suggestions)
        if not hint:
            hopeless.append(name)
        elif len(sentences) < _MAX_NAMED:
            sentences.append(f"{name!r} is not a Kaito {kind.noun} id; {hint}")
        else:
            hopeless.append(name)  # past the first few hints, a name is enough
    if hopeless:
        shown = ", ".join(repr(name) for name in hopeless[:_MAX_NAMED])
        more = f" and {len(hopeless) - _MAX_NAMED} more" if len(hopeless) > _MAX_NAMED else ""
        if len(hopeless) == 1 and not sentences:
            sentences.append(
                f"{shown} is not a Kaito {kind.noun} id, and nothing in Kaito's "
                f"{kind.noun} list is close."
            )
        else:
            sentences.append(f"Nothing in Kaito's {kind.noun} list is close to {shown}{more}.")
    lead = (
        f"{len(unknown)} of {asked} {kind.noun}s are not Kaito {kind.noun} ids: "
        if asked > 1
        else ""
    )
    return (
        lead
        + " ".join(sentences)
        + f" {kind.consequence} ({kind.lister} lists the ids; check_tokens='off' skips this check)."
    )


def all_zero_names(frame: pd.DataFrame, query: Query) -> list[str]:
    """Return the names of ``query`` whose every number in ``frame`` is 0 (NaN aside).

    A name with no number at all is not all-zero: it has no data, which is not the same.

    Examples
    --------
    >>> all_zero_names(client.engagement("NOPE", start="2024-03-01"), query)  # doctest: +SKIP
    ['NOPE']
    """
    numeric = [i for i, dtype in enumerate(frame.dtypes) if dtype.kind == "f"]
    values = frame.iloc[:, numeric].to_numpy(dtype="float64")
    seen = ~np.isnan(values)
    valued, nonzero = seen.any(axis=0), (seen & (values != 0)).any(axis=0)
    has: dict[str, bool] = {}
    moves: dict[str, bool] = {}
    for i, v, n in zip(numeric, valued, nonzero, strict=True):
        name = frame.columns[i][1] if query.many else query.names[0]
        has[name] = has.get(name, False) or bool(v)
        moves[name] = moves.get(name, False) or bool(n)
    return [name for name in query.names if has.get(name) and not moves[name]]


def all_zero_message(
    names: list[str], query: Query, suggestions: Mapping[str, list[str]], tokens: TokenList | None
) -> str:
    """Return the words for series that are 0 on every day asked for, with suggestions."""
    listed = " and ".join(repr(name) for name in names)
    verb = "is" if len(names) == 1 else "are"
    kind = ID_KINDS.get(query.kind)
    head = f"Kaito {query.describe()}: {listed} {verb} 0 on every day asked for. {_ZEROS}: " + (
        f"check the id against {kind.lister}." if kind is not None else "check the keyword."
    )
    hints = []
    for name in names:
        hint = tokens.did_you_mean(suggestions.get(name, [])) if tokens is not None else ""
        if hint:
            hints.append(f" For {name!r}, {hint}")
    return head + "".join(hints)


class TokenGuard:
    """One client's id check of one kind: the list, fetched when first needed and kept a day.

    When the list cannot be had the check is skipped (a DEBUG log line says so) and
    the failure is remembered for :data:`TOKEN_LIST_RETRY_AFTER` seconds, so that
    queries do not wait for a failing list one after another.

    Parameters
    ----------
    fetch : callable
        Returns the list as :meth:`Client.tokens` (or :meth:`Client.narratives`) does;
        may raise a KaitoError.
    kind : IdKind, default TOKEN_IDS
        Which queries it checks: those whose names are of this kind.
    clock : callable
        Seconds, monotonic.

    Examples
    --------
    >>> guard = TokenGuard(client.tokens)  # doctest: +SKIP
    >>> guard.check(query, "warn")  # doctest: +SKIP
    """

    def __init__(
        self,
        fetch: Callable[[], pd.DataFrame],
        *,
        kind: IdKind = TOKEN_IDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self.kind = kind
        self._clock = clock
        self._list: tuple[float, TokenList] | None = None
        self._failed_at: float | None = None
        self._lock = threading.Lock()  # threads sharing a client fetch the list once

    def remember(self, frame: pd.DataFrame) -> None:
        """Keep a token list that was just fetched."""
        self._list = (self._clock(), TokenList(frame, kind=self.kind))
        self._failed_at = None

    def token_list(self) -> TokenList | None:
        """Return the token list, fetching it if need be; None when it cannot be had."""
        with self._lock:
            return self._token_list()

    def _token_list(self) -> TokenList | None:
        now = self._clock()
        if self._list is not None and now - self._list[0] < TOKEN_LIST_EXPIRE_AFTER:
            return self._list[1]
        if self._failed_at is not None and now - self._failed_at < TOKEN_LIST_RETRY_AFTER:
            logger.debug(
                "%s ids not checked: the list failed %.0fs ago",
                self.kind.noun,
                now - self._failed_at,
            )
            return None
        try:
            frame = self._fetch()
        except KaitoError as exc:
            self._failed_at = now
            logger.debug("%s ids not checked: no list (%s)", self.kind.noun, exc)
            return None
        self.remember(frame)
        return self._list[1] if self._list is not None else None

    def check(self, query: Query, mode: str) -> dict[str, list[str]]:
        """Warn about, or raise for, ids of ``query`` not in the list; return them.

        Raises
        ------
        UnknownTokenError, UnknownNarrativeError
            With ``mode="raise"``, if an id is not in the list (the guard's kind's error).
        """
        if mode == "off" or query.kind != self.kind.noun:
            return {}
        if dict(query.params).get("scope"):
            # whether Kaito's full list holds pre-TGE tokens is not documented: no guess
            logger.debug("token ids not checked: %s has a scope", query.describe())
            return {}
        tokens = self.token_list()
        unknown = tokens.unknown(query.names) if tokens is not None else {}
        if tokens is None or not unknown:
            return {}
        message = unknown_message(unknown, tokens, asked=len(query.names))
        if mode == "raise":
            raise self.kind.error(message, suggestions=unknown)
        warnings.warn(message, KaitoWarning, stacklevel=4)
        return unknown

    def check_zeros(
        self, frame: pd.DataFrame, query: Query, mode: str, *, warned: Iterable[str] = ()
    ) -> None:
        """Warn once about every name of ``query`` whose series is all zeros, unless warned."""
        if mode == "off":
            return
        skip = set(warned)
        names = [name for name in all_zero_names(frame, query) if name not in skip]
        if not names:
            return
        tokens = self.token_list() if query.kind == self.kind.noun else None
        suggestions = {name: tokens.suggest(name) for name in names} if tokens is not None else {}
        warnings.warn(
            all_zero_message(names, query, suggestions, tokens), KaitoWarning, stacklevel=4
        )
