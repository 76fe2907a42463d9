"""Kaito JSON bodies to DataFrames, by the one parsing rule of the API contract. Pure, no I/O.

Walk the JSON object. An object whose keys are all ``YYYY-MM-DD`` days is a
time axis. A scalar under a day is a value of the column named by the path of
keys above the time axis, joined with ``_``; an object under a day gives one
column per field, path plus field name. Anything else is malformed.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kaito_pandas.errors import ResponseError

__all__ = [
    "REQUIRED_COLUMNS",
    "TEXT_FIELDS",
    "combine_frames",
    "empty_frame",
    "frame_from_columns",
    "is_text",
    "loads",
    "parse_columns",
    "parse_list",
    "parse_response",
]

#: Columns every frame of a method has, NaN where the service sent none
#: (a keyword query's ``smart_engagement``).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "engagement": ("total_engagement", "smart_engagement"),
    "mindshare": ("mindshare",),
    "sentiment": ("sentiment_score", "sentiment_event"),
    "mentions": (),
    "narrative_mindshare": ("narrative_mindshare",),
}

#: Field names whose values are text; every other value must be a number or null.
TEXT_FIELDS: frozenset[str] = frozenset({"event"})

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

Columns = dict[str, dict[dt.date, Any]]


def loads(body: bytes | str) -> Any:
    """Return the JSON value of ``body``, strictly: no NaN/Infinity, no repeated keys.

    Raises
    ------
    ResponseError
        If the body is not strict JSON.
    """

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) != len(items):
            dup = next(k for k, n in Counter(k for k, _ in items).items() if n > 1)
            raise ResponseError(f"the response repeats the key {dup!r}")
        return obj

    def constant(name: str) -> Any:
        raise ResponseError(f"the response holds {name}, which is not JSON")

    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ResponseError("the response is not UTF-8 text") from None
    if not body.strip():
        raise ResponseError("the response body is empty")
    try:
        return json.loads(body, object_pairs_hook=pairs, parse_constant=constant)
    except RecursionError:
        raise ResponseError("the response is nested too deeply to be Kaito's JSON") from None
    except json.JSONDecodeError as exc:
        raise ResponseError(
            f"the response is not JSON ({exc.msg}, character {exc.pos}): {_preview(body)}"
        ) from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise ResponseError(f"the response is not usable JSON: {exc}") from None


def parse_columns(payload: Any) -> Columns:
    """Return ``{column: {day: value}}`` from a decoded body, by the one parsing rule.

    Numbers become ``float``, null becomes NaN, text fields keep their text
    (``None`` for null or ``""``).

    Raises
    ------
    ResponseError
        If anything in the body fits no time axis, or a value has the wrong type.

    Examples
    --------
    >>> parse_columns({"mindshare": {"2024-03-01": 0.13}})
    {'mindshare': {datetime.date(2024, 3, 1): 0.13}}
    """
    if not isinstance(payload, dict):
        raise ResponseError(f"the response is {_json_type(payload)}, not a JSON object of metrics")
    columns: Columns = {}
    try:
        _walk(payload, (), columns, {})
    except RecursionError:
        raise ResponseError("the response is nested too deeply to be Kaito's JSON") from None
    return columns


def is_text(column: str) -> bool:
    """Return whether a column holds text: its name ends in a text field (``_event``)."""
    return column.rsplit("_", 1)[-1] in TEXT_FIELDS


_Owners = dict[str, tuple[str, ...]]


def _walk(obj: dict[str, Any], path: tuple[str, ...], out: Columns, owners: _Owners) -> None:
    days = [_as_day(key) for key in obj]
    if obj and all(day is not None for day in days):
        _read_axis(obj, days, path, out, owners)  # type: ignore[arg-type]
        return
    if any(day is not None for day in days):
        bad = next(key for key, day in zip(obj, days, strict=True) if day is None)
        raise ResponseError(f"{_where(path)} mixes days with the non-day key {bad!r}")
    if path and not obj:
        _column(out, owners, path)  # an empty time axis: a column with no days
        return
    for key, value in obj.items():
        if not isinstance(value, dict):
            raise ResponseError(
                f"{_where((*path, key))} is {_json_type(value)}, expected an object of days"
            )
        _walk(value, (*path, key), out, owners)


def _column(out: Columns, owners: _Owners, path: tuple[str, ...]) -> dict[dt.date, Any]:
    """The column of ``path``; two paths that join to one name make the response ambiguous."""
    name = "_".join(path)
    owner = owners.setdefault(name, path)
    if owner != path:
        raise ResponseError(f"{_where(owner)} and {_where(path)} would both be the column {name!r}")
    return out.setdefault(name, {})


def _read_axis(
    obj: dict[str, Any],
    days: list[dt.date],
    path: tuple[str, ...],
    out: Columns,
    owners: _Owners,
) -> None:
    if not path:
        raise ResponseError("the response is a bare series of days with no metric name")
    for day, value in zip(days, obj.values(), strict=True):
        if isinstance(value, dict):
            for field, item in value.items():
                if isinstance(item, (dict, list)):
                    raise ResponseError(
                        f"{_where((*path, field))} on {day} is {_json_type(item)}, expected a value"
                    )
                _column(out, owners, (*path, field))[day] = _scalar(
                    item, "_".join((*path, field)), day
                )
        else:
            _column(out, owners, path)[day] = _scalar(value, "_".join(path), day)


def _scalar(value: Any, column: str, day: dt.date) -> Any:
    if is_text(column):
        if value is None or isinstance(value, str):
            return value or None
        raise ResponseError(f"{column} on {day} is {_json_type(value)}, expected text or null")
    if value is None:
        return math.nan
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise ResponseError(f"{column} on {day} is {value!r:.40}, not a finite number")
        return number
    raise ResponseError(
        f"{column} on {day} is {_json_type(value)} {value!r:.40}, expected a number"
    )


def frame_from_columns(
    columns: Mapping[str, Mapping[dt.date, Any]],
    *,
    start: dt.date,
    end: dt.date,
    required: Iterable[str] = (),
) -> pd.DataFrame:
    """Return the daily UTC frame of ``columns`` restricted to ``start..end``.

    The index runs from the first to the last day in range that has a value
    (not null) in any column; days missing or null in between are rows of NaN. Required columns absent from the
    response are added as all-missing.

    Examples
    --------
    >>> frame_from_columns({"mindshare": {dt.date(2024, 3, 1): 0.1}},
    ...                    start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 2)).shape
    (1, 1)
    """
    names = list(dict.fromkeys([*required, *columns]))
    # the frame spans the days with a value: a null first or last day is no row of NaN
    present = {
        day
        for col in columns.values()
        for day, value in col.items()
        if start <= day <= end and value is not None and value == value  # NaN != NaN
    }
    if not present:
        return empty_frame(names)
    first, last = min(present), max(present)
    size = (last - first).days + 1
    index = pd.date_range(first, periods=size, freq="D", tz="UTC", name="date", unit="ns")
    data: dict[str, Any] = {}
    for name in names:
        kept = {day: value for day, value in columns.get(name, {}).items() if first <= day <= last}
        rows = np.fromiter(((day - first).days for day in kept), dtype=np.intp, count=len(kept))
        if is_text(name):
            text = np.full(size, None, dtype=object)
            text[rows] = list(kept.values())
            data[name] = pd.array(text, dtype="string")
        else:
            numbers = np.full(size, math.nan)
            numbers[rows] = np.fromiter(kept.values(), dtype=np.float64, count=len(kept))
            data[name] = numbers
    return pd.DataFrame(data, index=index, columns=names)


def empty_frame(names: Iterable[str]) -> pd.DataFrame:
    """Return a frame with no rows, the given columns and the daily UTC index of the contract."""
    names = list(names)
    index = pd.DatetimeIndex([], dtype="datetime64[ns, UTC]", name="date", freq="D")
    data = {
        name: pd.array([], dtype="string") if is_text(name) else np.array([], dtype="float64")
        for name in names
    }
    return pd.DataFrame(data, index=index, columns=names)


def parse_list(body: bytes | str, columns: Sequence[str]) -> pd.DataFrame:
    """Return a JSON list of objects as a frame (``/tokens``, ``/narratives``): ``columns`` first.

    The first of ``columns`` is the id every object must have; other keys follow them.

    Raises
    ------
    ResponseError
        If the body is not a JSON list of objects that each have a text ``columns[0]``.

    Examples
    --------
    >>> parse_list(b'[{"token": "HYPERLIQUID"}]', ("token", "symbol")).columns.tolist()
    ['token', 'symbol']
    """
    rows = loads(body)
    if not isinstance(rows, list) or not all(
        isinstance(row, dict) and isinstance(row.get(columns[0]), str) for row in rows
    ):
        raise ResponseError(f"expected a JSON list of objects with a {columns[0]!r}")
    extra = [key for row in rows for key in row if key not in columns]
    return pd.DataFrame(rows, columns=list(dict.fromkeys([*columns, *extra])))


def parse_response(body: bytes | str, method: str, *, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Return the frame of one response body of ``method`` for the days ``start..end``.

    Parameters
    ----------
    body : bytes or str
        The raw response body.
    method : str
        ``"engagement"``, ``"mindshare"``, ``"sentiment"`` or ``"mentions"``.
    start, end : datetime.date
        The days asked for; days outside are dropped.

    Returns
    -------
    pandas.DataFrame
        Daily UTC index named ``date``; float64 numbers, "string" text.

    Raises
    ------
    ResponseError
        If the body breaks the parsing rule; nothing partial is returned.

    Examples
    --------
    >>> parse_response(b'{"mindshare": {"2024-03-01": 0.13}}', "mindshare",
    ...                start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 1))["mindshare"].iloc[0]
    0.13
    """
    columns = parse_columns(loads(body))
    return frame_from_columns(
        columns, start=start, end=end, required=REQUIRED_COLUMNS.get(method, ())
    )


def _as_day(key: str) -> dt.date | None:
    if not _DAY.fullmatch(key):
        return None
    try:
        return dt.date.fromisoformat(key)
    except ValueError:
        return None


def _where(path: tuple[str, ...]) -> str:
    return "the response" if not path else "'" + ".".join(path) + "'"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _preview(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[:limit] + "…")


def combine_frames(frames: Mapping[str, pd.DataFrame], *, level: str) -> pd.DataFrame:
    """Return one frame of several single-query frames, columns ``(metric, level)``.

    Metrics keep their order of first appearance and names the order given;
    a metric one name lacks is all-missing for it, and the index spans every
    day any name has.

    Examples
    --------
    >>> combine_frames({"BTC": btc, "ETH": eth}, level="token")["mindshare"]  # doctest: +SKIP
    """
    metrics = list(dict.fromkeys(col for frame in frames.values() for col in frame.columns))
    filled = [frame.index for frame in frames.values() if len(frame)]
    if filled:
        first = min(index[0] for index in filled)
        last = max(index[-1] for index in filled)
        index = pd.date_range(first, last, freq="D", name="date", unit="ns")
    else:
        index = pd.DatetimeIndex(empty_frame([]).index)
    data: dict[tuple[str, str], Any] = {}
    for metric in metrics:
        for name, frame in frames.items():
            if metric in frame.columns:
                data[(metric, name)] = frame[metric].reindex(index).array
            else:
                data[(metric, name)] = empty_frame([metric]).reindex(index)[metric].array
    columns = pd.MultiIndex.from_tuples(list(data), names=["metric", level])
    return pd.DataFrame(
        dict(zip(columns, data.values(), strict=True)), index=index, columns=columns
    )
