"""The exact reading of the parsing rule: strict JSON, and a walker that names what is wrong.

It reads a body value by value, so it is the reference: the bulk reader in
``parsing`` gives the same columns faster, and hands any body it is not sure of
to this walker, which either reads it or raises the error that names the fault.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import Counter
from typing import Any

from kaito_pandas.errors import ResponseError

__all__ = ["TEXT_FIELDS", "Columns", "is_text", "json_type", "loads", "parse_columns"]

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
        raise ResponseError(f"the response is {json_type(payload)}, not a JSON object of metrics")
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
                f"{_where((*path, key))} is {json_type(value)}, expected an object of days"
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
                        f"{_where((*path, field))} on {day} is {json_type(item)}, expected a value"
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
        raise ResponseError(f"{column} on {day} is {json_type(value)}, expected text or null")
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
    raise ResponseError(f"{column} on {day} is {json_type(value)} {value!r:.40}, expected a number")


def _as_day(key: str) -> dt.date | None:
    if not _DAY.fullmatch(key):
        return None
    try:
        return dt.date.fromisoformat(key)
    except ValueError:
        return None


def _where(path: tuple[str, ...]) -> str:
    return "the response" if not path else "'" + ".".join(path) + "'"


def json_type(value: Any) -> str:
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
