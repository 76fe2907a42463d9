"""The fault matrix: every way the service can misbehave, and what the caller gets for it.

Each row scripts one fault on the fake server, over real HTTP, for the 2024 chunk of
a query that spans two year chunks (the 2023 chunk is answered cleanly). The outcome
is either the frame an unfaulted fetch gives, after retries, or exactly one
:class:`~kaito_pandas.KaitoError` subclass; and either way the SQLite cache holds only
good entries (none from the faulty answer) and a clean re-fetch gives the right frame.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import json
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pytest
import requests
from requests_cache.backends.sqlite import SQLiteCache

import kaito_pandas as kp
from kaito_pandas.parsing import parse_response
from kaito_pandas.settings import DEFAULT_MAX_ATTEMPTS
from kaito_pandas.testing import FakeKaitoServer
from tests.conftest import API_KEY, TODAY

METHOD, TOKEN = "engagement", "BTC"
START, END = "2023-12-28", "2024-03-05"
#: The chunks the query needs; every fault is scripted for the second one.
CHUNKS = {"2023-01-01": "2023-12-31", "2024-01-01": TODAY.isoformat()}
FAULTED = {"start_date": "2024-01-01"}
ATTEMPTS = DEFAULT_MAX_ATTEMPTS


@dataclasses.dataclass(frozen=True)
class Env:
    """What a row needs to script its fault: the server and the faulted chunk's clean answer."""

    server: FakeKaitoServer
    raw: bytes

    @property
    def answer(self) -> dict[str, dict[str, Any]]:
        data: dict[str, dict[str, Any]] = json.loads(self.raw)
        return data

    def fail(self, **fault: Any) -> None:
        self.server.fail(params=FAULTED, **fault)

    def answer_200(self, body: str | bytes, **fault: Any) -> None:
        self.fail(status=200, body=body, **fault)


Script = Callable[[Env], None]
Expect = Callable[[pd.DataFrame], pd.DataFrame]


def _same(frame: pd.DataFrame) -> pd.DataFrame:
    return frame


@dataclasses.dataclass(frozen=True)
class Case:
    """One row of the matrix: the fault, what the caller gets, and how to check it."""

    fault: str
    outcome: str
    script: Script
    #: None: the right frame; else the exact KaitoError subclass raised.
    error: type[kp.KaitoError] | None = None
    status: int | None = None
    #: Requests the faulted chunk receives; None when not counted.
    attempts: int | None = 1
    #: For a data outcome, the right frame from the unfaulted one (e.g. NaN days).
    expect: Expect = _same
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: Seconds at least between the first two requests to the faulted chunk.
    waited: float = 0.0
    blackhole: bool = False
    #: Words the error message must hold, besides the query (checked last).
    says: str = ""

    def __str__(self) -> str:
        return f"{self.fault} -> {self.outcome}"


def _http_date(seconds: float) -> str:
    return email.utils.formatdate(time.time() + seconds, usegmt=True)


def _map_days(env: Env, change: Callable[[dict[str, Any]], dict[str, Any]]) -> str:
    return json.dumps({metric: change(days) for metric, days in env.answer.items()})


NULLS = {
    "2024-01-15": ("total_engagement", "smart_engagement"),
    "2024-02-10": ("smart_engagement",),
    "2024-03-02": ("total_engagement",),
}


def _with_nulls(env: Env) -> None:
    answer = env.answer
    for day, metrics in NULLS.items():
        for metric in metrics:
            answer[metric][day] = None
    env.answer_200(json.dumps(answer))


def _nan_days(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for day, metrics in NULLS.items():
        frame.loc[pd.Timestamp(day, tz="UTC"), list(metrics)] = float("nan")
    return frame


def _outside(days: dict[str, Any]) -> dict[str, Any]:
    """Days before and after the chunk asked for; 2023-12-30 is in the query, not the chunk."""
    return {"2022-06-01": 1, "2023-12-30": 2, **days, "2024-07-01": 3, "2025-01-01": 4}


def _ten_years(days: dict[str, Any]) -> dict[str, Any]:
    """Every day of 2015..2024; the chunk's own days exactly as served (gaps kept)."""
    first, chunk = dt.date(2015, 1, 1), (dt.date(2024, 1, 1), TODAY)
    out: dict[str, Any] = {}
    for offset in range(3653):
        day = first + dt.timedelta(days=offset)
        if not chunk[0] <= day <= chunk[1]:
            out[day.isoformat()] = 7
        elif day.isoformat() in days:
            out[day.isoformat()] = days[day.isoformat()]
    return out


def _repeat_a_day(env: Env) -> None:
    text = json.dumps(env.answer)
    first = '"2024-03-01": '
    assert first in text
    env.answer_200(text.replace(first, f"{first}644772, {first}", 1))


def _status(status: int, times: int = 1, **fault: Any) -> Script:
    return lambda env: env.fail(status=status, times=times, **fault)


def _drop(times: int) -> Script:
    return lambda env: env.fail(drop=True, times=times)


def _redirect(status: int) -> Script:
    return lambda env: env.fail(
        status=status, headers={"Location": f"{env.server.url}/api/v1/moved?token={TOKEN}"}
    )


HTML = "<!DOCTYPE html><html><head><title>502</title></head><body>Bad gateway</body></html>"
TRUNCATED = "truncated body (Content-Length larger than the body)"
STALLED = "read timeout: the server stalls mid-body"
#: The transport waits at least 1 s for a byte, whatever read_timeout says.
STALL = {"read_timeout": 0.5}


def _truncated(times: int) -> Script:
    return lambda env: env.answer_200(
        env.raw[: len(env.raw) // 2], headers={"Content-Length": str(len(env.raw))}, times=times
    )


def _stalled(times: int) -> Script:
    return lambda env: env.answer_200(env.raw, stall=2.5, times=times)


def _bad_200(fault: str, says: str, script: Script) -> Case:
    return Case(fault, "ResponseError", script, kp.ResponseError, 200, says=says)


CASES: list[Any] = [
    Case(
        "429 Retry-After seconds",
        "data after waiting as asked",
        _status(429, headers={"Retry-After": "1"}),
        attempts=2,
        waited=0.95,
    ),
    Case(
        "429 Retry-After HTTP-date",
        "data after waiting until then",
        lambda env: env.fail(status=429, headers={"Retry-After": _http_date(2)}),
        attempts=2,
        waited=0.8,  # the date has whole seconds: 1 to 2 s from now
    ),
    Case("429 without Retry-After", "data after back-off", _status(429), attempts=2),
    Case(
        "429 forever",
        f"RateLimitError after {ATTEMPTS} attempts",
        _status(429, times=-1),
        kp.RateLimitError,
        429,
        attempts=ATTEMPTS,
        says="rate limited",
    ),
    Case(
        "429 Retry-After beyond the cap",
        "RateLimitError at once",
        _status(429, times=-1, headers={"Retry-After": "3600"}),
        kp.RateLimitError,
        429,
        says="wait 3600s",
    ),
    *(
        Case(f"{status} once", "data after retry", _status(status), attempts=2)
        for status in (500, 502, 503, 504)
    ),
    *(
        Case(
            f"{status} forever",
            f"APIError {status} after {ATTEMPTS} attempts",
            _status(status, times=-1),
            kp.APIError,
            status,
            attempts=ATTEMPTS,
            says=f"HTTP {status}",
        )
        for status in (500, 502, 503, 504)
    ),
    Case("400", "APIError 400, no retry", _status(400), kp.APIError, 400, says="HTTP 400"),
    Case("dropped connection once", "data after retry", _drop(1), attempts=2),
    Case(
        "dropped connection forever",
        f"APIError without status after {ATTEMPTS} attempts",
        _drop(-1),
        kp.APIError,
        attempts=ATTEMPTS,
        says="connection failed",
    ),
    Case(
        "connect timeout (a full accept backlog)",
        "APIError without status after 2 attempts",
        lambda env: None,
        kp.APIError,
        attempts=None,  # nothing reaches the server
        settings={"connect_timeout": 0.2, "max_attempts": 2},
        blackhole=True,
        says="timed out",
    ),
    Case(f"{STALLED} once", "data after retry", _stalled(1), attempts=2, settings=STALL),
    pytest.param(
        Case(
            f"{STALLED} forever",
            "APIError without status after 2 attempts, saying it timed out",
            _stalled(-1),
            kp.APIError,
            attempts=2,
            settings={**STALL, "max_attempts": 2},
            says="timed out",
        ),
    ),
    Case(f"{TRUNCATED} once", "data after retry", _truncated(1), attempts=2),
    Case(
        f"{TRUNCATED} forever",
        f"APIError without status after {ATTEMPTS} attempts",
        _truncated(-1),
        kp.APIError,
        attempts=ATTEMPTS,
        says="connection failed",
    ),
    _bad_200(
        "JSON cut in half, with its right length",
        "not JSON",
        lambda env: env.answer_200(env.raw[: len(env.raw) // 2]),
    ),
    _bad_200(
        "HTML page with status 200",
        "not JSON",
        lambda env: env.answer_200(HTML, headers={"Content-Type": "text/html"}),
    ),
    Case(
        "body that is not the gzip its Content-Encoding says, once",
        "data after retry",
        lambda env: env.answer_200(env.raw, headers={"Content-Encoding": "gzip"}),
        attempts=2,
    ),
    _bad_200(
        "an error object with status 200",
        "expected an object of days",
        lambda env: env.answer_200('{"error": "upstream timeout"}'),
    ),
    _bad_200("empty body", "empty", lambda env: env.answer_200("")),
    _bad_200("null", "is null", lambda env: env.answer_200("null")),
    _bad_200("JSON list", "is a list", lambda env: env.answer_200(json.dumps([env.answer]))),
    _bad_200(
        "series keyed by non-dates",
        "expected an object of days",
        lambda env: env.answer_200(
            _map_days(env, lambda days: {k.replace("-", "/"): v for k, v in days.items()})
        ),
    ),
    _bad_200(
        "string numbers",
        "expected a number",
        lambda env: env.answer_200(
            _map_days(env, lambda days: {k: str(v) for k, v in days.items()})
        ),
    ),
    Case("null values", "data with NaN on those days", _with_nulls, expect=_nan_days),
    _bad_200("duplicated day (a repeated JSON key)", "repeats the key", _repeat_a_day),
    Case(
        "days outside the range asked for",
        "data, those days dropped",
        lambda env: env.answer_200(_map_days(env, _outside)),
    ),
    Case(
        "unsorted days",
        "data, sorted",
        lambda env: env.answer_200(_map_days(env, lambda days: dict(reversed(days.items())))),
    ),
    Case(
        "huge response (10 years of days for one chunk)",
        "data, days outside the chunk dropped",
        lambda env: env.answer_200(_map_days(env, _ten_years)),
    ),
    *(
        Case(
            f"{status}",
            "AuthenticationError, one request, no retry",
            _status(status, times=-1, body='{"error": "invalid api key"}'),
            kp.AuthenticationError,
            status,
            says="check the API key",
        )
        for status in (401, 403)
    ),
    Case(
        "404 for the method",
        "APIError 404, no retry",
        _status(404, times=-1),
        kp.APIError,
        404,
        says="HTTP 404",
    ),
    *(
        Case(
            f"{status} redirect",
            f"APIError {status}, not followed",
            _redirect(status),
            kp.APIError,
            status,
            says="not followed",
        )
        for status in (302, 307)
    ),
]


@pytest.fixture
def blackhole() -> Iterator[str]:
    """A loopback address whose accept backlog is full, so that a connect hangs until it times out.

    Linux drops a SYN while the listen queue is full, so the client's connect sees no
    answer at all; where that does not hold, the row is skipped rather than flaky.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    address = listener.getsockname()
    sockets = [listener]
    try:
        for _ in range(3):
            filler = socket.socket()
            sockets.append(filler)
            filler.setblocking(False)
            filler.connect_ex(address)
        probe = socket.socket()
        sockets.append(probe)
        probe.settimeout(0.3)
        try:
            probe.connect(address)
        except TimeoutError:
            pass
        except OSError as exc:
            pytest.skip(f"a connect past a full backlog fails at once here ({exc}), not hangs")
        else:
            pytest.skip("this kernel accepts connections past a full backlog: no hanging connect")
        yield f"http://{address[0]}:{address[1]}"
    finally:
        for sock in sockets:
            sock.close()


def _client(base_url: str, cache_dir: Path, **settings: Any) -> kp.Client:
    options: dict[str, Any] = {
        "today": lambda: TODAY,
        "retry_backoff": 0.01,
        "progress": False,
        "cache_dir": cache_dir,
        "cache_backend": "sqlite",
        "check_tokens": "off",  # the matrix faults the data methods; the cache holds only them
        **settings,
    }
    return kp.Client(API_KEY, base_url=base_url, **options)


def _fetch(client: kp.Client) -> pd.DataFrame:
    return client.fetch(METHOD, TOKEN, start=START, end=END)


def _cached(cache_dir: Path) -> dict[tuple[str, str], bytes]:
    """The cached bodies, by the chunk (start_date, end_date) they answer."""
    backend = SQLiteCache(cache_dir / "http-cache.sqlite")
    try:
        bodies: dict[tuple[str, str], bytes] = {}
        for response in backend.responses.values():
            query = dict(parse_qsl(urlsplit(response.url).query))
            assert (query["token"], urlsplit(response.url).path) == (TOKEN, f"/api/v1/{METHOD}")
            # a chunk is asked through the day after its last one (Query.request_params)
            last = dt.date.fromisoformat(query["end_date"]) - dt.timedelta(days=1)
            bodies[(query["start_date"], last.isoformat())] = bytes(response.content or b"")
        return bodies
    finally:
        backend.close()  # type: ignore[no-untyped-call]


def _day_after(day: str) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()


def _chunk_frame(body: bytes, start: str, end: str) -> pd.DataFrame:
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return parse_response(body, METHOD, start=first, end=last)


def _assert_cache_holds_only_good_entries(
    client: kp.Client, cache_dir: Path, good: dict[tuple[str, str], pd.DataFrame]
) -> dict[tuple[str, str], bytes]:
    """Every cached chunk parses to its right frame; cache_info lists exactly those chunks."""
    bodies = _cached(cache_dir)
    for chunk, body in bodies.items():
        assert chunk in good, f"cached an answer to a chunk never asked for: {chunk}"
        pd.testing.assert_frame_equal(_chunk_frame(body, *chunk), good[chunk])
    info = client.cache_info()
    assert sorted(zip(info["start"], info["end"], strict=True)) == sorted(bodies)
    assert (info["size"] > 0).all()
    return bodies


def _requests_to_faulted_chunk(server: FakeKaitoServer) -> list[float]:
    return [
        r.time
        for r in server.api_requests(METHOD)
        if r.params.get("start_date") == FAULTED["start_date"]
    ]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_fault(
    case: Case, server: FakeKaitoServer, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # the unfaulted truth: the query's frame, and each chunk's frame as served
    with kp.Client(API_KEY, base_url=server.url, today=lambda: TODAY, cache=False) as plain:
        clean = _fetch(plain)
    chunk_bodies = {
        (first, last): requests.get(
            f"{server.url}/api/v1/{METHOD}",
            params={"token": TOKEN, "start_date": first, "end_date": _day_after(last)},
            headers={"x-api-key": API_KEY},
            timeout=10,
        ).content
        for first, last in CHUNKS.items()
    }
    right = case.expect(clean)
    good = {chunk: _chunk_frame(body, *chunk) for chunk, body in chunk_bodies.items()}
    faulted_chunk = (FAULTED["start_date"], CHUNKS[FAULTED["start_date"]])
    if case.error is None:  # what the faulty answer rightly says, e.g. NaN days
        good[faulted_chunk] = case.expect(good[faulted_chunk])
    server.clear_requests()

    cache_dir = tmp_path / "cache"
    base_url = request.getfixturevalue("blackhole") if case.blackhole else server.url
    case.script(Env(server, chunk_bodies[faulted_chunk]))
    error: kp.KaitoError | None = None
    with _client(base_url, cache_dir, **case.settings) as client:
        if case.error is None:
            frame = _fetch(client)
            pd.testing.assert_frame_equal(frame, right)
            assert frame.attrs["start"] == START
            assert frame.attrs["end"] == END
        else:
            with pytest.raises(kp.KaitoError) as info:
                _fetch(client)
            error = info.value
            assert type(error) is case.error, repr(error)
            assert getattr(error, "status_code", None) == case.status
            assert f"{METHOD} of token '{TOKEN}'" in str(error)
        times = _requests_to_faulted_chunk(server)
        if case.attempts is not None:
            assert len(times) == case.attempts
        if case.waited:
            assert times[1] - times[0] >= case.waited
        assert not [r for r in server.requests if r.endpoint == "moved"]  # no redirect followed
        kept = _assert_cache_holds_only_good_entries(client, cache_dir, good)
        if case.error is not None:
            assert faulted_chunk not in kept
        elif case.attempts == 1:  # the odd but valid answer itself was used, and kept
            assert kept[faulted_chunk] != chunk_bodies[faulted_chunk]

    # a clean re-fetch through the same cache: the right frame; no request if nothing failed
    server.reset_faults()
    server.clear_requests()
    with _client(server.url, cache_dir) as again:
        pd.testing.assert_frame_equal(_fetch(again), right if case.error is None else clean)
        sent = server.api_requests()
        assert len(sent) == (0 if case.error is None else len(CHUNKS) - len(kept))
        kept = _assert_cache_holds_only_good_entries(again, cache_dir, good)
    assert set(kept) == set(good)
    if error is not None:  # last, so that a wrong message fails no other check
        assert case.says in str(error)


class _MidnightClock:
    """A UTC day that is ``before`` on its first reading and the next day on every later one."""

    def __init__(self, before: dt.date) -> None:
        self.before = before
        self.readings = 0

    def __call__(self) -> dt.date:
        self.readings += 1
        return self.before if self.readings == 1 else self.before + dt.timedelta(days=1)


def test_a_clock_crossing_midnight_during_a_list_query_gives_one_consistent_frame(
    server: FakeKaitoServer, tmp_path: Path
) -> None:
    before = TODAY - dt.timedelta(days=1)
    tokens = ["BTC", "ETH", "SOL"]
    clock = _MidnightClock(before)
    server.latency = 0.05  # the query takes a while; any later reading says the next day
    with _client(server.url, tmp_path / "cache", today=clock, rate_limit=1000) as client:
        frame = client.engagement(tokens, start="2023-12-01")
        assert clock.readings >= 1
        sent = {
            (r.params["token"], r.params["start_date"], r.params["end_date"])
            for r in server.api_requests()
        }
        # every chunk of every token was asked with the one day read first
        assert sent == {
            (token, first, last)
            for token in tokens
            for first, last in (("2023-01-01", "2024-01-01"), ("2024-01-01", TODAY.isoformat()))
        }
        assert frame.attrs["end"] == before.isoformat()
        with _client(
            server.url, tmp_path / "fixed", today=lambda: before, rate_limit=1000
        ) as fixed:
            pd.testing.assert_frame_equal(frame, fixed.engagement(tokens, start="2023-12-01"))
        assert frame.index[-1] == pd.Timestamp(before, tz="UTC")

        # the next query is wholly on the new day: every token ends on it, none on the old one
        server.clear_requests()
        after = client.engagement(tokens, start="2023-12-01")
        assert after.attrs["end"] == TODAY.isoformat()
        assert {r.params["end_date"] for r in server.api_requests()} == {_day_after(str(TODAY))}
        assert len(server.api_requests()) == len(tokens)  # 2023 came from the cache
        with _client(server.url, tmp_path / "next", rate_limit=1000) as fixed:
            pd.testing.assert_frame_equal(after, fixed.engagement(tokens, start="2023-12-01"))
