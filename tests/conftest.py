"""One FakeKaitoServer for the session; each test gets it clean and a client pointed at it."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

import kaito_pandas as kp
from kaito_pandas.testing import FakeKaitoServer

API_KEY = "test-key-7f3a9c1e5b2d"
#: A key that tests search every output for: it must never appear.
SECRET = "kp-SECRET-4f9e1a7c2b8d-do-not-leak"
#: The fake's "today" in tests, so that defaults and clipping are reproducible.
TODAY = dt.date(2024, 6, 30)


@pytest.fixture(scope="session")
def _server() -> Iterator[FakeKaitoServer]:
    with FakeKaitoServer(API_KEY, today=TODAY) as server:
        yield server


@pytest.fixture
def server(_server: FakeKaitoServer) -> Iterator[FakeKaitoServer]:
    """The fake server, with no recorded requests, faults or latency left from other tests."""
    _server.clear_requests()
    _server.reset_faults()
    _server.latency = 0.0
    _server.today = TODAY
    yield _server
    _server.reset_faults()
    _server.latency = 0.0


def make_client(server: FakeKaitoServer, **settings: Any) -> kp.Client:
    """A client of the fake server, its key and ``TODAY``; ``settings`` add to or replace those."""
    options: dict[str, Any] = {"api_key": API_KEY, "base_url": server.url, "today": lambda: TODAY}
    return kp.Client(**{**options, **settings})


@pytest.fixture
def client(server: FakeKaitoServer) -> Iterator[kp.Client]:
    """A client of the fake server whose today is ``TODAY``, fast retries, a memory cache."""
    with make_client(server, retry_backoff=0.01, cache_backend="memory") as client:
        yield client


@pytest.fixture
def record() -> Iterator[list[warnings.WarningMessage]]:
    """Every warning raised during the test, none filtered out."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


@pytest.fixture(autouse=True)
def _clean_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """No KAITO_* variable from the caller's shell, a private cache dir, a fresh default client."""
    for name in (
        "KAITO_API_KEY",
        "KAITO_API_BASE_URL",
        "KAITO_PANDAS_OFFLINE",
        "KAITO_PANDAS_REDIS_URL",
        "KAITO_PANDAS_CHECK_TOKENS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KAITO_PANDAS_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    kp.configure()
    yield
    kp.configure()


@pytest.fixture(scope="session")
def _secret_server() -> Iterator[FakeKaitoServer]:
    with FakeKaitoServer(SECRET, today=TODAY) as server:
        yield server


@pytest.fixture
def fake(_secret_server: FakeKaitoServer) -> Iterator[FakeKaitoServer]:
    """A fake server that wants SECRET, with no faults or requests left from other tests."""
    _secret_server.reset_faults()
    _secret_server.clear_requests()
    yield _secret_server
    _secret_server.reset_faults()


def secret_client(fake: FakeKaitoServer, **settings: Any) -> kp.Client:
    """A client of ``fake`` with SECRET as its key, fast retries and no rate limit to speak of."""
    options: dict[str, Any] = {"retry_backoff": 0.01, "progress": False, "rate_limit": 1000}
    return kp.Client(SECRET, base_url=fake.url, today=lambda: TODAY, **{**options, **settings})
