"""Every error path: bad arguments before any request, and every way the service can fail."""

from __future__ import annotations

import email.utils
import logging
import time
from typing import Any

import pytest
import requests

import kaito_pandas as kp
from kaito_pandas.settings import RATE_WINDOW_SLACK
from kaito_pandas.testing import TOKENS, FakeKaitoServer
from kaito_pandas.wire import RateLimiter
from tests.conftest import API_KEY, TODAY


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.engagement(), "needs a token"),
        (lambda c: c.engagement("BTC", keyword="etf"), "not both"),
        (lambda c: c.mindshare("BTC", keyword="etf"), "takes a token, not a keyword"),
        (lambda c: c.sentiment(None), "needs a token"),
        (lambda c: c.engagement(""), "non-empty string"),
        (lambda c: c.engagement("   "), "non-empty string"),
        (lambda c: c.engagement([]), "empty"),
        (lambda c: c.engagement(["BTC", "BTC"]), "more than once"),
        (lambda c: c.engagement(["BTC", 5]), "non-empty string"),
        (lambda c: c.engagement(42), "string or a list"),
        (lambda c: c.engagement({"BTC": 1}), "string or a list"),
        (lambda c: c.engagement("BTC", start="2024-03-05", end="2024-03-01"), "after end"),
        (lambda c: c.engagement("BTC", start="03/01/2024"), "not a date"),
        (lambda c: c.engagement("BTC", end="2022-01-01"), "before 2023-01-01"),
        (lambda c: c.engagement("BTC", start_date="2024-01-01"), "start="),
        (lambda c: c.sentiment("BTC", api_key="k"), "x-api-key header"),
        (lambda c: c.sentiment("BTC", language=["en"]), "string, number or boolean"),
        (lambda c: c.fetch("volume", "BTC"), "unknown method"),
    ],
)
def test_bad_arguments_raise_value_error_before_any_request(
    client: kp.Client, server: FakeKaitoServer, call: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        call(client)
    assert server.requests == []


def test_missing_key_raises_authentication_error_naming_the_variable(
    server: FakeKaitoServer,
) -> None:
    with (
        kp.Client(base_url=server.url) as client,
        pytest.raises(kp.AuthenticationError, match="KAITO_API_KEY"),
    ):
        client.engagement("BTC")
    assert server.requests == []


@pytest.mark.parametrize("status", [401, 403])
def test_refused_key_raises_authentication_error_without_retry(
    client: kp.Client, server: FakeKaitoServer, status: int
) -> None:
    server.fail(status=status, body='{"error": "invalid api key"}')
    with pytest.raises(kp.AuthenticationError, match="invalid api key") as info:
        client.engagement("BTC", start="2024-03-01", end="2024-03-05")
    assert info.value.status_code == status
    assert len(server.api_requests()) == 1


def test_a_refusal_that_echoes_the_key_never_shows_it(server: FakeKaitoServer) -> None:
    secret = "wrong-key-0123456789"
    server.fail(status=401, body=f'{{"error": "key {secret} is not valid"}}')
    with (
        kp.Client(secret, base_url=server.url, cache_backend="memory") as client,
        pytest.raises(kp.AuthenticationError) as info,
    ):
        client.mindshare("BTC", start="2024-06-01", end="2024-06-02")
    assert "is not valid" in str(info.value)
    assert secret not in str(info.value)
    assert secret not in repr(info.value)


def test_a_key_read_from_a_file_loses_its_newline_and_a_key_with_spaces_is_refused() -> None:
    assert kp.Client("abc-123\n").settings.api_key == "abc-123"
    with pytest.raises(ValueError, match="one non-empty word"):
        kp.Client("abc 123")


def test_a_key_that_breaks_the_header_is_not_shown_even_as_a_repr(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    transport = client._transport
    text = f"Invalid header value {client.settings.api_key!r} and {client.settings.api_key}"
    assert client.settings.api_key not in transport.redact(text)


def test_error_messages_name_the_query_status_and_server_message(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    server.fail(status=400, body='{"error": "language must be one of all, en, zh"}')
    with pytest.raises(kp.APIError) as info:
        client.sentiment("BTC", start="2024-03-01", end="2024-03-05", params={"language": "xx"})
    text = str(info.value)
    assert info.value.status_code == 400
    for part in ("sentiment", "'BTC'", "2024-03-01..2024-03-05", "400", "language must be one of"):
        assert part in text


def test_a_server_that_echoes_the_key_has_it_redacted(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    server.fail(status=500, body=f"internal error for key {API_KEY}", times=-1)
    with pytest.raises(kp.APIError) as info:
        client.engagement("BTC", start="2024-03-01", end="2024-03-02")
    assert API_KEY not in str(info.value)
    assert "***" in str(info.value)


def test_unknown_method_on_the_server_is_an_api_error(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    server.fail(status=404, body='{"error": "not found"}')
    with pytest.raises(kp.APIError) as info:
        client.mentions("BTC", start="2024-03-01")
    assert info.value.status_code == 404
    assert len(server.api_requests()) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_passing_server_error_is_retried(
    client: kp.Client, server: FakeKaitoServer, status: int
) -> None:
    server.fail(status=status, times=2)
    df = client.engagement("BTC", start="2024-03-01", end="2024-03-05")
    assert df["total_engagement"].iloc[0] == 644772.0
    assert len(server.api_requests()) == 3


def test_a_server_error_forever_fails_after_bounded_attempts(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    server.fail(status=503, body="maintenance", times=-1)
    with pytest.raises(kp.APIError, match="503") as info:
        client.engagement("BTC", start="2024-03-01", end="2024-03-05")
    assert info.value.status_code == 503
    assert len(server.api_requests()) == client.settings.max_attempts


def test_a_dropped_connection_is_retried(client: kp.Client, server: FakeKaitoServer) -> None:
    server.fail(drop=True)
    df = client.engagement("BTC", start="2024-03-01", end="2024-03-05")
    assert len(df) == 4


def test_connections_dropped_forever_raise_api_error_without_status(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    server.fail(drop=True, times=-1)
    with pytest.raises(kp.APIError, match="connection failed") as info:
        client.engagement("BTC", start="2024-03-01", end="2024-03-05")
    assert info.value.status_code is None


def test_an_unreachable_service_fails_fast_with_api_error() -> None:
    with FakeKaitoServer() as server:
        url = server.url
    began = time.monotonic()
    with (
        kp.Client("k", base_url=url, retry_backoff=0.01, today=lambda: TODAY) as client,
        pytest.raises(kp.APIError, match="connection failed"),
    ):
        client.mindshare("BTC", start="2024-06-01")
    assert time.monotonic() - began < 5


def test_a_read_timeout_is_retried_then_reported(server: FakeKaitoServer) -> None:
    server.latency = 1.5
    with (
        kp.Client(
            API_KEY, base_url=server.url, read_timeout=0.3, max_attempts=2, retry_backoff=0.01
        ) as client,
        pytest.raises(kp.APIError, match="timed out"),
    ):
        client.mindshare("BTC", start="2024-03-01", end="2024-03-02")
    assert len(server.api_requests()) == 2


def test_rate_limited_then_served_honours_retry_after_seconds(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    server.fail(status=429, headers={"Retry-After": "1"})
    began = time.monotonic()
    client.mindshare("BTC", start="2024-03-01", end="2024-03-02")
    first, second = server.api_requests()
    assert second.time - first.time >= 0.95
    assert time.monotonic() - began < 10


def test_retry_after_as_an_http_date_is_understood(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    when = email.utils.formatdate(time.time() + 3600, usegmt=True)
    server.fail(status=429, headers={"Retry-After": when}, times=-1)
    with pytest.raises(kp.RateLimitError) as info:
        client.mindshare("BTC", start="2024-03-01", end="2024-03-02")
    assert info.value.retry_after == pytest.approx(3600, abs=5)
    assert len(server.api_requests()) == 1


def test_a_503_with_retry_after_waits_as_asked(client: kp.Client, server: FakeKaitoServer) -> None:
    server.fail(status=503, headers={"Retry-After": "1"})
    client.mindshare("BTC", start="2024-03-01", end="2024-03-02")
    first, second = server.api_requests()
    assert second.time - first.time >= 0.95


def test_rate_limit_forever_raises_rate_limit_error(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    server.fail(status=429, times=-1)
    with pytest.raises(kp.RateLimitError) as info:
        client.mindshare("BTC", start="2024-03-01", end="2024-03-02")
    assert info.value.status_code == 429
    assert len(server.api_requests()) == client.settings.max_attempts


def test_a_retry_after_longer_than_the_cap_fails_at_once(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    server.fail(status=429, headers={"Retry-After": "3600"}, times=-1)
    with pytest.raises(kp.RateLimitError, match="3600s") as info:
        client.mindshare("BTC", start="2024-03-01", end="2024-03-02")
    assert info.value.retry_after == 3600
    assert len(server.api_requests()) == 1


@pytest.mark.parametrize(
    "body",
    ["<html>Service Unavailable</html>", "", "null", "[]", '{"mindshare": {"2024-03-01": "x"}}'],
)
def test_a_200_that_breaks_the_contract_raises_response_error(
    client: kp.Client, server: FakeKaitoServer, body: str
) -> None:
    server.fail(status=200, body=body)
    with pytest.raises(kp.ResponseError, match="mindshare of token 'BTC'") as info:
        client.mindshare("BTC", start="2024-03-01", end="2024-03-02")
    assert info.value.status_code == 200


def test_one_bad_token_fails_the_whole_list_query(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    client.mindshare("BTC", start="2024-03-01", end="2024-03-02")
    server.fail(status=200, body="<html>", endpoint="mindshare")
    with pytest.raises(kp.ResponseError):
        client.mindshare(["BTC", "ETH"], start="2024-03-01", end="2024-03-02")


def test_a_redirect_is_not_followed_so_the_key_goes_nowhere_else(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    server.fail(status=302, headers={"Location": "http://127.0.0.1:9/steal"})
    with pytest.raises(kp.APIError, match="redirected") as info:
        client.mindshare("BTC", start="2024-03-01", end="2024-03-02")
    assert info.value.status_code == 302
    assert len(server.api_requests()) == 1


def test_debug_logs_never_hold_the_key(
    client: kp.Client, server: FakeKaitoServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.fail(status=500)
    client.engagement("BTC", start="2024-03-01", end="2024-03-05")
    assert caplog.records
    assert API_KEY not in caplog.text


def test_rate_limiter_lets_five_through_per_second_then_waits() -> None:
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(5.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.acquire()
    assert waits == []
    limiter.acquire()
    assert waits == [pytest.approx(1.0 * RATE_WINDOW_SLACK)]


def test_the_client_keeps_to_five_requests_per_second(server: FakeKaitoServer) -> None:
    with kp.Client(API_KEY, base_url=server.url, today=lambda: TODAY) as client:
        client.mindshare([t["token"] for t in TOKENS[:7]], start="2024-03-01", end="2024-03-02")
    times = sorted(r.time for r in server.api_requests())
    # without the limit all seven would arrive within a few milliseconds
    assert times[5] - times[0] >= 0.8


def test_a_hung_service_fails_the_whole_call_within_its_deadline(server: FakeKaitoServer) -> None:
    server.latency = 3.0
    with kp.Client(
        API_KEY,
        base_url=server.url,
        today=lambda: TODAY,
        cache_backend="memory",
        read_timeout=1.0,
        retry_deadline=2.0,
        retry_backoff=0.01,
    ) as client:
        began = time.monotonic()
        with pytest.raises(kp.APIError, match="timed out"):
            client.mindshare("BTC")  # five yearly chunks
        elapsed = time.monotonic() - began
    assert elapsed < 4.5
    # the five chunks are in flight at once, and each is tried at most twice by the deadline
    assert len(server.api_requests()) <= 10


def test_a_session_passed_in_is_not_changed(server: FakeKaitoServer) -> None:
    session = requests.Session()
    adapter = session.get_adapter("http://")
    with kp.Client(API_KEY, base_url=server.url, session=session, today=lambda: TODAY) as client:
        client.mindshare(["BTC", "ETH"], start="2024-06-01")
    assert session.get_adapter("http://") is adapter
    assert session.get(f"{server.url}/api/v1/tokens", timeout=10).status_code == 200
