"""The bulk reader gives what the exact walker gives: the same columns, or the same error.

``parse_arrays`` reads a body in bulk (numpy conversions per time axis) and hands
anything it is not sure of to the value-by-value walker ``parse_columns``; these
properties hold it to the walker on random bodies, valid and broken alike.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given

from kaito_pandas.errors import ResponseError
from kaito_pandas.parsing import loads, parse_arrays, parse_columns
from tests.test_fuzz import FUZZ, any_json, raw_bodies


def _outcome(read: Any, payload: Any) -> tuple[str, Any]:
    try:
        return "ok", read(payload)
    except ResponseError as exc:
        return "error", str(exc)


def _as_dicts(arrays: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, dict[str, Any]]:
    return {
        name: {str(day): value for day, value in zip(days, values, strict=True)}
        for name, (days, values) in arrays.items()
    }


def _same(walked: dict[str, dict[Any, Any]], bulk: dict[str, dict[str, Any]]) -> bool:
    """Equal columns, where a day the walker left out (a missing field) is null in bulk."""
    if list(walked) != list(bulk):
        return False
    for name, column in walked.items():
        by_day = {day.isoformat(): value for day, value in column.items()}
        for day in by_day.keys() | bulk[name].keys():
            a, b = by_day.get(day), bulk[name].get(day)
            if not (a == b or {_null(a), _null(b)} == {True}):
                return False
    return True


def _null(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


@FUZZ
@given(payload=any_json)
@example({"mindshare": {"2024-03-01": 1e999}})  # json reads 1e999 as inf
@example({"mindshare": {"0000-01-01": 1}})  # numpy reads year 0, which is no day
@example({"mindshare": {"2024-02-30": 1}})
@example({"m": {"2024-03-01": 1}, "m_": {}})
@example({"a": {"b": {"2024-03-01": 1}}, "a_b": {"2024-03-01": 2}})
@example({"s": {"2024-03-01": {"score": 1, "event": ""}, "2024-03-02": {"score": None}}})
@example({"s": {"2024-03-01": {"score": True}}})
@example({"s": {"2024-03-01": 10**400}})
@example({"s": {"2024-03-01": {"x": 1}, "2024-03-02": 2}})
@example({"event": {"2024-03-01": 3}})
@example({"2024-03-01": {"x": {"2024-03-01": 1}}})
def test_bulk_reader_agrees_with_the_walker(payload: Any) -> None:
    walked = _outcome(parse_columns, payload)
    bulk = _outcome(parse_arrays, payload)
    assert walked[0] == bulk[0], (walked, bulk)
    if walked[0] == "error":
        assert walked[1] == bulk[1]
    else:
        assert _same(walked[1], _as_dicts(bulk[1])), (walked, bulk)


@FUZZ
@given(body=raw_bodies)
def test_bulk_reader_agrees_with_the_walker_on_raw_bodies(body: bytes | str) -> None:
    try:
        payload = loads(body)
    except ResponseError:
        return
    walked, bulk = _outcome(parse_columns, payload), _outcome(parse_arrays, payload)
    assert walked[0] == bulk[0]
    if walked[0] == "error":
        assert walked[1] == bulk[1]


@pytest.mark.parametrize(
    "payload",
    [
        {"total_engagement": {"2024-03-01": 5, "2024-03-02": None}},
        {"sentiment": {"2024-03-01": {"score": 1.5, "event": "ETF"}}},
        {"document_mentions": {"twitter": {"2024-03-01": 3}, "news": {"2024-03-01": 0}}},
    ],
)
def test_bulk_reader_reads_the_contract_shapes(payload: dict[str, Any]) -> None:
    arrays = parse_arrays(payload)
    assert all(days.dtype == np.dtype("datetime64[D]") for days, _ in arrays.values())
    assert _same(parse_columns(payload), _as_dicts(arrays))
