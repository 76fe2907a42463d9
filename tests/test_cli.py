"""The first ``kaito-pandas fetch`` command: the README's first command must keep working."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests

import kaito_pandas as kp
from kaito_pandas.cli import main
from kaito_pandas.testing import FakeKaitoServer
from tests.conftest import API_KEY


def test_fetch_without_a_key_prints_demo_data_and_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["fetch", "engagement", "BTC", "--start", "2024-03-01", "--end", "2024-03-05"]) == 0
    out, err = capsys.readouterr()
    assert "644772.0" in out
    assert "1454606.0" in out
    assert "demonstration data" in err


def test_fetch_through_today_says_todays_numbers_are_a_part_of_a_day(
    capsys: pytest.CaptureFixture[str],
) -> None:
    today = pd.Timestamp.now(tz="UTC").date()
    assert main(["fetch", "engagement", "BTC", "--start", str(today)]) == 0
    err = capsys.readouterr().err
    assert f"note: {today} (UTC) was still being counted when fetched" in err
    assert main(["fetch", "engagement", "BTC", "--start", "2024-03-01", "--end", "2024-03-05"]) == 0
    assert "still being counted" not in capsys.readouterr().err


def test_fetch_writes_csv_and_keeps_demo_data_out_of_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache_dir = tmp_path / "cache"
    monkeypatch.setenv("KAITO_PANDAS_CACHE_DIR", str(cache_dir))
    target = tmp_path / "mindshare.csv"
    argv = ["fetch", "mindshare", "BTC", "ETH", "--start", "2024-03-01", "--end", "2024-03-03"]
    assert main([*argv, "-o", str(target)]) == 0
    frame = pd.read_csv(target, header=[0, 1], index_col=0)
    assert frame.shape == (3, 2)
    assert not cache_dir.exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["fetch", "volume", "BTC"],
        ["fetch", "engagement"],
        ["fetch", "engagement", "BTC", "--keyword", "etf"],
        ["fetch", "engagement", "BTC", "--param", "novalue"],
        ["fetch", "engagement", "BTC", "-o", "out.xlsx"],
        ["fetch", "engagement", "BTC", "--start", "03/01/2024"],
    ],
)
def test_bad_usage_exits_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2


def test_an_api_error_exits_1_with_one_line_and_no_key(
    server: FakeKaitoServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KAITO_API_KEY", "not-the-key-0123")
    monkeypatch.setenv("KAITO_API_BASE_URL", server.url)
    assert main(["fetch", "mindshare", "BTC", "--start", "2024-06-01", "--end", "2024-06-02"]) == 1
    err = capsys.readouterr().err
    assert "401" in err
    assert "not-the-key-0123" not in err
    assert API_KEY not in err
    assert len(err.strip().splitlines()) == 1


def test_fetch_writes_json_and_a_chart(tmp_path: Path) -> None:
    target, chart = tmp_path / "sentiment.json", tmp_path / "sentiment.png"
    argv = ["fetch", "sentiment", "BTC", "--start", "2024-03-01", "--end", "2024-03-31"]
    assert main([*argv, "-o", str(target), "--plot", str(chart)]) == 0
    data = json.loads(target.read_text())
    assert next(iter(data)) == "2024-03-01"
    assert set(data["2024-03-01"]) == {"sentiment_score", "sentiment_event"}
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_parquet_without_pyarrow_says_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # makes `import pyarrow` fail
    with pytest.raises(SystemExit) as info:
        main(["fetch", "engagement", "BTC", "-o", "out.parquet"])
    assert info.value.code == 2
    assert "pip install pyarrow" in capsys.readouterr().err


def test_debug_shows_the_traceback_instead_of_one_line() -> None:
    with pytest.raises(ValueError, match="not a date"):
        main(["fetch", "engagement", "BTC", "--start", "someday", "--debug"])


def test_cache_info_and_clear(
    server: FakeKaitoServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KAITO_API_KEY", API_KEY)
    monkeypatch.setenv("KAITO_API_BASE_URL", server.url)
    assert main(["cache", "info"]) == 0
    assert "is empty" in capsys.readouterr().out
    assert (
        main(["fetch", "mindshare", "BTC", "ETH", "--start", "2024-06-01", "--end", "2024-06-02"])
        == 0
    )
    capsys.readouterr()
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert "3 responses" in out  # 2 chunks and the token list
    assert "http-cache.sqlite" in out
    assert API_KEY not in out
    assert main(["cache", "clear"]) == 0
    assert "deleted 3" in capsys.readouterr().out


def test_every_command_has_help_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["fetch"],
        ["cache"],
        ["cache", "info"],
        ["cache", "clear"],
        ["demo"],
        ["serve-fake"],
    ):
        with pytest.raises(SystemExit) as info:
            main([*argv, "--help"])
        assert info.value.code == 0
        assert "example:" in capsys.readouterr().out


def test_serve_fake_runs_until_interrupted(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "kaito_pandas", "serve-fake", "--key", "k1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        url = first.split()[4]
        response = requests.get(f"{url}/api/v1/tokens", timeout=10)
        assert response.status_code == 200
        refused = requests.get(f"{url}/api/v1/mindshare?token=BTC", timeout=10)
        assert refused.status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    assert proc.returncode == 0


def test_fetch_writes_parquet(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow", reason="Parquet output needs pyarrow (in the test extra)")
    target = tmp_path / "engagement.parquet"
    argv = ["fetch", "engagement", "BTC", "ETH", "--start", "2024-03-01", "--end", "2024-03-04"]
    assert main([*argv, "-o", str(target)]) == 0
    frame = pd.read_parquet(target)
    assert list(frame.columns) == [
        "total_engagement/BTC",
        "total_engagement/ETH",
        "smart_engagement/BTC",
        "smart_engagement/ETH",
    ]
    assert frame.loc[frame.index[0], "total_engagement/BTC"] == 644772.0
    assert str(frame.index.tz) == "UTC"


def test_offline_uses_the_cache_not_the_demo_server(
    server: FakeKaitoServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KAITO_API_KEY", API_KEY)
    monkeypatch.setenv("KAITO_API_BASE_URL", server.url)
    argv = ["fetch", "mindshare", "SOL", "--start", "2024-06-01", "--end", "2024-06-03"]
    assert main(argv) == 0
    online = capsys.readouterr().out
    server.clear_requests()
    monkeypatch.delenv("KAITO_API_KEY")
    monkeypatch.setenv("KAITO_PANDAS_OFFLINE", "1")
    kp.configure()
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert out == online
    assert "demonstration" not in err
    assert server.requests == []


def test_offline_switched_off_still_uses_the_demo_server(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KAITO_PANDAS_OFFLINE", "0")
    assert main(["fetch", "engagement", "BTC", "--start", "2024-03-01", "--end", "2024-03-02"]) == 0
    out, err = capsys.readouterr()
    assert "644772.0" in out
    assert "demonstration data" in err


def test_param_is_checked_and_raw_param_is_sent_unchecked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["fetch", "engagement", "BTC", "--start", "2024-03-01", "--end", "2024-03-05"]
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--param", "window=7"])
    assert exited.value.code == 2
    assert "On the command line: --raw-param KEY=VALUE." in capsys.readouterr().err
    # sent as it is: the fake, like Kaito, refuses a parameter it does not know
    assert main([*argv, "--raw-param", "window=7"]) == 1
    assert "unknown parameter 'window'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--raw-param", "novalue"])
    assert exited.value.code == 2


def _closes_csv(path: Path, columns: list[str]) -> Path:
    days = pd.date_range(end=pd.Timestamp.now(tz="UTC").normalize(), periods=400, freq="D")
    closes = pd.DataFrame({c: 100 + np.arange(400.0) for c in columns}, index=days.date)
    closes.rename_axis("date").to_csv(path)
    return path


def test_demo_with_prices_uses_the_closes_given_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prices = _closes_csv(tmp_path / "closes.csv", ["SOL", "ETH", "BTC", "DOGE"])
    assert main(["demo", "--out", str(tmp_path / "out"), "--prices", str(prices)]) == 0
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "daily closes from closes.csv" in page
    assert "synthetic prices" not in page
    assert "report:" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "columns", "said"),
    [
        ("closes.csv", ["BTC", "ETH"], "no close column for SOL"),
        ("closes.txt", ["BTC", "ETH", "SOL"], "give a .csv file"),
    ],
)
def test_demo_with_prices_that_do_not_fit_exits_2_before_any_fetch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, columns: list[str], said: str
) -> None:
    prices = _closes_csv(tmp_path / name, columns)
    with pytest.raises(SystemExit) as caught:
        main(["demo", "--out", str(tmp_path / "out"), "--prices", str(prices)])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert said in err
    assert "demonstration data" not in err  # no server was started
    assert not (tmp_path / "out").exists()
