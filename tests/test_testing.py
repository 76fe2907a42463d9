"""The fake Kaito server follows the API contract over real HTTP on loopback."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import requests

from kaito_pandas.dates import EARLIEST_DAY, METHODS
from kaito_pandas.testing import TOKENS, FakeKaitoServer, synthetic_response

KEY = "test-key-not-secret"
TODAY = dt.date(2025, 6, 30)
DOC_QUERY = "token=BTC&start_date=2024-03-01&end_date=2024-03-05"


@pytest.fixture
def fake() -> Iterator[FakeKaitoServer]:
    with FakeKaitoServer(KEY, today=TODAY) as server:
        yield server


def get(
    fake: FakeKaitoServer,
    endpoint: str,
    query: str | dict[str, str] = "",
    key: str | None = KEY,
    timeout: float = 10,
) -> requests.Response:
    """GET /api/v1/<endpoint>?<query>; a dict query is percent-encoded with quote (%20, not +)."""
    if isinstance(query, dict):
        query = urlencode(query, quote_via=quote)
    headers = {} if key is None else {"x-api-key": key}
    return requests.get(f"{fake.url}/api/v1/{endpoint}?{query}", headers=headers, timeout=timeout)


def body(fake: FakeKaitoServer, endpoint: str, query: str | dict[str, str]) -> dict[str, Any]:
    response = get(fake, endpoint, query)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def test_documented_btc_engagement_is_served_exactly(fake: FakeKaitoServer) -> None:
    response = get(fake, "engagement", DOC_QUERY)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {
        "total_engagement": {
            "2024-03-01": 644772,
            "2024-03-02": 415677,
            "2024-03-03": 442492,
            "2024-03-04": 1454606,
        },
        "smart_engagement": {
            "2024-03-01": 2614,
            "2024-03-02": 2113,
            "2024-03-03": 2321,
            "2024-03-04": 4336,
        },
    }


@pytest.mark.parametrize("method", METHODS)
def test_values_do_not_depend_on_the_range_asked(fake: FakeKaitoServer, method: str) -> None:
    year = body(fake, method, "token=ETH&start_date=2024-01-01&end_date=2024-12-31")
    again = body(fake, method, "token=ETH&start_date=2024-01-01&end_date=2024-12-31")
    march = body(fake, method, "token=ETH&start_date=2024-03-01&end_date=2024-03-31")
    assert year == again

    def only_march(series: dict[str, Any]) -> dict[str, Any]:
        return {day: value for day, value in series.items() if day.startswith("2024-03")}

    def flat(data: dict[str, Any]) -> dict[str, Any]:
        return data["document_mentions"] if method == "mentions" else data

    assert {k: only_march(v) for k, v in flat(year).items()} == flat(march)


def test_different_tokens_get_different_data(fake: FakeKaitoServer) -> None:
    query = "start_date=2024-03-01&end_date=2024-03-31&token="
    assert body(fake, "mindshare", query + "ETH") != body(fake, "mindshare", query + "SOL")


@pytest.mark.parametrize(
    "keyword", ["ether fi", "AT&T", "#bitcoin", "a/b?c=d", "比特币 ñ", "x+y %20", "café & co #1"]
)
def test_keyword_is_received_exactly(fake: FakeKaitoServer, keyword: str) -> None:
    raw = f"keyword={quote(keyword, safe='')}&start_date=2024-03-01&end_date=2024-03-07"
    data = body(fake, "engagement", raw)
    (recorded,) = fake.api_requests("engagement")
    assert recorded.params == {
        "keyword": keyword,
        "start_date": "2024-03-01",
        "end_date": "2024-03-07",
    }
    assert recorded.raw_query == raw
    assert list(data) == ["total_engagement"]


def test_keyword_query_has_no_smart_engagement(fake: FakeKaitoServer) -> None:
    data = body(fake, "engagement", "keyword=BTC&start_date=2024-03-01&end_date=2024-03-04")
    assert set(data) == {"total_engagement"}
    assert data["total_engagement"] != body(fake, "engagement", DOC_QUERY)["total_engagement"]


@pytest.mark.parametrize("key", [None, "wrong-key", ""])
def test_data_methods_need_the_right_key(fake: FakeKaitoServer, key: str | None) -> None:
    for method in METHODS:
        response = get(fake, method, DOC_QUERY, key=key)
        assert response.status_code == 401
        assert "error" in response.json()
        assert KEY not in response.text


def test_tokens_list_needs_no_key(fake: FakeKaitoServer) -> None:
    response = requests.get(f"{fake.url}/api/v1/tokens", timeout=10)
    assert response.status_code == 200
    tokens = response.json()
    assert tokens == TOKENS
    assert {"BTC", "ETH", "SOL"} <= {t["token"] for t in tokens}
    assert {"token", "fullname", "symbol", "coingecko_id"} == set(tokens[0])
    hype = next(t for t in tokens if t["token"] == "HYPERLIQUID")
    assert hype["symbol"] == "HYPE"


@pytest.mark.parametrize(
    ("method", "query", "named"),
    [
        ("engagement", "start_date=2024-03-01", "token"),
        ("engagement", "token=", "token"),
        ("mindshare", "keyword=bitcoin", "keyword"),
        ("sentiment", "keyword=bitcoin", "keyword"),
        ("engagement", "token=BTC&start_date=2024-3-1", "start_date"),
        ("engagement", "token=BTC&end_date=2024-02-30", "end_date"),
        ("engagement", "token=BTC&end_date=20240301", "end_date"),
        ("engagement", "token=BTC&start_date=2024-03-05&end_date=2024-03-01", "after"),
        ("engagement", "token=BTC&token=ETH", "token"),
        ("engagement", "token=BTC&colour=red", "colour"),
        ("engagement", "token=BTC&scope=pretge", "scope"),
        ("mindshare", "token=BTC&scope=all", "scope"),
        ("sentiment", "token=BTC&average=yes", "average"),
        ("sentiment", "token=BTC&language=xx", "language"),
        ("sentiment", "token=BTC&version=4", "version"),
        ("mentions", "token=BTC&language=en", "language"),
    ],
)
def test_bad_parameters_are_400_naming_the_problem(
    fake: FakeKaitoServer, method: str, query: str, named: str
) -> None:
    response = get(fake, method, query)
    assert response.status_code == 400
    assert named in response.json()["error"]


@pytest.mark.parametrize(
    ("method", "query"),
    [
        ("mindshare", "token=BTC&scope=pretge"),
        ("sentiment", "token=BTC&adjusted=false&average=true&gaussian=false&language=zh&version=3"),
        ("mentions", "keyword=restaking"),
        ("engagement", "token=BTC&keyword=etf"),
    ],
)
def test_documented_options_are_accepted(fake: FakeKaitoServer, method: str, query: str) -> None:
    assert get(fake, method, query + "&start_date=2024-03-01").status_code == 200


def test_unknown_path_is_404_and_other_verbs_405(fake: FakeKaitoServer) -> None:
    assert requests.get(f"{fake.url}/api/v1/volume?token=BTC", timeout=10).status_code == 404
    assert requests.get(f"{fake.url}/api/v2/engagement", timeout=10).status_code == 404
    response = requests.post(f"{fake.url}/api/v1/engagement", data=b"{}", timeout=10)
    assert response.status_code == 405
    assert "error" in response.json()


def test_each_method_serves_its_documented_shape(fake: FakeKaitoServer) -> None:
    dates = {"start_date": "2024-01-01", "end_date": "2024-06-30"}
    engagement = body(fake, "engagement", {"token": "SOL", **dates})
    totals, smart = engagement["total_engagement"], engagement["smart_engagement"]
    assert all(isinstance(v, int) and 10_000 <= v <= 5_000_000 for v in totals.values())
    assert all(0.002 <= smart[day] / totals[day] <= 0.011 for day in totals)
    mindshare = body(fake, "mindshare", {"token": "BTC", **dates})["mindshare"]
    assert 0.09 < statistics.median(mindshare.values()) < 0.17
    sentiment = body(fake, "sentiment", {"token": "BTC", **dates})["sentiment"]
    assert all(set(v) == {"score", "event"} for v in sentiment.values())
    assert all(-40 <= v["score"] <= 60 for v in sentiment.values())
    events = [v["event"] for v in sentiment.values()]
    assert {None, ""} <= set(events)
    assert 3 <= sum(isinstance(e, str) and e != "" for e in events) <= 30
    mentions = body(fake, "mentions", {"token": "BTC", **dates})["document_mentions"]
    assert set(mentions) == {"twitter", "news", "podcast", "research"}
    assert all(isinstance(v, int) for series in mentions.values() for v in series.values())


def test_btc_is_the_biggest_token(fake: FakeKaitoServer) -> None:
    def median(method: str, token: str) -> float:
        data = body(fake, method, {"token": token, "start_date": "2024-01-01"})
        series: dict[str, float] = next(iter(data.values()))
        return statistics.median(series.values())

    for other in ("ETH", "SOL", "HYPERLIQUID", "SOMETHINGNEW"):
        assert median("engagement", "BTC") > median("engagement", other)
        assert median("mindshare", "BTC") > median("mindshare", other)


def test_weekends_are_quieter(fake: FakeKaitoServer) -> None:
    totals = body(fake, "engagement", {"token": "ETH", "start_date": "2023-01-01"})
    by_day = {
        dt.date.fromisoformat(day): value for day, value in totals["total_engagement"].items()
    }
    weekend = statistics.median(v for d, v in by_day.items() if d.weekday() >= 5)
    weekday = statistics.median(v for d, v in by_day.items() if d.weekday() < 5)
    assert weekend < weekday


def test_average_sentiment_lies_between_minus_one_and_one(fake: FakeKaitoServer) -> None:
    data = body(fake, "sentiment", {"token": "ETH", "average": "true", "start_date": "2024-01-01"})
    scores = [v["score"] for v in data["sentiment"].values()]
    assert all(-1 <= s <= 1 for s in scores)
    assert any(abs(s) > 0.05 for s in scores)


def test_an_occasional_day_is_missing_from_every_series(fake: FakeKaitoServer) -> None:
    year = body(
        fake, "mentions", {"token": "ARB", "start_date": "2024-01-01", "end_date": "2024-12-31"}
    )
    series = list(year["document_mentions"].values())
    assert all(s.keys() == series[0].keys() for s in series)
    assert 1 <= 366 - len(series[0]) <= 20


def test_days_are_never_after_today(fake: FakeKaitoServer) -> None:
    fake.today = dt.date(2024, 3, 10)
    ahead = body(fake, "mindshare", "token=ETH&start_date=2024-03-01&end_date=2030-01-01")
    assert max(ahead["mindshare"]) <= "2024-03-10"
    defaulted = body(fake, "mindshare", "token=ETH&start_date=2024-03-01")
    assert defaulted == ahead
    future = body(fake, "engagement", "token=ETH&start_date=2024-04-01&end_date=2024-04-30")
    assert future == {"total_engagement": {}, "smart_engagement": {}}
    fake.today = lambda: dt.date(2024, 3, 5)
    assert max(body(fake, "mindshare", "token=ETH")["mindshare"]) <= "2024-03-05"


@pytest.mark.parametrize("method", METHODS)
def test_start_defaults_to_and_is_clipped_to_the_earliest_day(
    fake: FakeKaitoServer, method: str
) -> None:
    earliest = EARLIEST_DAY[method]
    fake.today = earliest + dt.timedelta(days=20)
    defaulted = body(fake, method, "token=BTC")
    clipped = body(fake, method, "token=BTC&start_date=2010-01-01")
    assert defaulted == clipped
    days = next(iter(defaulted.values()))
    days = next(iter(days.values())) if method == "mentions" else days
    assert min(days) >= earliest.isoformat()
    assert len(days) >= 15


def test_scripted_fault_answers_with_status_headers_and_body(fake: FakeKaitoServer) -> None:
    fake.fail(status=429, headers={"Retry-After": "7"}, body="slow down")
    response = get(fake, "engagement", DOC_QUERY)
    assert (response.status_code, response.headers["Retry-After"]) == (429, "7")
    assert response.text == "slow down"
    assert get(fake, "engagement", DOC_QUERY).status_code == 200


def test_default_fault_body_is_a_json_error(fake: FakeKaitoServer) -> None:
    fake.fail(status=503)
    response = get(fake, "mindshare", "token=BTC")
    assert response.status_code == 503
    assert set(response.json()) == {"error"}


def test_status_200_fault_scripts_a_malformed_success(fake: FakeKaitoServer) -> None:
    fake.fail(status=200, body=b"<html>oops</html>", headers={"Content-Type": "text/html"})
    response = get(fake, "engagement", DOC_QUERY)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html"
    assert response.content == b"<html>oops</html>"


def test_dropped_connection_raises_connection_error(fake: FakeKaitoServer) -> None:
    fake.fail(drop=True)
    with pytest.raises(requests.ConnectionError):
        get(fake, "engagement", DOC_QUERY)
    assert get(fake, "engagement", DOC_QUERY).status_code == 200


def test_scripted_content_length_truncates_the_body(fake: FakeKaitoServer) -> None:
    fake.fail(status=200, headers={"Content-Length": "100"}, body='{"total_engagement": {')
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        get(fake, "engagement", DOC_QUERY)


def test_fault_answers_as_many_requests_as_times(fake: FakeKaitoServer) -> None:
    fake.fail(status=502, times=3)
    statuses = [get(fake, "sentiment", "token=BTC").status_code for _ in range(4)]
    assert statuses == [502, 502, 502, 200]


def test_forever_fault_lasts_until_reset(fake: FakeKaitoServer) -> None:
    fake.fail(status=500, times=-1)
    assert [get(fake, "mentions", "token=BTC").status_code for _ in range(5)] == [500] * 5
    fake.reset_faults()
    assert get(fake, "mentions", "token=BTC").status_code == 200


def test_faults_play_in_the_order_they_were_scripted(fake: FakeKaitoServer) -> None:
    fake.fail(status=500)
    fake.fail(status=429, times=2)
    fake.fail(status=503)
    statuses = [get(fake, "engagement", DOC_QUERY).status_code for _ in range(5)]
    assert statuses == [500, 429, 429, 503, 200]


def test_fault_for_one_endpoint_spares_the_others(fake: FakeKaitoServer) -> None:
    fake.fail(status=500, endpoint="sentiment")
    assert get(fake, "mindshare", "token=BTC").status_code == 200
    assert requests.get(f"{fake.url}/api/v1/tokens", timeout=10).status_code == 200
    assert get(fake, "sentiment", "token=BTC").status_code == 500
    assert get(fake, "sentiment", "token=BTC").status_code == 200


def test_faults_apply_before_the_key_check(fake: FakeKaitoServer) -> None:
    fake.fail(status=503)
    assert get(fake, "engagement", DOC_QUERY, key=None).status_code == 503
    assert get(fake, "engagement", DOC_QUERY, key=None).status_code == 401


def test_fail_rejects_a_zero_count(fake: FakeKaitoServer) -> None:
    with pytest.raises(ValueError, match="times"):
        fake.fail(times=0)


def test_latency_lets_concurrent_requests_overlap(fake: FakeKaitoServer) -> None:
    fake.latency = 0.5
    statuses: list[int] = []

    def fetch() -> None:
        statuses.append(get(fake, "engagement", DOC_QUERY).status_code)

    threads = [threading.Thread(target=fetch) for _ in range(2)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    assert statuses == [200, 200]
    assert 0.5 <= elapsed < 0.95  # one after the other would take 1 s
    first, second = fake.api_requests()
    assert abs(first.time - second.time) < 0.4


def test_fault_latency_delays_the_fault(fake: FakeKaitoServer) -> None:
    fake.fail(status=504, latency=0.3)
    began = time.monotonic()
    assert get(fake, "engagement", DOC_QUERY).status_code == 504
    assert time.monotonic() - began >= 0.3


def test_fault_for_some_params_spares_other_queries(fake: FakeKaitoServer) -> None:
    fake.fail(status=500, params={"start_date": "2024-01-01", "token": "BTC"})
    assert get(fake, "engagement", "token=BTC&start_date=2023-01-01").status_code == 200
    assert get(fake, "engagement", "token=ETH&start_date=2024-01-01").status_code == 200
    assert get(fake, "engagement", "token=BTC&start_date=2024-01-01").status_code == 500
    assert get(fake, "engagement", "token=BTC&start_date=2024-01-01").status_code == 200


def test_stalled_fault_sends_headers_and_half_the_body_then_waits(fake: FakeKaitoServer) -> None:
    body = json.dumps({"mindshare": {"2024-03-01": 0.125, "2024-03-02": 0.25}}).encode()
    fake.fail(status=200, body=body, stall=1.0)
    began = time.monotonic()
    url = f"{fake.url}/api/v1/mindshare?token=BTC"
    with requests.get(url, headers={"x-api-key": KEY}, timeout=5, stream=True) as response:
        assert response.headers["Content-Length"] == str(len(body))
        assert response.raw.read(len(body) // 2) == body[: len(body) // 2]
        assert time.monotonic() - began < 0.8
        assert response.raw.read() == body[len(body) // 2 :]
    assert time.monotonic() - began >= 1.0


def test_a_client_that_waits_less_than_the_stall_gets_no_body(fake: FakeKaitoServer) -> None:
    fake.fail(status=200, body=b'{"mindshare": {}}', stall=1.0)
    # requests reports a read timeout mid-body as a ConnectionError, not a Timeout
    with pytest.raises(requests.ConnectionError, match="timed out"):
        get(fake, "mindshare", "token=BTC", timeout=0.2)
    assert get(fake, "mindshare", "token=BTC").status_code == 200


def test_fail_rejects_a_negative_stall(fake: FakeKaitoServer) -> None:
    with pytest.raises(ValueError, match="stall"):
        fake.fail(stall=-1)


def test_every_request_is_recorded_in_order(fake: FakeKaitoServer) -> None:
    requests.get(f"{fake.url}/api/v1/tokens", timeout=10)
    get(fake, "sentiment", "token=BTC&language=en")
    get(fake, "engagement", DOC_QUERY, key=None)
    requests.get(f"{fake.url}/nowhere", timeout=10)
    assert [r.endpoint for r in fake.requests] == ["tokens", "sentiment", "engagement", "nowhere"]
    assert [r.endpoint for r in fake.api_requests()] == ["sentiment", "engagement"]
    (sentiment,) = fake.api_requests("sentiment")
    assert sentiment.command == "GET"
    assert sentiment.path == "/api/v1/sentiment"
    assert sentiment.params == {"token": "BTC", "language": "en"}
    assert sentiment.headers["x-api-key"] == KEY
    fake.clear_requests()
    assert fake.requests == []


def test_connections_are_kept_alive(fake: FakeKaitoServer) -> None:
    with requests.Session() as session:
        for _ in range(3):
            response = session.get(f"{fake.url}/api/v1/tokens", timeout=10)
            assert response.raw.version == 11
            assert response.headers.get("Connection", "").lower() != "close"


def test_repr_hides_the_key(fake: FakeKaitoServer) -> None:
    get(fake, "engagement", DOC_QUERY)
    assert KEY not in repr(fake)
    assert fake.url in repr(fake)
    assert KEY not in repr(fake.requests)


def test_url_needs_a_started_server_and_stop_is_idempotent() -> None:
    server = FakeKaitoServer(KEY)
    with pytest.raises(RuntimeError, match="start"):
        _ = server.url
    url = server.start().url
    assert requests.get(f"{url}/api/v1/tokens", timeout=10).status_code == 200
    server.stop()
    server.stop()
    assert "stopped" in repr(server)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/api/v1/tokens", timeout=2)


def test_synthetic_response_is_what_the_server_serves(fake: FakeKaitoServer) -> None:
    start, end = dt.date(2024, 5, 1), dt.date(2024, 5, 31)
    served = body(
        fake, "sentiment", "token=SOL&average=true&start_date=2024-05-01&end_date=2024-05-31"
    )
    made = synthetic_response(
        "sentiment", token="SOL", start=start, end=end, params={"average": "true"}
    )
    assert served == made


@pytest.mark.parametrize(("method", "token"), [("volume", "BTC"), ("engagement", None)])
def test_synthetic_response_rejects_what_the_api_would(method: str, token: str | None) -> None:
    with pytest.raises(ValueError, match=r"method|token"):
        synthetic_response(method, token=token, start=TODAY, end=TODAY)
