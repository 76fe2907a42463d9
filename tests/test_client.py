"""The frame contract of the four methods, over real HTTP against FakeKaitoServer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

import kaito_pandas as kp
from kaito_pandas.testing import FakeKaitoServer, synthetic_response
from tests.conftest import TODAY


def assert_frame_contract(df: pd.DataFrame) -> None:
    index = df.index
    assert isinstance(index, pd.DatetimeIndex)
    assert str(index.tz) == "UTC"
    assert index.name == "date"
    assert index.freqstr == "D"
    assert index.is_monotonic_increasing
    assert index.is_unique
    assert (index == index.normalize()).all()
    for name, dtype in df.dtypes.items():
        metric = name[0] if isinstance(name, tuple) else name
        if str(metric).endswith("_event"):
            assert isinstance(dtype, pd.StringDtype), (name, dtype)
        else:
            assert dtype == np.float64, (name, dtype)


def test_documented_btc_engagement_numbers(client: kp.Client) -> None:
    df = client.engagement("BTC", start="2024-03-01", end="2024-03-05")
    assert_frame_contract(df)
    expected = pd.DataFrame(
        {
            "total_engagement": [644772.0, 415677.0, 442492.0, 1454606.0],
            "smart_engagement": [2614.0, 2113.0, 2321.0, 4336.0],
        },
        index=pd.date_range("2024-03-01", periods=4, freq="D", tz="UTC", name="date", unit="ns"),
    )
    pd.testing.assert_frame_equal(df, expected, check_freq=True)


def test_attrs_record_what_was_asked(client: kp.Client) -> None:
    df = client.sentiment("BTC", start="2024-03-01", end="2024-03-05", language="en")
    assert df.attrs == {
        "method": "sentiment",
        "token": "BTC",
        "start": "2024-03-01",
        "end": "2024-03-05",
        "params": {"language": "en"},
        "demo": True,  # from the fake server: charts and reports say so
    }


def test_every_request_asks_a_whole_year_with_both_dates_and_the_key_in_a_header(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    client.mindshare("ETH")
    requests = sorted(server.api_requests(), key=lambda r: r.params["start_date"])
    assert [(r.params["start_date"], r.params["end_date"]) for r in requests] == [
        # each chunk through the first day of the next one, the current one through tomorrow
        ("2020-01-01", "2021-01-01"),
        ("2021-01-01", "2022-01-01"),
        ("2022-01-01", "2023-01-01"),
        ("2023-01-01", "2024-01-01"),
        ("2024-01-01", (TODAY + dt.timedelta(days=1)).isoformat()),
    ]
    for request in requests:
        assert request.params["token"] == "ETH"
        assert request.headers["x-api-key"] == server.api_key
        assert server.api_key not in request.raw_query
        assert "cache-control" not in request.headers


@pytest.mark.parametrize(
    ("method", "columns"),
    [
        ("engagement", ["total_engagement", "smart_engagement"]),
        ("mindshare", ["mindshare"]),
        ("sentiment", ["sentiment_score", "sentiment_event"]),
        (
            "mentions",
            [
                "document_mentions_twitter",
                "document_mentions_news",
                "document_mentions_podcast",
                "document_mentions_research",
            ],
        ),
    ],
)
def test_each_method_gives_its_columns_by_the_parsing_rule(
    client: kp.Client, method: str, columns: list[str]
) -> None:
    df = getattr(client, method)("SOL", start="2024-01-01", end="2024-03-31")
    assert_frame_contract(df)
    assert list(df.columns) == columns
    assert df.index[0] == pd.Timestamp("2024-01-01", tz="UTC")
    assert df.index[-1] == pd.Timestamp("2024-03-31", tz="UTC")


def test_values_match_what_the_server_sent(client: kp.Client) -> None:
    start, end = dt.date(2024, 2, 1), dt.date(2024, 2, 29)
    df = client.mindshare("ETH", start=start, end=end)
    sent = synthetic_response("mindshare", token="ETH", start=start, end=end)["mindshare"]
    for day, value in sent.items():
        assert df.loc[pd.Timestamp(day, tz="UTC"), "mindshare"] == value
    assert df["mindshare"].count() == len(sent)


def test_a_missing_day_inside_the_range_is_a_row_of_nan_not_zero() -> None:
    body = {"total_engagement": {"2024-03-01": 1, "2024-03-03": 3}}
    with FakeKaitoServer("k") as server:
        server.fail(status=200, body=_json(body))
        df = kp.Client("k", base_url=server.url).engagement(
            "BTC", start="2024-03-01", end="2024-03-03"
        )
    assert len(df) == 3
    assert df["total_engagement"].isna().tolist() == [False, True, False]
    assert df["smart_engagement"].isna().all()


def test_days_outside_the_range_asked_are_dropped_and_unsorted_days_sorted() -> None:
    body = {"mindshare": {"2024-03-04": 0.4, "2024-02-28": 0.9, "2024-03-02": 0.2}}
    with FakeKaitoServer("k") as server:
        server.fail(status=200, body=_json(body))
        df = kp.Client("k", base_url=server.url).mindshare(
            "BTC", start="2024-03-01", end="2024-03-05"
        )
    assert df["mindshare"].tolist()[0] == 0.2
    assert df.index[0] == pd.Timestamp("2024-03-02", tz="UTC")
    assert df.index[-1] == pd.Timestamp("2024-03-04", tz="UTC")


def test_keyword_query_has_all_nan_smart_engagement(client: kp.Client) -> None:
    df = client.engagement(keyword="bitcoin etf", start="2024-03-01", end="2024-03-10")
    assert_frame_contract(df)
    assert df["total_engagement"].notna().any()
    assert df["smart_engagement"].isna().all()
    assert df.attrs["keyword"] == "bitcoin etf"


@pytest.mark.parametrize(
    "keyword",
    ["bitcoin etf", "AT&T", "#halving", "a/b", "why?", "café ☕ 比特币", "C++ = 100%", "x=1&y=2"],
)
def test_keywords_reach_the_server_exactly(
    client: kp.Client, server: FakeKaitoServer, keyword: str
) -> None:
    client.mentions(keyword=keyword, start="2024-03-01", end="2024-03-02")
    (request,) = server.api_requests()
    assert request.params["keyword"] == keyword
    assert "+" not in request.raw_query  # spaces travel as %20, a plus sign as %2B


def test_sentiment_events_are_text_or_missing(client: kp.Client) -> None:
    df = client.sentiment("BTC", start="2023-01-01", end="2023-12-31")
    events = df["sentiment_event"]
    assert events.notna().any()
    assert events.dropna().map(lambda text: isinstance(text, str) and text != "").all()
    sent = synthetic_response(
        "sentiment", token="BTC", start=dt.date(2023, 1, 1), end=dt.date(2023, 12, 31)
    )
    quiet = [day for day, value in sent["sentiment"].items() if not value["event"]]
    assert quiet
    assert events.loc[pd.DatetimeIndex(quiet, tz="UTC")].isna().all()


def test_sentiment_params_pass_through_with_booleans_as_lowercase(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    df = client.sentiment(
        "BTC", start="2024-03-01", end="2024-03-31", average=True, gaussian=False, version=3
    )
    (request,) = server.api_requests()
    assert request.params["average"] == "true"
    assert request.params["gaussian"] == "false"
    assert request.params["version"] == "3"
    assert df["sentiment_score"].between(-1, 1).all()


def test_list_query_has_metric_token_columns(client: kp.Client) -> None:
    df = client.engagement(["BTC", "ETH", "SOL"], start="2024-03-01", end="2024-03-31")
    assert_frame_contract(df)
    assert df.columns.names == ["metric", "token"]
    assert list(df["smart_engagement"].columns) == ["BTC", "ETH", "SOL"]
    single = client.engagement("ETH", start="2024-03-01", end="2024-03-31")
    pd.testing.assert_series_equal(
        df[("total_engagement", "ETH")], single["total_engagement"], check_names=False
    )
    assert df.attrs["token"] == ["BTC", "ETH", "SOL"]


def test_list_of_one_keeps_the_multiindex_shape(client: kp.Client) -> None:
    df = client.mindshare(["BTC"], start="2024-03-01", end="2024-03-03")
    assert isinstance(df.columns, pd.MultiIndex)
    assert df.columns.tolist() == [("mindshare", "BTC")]


def test_keyword_list_names_its_level_keyword(client: kp.Client) -> None:
    df = client.engagement(keyword=["etf", "halving"], start="2024-03-01", end="2024-03-03")
    assert df.columns.names == ["metric", "keyword"]
    assert df["smart_engagement"].isna().all().all()


def test_list_query_spans_every_day_any_token_has(server: FakeKaitoServer) -> None:
    # one worker, so that the scripted answers reach ETH then SOL in that order
    with kp.Client(server.api_key, base_url=server.url, max_workers=1, cache=False) as client:
        server.fail(status=200, body=_json({"mindshare": {"2024-03-01": 0.1}}), times=1)
        server.fail(status=200, body=_json({"mindshare": {"2024-03-03": 0.3}}), times=1)
        df = client.mindshare(["ETH", "SOL"], start="2024-03-01", end="2024-03-05")
    assert_frame_contract(df)
    assert df[("mindshare", "ETH")].tolist()[0] == 0.1
    assert np.isnan(df[("mindshare", "ETH")].tolist()[2])
    assert df[("mindshare", "SOL")].tolist()[2] == 0.3
    assert len(df) == 3


def test_an_empty_answer_is_an_empty_frame_with_the_method_columns(server: FakeKaitoServer) -> None:
    server.fail(status=200, body="{}")
    with kp.Client(server.api_key, base_url=server.url) as client:
        df = client.engagement("SOL", start="2024-03-01", end="2024-03-05")
    assert df.empty
    assert list(df.columns) == ["total_engagement", "smart_engagement"]
    assert_frame_contract(df)


def test_tokens_needs_no_key(server: FakeKaitoServer) -> None:
    with kp.Client(base_url=server.url) as client:
        tokens = client.tokens()
    assert {"token", "fullname", "symbol", "coingecko_id"} <= set(tokens.columns)
    assert "HYPERLIQUID" in tokens["token"].tolist()
    assert "x-api-key" not in server.requests[-1].headers


def test_client_repr_never_shows_the_key(client: kp.Client) -> None:
    assert client.settings.api_key is not None
    for text in (repr(client), str(client), repr(client.settings), repr(client._transport)):
        assert client.settings.api_key not in text


def _json(value: Any) -> str:
    import json

    return json.dumps(value)
