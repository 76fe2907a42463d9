"""The in-process memo of parsed chunks: a repeated query costs a slice, never a stale number."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest

import kaito_pandas as kp
from kaito_pandas.memo import ChunkMemo
from kaito_pandas.testing import FakeKaitoServer
from tests.conftest import API_KEY, make_client


def _empty_the_cache_behind_the_memo(client: kp.Client) -> None:
    session = client._transport.cached_session
    assert session is not None
    session.cache.clear()


def test_a_repeated_query_is_served_from_the_memo_without_reading_the_cache(
    server: FakeKaitoServer, tmp_path: Path
) -> None:
    with make_client(server, cache_dir=tmp_path, check_tokens="off") as client:
        first = client.engagement("BTC", start="2023-06-01")
        assert len(client._transport.memo) == 0  # fetched, not yet read from the cache
        client.engagement("BTC", start="2023-06-01")
        # both year chunks, read and parsed once, and the frame they make
        assert len(client._transport.memo) == 3
        _empty_the_cache_behind_the_memo(client)
        again = client.engagement("BTC", start="2023-06-01")
    assert len(server.api_requests()) == 2  # nothing sent again
    pd.testing.assert_frame_equal(again, first)
    assert again.attrs == first.attrs


def test_the_memo_forgets_a_chunk_when_its_cache_entry_expires(
    server: FakeKaitoServer, tmp_path: Path
) -> None:
    with make_client(server, cache_dir=tmp_path, check_tokens="off", expire_after=1.0) as client:
        client.engagement("BTC", start="2023-06-01")
        client.engagement("BTC", start="2023-06-01")  # from the cache, into the memo
        assert len(client._transport.memo) == 3  # two chunks and their frame
        time.sleep(1.1)  # past the current year's 1 s; 2023 is settled, kept for good
        client.engagement("BTC", start="2023-06-01")
        assert len(client._transport.memo) == 1  # the frame went with the current year
    sent = [r.params["start_date"] for r in server.api_requests()]
    assert sorted(sent) == ["2023-01-01", "2024-01-01", "2024-01-01"]


def test_clearing_the_cache_clears_the_memo(server: FakeKaitoServer, tmp_path: Path) -> None:
    with make_client(server, cache_dir=tmp_path, check_tokens="off") as client:
        client.mindshare("BTC", start="2024-06-01")
        client.mindshare("BTC", start="2024-06-01")
        assert len(client._transport.memo) == 2  # the chunk and its frame
        client.clear_cache()
        assert len(client._transport.memo) == 0
        client.mindshare("BTC", start="2024-06-01")
    assert len(server.api_requests()) == 2


def test_memo_bytes_zero_keeps_nothing_and_is_checked(
    server: FakeKaitoServer, tmp_path: Path
) -> None:
    with make_client(server, cache_dir=tmp_path, check_tokens="off", memo_bytes=0) as client:
        client.mindshare("BTC", start="2024-06-01")
        client.mindshare("BTC", start="2024-06-01")
        assert len(client._transport.memo) == 0
        _empty_the_cache_behind_the_memo(client)
        client.mindshare("BTC", start="2024-06-01")
    assert len(server.api_requests()) == 2  # read from nowhere but the service
    for bad in (-1, 1.5, "64MB", True):
        with pytest.raises(ValueError, match=r"^memo_bytes="):
            kp.Client(api_key=API_KEY, memo_bytes=bad)


def test_without_a_cache_there_is_no_memo(server: FakeKaitoServer) -> None:
    with make_client(server, cache=False, check_tokens="off") as client:
        client.mindshare("BTC", start="2024-06-01")
        client.mindshare("BTC", start="2024-06-01")
    assert len(server.api_requests()) == 2


def test_the_memo_is_bounded_least_recently_used_first_out() -> None:
    memo = ChunkMemo(100)
    for i in range(5):
        memo.put(f"u{i}", {"m": {}}, size=30, expires=None)
    assert len(memo) == 3
    assert memo.get("u0") is None
    assert memo.get("u2") is not None  # now the most recently used
    memo.put("u5", {"m": {}}, size=30, expires=None)
    assert memo.get("u3") is None
    assert memo.get("u2") is not None
    memo.put("huge", {"m": {}}, size=101, expires=None)  # larger than the bound: not kept
    assert memo.get("huge") is None


def test_a_remembered_frame_is_a_copy_the_caller_may_change(
    server: FakeKaitoServer, tmp_path: Path
) -> None:
    with make_client(server, cache_dir=tmp_path, check_tokens="off") as client:
        client.mindshare(["BTC", "ETH"], start="2024-06-01")
        first = client.mindshare(["BTC", "ETH"], start="2024-06-01")  # remembered
        expected = first.copy()
        first.iloc[:, 0] = -1.0
        first.attrs["mine"] = True
        again = client.mindshare(["BTC", "ETH"], start="2024-06-01")
    pd.testing.assert_frame_equal(again, expected)
    assert "mine" not in again.attrs
    assert again.attrs == expected.attrs


def test_a_frame_is_remembered_only_when_every_chunk_came_from_the_cache(
    server: FakeKaitoServer, tmp_path: Path
) -> None:
    with make_client(server, cache_dir=tmp_path, check_tokens="off") as client:
        client.mindshare("BTC", start="2024-06-01")  # sent: neither chunk nor frame kept
        assert len(client._transport.memo) == 0
        client.mindshare("BTC", start="2024-06-01", end="2024-06-20")  # another frame
        client.mindshare("BTC", start="2024-06-01")
        assert len(client._transport.memo) == 3  # one chunk, two frames
        server.fail(status=400, times=-1, params={"token": "ETH"})
        for _ in range(2):  # a failed name: the frame of the others is not remembered
            with pytest.warns(kp.KaitoWarning, match="failed"):
                partly = client.mindshare(["BTC", "ETH"], start="2024-06-01", errors="warn")
            assert list(partly["mindshare"].columns) == ["BTC"]
        assert len(client._transport.memo) == 3
