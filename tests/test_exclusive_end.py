"""The frame contract under both readings of ``end_date``: inclusive, and exclusive.

Kaito's guide asks for 03-01..03-05 and shows four days; its newer docs default
``end_date`` to tomorrow. Nobody here can ask the live service which reading it
uses, so the fake serves either, and every chunk must come back whole under both.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pandas as pd
import pytest
import requests

import kaito_pandas as kp
from kaito_pandas.testing import FakeKaitoServer, synthetic_response
from tests.conftest import TODAY, make_client


@pytest.fixture
def reading(server: FakeKaitoServer, request: pytest.FixtureRequest) -> Iterator[bool]:
    exclusive = bool(request.param)
    server.exclusive_end = exclusive
    yield exclusive
    server.exclusive_end = False


def _truth(method: str, token: str, start: dt.date, end: dt.date) -> pd.Series:
    """The fake's own value of the method's first metric on each day, as the service has it."""
    body = synthetic_response(method, token=token, start=start, end=end, today=TODAY)
    metric = next(iter(body))
    index = pd.DatetimeIndex(list(body[metric]), tz="UTC", name="date").as_unit("ns")
    return pd.Series(list(body[metric].values()), index=index, dtype=float)


@pytest.mark.parametrize("reading", [False, True], ids=["inclusive", "exclusive"], indirect=True)
def test_every_31_december_and_today_arrive_under_either_reading(
    reading: bool, client: kp.Client, server: FakeKaitoServer
) -> None:
    df = client.mindshare("ETH", start="2021-12-01")
    truth = _truth("mindshare", "ETH", dt.date(2021, 12, 1), TODAY)
    pd.testing.assert_series_equal(
        df["mindshare"].dropna(), truth, check_names=False, check_freq=False
    )
    for year_end in ("2021-12-31", "2022-12-31", "2023-12-31"):
        if pd.Timestamp(year_end, tz="UTC") in truth.index:
            assert df.loc[year_end, "mindshare"] == truth[year_end]
    assert df.index[-1] == pd.Timestamp(TODAY, tz="UTC")
    assert df.attrs["end"] == TODAY.isoformat()
    # what was sent: each chunk through the day after its last one
    sent = sorted((r.params["start_date"], r.params["end_date"]) for r in server.api_requests())
    assert sent[0] == ("2021-01-01", "2022-01-01")
    assert sent[-1] == ("2024-01-01", (TODAY + dt.timedelta(days=1)).isoformat())


@pytest.mark.parametrize("reading", [False, True], ids=["inclusive", "exclusive"], indirect=True)
def test_both_readings_give_the_same_frame_for_a_list_across_years(
    reading: bool, server: FakeKaitoServer
) -> None:
    with make_client(server, cache_backend="memory") as client:
        frame = client.engagement(["BTC", "SOL"], start="2023-12-25", end="2024-01-07")
    server.exclusive_end = not reading
    with make_client(server, cache_backend="memory") as other:
        again = other.engagement(["BTC", "SOL"], start="2023-12-25", end="2024-01-07")
    pd.testing.assert_frame_equal(frame, again)
    assert frame.index[0] == pd.Timestamp("2023-12-25", tz="UTC")
    assert frame.index[-1] == pd.Timestamp("2024-01-07", tz="UTC")


@pytest.mark.parametrize("reading", [False, True], ids=["inclusive", "exclusive"], indirect=True)
def test_a_second_query_inside_the_chunks_sends_nothing_under_either_reading(
    reading: bool, client: kp.Client, server: FakeKaitoServer
) -> None:
    whole = client.sentiment("SOL", start="2023-06-01")
    server.clear_requests()
    part = client.sentiment("SOL", start="2023-12-30", end="2024-01-02")
    assert server.api_requests() == []
    pd.testing.assert_frame_equal(part, whole.loc["2023-12-30":"2024-01-02"], check_freq=False)


def test_a_day_sent_by_two_chunks_is_taken_from_the_chunk_that_owns_it(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    # under the inclusive reading the 2023 chunk, asked through 2024-01-01, also
    # carries 1 January: here with a value that the 2024 chunk does not agree with
    body = synthetic_response(
        "mindshare", token="BTC", start=dt.date(2023, 1, 1), end=dt.date(2024, 1, 1), today=TODAY
    )
    body["mindshare"]["2024-01-01"] = 0.999
    server.fail(
        status=200, body=json.dumps(body), endpoint="mindshare", params={"start_date": "2023-01-01"}
    )
    df = client.mindshare("BTC", start="2023-12-30", end="2024-01-02")
    owned = _truth("mindshare", "BTC", dt.date(2024, 1, 1), dt.date(2024, 1, 1))
    assert df.loc["2024-01-01", "mindshare"] == owned.iloc[0] != 0.999


def test_the_fake_serves_up_to_the_day_before_end_date_when_exclusive(
    server: FakeKaitoServer, client: kp.Client
) -> None:

    server.exclusive_end = True
    try:
        answer = requests.get(
            f"{server.url}/api/v1/engagement",
            params={"token": "BTC", "start_date": "2024-03-01", "end_date": "2024-03-05"},
            headers={"x-api-key": server.api_key},
            timeout=5,
        ).json()
    finally:
        server.exclusive_end = False
    assert sorted(answer["total_engagement"]) == [
        "2024-03-01",
        "2024-03-02",
        "2024-03-03",
        "2024-03-04",
    ]
