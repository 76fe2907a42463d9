"""Issue 10, the transport's part: one call's failure never empties another's frame, no
answer outlives the call's deadline, and the key is neither refused rawly nor stored.

Every test talks to FakeKaitoServer over real HTTP; the two-thread test orders its
threads with events, not with sleeps.
"""

from __future__ import annotations

import json
import pickle
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from requests_cache.backends.base import BaseCache

import kaito_pandas as kp
from kaito_pandas._synthetic import KNOWN_TOKENS
from kaito_pandas.cli import main
from kaito_pandas.errors import CancelledError
from kaito_pandas.testing import FakeKaitoServer
from tests.conftest import SECRET, TODAY, make_client, secret_client


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error, then every error it was raised from or while handling."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [current.__cause__, current.__context__]
        todo += list(getattr(current, "failures", {}).values())


def _assert_no_error_in_the_chain_holds(secret: str, error: BaseException) -> None:
    shown = ["".join(traceback.format_exception(error))]
    for link in _chain(error):
        shown += [str(link), repr(link), repr(link.args)]
    for text in shown:
        assert secret not in text


# 1. one caller's cancellation never reaches another caller


def test_a_call_that_joins_a_failed_calls_request_still_gets_every_day(
    server: FakeKaitoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(server, cache_backend="memory", rate_limit=1000, progress=False)
    transport = client._transport
    in_backoff, go_on = threading.Event(), threading.Event()

    def backoff(seconds: float) -> None:  # A's 2023 chunk waits here, after its 503
        in_backoff.set()
        assert go_on.wait(10)

    joined = threading.Event()

    class Inflight(dict[str, Any]):
        def get(self, url: str, default: Any = None) -> Any:
            found = super().get(url, default)
            if found is not None and "start_date=2023-01-01" in url:
                joined.set()  # B waits for A's request for 2023
            return found

    stops: list[threading.Event] = []
    send = transport.get

    def get(endpoint: str, params: Any, **kwargs: Any) -> bytes:
        stops.append(kwargs["stop"])
        if params["start_date"] == "2022-01-01":  # A fails once its 2023 chunk backs off
            assert in_backoff.wait(10)
        return send(endpoint, params, **kwargs)

    monkeypatch.setattr(transport, "_sleep", backoff)
    monkeypatch.setattr(transport, "_inflight", Inflight())
    monkeypatch.setattr(transport, "get", get)
    server.fail(status=404, params={"start_date": "2022-01-01"})
    server.fail(status=503, params={"start_date": "2023-01-01"})
    results: dict[str, pd.DataFrame | BaseException] = {}

    def call(name: str, start: str) -> None:
        try:
            results[name] = client.mindshare("BTC", start=start)
        except BaseException as exc:
            results[name] = exc

    a = threading.Thread(target=call, args=("A", "2022-01-01"))
    a.start()
    assert in_backoff.wait(10)
    assert stops[0].wait(10)  # A's 2022 chunk answered 404: A has failed
    b = threading.Thread(target=call, args=("B", "2023-03-01"))
    b.start()
    assert joined.wait(10)
    go_on.set()  # A's 2023 request wakes to find A failed
    a.join(10)
    b.join(10)
    client.close()
    assert isinstance(results["A"], kp.APIError)
    assert results["A"].status_code == 404
    frame = results["B"]
    assert isinstance(frame, pd.DataFrame), frame
    with make_client(server, cache_backend="memory") as fresh:
        expected = fresh.mindshare("BTC", start="2023-03-01")
    assert frame.index[0] == pd.Timestamp("2023-03-01", tz="UTC")
    pd.testing.assert_frame_equal(frame, expected)


def test_a_chunk_that_ends_with_neither_data_nor_an_error_raises_naming_the_chunk(
    server: FakeKaitoServer, client: kp.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    send = client._transport.get

    def cancelled_from_elsewhere(endpoint: str, params: Any, **kwargs: Any) -> bytes:
        if params["start_date"] == "2023-01-01":
            raise CancelledError("cancelled by a call that is not this one")
        return send(endpoint, params, **kwargs)

    monkeypatch.setattr(client._transport, "get", cancelled_from_elsewhere)
    with pytest.raises(kp.KaitoError, match=r"2023-01-01\.\.2023-12-31 ended with neither"):
        client.mindshare("BTC", start="2023-06-01")
    assert len(server.api_requests()) == 1  # 2024 was fetched; 2023 is no hole in a frame


# 6. the whole call, body included, ends by the retry deadline


def test_a_body_sent_byte_by_byte_fails_the_call_within_the_retry_deadline(
    server: FakeKaitoServer,
) -> None:
    body = json.dumps({"mindshare": {f"2024-06-{day:02d}": 0.1 for day in range(1, 31)}})
    server.fail(status=200, body=body, trickle=0.2, times=-1)  # 600 bytes: two minutes
    with make_client(
        server, cache_backend="memory", retry_deadline=2.0, read_timeout=1.0, retry_backoff=0.01
    ) as client:
        began = time.monotonic()
        with pytest.raises(kp.APIError, match="timed out"):
            client.mindshare("BTC", start="2024-06-01")
        elapsed = time.monotonic() - began
    assert elapsed < 2.0 + 2.0
    assert server.api_requests()


def test_a_slow_but_steady_body_within_the_deadline_arrives_whole(server: FakeKaitoServer) -> None:
    body = json.dumps({"mindshare": {"2024-06-29": 0.25, "2024-06-30": 0.5}})
    server.fail(status=200, body=body, trickle=0.01)  # about half a second
    with make_client(server, cache_backend="memory", retry_deadline=5.0) as client:
        frame = client.mindshare("BTC", start="2024-06-29")
    assert frame["mindshare"].tolist() == [0.25, 0.5]


# 7. a key no HTTP header can carry is refused, and no error ever holds the key

BAD_KEYS = ["\u201cabc123\u201d", "abc\u2019s-key", "\u043a\u043b\u044e\u0447-123", "ab\u2014cd"]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_a_key_with_characters_no_header_carries_is_refused_without_showing_it(
    server: FakeKaitoServer, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    with pytest.raises(ValueError, match="HTTP header cannot carry") as given:
        kp.Client(key, base_url=server.url)
    monkeypatch.setenv("KAITO_API_KEY", key)
    with pytest.raises(ValueError, match="KAITO_API_KEY") as from_env:
        kp.Client(base_url=server.url)
    for error in (given.value, from_env.value):
        _assert_no_error_in_the_chain_holds(key, error)
    assert server.requests == []


FAULTS = [
    pytest.param({"status": 401, "body": f"bad key {SECRET}"}, id="401 echoing the key"),
    pytest.param({"status": 500, "body": f"oops {SECRET}", "times": -1}, id="500 echoing it"),
    pytest.param({"status": 302, "headers": {"Location": f"/x?k={SECRET}"}}, id="redirect"),
    pytest.param({"drop": True, "times": -1}, id="dropped connections"),
    pytest.param({"status": 200, "body": f'{{"{SECRET}": 1}}'}, id="200 holding the key"),
    pytest.param({"status": 200, "trickle": 0.3, "times": -1}, id="trickled body"),
]


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("tokens", [["BTC", "ETH"], "BTC"], ids=["list", "one token"])
def test_no_error_in_the_chain_of_a_failed_call_holds_the_key(
    fake: FakeKaitoServer, fault: dict[str, Any], tokens: Any
) -> None:
    fake.fail(**fault)
    with (
        secret_client(fake, cache_backend="memory", max_attempts=2, retry_deadline=1.5) as client,
        pytest.raises(kp.KaitoError) as info,
    ):
        client.mindshare(tokens, start="2024-06-01")
    _assert_no_error_in_the_chain_holds(SECRET, info.value)


# 10. an answer holding the key is stored nowhere, nor returned

GOOD_DAYS = {"2024-06-29": 0.25, "2024-06-30": 0.5}


def _stored_bytes(backend: str, tmp_path: Path, memory: BaseCache) -> bytes:
    if backend == "memory":
        return pickle.dumps((dict(memory.responses), dict(memory.redirects)))
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    return b"".join(path.read_bytes() for path in files)


def _cache_options(backend: str, tmp_path: Path, memory: BaseCache) -> dict[str, Any]:
    if backend == "memory":
        return {"cache_backend": memory}
    return {"cache_backend": backend, "cache_dir": tmp_path}


@pytest.mark.parametrize("backend", ["sqlite", "filesystem", "memory"])
def test_a_body_holding_the_key_is_refused_and_never_stored(
    fake: FakeKaitoServer, tmp_path: Path, backend: str
) -> None:
    memory = BaseCache()
    # the key as a column name: a body the parser would take
    body = json.dumps({"mindshare": GOOD_DAYS, SECRET: GOOD_DAYS})
    fake.fail(status=200, body=body, endpoint="mindshare")
    with secret_client(fake, **_cache_options(backend, tmp_path, memory)) as client:
        with pytest.raises(kp.ResponseError, match="holds the API key") as info:
            client.mindshare("BTC", start="2024-06-29")
        client.engagement("BTC", start="2024-06-29")  # something is stored
        stored = _stored_bytes(backend, tmp_path, memory)
    _assert_no_error_in_the_chain_holds(SECRET, info.value)
    assert b"total_engagement" in stored
    assert SECRET.encode() not in stored


@pytest.mark.parametrize("backend", ["sqlite", "filesystem", "memory"])
def test_an_answer_whose_header_echoes_the_key_is_used_but_never_stored(
    fake: FakeKaitoServer, tmp_path: Path, backend: str
) -> None:
    memory = BaseCache()
    body = json.dumps({"mindshare": GOOD_DAYS})
    fake.fail(status=200, body=body, headers={"X-Echo-Key": SECRET}, endpoint="mindshare")
    with secret_client(fake, **_cache_options(backend, tmp_path, memory)) as client:
        frame = client.mindshare("BTC", start="2024-06-29")
        client.engagement("BTC", start="2024-06-29")
        stored = _stored_bytes(backend, tmp_path, memory)
        client.mindshare("BTC", start="2024-06-29")  # not cached: asked again
    assert frame["mindshare"].tolist() == [0.25, 0.5]
    assert SECRET not in frame.to_csv() + repr(frame.attrs)
    assert b"total_engagement" in stored
    assert SECRET.encode() not in stored
    assert len(fake.api_requests("mindshare")) == 2


# a refused key stops a list query: say so, not "5 of 200 failed"


def test_a_refused_key_on_a_list_query_says_how_many_names_were_not_sent(
    server: FakeKaitoServer,
) -> None:
    tokens = sorted(KNOWN_TOKENS)[:40]
    with (
        make_client(server, api_key="wrong-key", cache_backend="memory", progress=False) as client,
        pytest.raises(kp.AuthenticationError) as info,
    ):
        client.mindshare(tokens, start="2024-06-01")
    sent = {r.params["token"] for r in server.api_requests()}
    assert 0 < len(sent) < len(tokens)
    message = str(info.value)
    assert "the API key was refused" in message
    assert f"{len(tokens) - len(sent)} of {len(tokens)} tokens were not sent" in message
    assert "failed:" not in message


def test_the_command_line_says_a_refused_key_stopped_a_list_query(
    server: FakeKaitoServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KAITO_API_KEY", "wrong-key")
    monkeypatch.setenv("KAITO_API_BASE_URL", server.url)
    tokens = sorted(KNOWN_TOKENS)[:40]
    assert main(["fetch", "mindshare", *tokens, "--start", "2024-06-01"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "the API key was refused" in err
    assert "of 40 tokens were not sent" in err


# a short key is found where it stands alone, never inside a word


def test_a_short_demo_key_is_not_found_inside_words_and_the_token_check_still_runs() -> None:
    with FakeKaitoServer("k", today=TODAY) as short:
        client = kp.Client("k", base_url=short.url, today=lambda: TODAY, cache_backend="memory")
        with client, pytest.warns(kp.KaitoWarning, match="did you mean 'BTC'"):
            df = client.engagement(["BTC", "btc"], start="2024-06-01")  # "token", "Kaito"...
    assert df[("total_engagement", "BTC")].notna().all()


def test_a_short_key_standing_alone_is_still_redacted() -> None:
    with FakeKaitoServer("k", today=TODAY) as short:
        short.fail(status=400, body='{"error": "key k is not valid for this kind of token"}')
        client = kp.Client("k", base_url=short.url, today=lambda: TODAY, cache_backend="memory")
        with client, pytest.raises(kp.APIError) as info:
            client.engagement("BTC", start="2024-06-01", params=None)
    message = str(info.value)
    assert "key *** is not valid for this kind of token" in message  # the words keep their k
    assert " k " not in message
