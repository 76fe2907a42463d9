"""Offline reads of chunks fetched on an earlier day, and clients replaced or closed while in use."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest

import kaito_pandas as kp
from kaito_pandas.testing import FakeKaitoServer
from tests.conftest import API_KEY, make_client

FETCHED = dt.date(2024, 6, 20)
LATER = dt.date(2024, 6, 30)


def _fetch_on(server: FakeKaitoServer, cache_dir: Path, day: dt.date, **kwargs: object) -> None:
    server.today = day
    with make_client(server, cache_dir=cache_dir, today=lambda: day) as online:
        online.mindshare(["BTC", "ETH"], start="2024-06-01", **kwargs)


def test_offline_with_none_of_the_asked_days_cached_raises_cache_miss(
    server: FakeKaitoServer, tmp_path: Path
) -> None:
    _fetch_on(server, tmp_path, FETCHED)
    with (
        make_client(server, cache_dir=tmp_path, today=lambda: LATER, offline=True) as offline,
        pytest.raises(kp.CacheMissError, match=r"mindshare of token 'BTC'.*2024-06-20"),
    ):
        offline.mindshare("BTC", start="2024-06-25")


def test_offline_with_an_earlier_fetch_returns_it_with_one_warning_and_cached_through(
    server: FakeKaitoServer, tmp_path: Path
) -> None:
    _fetch_on(server, tmp_path, FETCHED)
    server.clear_requests()
    with make_client(server, cache_dir=tmp_path, today=lambda: LATER, offline=True) as offline:
        with pytest.warns(kp.KaitoWarning, match="cached only through 2024-06-20") as caught:
            df = offline.mindshare("BTC", start="2024-06-10")
        assert len([w for w in caught if "cached only" in str(w.message)]) == 1
        assert caught[0].filename == __file__
        assert df.attrs["cached_through"] == "2024-06-20"
        assert df.index[-1] == pd.Timestamp("2024-06-20", tz="UTC")
        assert df.attrs["end"] == LATER.isoformat()
        # the day it was fetched on was still being counted then: it is partial
        assert df.attrs["partial_from"] == "2024-06-20"
        with pytest.warns(kp.KaitoWarning, match="cached only through"):
            listed = offline.mindshare(["BTC", "ETH"], start="2024-06-10")
        assert listed.attrs["cached_through"] == "2024-06-20"
    assert server.requests == []


def test_offline_with_todays_chunk_cached_says_nothing(
    server: FakeKaitoServer, tmp_path: Path
) -> None:
    _fetch_on(server, tmp_path, LATER)
    with (
        make_client(server, cache_dir=tmp_path, today=lambda: LATER, offline=True) as offline,
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("error")
        df = offline.mindshare("BTC", start="2024-06-10")
    assert "cached_through" not in df.attrs
    assert df.index[-1] == pd.Timestamp(LATER, tz="UTC")


def test_offline_list_query_names_only_the_names_with_no_cached_day(
    server: FakeKaitoServer, tmp_path: Path
) -> None:
    _fetch_on(server, tmp_path, FETCHED)  # BTC and ETH through 06-20
    server.today = LATER
    with make_client(server, cache_dir=tmp_path, today=lambda: LATER) as online:
        online.mindshare("ETH", start="2024-06-01")  # ETH again, through 06-30
    with make_client(server, cache_dir=tmp_path, today=lambda: LATER, offline=True) as offline:
        with pytest.raises(kp.CacheMissError) as info:
            offline.mindshare(["BTC", "ETH"], start="2024-06-25")
        assert set(info.value.failures) == {"BTC"}
        with pytest.warns(kp.KaitoWarning, match="BTC"):
            df = offline.mindshare(["BTC", "ETH"], start="2024-06-25", errors="warn")
        assert list(df["mindshare"].columns) == ["ETH"]
        assert df.attrs["failed"].keys() == {"BTC"}


_CONFIGURE_WHILE_FETCHING = """
import datetime as dt, sys, threading
import kaito_pandas as kp

kp.configure(api_key={key!r}, base_url={url!r}, cache_dir={cache!r}, check_tokens="off",
             today=lambda: dt.date(2024, 6, 30))
kp.mindshare("BTC", start="2024-05-01")  # warm: every later read is a cache hit
errors, done, reads = [], threading.Event(), [0]

def read():
    try:
        while not done.is_set():
            assert len(kp.mindshare("BTC", start="2024-05-01")) == 61
            reads[0] += 1
    except BaseException as exc:
        errors.append(repr(exc))

thread = threading.Thread(target=read)
thread.start()
for i in range({rounds}):
    kp.configure(read_timeout=10 + i % 7)
done.set()
thread.join()
print(reads[0], errors)
sys.exit(1 if errors or not reads[0] else 0)
"""


def test_configure_while_another_thread_fetches_neither_crashes_nor_fails_the_call(
    server: FakeKaitoServer, tmp_path: Path
) -> None:
    script = _CONFIGURE_WHILE_FETCHING.format(
        key=API_KEY, url=server.url, cache=str(tmp_path), rounds=150
    )
    # a child process: a crash in SQLite must fail this test, not end the test run
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    assert "Warning" not in done.stderr, done.stderr[-2000:]  # the cache was never dropped


def test_close_from_another_thread_lets_the_call_in_flight_finish(
    server: FakeKaitoServer, tmp_path: Path
) -> None:
    client = make_client(server, cache_dir=tmp_path, check_tokens="off")
    server.latency = 0.5
    results: list[object] = []
    call = threading.Thread(
        target=lambda: results.append(client.mindshare("SOL", start="2024-06-01"))
    )
    call.start()
    give_up = time.monotonic() + 10
    while not server.api_requests() and time.monotonic() < give_up:
        time.sleep(0.01)  # until the call is on the wire
    client.close()
    call.join(timeout=30)
    assert len(results) == 1
    assert isinstance(results[0], pd.DataFrame)
    assert len(results[0]) == 30
    with pytest.raises(kp.KaitoError, match="closed"):
        client.mindshare("SOL", start="2024-06-01")
    client.close()  # twice does nothing
