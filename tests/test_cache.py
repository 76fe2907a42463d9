"""The cache and fetch engine: no request twice, nothing secret or wrong stored, many at once."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import pickle
import stat
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from requests_cache import CachedSession
from requests_cache.backends.sqlite import SQLiteCache

import kaito_pandas as kp
from kaito_pandas.fetching import progress_bar
from kaito_pandas.testing import TOKENS as TOKEN_LIST
from kaito_pandas.testing import FakeKaitoServer
from tests.conftest import API_KEY, TODAY, make_client

TOKENS = ["BTC", "ETH", "SOL"]
#: Ids from the fake's token list, for queries of many tokens.
KNOWN = [t["token"] for t in TOKEN_LIST]


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "kaito-cache"


@pytest.fixture
def cached(server: FakeKaitoServer, cache_dir: Path) -> Iterator[kp.Client]:
    """A client with an SQLite cache in a fresh directory; no token list, so that the
    cache holds only the data responses these tests count."""
    with make_client(server, cache_dir=cache_dir, check_tokens="off") as client:
        yield client


def test_a_repeated_query_sends_no_request(cached: kp.Client, server: FakeKaitoServer) -> None:
    first = cached.engagement("BTC", start="2024-03-01", end="2024-03-05")
    sent = len(server.api_requests())
    again = cached.engagement("BTC", start="2024-03-01", end="2024-03-05")
    assert len(server.api_requests()) == sent == 1
    pd.testing.assert_frame_equal(first, again)


def test_any_sub_range_of_what_was_fetched_sends_no_request(
    cached: kp.Client, server: FakeKaitoServer
) -> None:
    full = cached.mindshare("ETH")
    sent = len(server.api_requests())
    for start, end in [
        ("2020-01-01", "2020-01-01"),
        ("2021-06-15", "2023-02-01"),
        ("2024-06-01", None),
        (None, "2022-12-31"),
    ]:
        part = cached.mindshare("ETH", start=start, end=end)
        expected = full.loc[start:end]  # type: ignore[misc]
        pd.testing.assert_frame_equal(part, expected, check_freq=False)
        assert part.index.freqstr == "D"
    assert len(server.api_requests()) == sent


def test_a_small_range_fetches_its_whole_year_once(
    cached: kp.Client, server: FakeKaitoServer
) -> None:
    cached.engagement("SOL", start="2024-03-01", end="2024-03-05")
    cached.engagement("SOL", start="2024-05-01", end="2024-05-31")
    (request,) = server.api_requests()
    assert (request.params["start_date"], request.params["end_date"]) == (
        "2024-01-01",
        (TODAY + dt.timedelta(days=1)).isoformat(),  # through tomorrow: see Query.request_params
    )


def test_extra_params_are_cached_apart(cached: kp.Client, server: FakeKaitoServer) -> None:
    plain = cached.sentiment("BTC", start="2024-03-01", end="2024-03-31")
    averaged = cached.sentiment("BTC", start="2024-03-01", end="2024-03-31", average=True)
    assert len(server.api_requests()) == 2
    assert not plain["sentiment_score"].equals(averaged["sentiment_score"])


def test_past_chunks_never_expire_and_the_current_one_does(
    cached: kp.Client, server: FakeKaitoServer
) -> None:
    cached.engagement("BTC", start="2023-01-01")
    info = cached.cache_info().set_index("start")
    assert pd.isna(info.loc["2023-01-01", "expires"])
    current = info.loc["2024-01-01"]
    lifetime = current["expires"] - current["created"]
    assert dt.timedelta(minutes=59) < lifetime <= dt.timedelta(hours=1, seconds=5)


def test_a_next_day_refresh_of_full_history_sends_one_request_per_token(
    server: FakeKaitoServer, cache_dir: Path
) -> None:
    day = {"today": TODAY}
    with make_client(server, today=lambda: day["today"], cache_dir=cache_dir) as client:
        client.engagement(TOKENS)
        assert len(server.api_requests()) == len(TOKENS) * 2  # 2023 and 2024
        server.clear_requests()
        day["today"] = server.today = TODAY + dt.timedelta(days=1)
        df = client.engagement(TOKENS)
    requests = server.api_requests()
    assert len(requests) == len(TOKENS)
    assert {r.params["start_date"] for r in requests} == {"2024-01-01"}
    assert df.index[-1].date() == TODAY + dt.timedelta(days=1)


def test_expired_current_chunk_is_fetched_again(server: FakeKaitoServer, cache_dir: Path) -> None:
    with make_client(server, cache_dir=cache_dir, expire_after=0.5) as client:
        client.mindshare("BTC", start="2024-03-01")
        time.sleep(0.6)  # the expiry itself is what is tested: half a second must pass
        client.mindshare("BTC", start="2024-03-01")
    assert len(server.api_requests()) == 2


def test_cache_false_sends_every_time(server: FakeKaitoServer) -> None:
    with make_client(server, cache=False) as client:
        client.mindshare("BTC", start="2024-03-01")
        client.mindshare("BTC", start="2024-03-01")
        assert client.cache_info().empty
    assert len(server.api_requests()) == 2


@pytest.mark.parametrize("backend", ["sqlite", "filesystem", "memory"])
def test_every_backend_name_caches(server: FakeKaitoServer, cache_dir: Path, backend: str) -> None:
    with make_client(
        server, cache_dir=cache_dir, cache_backend=backend, check_tokens="off"
    ) as client:
        client.mindshare("BTC", start="2024-03-01")
        client.mindshare("BTC", start="2024-03-02")
        assert len(client.cache_info()) == 1
    assert len(server.api_requests()) == 1


def test_a_requests_cache_backend_instance_is_used(server: FakeKaitoServer, tmp_path: Path) -> None:
    backend = SQLiteCache(tmp_path / "mine.sqlite")
    with make_client(server, cache_backend=backend, check_tokens="off") as client:
        client.mindshare("BTC", start="2024-03-01")
    assert len(list(backend.responses.keys())) == 1


def test_an_unknown_backend_name_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="cache_backend='redis!'"):
        kp.Client(API_KEY, cache_backend="redis!")


def test_default_cache_dir_comes_from_the_environment(
    server: FakeKaitoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAITO_PANDAS_CACHE_DIR", str(tmp_path / "from-env"))
    with make_client(server) as client:
        client.mindshare("BTC", start="2024-06-01")
    assert (tmp_path / "from-env" / "http-cache.sqlite").is_file()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize("backend", ["sqlite", "filesystem"])
def test_cache_dir_and_every_file_in_it_are_for_the_user_alone(
    server: FakeKaitoServer, cache_dir: Path, backend: str
) -> None:
    with make_client(
        server, cache_dir=cache_dir, cache_backend=backend, check_tokens="off"
    ) as client:
        client.mindshare(["BTC", "ETH"], start="2023-06-01")
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    written = list(cache_dir.rglob("*"))
    assert written
    for path in written:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path} is {mode:o}"


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_a_directory_the_user_chose_keeps_its_permissions(
    server: FakeKaitoServer, tmp_path: Path
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    with make_client(server, cache_dir=shared) as client:
        client.mindshare("BTC", start="2024-06-01")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
    assert stat.S_IMODE((shared / "http-cache.sqlite").stat().st_mode) == 0o600


@pytest.mark.parametrize("backend", ["sqlite", "filesystem"])
def test_no_byte_the_cache_wrote_holds_the_key(
    server: FakeKaitoServer, cache_dir: Path, backend: str
) -> None:
    with make_client(
        server, cache_dir=cache_dir, cache_backend=backend, check_tokens="off"
    ) as client:
        client.engagement(TOKENS, start="2023-06-01")
        client.tokens()
        assert len(client.cache_info()) == 7
    written = [path for path in cache_dir.rglob("*") if path.is_file()]
    assert written
    needles = [API_KEY.encode(), API_KEY.encode("utf-16-le"), API_KEY[::-1].encode()]
    for path in written:
        data = path.read_bytes()
        for needle in needles:
            assert needle not in data, path


def test_the_memory_cache_holds_no_key_either(client: kp.Client) -> None:
    client.engagement("BTC", start="2024-03-01")
    session = client._transport.cached_session
    assert session is not None
    stored = pickle.dumps(list(session.cache.responses.values()))
    assert API_KEY.encode() not in stored
    assert b"REDACTED" in stored


def test_an_error_status_is_not_cached(cached: kp.Client, server: FakeKaitoServer) -> None:
    server.fail(status=503, times=-1)
    with pytest.raises(kp.APIError):
        cached.mindshare("BTC", start="2024-06-01")
    assert cached.cache_info().empty
    server.reset_faults()
    assert len(cached.mindshare("BTC", start="2024-06-01")) == 30


def test_a_malformed_200_is_removed_from_the_cache_before_the_error(
    cached: kp.Client, server: FakeKaitoServer
) -> None:
    server.fail(status=200, body='{"mindshare": {"2024-06-01": "lots"}}')
    with pytest.raises(kp.ResponseError, match="expected a number"):
        cached.mindshare("BTC", start="2024-06-01")
    assert cached.cache_info().empty
    df = cached.mindshare("BTC", start="2024-06-01")
    assert df["mindshare"].count() > 25  # the fake leaves out about one day in sixty
    assert len(server.api_requests()) == 2


def test_offline_serves_the_cache_without_a_connection(
    cached: kp.Client, server: FakeKaitoServer, cache_dir: Path
) -> None:
    online = cached.engagement(["BTC", "ETH"], start="2023-05-01")
    server.clear_requests()
    with make_client(server, api_key=None, cache_dir=cache_dir, offline=True) as offline:
        assert "offline" in repr(offline)
        again = offline.engagement(["BTC", "ETH"], start="2023-05-01")
    pd.testing.assert_frame_equal(online, again)
    assert server.requests == []


def test_offline_from_the_environment_raises_cache_miss_naming_what_is_missing(
    server: FakeKaitoServer, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAITO_PANDAS_OFFLINE", "1")
    with (
        make_client(server, cache_dir=cache_dir) as client,
        pytest.raises(kp.CacheMissError, match=r"sentiment of token 'DOGE'.*not cached"),
    ):
        client.sentiment("DOGE", start="2024-01-01")
    assert server.requests == []


def test_offline_needs_the_cache() -> None:
    with pytest.raises(ValueError, match="needs cache=True"):
        kp.Client(API_KEY, offline=True, cache=False)


def test_cache_info_describes_each_response_and_clear_cache_empties_it(
    cached: kp.Client,
) -> None:
    cached.engagement(["BTC", "ETH"], start="2024-02-01")
    cached.mentions(keyword="etf flows", start="2024-02-01")
    cached.mindshare("HYPE", start="2024-02-01", scope="pretge")
    info = cached.cache_info()
    assert list(info.columns) == [
        "method", "token", "keyword", "start", "end", "params", "created", "expires", "expired", "size"
    ]  # fmt: skip
    assert len(info) == 4
    row = info[info["keyword"] == "etf flows"].iloc[0]
    assert (row["method"], row["start"], row["end"]) == ("mentions", "2024-01-01", "2024-06-30")
    assert info[info["token"] == "HYPE"].iloc[0]["params"] == "scope=pretge"
    assert (info["size"] > 0).all()
    assert str(info["created"].dt.tz) == "UTC"
    assert API_KEY not in info.to_string()
    cached.clear_cache(expired_only=True)
    assert len(cached.cache_info()) == 4
    cached.clear_cache()
    assert cached.cache_info().empty


def test_module_level_cache_info_and_clear_cache(server: FakeKaitoServer) -> None:
    kp.configure(api_key=API_KEY, base_url=server.url, today=lambda: TODAY, check_tokens="off")
    kp.mindshare("BTC", start="2024-06-01")
    assert len(kp.cache_info()) == 1
    kp.clear_cache()
    assert kp.cache_info().empty


def test_twelve_uncached_tokens_at_one_second_latency_take_seconds_not_twelve(
    cached: kp.Client, server: FakeKaitoServer
) -> None:
    server.latency = 1.0
    began = time.monotonic()
    df = cached.mindshare(KNOWN[:12], start="2024-06-01")
    elapsed = time.monotonic() - began
    assert df.shape[1] == 12
    assert elapsed < 8, f"12 requests at 1 s latency took {elapsed:.1f}s"


def test_identical_requests_in_flight_are_sent_once(
    cached: kp.Client, server: FakeKaitoServer
) -> None:
    server.latency = 0.5
    barrier = threading.Barrier(4)
    frames: list[pd.DataFrame] = []

    def fetch() -> None:
        barrier.wait()
        frames.append(cached.mindshare("BTC", start="2024-06-01"))

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(frames) == 4
    assert len(server.api_requests()) == 1


def test_eight_threads_hammering_one_sqlite_cache_lose_nothing(
    cached: kp.Client, server: FakeKaitoServer
) -> None:
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for j in range(3):
                cached.mindshare([KNOWN[i], KNOWN[8 + (i + j) % 8]], start="2024-06-01")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    info = cached.cache_info()
    assert set(info["token"]) == set(KNOWN[:16])
    assert len(info) == 16


def test_two_processes_sharing_one_cache_dir_lose_nothing(
    server: FakeKaitoServer, cache_dir: Path
) -> None:
    script = (
        "import sys, datetime as dt, kaito_pandas as kp\n"
        "c = kp.Client(sys.argv[1], base_url=sys.argv[2], cache_dir=sys.argv[3],\n"
        "              today=lambda: dt.date.fromisoformat(sys.argv[4]), check_tokens='off')\n"
        "for n in range(3):\n"
        "    c.mindshare(sys.argv[5].split(',') + ['BTC'], start='2024-06-01')\n"
    )
    args = [API_KEY, server.url, str(cache_dir), TODAY.isoformat()]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, *args, ",".join(own)], stderr=subprocess.PIPE
        )
        for own in (KNOWN[10:16], KNOWN[20:26])
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        assert "cannot be used" not in err.decode()  # no process gave up on the cache
    with make_client(server, api_key=None, cache_dir=cache_dir) as client:
        tokens = set(client.cache_info()["token"])
    assert tokens == {*KNOWN[10:16], *KNOWN[20:26], "BTC"}


def test_a_list_query_raises_one_error_naming_every_failed_token(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    client.mindshare("BTC", start="2024-06-01")  # cached: cannot fail below
    server.fail(status=200, body="<html>oops</html>", times=2)
    with pytest.raises(kp.ResponseError) as info:
        client.mindshare(["BTC", "ETH", "SOL"], start="2024-06-01")
    message = str(info.value)
    assert "2 of 3 tokens failed" in message
    assert "'ETH'" in message
    assert "'SOL'" in message
    assert set(info.value.failures) == {"ETH", "SOL"}


def test_errors_warn_returns_the_rest_and_lists_the_failures(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    client.mindshare("BTC", start="2024-06-01")
    server.fail(status=404, body='{"error": "unknown token"}', times=1)
    with pytest.warns(kp.KaitoWarning, match="1 of 2 tokens failed"):
        df = client.mindshare(["BTC", "NOPE"], start="2024-06-01", errors="warn")
    assert list(df["mindshare"].columns) == ["BTC"]
    assert "unknown token" in df.attrs["failed"]["NOPE"]


def test_errors_warn_still_raises_when_every_token_failed(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    server.fail(status=404, times=-1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(kp.APIError):
            client.mindshare(["ETH", "SOL"], start="2024-06-01", errors="warn")


def test_errors_must_be_raise_or_warn(client: kp.Client, server: FakeKaitoServer) -> None:
    with pytest.raises(ValueError, match="errors='ignore'"):
        client.mindshare(["A", "B"], errors="ignore")  # type: ignore[arg-type]
    assert server.requests == []


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_is_drawn_on_a_terminal_only() -> None:
    assert progress_bar(3, "three", stream=io.StringIO()) is None
    terminal = _Terminal()
    bar = progress_bar(3, "three", stream=terminal)
    assert bar is not None
    bar.update(1)
    bar.close()
    assert "three:" in terminal.getvalue()
    assert "/3 [" in terminal.getvalue()


def test_fetching_prints_nothing_when_output_is_not_a_terminal(
    cached: kp.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    cached.mindshare(TOKENS, start="2023-01-01")
    assert capsys.readouterr() == ("", "")


def _fetch_with_damaged_cache(server: FakeKaitoServer, cache_dir: Path) -> list[str]:
    """Fetch twice with the given cache dir; return the messages of the warnings raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with make_client(server, cache_dir=cache_dir) as client:
            first = client.mindshare(["BTC", "ETH"], start="2024-06-01")
            second = client.mindshare(["BTC", "ETH"], start="2024-06-01")
    pd.testing.assert_frame_equal(first, second)
    return [str(w.message) for w in caught if issubclass(w.category, kp.KaitoWarning)]


def test_a_corrupted_cache_file_gives_one_warning_and_the_fetch_succeeds(
    server: FakeKaitoServer, cache_dir: Path
) -> None:
    cache_dir.mkdir(mode=0o700)
    (cache_dir / "http-cache.sqlite").write_bytes(b"this is not a database" * 100)
    (message,) = _fetch_with_damaged_cache(server, cache_dir)
    assert str(cache_dir / "http-cache.sqlite") in message
    assert "delete" in message


def test_a_truncated_cache_file_gives_one_warning_and_the_fetch_succeeds(
    server: FakeKaitoServer, cache_dir: Path
) -> None:
    with make_client(server, cache_dir=cache_dir) as client:
        client.engagement(TOKENS, start="2023-01-01")
    path = cache_dir / "http-cache.sqlite"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    (message,) = _fetch_with_damaged_cache(server, cache_dir)
    assert str(path) in message


def test_a_cache_dir_that_cannot_be_made_gives_one_warning_and_the_fetch_succeeds(
    server: FakeKaitoServer, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    (message,) = _fetch_with_damaged_cache(server, blocker / "cache")
    assert str(blocker / "cache") in message
    assert "KAITO_PANDAS_CACHE_DIR" in message


def test_a_cached_session_passed_in_never_stores_the_key(
    server: FakeKaitoServer, tmp_path: Path
) -> None:
    session = CachedSession(str(tmp_path / "mine"), backend="sqlite")
    with make_client(server, session=session) as client:
        client.mindshare("BTC", start="2024-06-01")
        client.mindshare("BTC", start="2024-06-02")
    assert len(server.api_requests()) == 1
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert API_KEY.encode() not in path.read_bytes(), path


def test_a_malformed_tokens_list_is_not_kept(cached: kp.Client, server: FakeKaitoServer) -> None:
    server.fail(status=200, body="<html>maintenance</html>", endpoint="tokens")
    with pytest.raises(kp.ResponseError, match="tokens list") as info:
        cached.tokens()
    assert info.value.status_code == 200
    assert "BTC" in cached.tokens()["token"].tolist()


def test_offline_the_next_day_serves_what_was_fetched_the_day_before(
    cached: kp.Client, server: FakeKaitoServer, cache_dir: Path
) -> None:
    online = cached.mindshare("BTC", start="2024-03-01", end="2024-03-05")
    server.clear_requests()
    tomorrow = TODAY + dt.timedelta(days=1)
    with make_client(
        server, api_key=None, today=lambda: tomorrow, cache_dir=cache_dir, offline=True
    ) as offline:
        again = offline.mindshare("BTC", start="2024-03-01", end="2024-03-05")
        with pytest.warns(kp.KaitoWarning, match=f"cached only through {TODAY}"):
            latest = offline.mindshare("BTC", start="2024-06-01")
    pd.testing.assert_frame_equal(online, again)
    assert latest.index[-1].date() == TODAY  # all there is, offline, and it says so
    assert latest.attrs["cached_through"] == TODAY.isoformat()
    assert server.requests == []


def test_a_refused_key_raises_even_with_errors_warn(
    server: FakeKaitoServer, cache_dir: Path
) -> None:
    with (
        make_client(server, api_key="wrong-key", cache_dir=cache_dir) as client,
        pytest.raises(kp.AuthenticationError),
    ):
        client.mindshare(KNOWN[:12], start="2024-06-01", errors="warn")
    assert len(server.api_requests()) < 12


def test_one_failed_token_of_a_list_is_named_in_failures(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    client.mindshare("BTC", start="2024-06-01")
    server.fail(status=404, body='{"error": "unknown token"}')
    with pytest.raises(kp.APIError) as info:
        client.mindshare(["BTC", "NOPE"], start="2024-06-01")
    assert set(info.value.failures) == {"NOPE"}


@contextlib.contextmanager
def _read_only(path: Path) -> Iterator[None]:
    """Make ``path`` read-only, for root too (permission bits don't stop root: chattr +i does)."""
    mode = stat.S_IMODE(path.stat().st_mode)
    path.chmod(mode & ~0o222)
    immutable = False
    if os.geteuid() == 0:
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
        if done.returncode != 0:
            path.chmod(mode)
            pytest.skip(f"root, and chattr +i is not available here: {done.stderr!r}")
        immutable = True
    try:
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize("layout", ["read-only directory", "read-only file"])
def test_a_read_only_cache_warns_once_and_the_fetch_succeeds(
    server: FakeKaitoServer, cache_dir: Path, layout: str
) -> None:
    with make_client(server, cache_dir=cache_dir) as client:
        client.mindshare("SOL", start="2024-06-01")  # a cache that exists, then turns read-only
    target = cache_dir if layout == "read-only directory" else cache_dir / "http-cache.sqlite"
    with _read_only(target):
        messages = _fetch_with_damaged_cache(server, cache_dir)
    (message,) = messages
    assert "http-cache.sqlite" in message


def test_a_list_query_names_every_failed_token_however_many(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    client.mindshare("BTC", start="2024-06-01")  # cached: the only one that succeeds
    names = ["BTC", "ETH", "SOL", "HYPERLIQUID", "BNB", "XRP", "DOGE", "ADA"]
    server.fail(status=404, body='{"error": "unknown token"}', times=-1)
    with pytest.raises(kp.APIError) as info:
        client.mindshare(names, start="2024-06-01")
    assert set(info.value.failures) == set(names[1:])
    assert "7 of 8 tokens failed" in str(info.value)
