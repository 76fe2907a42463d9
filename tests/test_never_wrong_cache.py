"""The cache never serves one name's numbers for another, never freezes a year too soon,
survives a full disk, and one process clearing it never breaks another."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import subprocess
import sys
import time
import unicodedata
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from requests_cache import create_key
from requests_cache.backends.base import DictStorage

import kaito_pandas as kp
from kaito_pandas.testing import FakeKaitoServer
from tests.conftest import API_KEY, TODAY, make_client

BACKENDS = ("sqlite", "filesystem", "memory")

#: Pairs of different strings that Unicode normalization would make one.
EQUIVALENT = [
    (unicodedata.normalize("NFD", "비트코인"), unicodedata.normalize("NFC", "비트코인")),
    ("caf\u00e9", "cafe\u0301"),
    ("\u2126 ohm", "\u03a9 ohm"),  # the Ohm sign and the Greek capital omega
    ("\u212a", "K"),  # the Kelvin sign and the letter K
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("first", "second"), EQUIVALENT, ids=["hangul", "e-acute", "ohm", "kelvin"]
)
def test_unicode_equivalent_keywords_never_share_a_cache_entry(
    backend: str, first: str, second: str, server: FakeKaitoServer, tmp_path: Path
) -> None:
    assert first != second
    with make_client(server, cache_backend=backend, cache_dir=tmp_path) as client:
        one = client.engagement(keyword=first, start="2024-03-01", end="2024-03-10")
        other = client.engagement(keyword=second, start="2024-03-01", end="2024-03-10")
        assert len(server.api_requests()) == 2  # the second string was asked for itself
        sent = [r.params["keyword"] for r in server.api_requests()]
        assert sent == [first, second]
        assert not one.equals(other)  # the fake's numbers follow the exact string
        again = client.engagement(keyword=first, start="2024-03-01", end="2024-03-10")
        assert len(server.api_requests()) == 2  # the same string is served from the cache
        pd.testing.assert_frame_equal(again, one)


def test_unicode_equivalent_tokens_never_share_a_cache_entry(
    server: FakeKaitoServer, tmp_path: Path
) -> None:
    with make_client(server, cache_dir=tmp_path, check_tokens="off") as client:
        client.mindshare("K", start="2024-03-01", end="2024-03-10")
        client.mindshare("\u212a", start="2024-03-01", end="2024-03-10")
    assert [r.params["token"] for r in server.api_requests()] == ["K", "\u212a"]


def _expires(client: kp.Client, start: str) -> object:
    info = client.cache_info()
    (expires,) = info.loc[(info["method"] == "mindshare") & (info["start"] == start), "expires"]
    return expires


def test_a_year_is_not_frozen_while_the_services_clock_says_it_is_recent(
    server: FakeKaitoServer, tmp_path: Path
) -> None:
    # the client's clock runs ahead of the service's, whose data reach 2024-12-20 only
    server.today = dt.date(2024, 12, 20)
    ahead = dt.date(2025, 1, 3)
    with make_client(server, cache_dir=tmp_path, today=lambda: ahead, expire_after=0.05) as client:
        df = client.mindshare("BTC", start="2024-12-01", end="2024-12-31")
        assert df.index[-1] == pd.Timestamp("2024-12-20", tz="UTC")
        assert not pd.isna(_expires(client, "2024-01-01"))  # expires like the current chunk
    # once the service has the rest of the year and that entry has expired, a fetch
    # gets the rest, and then the year is kept for good
    server.today = ahead
    time.sleep(0.1)  # past the 0.05 s expiry set above
    with make_client(server, cache_dir=tmp_path, today=lambda: ahead) as client:
        df = client.mindshare("BTC", start="2024-12-01", end="2024-12-31")
        assert df.index[-1] == pd.Timestamp("2024-12-31", tz="UTC")
        assert pd.isna(_expires(client, "2024-01-01"))  # settled now: kept for good


def test_a_year_settled_by_the_services_clock_is_kept_even_if_the_client_lags(
    server: FakeKaitoServer, tmp_path: Path
) -> None:
    server.today = dt.date(2025, 1, 10)
    behind = dt.date(2024, 12, 31)
    with make_client(server, cache_dir=tmp_path, today=lambda: behind) as client:
        client.mindshare("BTC", start="2024-12-01", end="2024-12-31")
        assert pd.isna(_expires(client, "2024-01-01"))


@pytest.mark.parametrize("days", [1, 2, 5])
def test_settle_days_decides_when_a_chunk_is_kept_for_good(
    days: int, server: FakeKaitoServer, tmp_path: Path
) -> None:
    server.today = TODAY  # 2024-06-30
    last = TODAY - dt.timedelta(days=3)  # a chunk that ended three days ago
    with make_client(server, cache_dir=tmp_path, settle_days=days) as client:
        client.mindshare("BTC", start=f"{TODAY.year}-06-01", end=last)
        # the chunk asked is the current year's, which ends today: never settled
        assert not pd.isna(_expires(client, f"{TODAY.year}-01-01"))
    with make_client(server, cache_dir=tmp_path, settle_days=days) as client:
        client.mindshare("BTC", start="2023-06-01", end="2023-12-31")
        assert pd.isna(_expires(client, "2023-01-01"))  # ended long before: settled


def test_settle_days_is_checked() -> None:
    for days in (0, -1, 1.5):  # today is never final, so at least 1
        with pytest.raises(ValueError, match=r"^settle_days="):
            kp.Client(api_key=API_KEY, settle_days=days)


# --- a full disk ------------------------------------------------------------------------


def _fill(where: Path) -> None:
    """Write zeros into ``where`` until its disk has no byte left."""
    with (where / "filler").open("ab", buffering=0) as filler, contextlib.suppress(OSError):
        while True:
            filler.write(b"\0" * 4096)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A directory on a 512 KiB tmpfs of its own (needs root to mount)."""
    where = tmp_path / "small"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        reason = f"cannot mount a small tmpfs here ({mounted.stderr.strip()})"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI runs as root and must be able to")
        pytest.skip(reason)
    try:
        (where / "cache").mkdir()
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.fixture
def full_disk(small_disk: Path) -> Path:
    """A cache directory on a disk that is full to the last byte."""
    _fill(small_disk)
    return small_disk / "cache"


@pytest.mark.parametrize("backend", ["filesystem", "sqlite"])
def test_a_disk_that_fills_up_while_the_cache_is_open_costs_a_warning_not_a_hang(
    backend: str, small_disk: Path, server: FakeKaitoServer
) -> None:
    with make_client(server, cache_dir=small_disk / "cache", cache_backend=backend) as client:
        client.mindshare("BTC", start="2024-06-01")  # opened and written while there is room
        _fill(small_disk)
        with pytest.warns(kp.KaitoWarning, match="full") as caught:
            df = client.engagement("ETH", start="2023-01-01")  # two chunks to write
        assert len(df) == 365 + 182
        assert len([w for w in caught if "cannot be used" in str(w.message)]) == 1


@pytest.mark.parametrize("backend", ["filesystem", "sqlite"])
def test_a_full_disk_gives_one_warning_naming_the_cause_and_the_fetch_succeeds(
    backend: str, full_disk: Path, server: FakeKaitoServer
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with make_client(server, cache_dir=full_disk, cache_backend=backend) as client:
            df = client.mindshare("BTC", start="2024-06-01")
    assert len(df) == 30
    cache_warnings = [w for w in caught if "cannot be used" in str(w.message)]
    assert len(cache_warnings) == 1, [str(w.message) for w in caught]
    message = str(cache_warnings[0].message)
    assert str(full_disk) in message
    assert "full" in message
    assert "no such table" not in message.split(";")[0]
    empty = [p for p in full_disk.rglob("*") if p.is_file() and p.stat().st_size == 0]
    assert not [p for p in empty if p.suffix != ".sqlite"], empty  # no 0-byte answer file


# --- clearing while another process reads -----------------------------------------------

_READER = """
import datetime as dt, sys, warnings
import kaito_pandas as kp
warnings.simplefilter("error")  # a cache given up on warns: fail loudly
with kp.Client({key!r}, base_url={url!r}, cache_dir={cache!r}, check_tokens="off",
               today=lambda: dt.date(2024, 6, 30)) as client:
    for _ in range({rounds}):
        assert len(client.mindshare("BTC", start="2024-05-01")) == 61
    assert client._transport.cached_session is not None, "the cache was given up"
    client.mindshare("BTC", start="2024-05-01")
print("ok")
"""


def test_clearing_the_cache_in_one_process_never_breaks_another_process_reading_it(
    server: FakeKaitoServer, tmp_path: Path
) -> None:
    script = _READER.format(key=API_KEY, url=server.url, cache=str(tmp_path), rounds=400)
    with make_client(server, cache_dir=tmp_path, check_tokens="off") as clearer:
        clearer.mindshare("BTC", start="2024-05-01")
        reader = subprocess.Popen(
            [sys.executable, "-c", script],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        clears = 0
        while reader.poll() is None and clears < 2000:
            clearer.clear_cache()
            clears += 1
        out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err[-3000:]
    assert out.strip() == "ok"
    assert clears > 10  # the two really overlapped


# --- a session passed in, and a cache that fails once -----------------------------------


def test_a_cached_session_passed_in_gets_exact_keys_unless_it_has_its_own(
    server: FakeKaitoServer,
) -> None:
    from requests_cache import CachedSession

    from kaito_pandas.cache import exact_key

    plain = CachedSession(backend="memory")
    with make_client(server, session=plain) as client:
        client.engagement(keyword="caf\u00e9", start="2024-03-01", end="2024-03-03")
        client.engagement(keyword="cafe\u0301", start="2024-03-01", end="2024-03-03")
    assert plain.settings.key_fn is exact_key
    assert len(server.api_requests()) == 2

    def own_key(request: Any, **kwargs: Any) -> str:
        return create_key(request, **kwargs)

    mine = CachedSession(backend="memory", key_fn=own_key)
    with make_client(server, session=mine) as client:
        client.engagement("BTC", start="2024-03-01", end="2024-03-03")
    assert mine.settings.key_fn is own_key  # the caller's choice is kept


class _FailsOnce(DictStorage):
    """A response store whose first read fails as a cache being cleared by another process can."""

    failed = False

    def __getitem__(self, key: str) -> object:
        if not self.failed:
            self.failed = True
            raise sqlite3.OperationalError("no such table: responses")
        return super().__getitem__(key)


def test_a_cache_that_fails_once_is_tried_again_not_dropped(server: FakeKaitoServer) -> None:
    from requests_cache import CachedSession
    from requests_cache.backends.base import BaseCache

    backend = BaseCache()
    backend.responses = _FailsOnce()  # type: ignore[assignment]
    session = CachedSession(backend=backend)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a cache given up on warns
        with make_client(server, session=session) as client:
            client.mindshare("BTC", start="2024-06-01")
            client.mindshare("BTC", start="2024-06-01")
            assert client._transport.cached_session is session
    assert backend.responses.failed
    assert len(server.api_requests()) == 1  # the second call came from the cache
