"""get_json: any GET /api/v1/<endpoint> through the same key, retries, limits, errors and cache."""

from __future__ import annotations

from pathlib import Path

import pytest

import kaito_pandas as kp
from kaito_pandas.testing import FakeKaitoServer
from tests.conftest import API_KEY, SECRET, make_client, secret_client

BTC_WEEK = {"token": "BTC", "start_date": "2024-03-01", "end_date": "2024-03-05"}


def test_get_json_returns_the_parsed_body_with_the_key_in_the_header(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    body = client.get_json("engagement", **BTC_WEEK)
    assert body["total_engagement"]["2024-03-01"] == 644772
    (request,) = server.requests
    assert request.headers["x-api-key"] == API_KEY
    assert "x-api-key" not in request.raw_query
    assert request.params == BTC_WEEK


def test_get_json_is_cached_unless_cache_is_false(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    first = client.get_json("mindshare", **BTC_WEEK)
    assert client.get_json("mindshare", **BTC_WEEK) == first
    assert len(server.requests) == 1
    entries = len(client.cache_info())
    assert client.get_json("mindshare", cache=False, **BTC_WEEK) == first
    assert len(server.requests) == 2
    assert len(client.cache_info()) == entries


def test_an_unknown_endpoint_is_the_services_404(client: kp.Client) -> None:
    with pytest.raises(kp.APIError, match="mindshare_arena duration=7d: HTTP 404") as info:
        client.get_json("mindshare_arena", duration="7d")
    assert info.value.status_code == 404


@pytest.mark.parametrize(
    "endpoint", ["../tokens", "tokens/../../admin", "x?y=1", "a#b", "%2e%2e", "", " tokens", "a b"]
)
def test_an_endpoint_that_could_leave_api_v1_is_refused_before_sending(
    client: kp.Client, server: FakeKaitoServer, endpoint: str
) -> None:
    with pytest.raises(ValueError, match="is not an endpoint name"):
        client.get_json(endpoint)
    assert server.requests == []


def test_the_key_cannot_go_in_the_query_string(client: kp.Client, server: FakeKaitoServer) -> None:
    with pytest.raises(ValueError, match="x-api-key header"):
        client.get_json("mindshare", token="BTC", api_key="x")
    assert server.requests == []


def test_booleans_travel_as_true_false_and_none_is_left_out(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    client.get_json("sentiment", token="BTC", average=True, gaussian=False, language=None)
    assert server.requests[0].params == {"average": "true", "gaussian": "false", "token": "BTC"}


def test_without_a_key_only_the_lists_are_asked(server: FakeKaitoServer) -> None:
    with make_client(server, api_key=None, cache_backend="memory") as client:
        with pytest.raises(kp.AuthenticationError, match="KAITO_API_KEY"):
            client.get_json("mindshare_arena")
        assert server.requests == []
        assert client.get_json("narratives")[0]["narrative"] == "AI"
        assert client.get_json("tokens", scope="pretge")[0]["token"] == "MONAD"


def test_get_json_retries_what_is_worth_retrying(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    server.fail(status=503, times=2)
    assert client.get_json("mindshare", **BTC_WEEK)["mindshare"]
    assert len(server.requests) == 3


def test_a_body_that_is_not_json_is_a_response_error_and_is_not_kept(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    server.fail(status=200, body="<html>maintenance</html>")
    with pytest.raises(kp.ResponseError, match="not JSON"):
        client.get_json("events")
    assert client.cache_info().empty


def test_offline_get_json_reads_the_cache_and_cache_false_cannot_be_answered(
    server: FakeKaitoServer, tmp_path: Path
) -> None:
    with make_client(server, cache_dir=str(tmp_path)) as online:
        body = online.get_json("mindshare", **BTC_WEEK)
    with make_client(server, cache_dir=str(tmp_path), offline=True) as offline:
        assert offline.get_json("mindshare", **BTC_WEEK) == body
        with pytest.raises(kp.CacheMissError, match="cache=False"):
            offline.get_json("mindshare", cache=False, **BTC_WEEK)
        with pytest.raises(kp.CacheMissError):
            offline.get_json("mindshare", token="ETH")
    assert len(server.requests) == 1


def test_module_level_get_json_uses_the_default_client(server: FakeKaitoServer) -> None:
    kp.configure(api_key=API_KEY, base_url=server.url)
    assert kp.get_json("tokens")[0]["token"] == "BTC"


def test_the_key_never_reaches_errors_or_the_cache_of_get_json(
    fake: FakeKaitoServer, tmp_path: Path
) -> None:
    fake.fail(status=500, body=f'{{"error": "bad key {SECRET}"}}', times=-1, endpoint="events")
    with secret_client(fake, cache_dir=str(tmp_path), max_attempts=1) as client:
        with pytest.raises(kp.APIError) as info:
            client.get_json("events")
        client.get_json("mindshare", **BTC_WEEK)
        assert SECRET not in repr(client)
    assert SECRET not in str(info.value)
    assert SECRET not in repr(info.value)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes()
