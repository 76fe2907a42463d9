"""refresh=True: every chunk the call touches is fetched again and replaces the cached answer."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import kaito_pandas as kp
from kaito_pandas.cli import main
from kaito_pandas.testing import FakeKaitoServer
from tests.conftest import API_KEY, make_client

DAYS = {"start": "2024-03-01", "end": "2024-03-03"}


def test_refresh_sends_again_and_replaces_the_cached_answer_and_the_memo(
    server: FakeKaitoServer, tmp_path: Path
) -> None:
    with make_client(server, cache_dir=str(tmp_path), progress=False) as client:
        first = client.mindshare("BTC", **DAYS)
        client.mindshare("BTC", **DAYS)
        assert len(server.api_requests()) == 1  # the second call came from the cache
        revised = {"mindshare": {"2024-03-01": 0.5, "2024-03-02": 0.25, "2024-03-03": 0.125}}
        server.fail(status=200, body=json.dumps(revised), endpoint="mindshare")
        fresh = client.mindshare("BTC", refresh=True, **DAYS)
        assert len(server.api_requests()) == 2
        assert fresh["mindshare"].tolist() == [0.5, 0.25, 0.125]
        assert fresh["mindshare"].tolist() != first["mindshare"].tolist()
        # neither the cache nor the in-process memo still holds the old answer
        pd.testing.assert_frame_equal(client.mindshare("BTC", **DAYS), fresh)
        assert len(server.api_requests()) == 2
    with make_client(server, cache_dir=str(tmp_path), progress=False) as other:
        pd.testing.assert_frame_equal(other.mindshare("BTC", **DAYS), fresh)
    assert len(server.api_requests()) == 2


def test_refresh_of_a_list_sends_every_chunk_of_every_name(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    client.engagement(["BTC", "ETH"], start="2023-06-01", end="2024-03-01")
    sent = len(server.api_requests())
    assert sent == 4  # two names, two year chunks
    client.engagement(["BTC", "ETH"], start="2023-06-01", end="2024-03-01", refresh=True)
    assert len(server.api_requests()) == 2 * sent


def test_refresh_offline_says_it_cannot(server: FakeKaitoServer) -> None:
    with make_client(server, offline=True) as client, pytest.raises(ValueError, match="offline"):
        client.mindshare("BTC", refresh=True, **DAYS)
    assert server.requests == []


def test_module_functions_refresh_too(server: FakeKaitoServer, tmp_path: Path) -> None:
    kp.configure(api_key=API_KEY, base_url=server.url, cache_dir=str(tmp_path), progress=False)
    kp.sentiment("BTC", **DAYS)
    kp.sentiment("BTC", refresh=True, **DAYS)
    assert len(server.api_requests()) == 2


def test_cli_fetch_refresh(
    server: FakeKaitoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAITO_API_KEY", API_KEY)
    monkeypatch.setenv("KAITO_API_BASE_URL", server.url)
    monkeypatch.setenv("KAITO_PANDAS_CACHE_DIR", str(tmp_path))
    argv = ["fetch", "mindshare", "BTC", "--start", DAYS["start"], "--end", DAYS["end"]]
    assert main(argv) == 0
    assert main(argv) == 0
    assert len(server.api_requests()) == 1
    assert main([*argv, "--refresh"]) == 0
    assert len(server.api_requests()) == 2
