"""The one parsing rule, on bodies built in the test: pure, no server needed."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from kaito_pandas.errors import ResponseError
from kaito_pandas.parsing import parse_columns, parse_response

D1, D2 = dt.date(2024, 3, 1), dt.date(2024, 3, 2)


def parse(body: Any, method: str = "engagement") -> pd.DataFrame:
    text = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return parse_response(text, method, start=D1, end=D2)


def test_scalar_series_keep_their_metric_name() -> None:
    assert parse_columns({"total_engagement": {"2024-03-01": 5}}) == {"total_engagement": {D1: 5.0}}


def test_objects_under_a_day_give_one_column_per_field() -> None:
    body = {"sentiment": {"2024-03-01": {"score": 1.5, "event": "ETF"}}}
    assert parse_columns(body) == {"sentiment_score": {D1: 1.5}, "sentiment_event": {D1: "ETF"}}


def test_nested_sources_join_their_path_with_underscores() -> None:
    body = {"document_mentions": {"twitter": {"2024-03-01": 3}, "news": {"2024-03-01": 1}}}
    assert list(parse_columns(body)) == ["document_mentions_twitter", "document_mentions_news"]


def test_a_new_metric_from_the_service_becomes_a_column_for_free() -> None:
    body = {"total_engagement": {"2024-03-01": 1}, "bot_engagement": {"2024-03-01": 2}}
    df = parse(body)
    assert list(df.columns) == ["total_engagement", "smart_engagement", "bot_engagement"]


def test_numbers_are_float64_and_null_is_nan() -> None:
    df = parse({"total_engagement": {"2024-03-01": 7, "2024-03-02": None}, "x": {"2024-03-02": 1}})
    assert df["total_engagement"].dtype == np.float64
    assert df["total_engagement"].iloc[0] == 7.0
    assert np.isnan(df["total_engagement"].iloc[1])


def test_empty_and_null_events_are_missing() -> None:
    body = {
        "sentiment": {
            "2024-03-01": {"score": 1, "event": ""},
            "2024-03-02": {"score": 2, "event": None},
        }
    }
    df = parse(body, "sentiment")
    assert df["sentiment_event"].isna().all()
    assert isinstance(df["sentiment_event"].dtype, pd.StringDtype)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<html><body>502 Bad Gateway</body></html>", "not JSON"),
        ("", "empty"),
        ("   ", "empty"),
        ("null", "null"),
        ("[1, 2]", "a list"),
        ('"text"', "a string"),
        ('{"total_engagement": 5}', "a number"),
        ('{"total_engagement": [1, 2]}', "a list"),
        ('{"total_engagement": {"2024-03-01": 1, "total": 2}}', "non-day key"),
        ('{"total_engagement": {"monday": 1}}', "a number"),
        ('{"total_engagement": {"2024-02-30": 1}}', "a number"),
        ('{"total_engagement": {"2024-03-01": "644772"}}', "a string"),
        ('{"total_engagement": {"2024-03-01": true}}', "a boolean"),
        ('{"total_engagement": {"2024-03-01": NaN}}', "NaN"),
        ('{"total_engagement": {"2024-03-01": Infinity}}', "Infinity"),
        ('{"total_engagement": {"2024-03-01": 1, "2024-03-01": 2}}', "repeats"),
        ('{"total_engagement": {"2024-03-01": 1}', "not JSON"),
        ('{"sentiment": {"2024-03-01": {"score": 1, "event": 5}}}', "expected text"),
        ('{"sentiment": {"2024-03-01": {"score": {"x": 1}}}}', "an object"),
        ('{"2024-03-01": 5}', "no metric name"),
        (b"\xff\xfe", "UTF-8"),
    ],
)
def test_malformed_bodies_raise_response_error(body: str | bytes, message: str) -> None:
    with pytest.raises(ResponseError, match=message):
        parse(body)


def test_an_empty_series_is_a_column_with_no_rows() -> None:
    df = parse({"total_engagement": {}, "smart_engagement": {}})
    assert df.empty
    assert list(df.columns) == ["total_engagement", "smart_engagement"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"a_b": {"2024-03-01": 1}, "a": {"b": {"2024-03-01": 2}}}', "both be the column 'a_b'"),
        (
            '{"sentiment": {"2024-03-01": {"score": 1}}, "sentiment_score": {"2024-03-01": 2}}',
            "both",
        ),
        ('{"total_engagement": {"2024-03-01": 1e999}}', "not a finite number"),
        ('{"big_event": {"2024-03-01": 3}}', "expected text"),
    ],
)
def test_ambiguous_or_impossible_values_raise_response_error(body: str, message: str) -> None:
    with pytest.raises(ResponseError, match=message):
        parse(body)
