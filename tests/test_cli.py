"""The first ``kaito-pandas fetch`` command: the README's first command must keep working."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

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
