"""Kaito JSON bodies to DataFrames, by the one parsing rule of the API contract. Pure, no I/O.

Walk the JSON object. An object whose keys are all ``YYYY-MM-DD`` days is a
time axis. A scalar under a day is a value of the column named by the path of
keys above the time axis, joined with ``_``; an object under a day gives one
column per field, path plus field name. Anything else is malformed.

Bodies are read in bulk: each time axis's days with one numpy conversion, each
column's values with one float64 (or text) array, types and dates checked for the
whole axis at once. Anything the bulk reader is not sure of goes to the exact
walker in ``_strict``, which reads it value by value or raises the error that
names the fault; so both give the same columns and the same errors.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kaito_pandas._strict import TEXT_FIELDS, Columns, is_text, loads, parse_columns
from kaito_pandas.errors import ResponseError

__all__ = [
    "REQUIRED_COLUMNS",
    "TEXT_FIELDS",
    "Arrays",
    "Columns",
    "combine_frames",
    "empty_frame",
    "frame_from_columns",
    "is_text",
    "loads",
    "parse_arrays",
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

#: ``{column: (days, values)}``: datetime64[D] days, float64 numbers or object text (None for none).
Arrays = dict[str, tuple[np.ndarray, np.ndarray]]

_DAY = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
_IS_DAY = re.compile(_DAY)
_ALL_DAYS = re.compile(f"{_DAY}(?:\x00{_DAY})*")  # the keys joined by NUL, every one a day
_FIRST_DAY = np.datetime64("0001-01-01")  # numpy reads year 0, which no date has
_NUMBER_TYPES = frozenset({int, float, type(None)})
_TEXT_TYPES = frozenset({str, type(None)})
_NO_DAYS = np.array([], dtype="datetime64[D]")


def parse_arrays(payload: Any) -> Arrays:
    """Return the columns of a decoded body as arrays: ``parse_columns``, in bulk.

    Raises
    ------
    ResponseError
        As ``parse_columns`` does, with the same message.

    Examples
    --------
    >>> days, values = parse_arrays({"mindshare": {"2024-03-01": 0.13}})["mindshare"]
    >>> str(days[0]), float(values[0])
    ('2024-03-01', 0.13)
    """
    out: Arrays = {}
    if isinstance(payload, dict) and payload and _read_bulk(payload, (), out):
        return out
    return {name: _as_arrays(name, column) for name, column in parse_columns(payload).items()}


def _read_bulk(obj: dict[str, Any], path: tuple[str, ...], out: Arrays) -> bool:
    """Read ``obj`` into ``out``; False at anything unusual, for the exact walker to judge."""
    keys = list(obj)
    days = _days(keys) if keys else None
    if days is None:  # not a time axis: every value an object of metrics, no key a day
        return bool(keys) and all(
            isinstance(value, dict)
            and value
            and not _IS_DAY.fullmatch(key)
            and _read_bulk(value, (*path, key), out)
            for key, value in obj.items()
        )
    if not path:
        return False
    values = list(obj.values())
    kinds = set(map(type, values))
    if dict not in kinds:
        return _put(out, "_".join(path), days, values)
    if kinds != {dict}:
        return False
    fields = dict.fromkeys(field for value in values for field in value)
    return all(
        _put(out, "_".join((*path, field)), days, [value.get(field) for value in values])
        for field in fields
    )


def _days(keys: list[str]) -> np.ndarray | None:
    joined = "\x00".join(keys)
    if len(joined) != 11 * len(keys) - 1 or not _ALL_DAYS.fullmatch(joined):
        return None
    try:
        days = np.array(keys, dtype="datetime64[D]")
    except ValueError:  # a month or day out of range: not a day
        return None
    return days if days.min() >= _FIRST_DAY else None


def _put(out: Arrays, name: str, days: np.ndarray, values: list[Any]) -> bool:
    """Add one column; False if its values are not all of its kind, or its name is taken."""
    if name in out or not set(map(type, values)) <= (
        _TEXT_TYPES if is_text(name) else _NUMBER_TYPES
    ):
        return False
    try:
        array = _values_array(name, values)
    except OverflowError:  # an integer beyond float64
        return False
    if array.dtype == np.float64 and np.isinf(array).any():
        return False
    out[name] = (days, array)
    return True


def _values_array(name: str, values: list[Any]) -> np.ndarray:
    if is_text(name):
        text = np.array(values, dtype=object)
        text[text == ""] = None  # an empty event is no event
        return text
    return np.array(values, dtype=np.float64)  # null becomes NaN


def frame_from_columns(
    columns: Mapping[str, Mapping[dt.date, Any]] | Arrays,
    *,
    start: dt.date,
    end: dt.date,
    required: Iterable[str] = (),
) -> pd.DataFrame:
    """Return the daily UTC frame of ``columns`` restricted to ``start..end``.

    ``columns`` is ``{column: {day: value}}`` (``parse_columns``) or
    ``{column: (days, values)}`` (``parse_arrays``). The index runs from the
    first to the last day in range that has a value (not null) in any column;
    days missing or null in between are rows of NaN. Required columns absent
    from the response are added as all-missing.

    Examples
    --------
    >>> frame_from_columns({"mindshare": {dt.date(2024, 3, 1): 0.1}},
    ...                    start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 2)).shape
    (1, 1)
    """
    arrays = {
        name: column if isinstance(column, tuple) else _as_arrays(name, column)
        for name, column in columns.items()
    }
    names = list(dict.fromkeys([*required, *arrays]))
    low, high = np.datetime64(start, "D"), np.datetime64(end, "D")
    # the frame spans the days with a value: a null first or last day is no row of NaN
    spans = [
        (present.min(), present.max())
        for days, values in arrays.values()
        if len(present := days[(days >= low) & (days <= high) & pd.notna(values)])
    ]
    if not spans:
        return empty_frame(names)
    first, last = min(span[0] for span in spans), max(span[1] for span in spans)
    size = int((last - first).astype(np.int64)) + 1
    index = pd.date_range(first.item(), periods=size, freq="D", tz="UTC", name="date", unit="ns")
    data: dict[str, Any] = {}
    for name in names:
        days, values = arrays.get(name, (_NO_DAYS, np.array([], dtype=np.float64)))
        kept = (days >= first) & (days <= last)
        rows = (days[kept] - first).astype(np.intp)
        if is_text(name):
            text = np.full(size, None, dtype=object)
            text[rows] = values[kept]
            data[name] = pd.array(text, dtype="string")
        else:
            numbers = np.full(size, math.nan)
            numbers[rows] = values[kept]
            data[name] = numbers
    return pd.DataFrame(data, index=index, columns=names)


def _as_arrays(name: str, column: Mapping[dt.date, Any]) -> tuple[np.ndarray, np.ndarray]:
    days = np.array(list(column), dtype="datetime64[D]") if column else _NO_DAYS
    return days, _values_array(name, list(column.values()))


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
    columns = parse_arrays(loads(body))
    return frame_from_columns(
        columns, start=start, end=end, required=REQUIRED_COLUMNS.get(method, ())
    )


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
