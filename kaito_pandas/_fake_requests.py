"""The fake Kaito server's request side: query validation and scripted faults; no I/O."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from kaito_pandas._synthetic_narratives import NARRATIVES
from kaito_pandas.dates import EARLIEST_DAY

_LANGUAGES = ("all", "en", "zh", "ko", "others")
_OPTIONS: dict[str, dict[str, frozenset[str]]] = {
    "engagement": {},
    "mentions": {},
    "mindshare": {"scope": frozenset({"pretge"})},
    "narrative_mindshare": {},
    "sentiment": {
        "adjusted": frozenset({"true", "false"}),
        "average": frozenset({"true", "false"}),
        "gaussian": frozenset({"true", "false"}),
        "language": frozenset(_LANGUAGES),
        "version": frozenset({"2", "3"}),
    },
}
_KEYWORD_METHODS = frozenset({"engagement", "mentions"})
_STRICT_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class _BadRequestError(ValueError):
    """A query the API refuses with 400; the message is the body's ``error``."""


def _parse_query(
    method: str, raw_query: str, today: dt.date, *, exclusive_end: bool = False
) -> dict[str, Any]:
    """Validate a query string; return synthetic_response's keyword arguments or raise.

    With ``exclusive_end`` the range served ends the day before ``end_date``.
    """
    try:
        pairs = parse_qsl(raw_query, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise _BadRequestError("query string is not valid UTF-8") from None
    params: dict[str, str] = {}
    for key, value in pairs:
        if key in params:
            raise _BadRequestError(f"parameter {key!r} given more than once")
        params[key] = value
    token, keyword = params.pop("token", None), params.pop("keyword", None)
    narrative = params.pop("narrative", None) if method == "narrative_mindshare" else None
    if method == "narrative_mindshare":
        _check_narrative(narrative, token or keyword)
    elif keyword is not None and method not in _KEYWORD_METHODS:
        raise _BadRequestError(f"{method} does not accept 'keyword': give a token")
    elif not token and not keyword:
        raise _BadRequestError("give a non-empty 'token' or 'keyword'")
    bounds = []
    for key, default in (("start_date", EARLIEST_DAY[method]), ("end_date", today)):
        text = params.pop(key, None)
        if text is None:
            bounds.append(default)
            continue
        try:
            if not _STRICT_DAY.fullmatch(text):
                raise ValueError
            bounds.append(dt.date.fromisoformat(text))
        except ValueError:
            raise _BadRequestError(f"{key}={text!r} is not a YYYY-MM-DD day") from None
    if bounds[0] > bounds[1]:
        raise _BadRequestError(f"start_date {bounds[0]} is after end_date {bounds[1]}")
    allowed = _OPTIONS[method]
    for key, value in params.items():
        if key not in allowed:
            raise _BadRequestError(f"unknown parameter {key!r} for {method}")
        if value not in allowed[key]:
            raise _BadRequestError(
                f"{key}={value!r} is not one of {', '.join(sorted(allowed[key]))}"
            )
    last = bounds[1] - dt.timedelta(days=1) if exclusive_end else bounds[1]
    start, end = max(bounds[0], EARLIEST_DAY[method]), min(last, today)
    query = {"token": token or None, "keyword": keyword or None, "start": start, "end": end}
    if narrative is not None:
        query["narrative"] = narrative
    return {**query, "params": params}


def _check_narrative(narrative: str | None, other: str | None) -> None:
    """Refuse what the service refuses: no narrative, a token instead, an id of the wrong case."""
    if other is not None:
        raise _BadRequestError("narrative_mindshare takes 'narrative', not 'token' or 'keyword'")
    if not narrative:
        raise _BadRequestError("give a non-empty 'narrative'")
    ids = [row["narrative"] for row in NARRATIVES]
    if narrative not in ids:
        case = (
            " (narrative ids are case-sensitive)"
            if narrative.lower() in map(str.lower, ids)
            else ""
        )
        raise _BadRequestError(f"unknown narrative {narrative!r}{case}")


@dataclass
class _Fault:
    status: int
    headers: dict[str, str]
    body: bytes
    drop: bool
    latency: float
    times: int
    endpoint: str | None
    stall: float
    params: dict[str, str]
    trickle: float = 0.0

    def matches(self, endpoint: str, params: Mapping[str, str]) -> bool:
        # the token list fails only by name, so that a scripted outage of the data
        # methods is not used up by the list the client checks token ids against
        wanted = endpoint != "tokens" if self.endpoint is None else endpoint == self.endpoint
        return wanted and self.params.items() <= params.items()
