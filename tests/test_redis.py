"""The team cache on a real redis-server: shared cache, shared rate limit, one request per chunk."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import kaito_pandas as kp
from kaito_pandas._redis_testing import LocalRedisServer
from kaito_pandas.team import LOCK_PREFIX, NAMESPACE, RATE_PREFIX
from kaito_pandas.testing import FakeKaitoServer
from tests.conftest import API_KEY, TODAY, make_client

redis = pytest.importorskip(
    "redis", reason='the Redis tests need: pip install "kaito-pandas[redis]"'
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A redis-server of our own on a free loopback port, for this test session."""
    try:
        server = LocalRedisServer()
    except FileNotFoundError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"{exc}: in CI, .ci/run must install it")
        pytest.skip(str(exc))
    with server:
        yield server.url


@pytest.fixture
def store(redis_url: str) -> Any:
    """A connection to the test Redis, emptied before each test."""
    connection = redis.Redis.from_url(redis_url)
    connection.flushdb()
    return connection


def team_client(server: FakeKaitoServer, redis_url: str, **settings: Any) -> kp.Client:
    # no token list: these tests count and inspect the data chunks in Redis
    options = {"cache_backend": "redis", "redis_url": redis_url, "check_tokens": "off"}
    return make_client(server, **{**options, **settings})


def test_a_second_client_on_the_same_redis_sends_no_request(
    server: FakeKaitoServer, redis_url: str, store: Any
) -> None:
    with team_client(server, redis_url) as first:
        before = first.engagement(["BTC", "ETH"], start="2023-06-01")
    sent = len(server.api_requests())
    with team_client(server, redis_url) as second:
        after = second.engagement(["BTC", "ETH"], start="2023-06-01")
    assert len(server.api_requests()) == sent == 4
    pd.testing.assert_frame_equal(before, after)


def test_the_environment_variable_alone_puts_the_cache_in_redis(
    server: FakeKaitoServer, redis_url: str, store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAITO_PANDAS_REDIS_URL", redis_url)
    with kp.Client(API_KEY, base_url=server.url, today=lambda: TODAY) as client:
        client.mindshare("BTC", start="2024-06-01")
        assert client.settings.cache_backend == "redis"
    assert any(key.startswith(NAMESPACE.encode() + b":") for key in store.keys("*"))


def test_past_chunks_never_expire_and_the_current_one_has_a_ttl(
    server: FakeKaitoServer, redis_url: str, store: Any
) -> None:
    with team_client(server, redis_url) as client:
        client.mindshare("BTC", start="2023-01-01")
        info = client.cache_info().set_index("start")
    assert pd.isna(info.loc["2023-01-01", "expires"])
    assert pd.notna(info.loc["2024-01-01", "expires"])
    ttls = sorted(store.ttl(key) for key in store.scan_iter(f"{NAMESPACE}:*"))
    assert ttls[0] == -1  # no TTL: kept forever
    assert 3600 < ttls[-1] <= 2 * 3600 + 5  # expire_after, plus requests-cache's grace hour


def test_no_key_or_value_in_redis_holds_the_api_key(
    server: FakeKaitoServer, redis_url: str, store: Any
) -> None:
    with team_client(server, redis_url) as client:
        client.engagement(["BTC", "SOL"], start="2023-06-01")
        client.tokens()
    keys = list(store.scan_iter("*"))
    assert len(keys) > 4
    for key in keys:
        assert API_KEY.encode() not in key
        kind = store.type(key)
        if kind == b"string":
            values = [store.get(key)]
        elif kind == b"hash":
            values = [v for pair in store.hgetall(key).items() for v in pair]
        else:
            values = [m for m, _ in store.zrange(key, 0, -1, withscores=True)]
        for value in values:
            assert API_KEY.encode() not in value, key


def test_nothing_wrong_is_stored_in_redis(
    server: FakeKaitoServer, redis_url: str, store: Any
) -> None:
    with team_client(server, redis_url, retry_backoff=0.01) as client:
        server.fail(status=503, times=-1)
        with pytest.raises(kp.APIError):
            client.mindshare("BTC", start="2024-06-01")
        server.reset_faults()
        server.fail(status=200, body="<html>oops</html>")
        with pytest.raises(kp.ResponseError):
            client.mindshare("BTC", start="2024-06-01")
        assert client.cache_info().empty
        assert client.mindshare("BTC", start="2024-06-01")["mindshare"].count() > 25


def test_offline_mode_reads_the_team_cache(
    server: FakeKaitoServer, redis_url: str, store: Any
) -> None:
    with team_client(server, redis_url) as client:
        online = client.sentiment("ETH", start="2024-01-01")
    server.clear_requests()
    with team_client(server, redis_url, api_key=None, offline=True) as offline:
        pd.testing.assert_frame_equal(online, offline.sentiment("ETH", start="2024-01-01"))
        with pytest.raises(kp.CacheMissError):
            offline.sentiment("DOGE", start="2024-01-01")
    assert server.requests == []


def test_clear_cache_deletes_only_this_packages_keys(
    server: FakeKaitoServer, redis_url: str, store: Any
) -> None:
    store.set("someone-else:thing", b"keep me")
    with team_client(server, redis_url) as client:
        client.mindshare(["BTC", "ETH"], start="2024-06-01")
        assert len(client.cache_info()) == 2
        client.clear_cache()
        assert client.cache_info().empty
    assert store.get("someone-else:thing") == b"keep me"
    assert not list(store.scan_iter(f"{NAMESPACE}:*"))


def test_a_missing_redis_package_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, redis_url: str
) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(kp.KaitoError, match=r'pip install "kaito-pandas\[redis\]"'):
        kp.Client(API_KEY, cache_backend="redis", redis_url=redis_url)


def test_an_unreachable_redis_is_a_clear_error() -> None:
    with pytest.raises(kp.KaitoError, match="does not answer"):
        kp.Client(API_KEY, cache_backend="redis", redis_url=f"redis://127.0.0.1:{_free_port()}/0")


def test_redis_backend_needs_a_url() -> None:
    with pytest.raises(ValueError, match="KAITO_PANDAS_REDIS_URL"):
        kp.Client(API_KEY, cache_backend="redis")


@pytest.mark.timing
def test_three_clients_share_one_rate_limit(
    server: FakeKaitoServer, redis_url: str, store: Any
) -> None:
    clients = [team_client(server, redis_url) for _ in range(3)]
    import threading

    threads = [
        threading.Thread(
            target=client.mindshare,
            args=([f"R{n}{i}" for i in range(6)],),
            kwargs={"start": "2024-06-01"},
        )
        for n, client in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times = sorted(r.time for r in server.api_requests())
    assert len(times) == 18
    busiest = max(sum(1 for t in times if start <= t < start + 0.95) for start in times)
    assert busiest <= 5, f"{busiest} requests within 0.95 s"
    assert store.exists(f"{RATE_PREFIX}{server.url.split('//')[1]}")
    for client in clients:
        client.close()


def test_processes_on_one_redis_send_each_chunk_once(
    server: FakeKaitoServer, redis_url: str, store: Any
) -> None:
    server.latency = 0.3
    script = (
        "import sys, datetime as dt, kaito_pandas as kp\n"
        "c = kp.Client(sys.argv[1], base_url=sys.argv[2], cache_backend='redis',\n"
        "              redis_url=sys.argv[3], today=lambda: dt.date.fromisoformat(sys.argv[4]))\n"
        "c.engagement([f'P{i}' for i in range(5)], start='2023-01-01', progress=False)\n"
    )
    args = [API_KEY, server.url, redis_url, TODAY.isoformat()]
    procs = [
        subprocess.Popen([sys.executable, "-c", script, *args], stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    assert len(server.api_requests()) == 5 * 2  # five tokens, two yearly chunks
    assert not list(store.scan_iter(f"{LOCK_PREFIX}*"))


def test_past_chunk_expiry_matches_the_sqlite_rule(
    server: FakeKaitoServer, redis_url: str, store: Any, tmp_path: Path
) -> None:
    with (
        team_client(server, redis_url) as team,
        make_client(server, cache_dir=tmp_path, check_tokens="off") as local,
    ):
        team.mindshare("SOL", start="2023-01-01")
        local.mindshare("SOL", start="2023-01-01")
        on_redis = team.cache_info()[["start", "end", "expired"]]
        on_disk = local.cache_info()[["start", "end", "expired"]]
        assert on_redis.equals(on_disk)
        assert (team.cache_info()["expires"].isna() == local.cache_info()["expires"].isna()).all()
    assert dt.date.fromisoformat(on_redis["end"].iloc[-1]) == TODAY


def test_redis_going_away_warns_once_and_the_fetch_goes_on(
    server: FakeKaitoServer,
) -> None:
    with LocalRedisServer() as own:
        client = team_client(server, own.url)
        first = client.mindshare("BTC", start="2024-06-01")
    # the server is gone now: cached reads, new fetches and cache_info must all go on
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = client.mindshare("BTC", start="2024-06-01")
        other = client.mindshare(["ETH", "SOL"], start="2024-06-01")
        info = client.cache_info()
    client.close()
    pd.testing.assert_frame_equal(first, again)
    assert other.shape[1] == 2
    assert info.empty
    messages = [str(w.message) for w in caught if issubclass(w.category, kp.KaitoWarning)]
    (message,) = messages
    assert "the Redis cache at 127.0.0.1:" in message
    assert "Redis is running" in message


def test_a_pickle_planted_in_the_team_cache_is_never_run(
    server: FakeKaitoServer, redis_url: str, store: Any, tmp_path: Path
) -> None:
    with team_client(server, redis_url) as client:
        client.mindshare("BTC", start="2024-06-01")
        (key,) = [k for k in store.scan_iter(f"{NAMESPACE}:*")]
        marker = tmp_path / "ran"

        class Payload:
            def __reduce__(self) -> tuple[Any, ...]:
                return (Path.touch, (marker,))

        store.set(key, pickle.dumps(Payload()))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", kp.KaitoWarning)
            df = client.mindshare("BTC", start="2024-06-01")
    assert not marker.exists()
    assert df["mindshare"].count() > 25


def test_a_lock_left_by_a_dead_process_holds_others_back_only_briefly(
    server: FakeKaitoServer, redis_url: str, store: Any
) -> None:
    with team_client(server, redis_url) as client:
        url = client._transport.url(
            "mindshare",
            client.plan("mindshare", "BTC", start="2024-06-01").request_params(
                "BTC", dt.date(2024, 1, 1), TODAY
            ),
        )
        lock = LOCK_PREFIX + hashlib.sha256(url.encode()).hexdigest()[:32]
        store.set(lock, b"a-process-that-died", px=1500)
        began = time.monotonic()
        df = client.mindshare("BTC", start="2024-06-01")
        waited = time.monotonic() - began
    assert df["mindshare"].count() > 25
    assert 1.0 < waited < 6
    assert len(server.api_requests()) == 1
