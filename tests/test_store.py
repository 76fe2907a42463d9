"""The universe store: sync through a Client, point-in-time reads, atomic files, one writer."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import kaito_pandas as kp
from kaito_pandas.cli import main
from kaito_pandas.store import StoreLockedError
from kaito_pandas.store._layout import Location
from kaito_pandas.store._lock import locked
from kaito_pandas.testing import FakeKaitoServer
from tests.conftest import API_KEY, TODAY, make_client

pytest.importorskip("duckdb")

TOKENS = ["BTC", "ETH", "SOL"]
FAST = {"retry_backoff": 0.01, "progress": False, "rate_limit": 1000, "cache": False}


@pytest.fixture
def store(tmp_path: Path, server: FakeKaitoServer) -> kp.Store:
    return kp.Store(tmp_path / "kaito", client=make_client(server, **FAST))


def _next_day(server: FakeKaitoServer, root: str | Path, **options: Any) -> kp.Store:
    """The server's next day, and a store whose client lives on it."""
    day = TODAY + dt.timedelta(days=1)
    server.today = day
    client = make_client(server, **{**FAST, "today": lambda: day})
    return kp.Store(root, client=client, **options)


def test_panel_is_the_frame_a_list_query_returns(store: kp.Store, client: kp.Client) -> None:
    store.sync(TOKENS, methods=["mindshare", "engagement"])
    panel = store.panel("mindshare", names=TOKENS)
    expected = client.mindshare(TOKENS)
    pd.testing.assert_frame_equal(panel, expected, check_freq=False, check_flags=False)
    assert panel.attrs["partial_from"] == TODAY.isoformat()
    engagement = store.panel("total_engagement", start="2024-03-01", end="2024-03-04")
    assert engagement[("total_engagement", "BTC")].tolist() == [644772, 415677, 442492, 1454606]


def test_a_sync_leaves_one_file_per_partition_whatever_its_batches(
    store: kp.Store, client: kp.Client
) -> None:
    result = store.sync(TOKENS, methods=["mindshare"], start="2023-06-01", batch_size=1)
    files = store._location.files()
    assert [f.rsplit("/", 2)[1] for f in files] == ["year=2023", "year=2024"]
    assert result.files_written == len(files)
    expected = client.mindshare(TOKENS, start="2023-06-01")
    pd.testing.assert_frame_equal(
        store.panel("mindshare", names=TOKENS), expected, check_freq=False
    )
    assert store.sql("SELECT count(*) AS n FROM kaito")["n"].iloc[0] == result.rows_written


def test_sentiment_events_come_back_as_text(store: kp.Store, client: kp.Client) -> None:
    store.sync(["BTC"], methods=["sentiment"])
    panel = store.panel("sentiment")
    expected = client.sentiment(["BTC"])
    assert list(panel.columns) == list(expected.columns)
    events = expected[("sentiment_event", "BTC")].replace("", pd.NA).dropna()
    assert panel[("sentiment_event", "BTC")].dropna().equals(events)


def test_resync_the_same_day_sends_one_request_per_name_and_method_and_writes_nothing(
    store: kp.Store, server: FakeKaitoServer
) -> None:
    first = store.sync(TOKENS, methods="all")
    assert first.rows_written > 0
    assert not first.failed
    files = store._location.files()
    server.clear_requests()
    again = store.sync(TOKENS, methods="all")
    assert len(server.api_requests()) == len(TOKENS) * 4
    assert {r.params["start_date"] for r in server.api_requests()} == {f"{TODAY.year}-01-01"}
    assert again.rows_written == 0
    assert store._location.files() == files


def test_as_of_sees_the_partial_day_as_it_was_and_latest_sees_it_revised(
    store: kp.Store, server: FakeKaitoServer, tmp_path: Path
) -> None:
    first = store.sync(TOKENS, methods=["mindshare", "engagement"])
    before = store.panel("total_engagement")
    later = _next_day(server, tmp_path / "kaito")
    second = later.sync(TOKENS, methods=["mindshare", "engagement"])
    # the new day and the revised partial one, per token and metric
    assert second.rows_written == len(TOKENS) * 3 * 2
    now = later.panel("total_engagement")
    then = later.panel("total_engagement", as_of=first.fetched_at)
    pd.testing.assert_frame_equal(then.drop(columns=[]), before, check_freq=False)
    today = pd.Timestamp(TODAY, tz="UTC")
    assert (now.loc[today] > then.loc[today]).all()  # a whole day has more likes than a part
    assert now.attrs["partial_from"] == (TODAY + dt.timedelta(days=1)).isoformat()
    assert then.attrs["as_of"] == first.fetched_at.isoformat()
    # a day means its end: everything fetched on it (both syncs ran today, wall clock)
    wall = pd.Timestamp.now(tz="UTC").date()
    pd.testing.assert_frame_equal(later.panel("total_engagement", as_of=wall), now)


def test_compact_does_not_change_any_as_of_answer(
    store: kp.Store, server: FakeKaitoServer, tmp_path: Path
) -> None:
    stamps = [store.sync(TOKENS, methods=["mentions", "sentiment"]).fetched_at]
    later = _next_day(server, tmp_path / "kaito")
    stamps.append(later.sync(TOKENS, methods=["mentions", "sentiment"]).fetched_at)
    stamps.append(later.sync(["SOL", "ETH"], methods=["mentions"], start="2024-06-01").fetched_at)
    moments = [None, *stamps, stamps[0] - pd.Timedelta(seconds=1)]
    panels = {}
    for metric in ("mentions", "sentiment"):
        for moment in moments:
            with pytest.warns(kp.KaitoWarning) if moment is moments[-1] else _Nothing():
                panels[metric, moment] = later.panel(metric, as_of=moment)
    raw = later.sql("SELECT count(*) AS n FROM kaito")["n"].iloc[0]
    files = len(later._location.files())
    partitions = len(later.info())
    assert files > partitions
    assert 0 < later.compact() <= files
    assert len(later._location.files()) == partitions
    assert later.sql("SELECT count(*) AS n FROM kaito")["n"].iloc[0] == raw
    for (metric, moment), panel in panels.items():
        with pytest.warns(kp.KaitoWarning) if moment is moments[-1] else _Nothing():
            pd.testing.assert_frame_equal(later.panel(metric, as_of=moment), panel)


class _Nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def test_sql_coverage_and_info_flag_an_unknown_tokens_zeros(store: kp.Store) -> None:
    with pytest.warns(kp.KaitoWarning, match="NOTATOKEN"):
        result = store.sync(["BTC", "NOTATOKEN"], methods=["mindshare"])
    assert "mindshare/NOTATOKEN/mindshare" in result.all_zero
    assert "1 all-zero series" in result.summary()
    coverage = store.coverage().set_index("name")
    assert bool(coverage.loc["NOTATOKEN", "all_zero"])
    assert not bool(coverage.loc["BTC", "all_zero"])
    assert coverage.loc["BTC", "first_day"] == pd.Timestamp("2020-01-01", tz="UTC")
    assert coverage.loc["BTC", "partial_days"] == 1
    info = store.info()
    assert set(info["year"]) == set(range(2020, TODAY.year + 1))
    assert (info["all_zero_series"] == 1).all()
    assert (info["names"] == 2).all()
    top = store.sql(
        "SELECT name, avg(value) AS mean FROM latest WHERE metric = 'mindshare' "
        "GROUP BY name ORDER BY mean DESC"
    )
    assert top["name"].tolist() == ["BTC", "NOTATOKEN"]


def test_a_name_that_fails_is_reported_and_nothing_is_stored_for_it(
    store: kp.Store, server: FakeKaitoServer
) -> None:
    server.fail(status=500, times=-1, endpoint="mindshare", params={"token": "ETH"})
    with pytest.warns(kp.KaitoWarning):
        result = store.sync(["BTC", "ETH"], methods=["mindshare"])
    assert list(result.failed) == ["mindshare/ETH"]
    assert "FAILED 1 (mindshare/ETH): nothing stored for them" in result.summary()
    assert store.sql("SELECT DISTINCT name FROM kaito")["name"].tolist() == ["BTC"]
    with pytest.raises(ValueError, match="holds no mindshare for ETH: sync them first"):
        store.panel("mindshare", names=["BTC", "ETH"])


def test_a_refused_key_stops_the_sync_and_stores_nothing(
    tmp_path: Path, server: FakeKaitoServer
) -> None:
    client = make_client(server, **{**FAST, "api_key": "wrong-key-12345678"})
    store = kp.Store(tmp_path / "kaito", client=client)
    with pytest.raises(kp.AuthenticationError, match="API key was refused"):
        store.sync(TOKENS, methods=["mindshare"])
    assert store._location.files() == []
    assert store.unlock() is False  # the lock went with the failed sync


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ({"tokens": ["BTC"], "keywords": ["ai"]}, "not both"),
        ({"tokens": []}, "non-empty names"),
        ({"tokens": ["BTC"], "methods": ["volume"]}, "'volume' is not one of"),
        ({"tokens": ["BTC"], "start": "2024-13-01"}, "2024-13-01"),
        ({"tokens": ["BTC"], "batch_size": 0}, "batch_size=0"),
        ({"tokens": ["BTC"], "methods": ["sentiment"], "params": {"gaussain": False}}, "gaussian"),
    ],
)
def test_bad_arguments_fail_before_any_request(
    store: kp.Store, server: FakeKaitoServer, call: dict[str, Any], message: str
) -> None:
    tokens = call.pop("tokens")
    with pytest.raises(ValueError, match=message):
        store.sync(tokens, **call)
    assert server.requests == []
    assert store._location.files() == []


def test_an_empty_store_says_to_sync_first(store: kp.Store) -> None:
    assert store.info().empty
    assert store.coverage().empty
    assert store.compact() == 0
    with pytest.raises(ValueError, match=r"holds no 'mindshare' .* run sync first"):
        store.panel("mindshare")
    with pytest.raises(ValueError, match="'volume' is not a method or metric"):
        store.panel("volume")


def test_keywords_are_their_own_kind(store: kp.Store, client: kp.Client) -> None:
    store.sync(keywords=["ai agents"], methods=["engagement"])
    panel = store.panel("engagement", kind="keyword")
    assert panel.columns.names == ["metric", "keyword"]
    expected = client.engagement(keyword=["ai agents"])
    pd.testing.assert_frame_equal(panel, expected, check_freq=False)
    assert panel[("smart_engagement", "ai agents")].isna().all()  # keywords have none
    with pytest.raises(ValueError, match="no 'total_engagement' for tokens"):
        store.panel("total_engagement")


def test_a_second_writer_gets_a_clear_error_and_a_dead_ones_lock_is_broken(store: kp.Store) -> None:
    location = store._location
    with locked(location, "sync"), pytest.raises(StoreLockedError, match=f"pid {os.getpid()}"):
        store.sync(["BTC"], methods=["mindshare"])
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    lock = Path(location.root) / "_lock.json"
    holder = {"pid": int(dead.stdout), "host": os.uname().nodename, "action": "sync"}
    lock.write_text(json.dumps(holder))
    with pytest.warns(kp.KaitoWarning, match="removed a stale lock"):
        store.sync(["BTC"], methods=["mindshare"])
    assert not lock.exists()


def test_the_dataset_reads_without_this_package(store: kp.Store) -> None:
    import pyarrow.dataset as ds

    store.sync(["BTC"], methods=["mindshare", "sentiment"])
    table = ds.dataset(store.path, format="parquet", partitioning="hive").to_table()
    frame = table.to_pandas()
    assert {"date", "name", "kind", "metric", "value", "text", "params", "fetched_at"} <= set(frame)
    assert set(frame["method"]) == {"mindshare", "sentiment"}
    assert str(table.schema.field("date").type) == "timestamp[us, tz=UTC]"


_KILLED_SYNC = """
import sys, kaito_pandas as kp
client = kp.Client({key!r}, base_url={url!r}, today=lambda: __import__("datetime").date({y}, {m}, {d}),
                   cache=False, progress=False, rate_limit=1000)
print("started", flush=True)
kp.Store({root!r}, client=client).sync({tokens!r}, methods="all", batch_size=1)
"""


def test_a_sync_killed_mid_way_leaves_a_readable_store_that_the_next_sync_completes(
    tmp_path: Path, server: FakeKaitoServer, client: kp.Client
) -> None:
    root = tmp_path / "kaito"
    tokens = ["BTC", "ETH", "SOL", "HYPERLIQUID", "DOGE"]
    server.latency = 0.02
    code = _KILLED_SYNC.format(
        key=API_KEY,
        url=server.url,
        y=TODAY.year,
        m=TODAY.month,
        d=TODAY.day,
        root=str(root),
        tokens=tokens,
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "started"
    deadline = pd.Timestamp.now() + pd.Timedelta(seconds=60)
    while len(Location.open(root, None).files()) < 3 and pd.Timestamp.now() < deadline:
        child.poll()
    child.kill()  # SIGKILL: no finally, no lock release
    child.wait()
    server.latency = 0.0
    store = kp.Store(root, client=make_client(server, **FAST))
    partial = store.sql("SELECT count(*) AS n FROM kaito")["n"].iloc[0]
    assert partial > 0  # readable: every file there is whole
    store.panel("engagement")
    with pytest.warns(kp.KaitoWarning, match="stale lock"):
        store.sync(tokens, methods="all")
    pd.testing.assert_frame_equal(
        store.panel("mindshare", names=tokens), client.mindshare(tokens), check_freq=False
    )
    assert store.sync(tokens, methods="all").rows_written == 0


def test_kp_store_says_which_extra_to_install_when_duckdb_is_missing(tmp_path: Path) -> None:
    code = textwrap.dedent(
        f"""
        import sys
        sys.modules["duckdb"] = None
        import kaito_pandas as kp
        assert "kaito_pandas.store" not in sys.modules
        try:
            kp.Store({str(tmp_path)!r})
        except ImportError as exc:
            print(exc)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert 'pip install "kaito-pandas[store]"' in out
    assert "duckdb" in out


def test_cli_sync_prints_a_summary_and_fails_on_a_failed_name(
    tmp_path: Path,
    server: FakeKaitoServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KAITO_API_KEY", API_KEY)
    monkeypatch.setenv("KAITO_API_BASE_URL", server.url)
    monkeypatch.setenv("KAITO_PANDAS_CHECK_TOKENS", "off")
    root = tmp_path / "kaito"
    listed = tmp_path / "universe.txt"
    listed.write_text("BTC  # the big one\nDOGE\n\nSOL\n")
    start = (TODAY - dt.timedelta(days=10)).isoformat()
    assert (
        main(
            [
                "sync",
                "--store",
                str(root),
                "--tokens-file",
                str(listed),
                "--methods",
                "mindshare",
                "--start",
                start,
            ]
        )
        == 0
    )
    assert "synced 3 names: 33 new or changed rows in 1 file" in capsys.readouterr().out
    server.fail(status=500, times=-1, endpoint="mindshare", params={"token": "ETH"})
    assert (
        main(
            [
                "sync",
                "--store",
                str(root),
                "--tokens",
                "BTC,ETH",
                "--methods",
                "mindshare",
                "--compact",
            ]
        )
        == 1
    )
    out = capsys.readouterr().out
    assert "FAILED 1 (mindshare/ETH)" in out
    assert "compacted" in out
    monkeypatch.delenv("KAITO_API_KEY")
    monkeypatch.delenv("KAITO_API_BASE_URL")
    with pytest.raises(SystemExit) as exit_:
        main(["sync", "--store", str(root), "--tokens", "BTC"])
    assert exit_.value.code == 2
    assert "never filled with demonstration data" in capsys.readouterr().err


@pytest.fixture(scope="module")
def s3() -> Iterator[dict[str, Any]]:
    """A real S3-compatible server on loopback (moto), with a bucket."""
    pytest.importorskip("s3fs")
    server = pytest.importorskip("moto.server").ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    options = {
        "key": "testing",
        "secret": "testing",
        "client_kwargs": {"endpoint_url": url, "region_name": "us-east-1"},
    }
    import boto3

    boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    ).create_bucket(Bucket="kaito-test")
    yield options
    server.stop()


def test_s3_sync_panel_sql_as_of_and_compact(
    s3: dict[str, Any], server: FakeKaitoServer, client: kp.Client
) -> None:
    url = f"s3://kaito-test/universe-{os.getpid()}"
    store = kp.Store(url, client=make_client(server, **FAST), storage_options=s3)
    assert repr(store) == f"Store({url!r})"
    assert "testing" not in repr(store)
    first = store.sync(["BTC", "ETH"], methods=["mindshare", "sentiment"])
    pd.testing.assert_frame_equal(
        store.panel("mindshare"), client.mindshare(["BTC", "ETH"]), check_freq=False
    )
    later = _next_day(server, url, storage_options=s3)
    later.sync(["BTC", "ETH"], methods=["mindshare", "sentiment"])
    then = later.panel("mindshare", as_of=first.fetched_at)
    assert then.index[-1] == pd.Timestamp(TODAY, tz="UTC")
    assert later.panel("mindshare").index[-1] == pd.Timestamp(
        TODAY + dt.timedelta(days=1), tz="UTC"
    )
    names = later.sql("SELECT DISTINCT name FROM kaito ORDER BY name")["name"].tolist()
    assert names == ["BTC", "ETH"]
    assert later.compact() > 0
    pd.testing.assert_frame_equal(later.panel("mindshare", as_of=first.fetched_at), then)
    assert np.isclose(later.panel("mindshare").iloc[-1].sum(), then.iloc[-1].sum()) is np.False_


def test_a_store_of_fake_server_numbers_says_so_in_every_panel(
    tmp_path: Path, server: FakeKaitoServer
) -> None:
    from kaito_pandas.settings import DEMO_URLS

    DEMO_URLS.discard(server.url)  # as if it were the real service
    try:
        real = kp.Store(tmp_path / "real", client=make_client(server, **FAST))
        real.sync(["BTC"], methods=["mindshare"])
        assert "demo" not in real.panel("mindshare").attrs
    finally:
        DEMO_URLS.add(server.url)
    demo = kp.Store(tmp_path / "demo", client=make_client(server, **FAST))
    demo.sync(["BTC"], methods=["mindshare"])
    panel = demo.panel("mindshare")
    assert panel.attrs["demo"] is True
    ax = panel.kaito.plot()
    assert any("Demonstration data" in t.get_text() for t in ax.texts)
