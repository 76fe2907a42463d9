"""Cache keys made straight from the URL are the keys requests-cache makes from the request.

A cached lookup keys its URL without ``Request.prepare`` when requests would send
the URL unchanged; these tests hold that key to the one requests-cache computes,
for any name, and show the prepared path is kept where the shortcut cannot vouch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
from hypothesis import given
from hypothesis import strategies as st
from requests_cache import CachedSession

import kaito_pandas as kp
from kaito_pandas.cache_policy import exact_key, get_key
from kaito_pandas.testing import FakeKaitoServer
from tests.conftest import make_client
from tests.test_fuzz import FUZZ


def _prepared_key(session: CachedSession, url: str) -> str:
    return session.cache.create_key(requests.Request("GET", url).prepare())


@FUZZ
@given(
    name=st.text(min_size=1, max_size=12),
    kind=st.sampled_from(["token", "keyword"]),
    base=st.sampled_from(
        ["http://127.0.0.1:8080", "https://api.kaito.ai", "http://API.Example.com", "http://h/x y"]
    ),
)
def test_a_url_keys_as_requests_cache_keys_its_request(name: str, kind: str, base: str) -> None:
    session = CachedSession(backend="memory", key_fn=exact_key)
    with kp.Client("key-0123456789abcdef", base_url="http://127.0.0.1:1", cache=False) as client:
        params = {kind: name, "start_date": "2024-01-01", "end_date": "2025-01-01"}
        url = client._transport.url("mindshare", params).replace("http://127.0.0.1:1", base, 1)
    assert get_key(session, url) == _prepared_key(session, url)


def test_a_session_with_its_own_key_function_keeps_it() -> None:
    def own(request: Any, **kwargs: Any) -> str:
        return "own:" + str(request.url)

    session = CachedSession(backend="memory", key_fn=own)
    url = "http://127.0.0.1:8080/api/v1/mindshare?token=BTC"
    assert get_key(session, url) == "own:" + url


def test_a_warm_fetch_finds_what_a_cold_one_stored(server: FakeKaitoServer, tmp_path: Path) -> None:
    for name in ("BTC", "ai agents & #memes", "한국어"):
        kind = "keyword" if name != "BTC" else "token"
        with make_client(server, cache_dir=tmp_path, memo_bytes=0) as client:
            client.engagement(**{kind: name}, start="2024-06-01")
        assert server.api_requests(), "the first fetch sent nothing"
        sent = len(server.api_requests())
        with make_client(server, cache_dir=tmp_path, memo_bytes=0) as client:
            client.engagement(**{kind: name}, start="2024-06-01")
        assert len(server.api_requests()) == sent, f"{name!r} was not found in the cache"
