"""A query's frame built in place is the frame built name by name and combined.

``FrameBuilder`` writes each chunk into one block per metric as it arrives; these
tests hold its frame to ``frame_from_columns`` plus ``combine_frames``, the
name-by-name build it replaced, on the fake server's answers and on random columns.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from kaito_pandas.assembly import FrameBuilder
from kaito_pandas.dates import year_chunks
from kaito_pandas.parsing import (
    REQUIRED_COLUMNS,
    Arrays,
    combine_frames,
    frame_from_columns,
    loads,
    parse_arrays,
)
from kaito_pandas.testing import FakeKaitoServer
from tests.conftest import TODAY
from tests.test_fuzz import FUZZ

START, END = dt.date(2023, 6, 1), TODAY


Chunks = dict[str, list[tuple[dt.date, Arrays]]]


def _name_by_name(
    chunks: Chunks, required: tuple[str, ...], many: bool, days: tuple[dt.date, dt.date]
) -> pd.DataFrame:
    frames = {}
    for name, parts in chunks.items():
        columns: dict[str, dict[dt.date, Any]] = {}
        for _, arrays in parts:
            for metric, (on, values) in arrays.items():
                column = columns.setdefault(metric, {})
                column.update(zip(on.astype(object), values, strict=True))
        frames[name] = frame_from_columns(columns, start=days[0], end=days[1], required=required)
    return combine_frames(frames, level="token") if many else next(iter(frames.values()))


def _in_place(
    chunks: Chunks, required: tuple[str, ...], many: bool, days: tuple[dt.date, dt.date]
) -> pd.DataFrame:
    builder = FrameBuilder([*chunks, "FAILED"], start=days[0], end=days[1], required=required)
    for name, parts in chunks.items():
        for first, arrays in reversed(parts):  # answers arrive in any order
            builder.add(name, first, arrays)
    builder.add("FAILED", days[0], {"other": (np.array(["2024-01-01"], "M8[D]"), np.ones(1))})
    return builder.frame(list(chunks), level="token" if many else None)


@pytest.mark.parametrize("method", ["engagement", "mindshare", "sentiment", "mentions"])
@pytest.mark.parametrize("tokens", [["BTC"], ["BTC", "ETH", "SOL"]])
def test_the_frame_built_in_place_is_the_frame_built_name_by_name(
    server: FakeKaitoServer, method: str, tokens: list[str]
) -> None:
    chunks: Chunks = {}
    for token in tokens:
        for first, last in year_chunks(method, START, END, TODAY):
            end = last + dt.timedelta(days=1)
            body = requests.get(
                f"{server.url}/api/v1/{method}?token={token}&start_date={first}&end_date={end}",
                headers={"x-api-key": server.api_key},
                timeout=10,
            ).content
            chunks.setdefault(token, []).append((first, parse_arrays(loads(body))))
    required = REQUIRED_COLUMNS[method]
    many = len(tokens) > 1
    days = (START, END)
    pd.testing.assert_frame_equal(
        _in_place(chunks, required, many, days), _name_by_name(chunks, required, many, days)
    )


_days = st.dates(min_value=dt.date(2023, 5, 25), max_value=dt.date(2023, 6, 20))
_numbers = st.one_of(st.none(), st.floats(-1e6, 1e6), st.just(0.0))
_texts = st.one_of(st.none(), st.sampled_from(["ETF", "halving"]))


@st.composite
def _columns(draw: st.DrawFn) -> Arrays:
    arrays: Arrays = {}
    for metric in draw(st.lists(st.sampled_from(["a", "b", "x_event"]), unique=True)):
        days = draw(st.lists(_days, unique=True, max_size=8))
        values = [draw(_texts if metric.endswith("_event") else _numbers) for _ in days]
        arrays[metric] = (
            np.array(days, dtype="datetime64[D]"),
            np.array(values, dtype=object if metric.endswith("_event") else np.float64),
        )
    return arrays


@FUZZ
@given(
    names=st.lists(st.sampled_from(["A", "B", "C"]), min_size=1, max_size=3, unique=True),
    data=st.data(),
    required=st.sampled_from([(), ("a",), ("x_event", "a")]),
)
def test_random_columns_give_the_same_frame_either_way(
    names: list[str], data: st.DataObject, required: tuple[str, ...]
) -> None:
    chunks = {name: [(dt.date(2023, 1, 1), data.draw(_columns()))] for name in names}
    many, days = len(names) > 1, (dt.date(2023, 6, 1), dt.date(2023, 6, 15))
    pd.testing.assert_frame_equal(
        _in_place(chunks, required, many, days), _name_by_name(chunks, required, many, days)
    )
