"""A fake Kaito API on loopback, with deterministic synthetic data, for tests and offline work."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from kaito_pandas.dates import EARLIEST_DAY, METHODS, today_utc

__all__ = ["TOKENS", "FakeKaitoServer", "RecordedRequest", "synthetic_response"]

#: What ``GET /api/v1/tokens`` serves; Kaito's ``token`` id may differ from the ticker ``symbol``.
TOKENS: list[dict[str, str]] = [
    {"token": t, "fullname": f, "symbol": s, "coingecko_id": c}
    for t, f, s, c in [
        ("BTC", "Bitcoin", "BTC", "bitcoin"),
        ("ETH", "Ethereum", "ETH", "ethereum"),
        ("SOL", "Solana", "SOL", "solana"),
        ("HYPERLIQUID", "Hyperliquid", "HYPE", "hyperliquid"),
        ("BNB", "BNB", "BNB", "binancecoin"),
        ("XRP", "XRP", "XRP", "ripple"),
        ("DOGE", "Dogecoin", "DOGE", "dogecoin"),
        ("ADA", "Cardano", "ADA", "cardano"),
        ("AVAX", "Avalanche", "AVAX", "avalanche-2"),
        ("LINK", "Chainlink", "LINK", "chainlink"),
        ("SUI", "Sui", "SUI", "sui"),
        ("TON", "Toncoin", "TON", "the-open-network"),
        ("ARB", "Arbitrum", "ARB", "arbitrum"),
        ("PEPE", "Pepe", "PEPE", "pepe"),
        ("ENA", "Ethena", "ENA", "ethena"),
        ("BERACHAIN", "Berachain", "BERA", "berachain-bera"),
    ]
]

_LANGUAGES = ("all", "en", "zh", "ko", "ja", "es", "fr", "de", "ru", "tr", "vi", "pt")
_OPTIONS: dict[str, dict[str, frozenset[str]]] = {
    "engagement": {},
    "mentions": {},
    "mindshare": {"scope": frozenset({"pretge"})},
    "sentiment": {
        "adjusted": frozenset({"true", "false"}),
        "average": frozenset({"true", "false"}),
        "gaussian": frozenset({"true", "false"}),
        "language": frozenset(_LANGUAGES),
        "version": frozenset({"2", "3"}),
    },
}
_KEYWORD_METHODS = frozenset({"engagement", "mentions"})
_STRICT_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The guide's example, served verbatim; 2024-03-05 is absent there, so it is absent here too.
_DOCUMENTED_BTC = {
    dt.date(2024, 3, 1): (644772, 2614),
    dt.date(2024, 3, 2): (415677, 2113),
    dt.date(2024, 3, 3): (442492, 2321),
    dt.date(2024, 3, 4): (1454606, 4336),
}
_DOCUMENTED_GAP = dt.date(2024, 3, 5)
_POPULARITY = {"BTC": 1.0, "ETH": 0.55, "SOL": 0.2}
_WEEKDAY = (0.08, 0.12, 0.1, 0.06, 0.0, -0.18, -0.18)  # crypto Twitter is quieter at weekends
_MENTION_SHARE = {"twitter": 1.0, "news": 0.04, "podcast": 0.004, "research": 0.002}
_HEADLINES = (
    "{} ETF sees record inflows",
    "{} breaks above key resistance",
    "Major exchange lists {} perpetuals",
    "{} network upgrade goes live",
    "Whale moves large {} stack to exchange",
    "{} foundation announces ecosystem fund",
    "Regulator comments on {} staking",
    "Outage reported on {} network",
    "{} team unveils new roadmap",
)


def _unit(*parts: object) -> float:
    """Uniform in (0, 1) from a stable hash of ``parts`` (``hash()`` is salted per process)."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "big") + 0.5) / 2.0**64


def _normal(*parts: object) -> float:
    return math.sqrt(-2 * math.log(_unit(*parts, "r"))) * math.cos(2 * math.pi * _unit(*parts))


def _popularity(token: str | None, subject: str) -> float:
    if token is not None and subject == f"token={token}" and token in _POPULARITY:
        return _POPULARITY[token]
    return math.exp(math.log(0.01) + _unit(subject, "popularity") * math.log(20))


def _profile(seed: str, day: dt.date, *, weekly: float, noise: float) -> float:
    """Trend times weekly rhythm times decaying bursts times noise, around 1; one day only."""
    t, phase = day.toordinal(), 2 * math.pi * _unit(seed, "phase")
    trend = math.exp(
        0.35 * math.sin(2 * math.pi * t / 400 + phase) + 0.15 * math.sin(t / 12 + phase)
    )
    burst = 1.0
    for lag in range(4):
        if _unit(seed, "burst", t - lag) < 1 / 25:
            burst += (0.5 + 1.5 * _unit(seed, "size", t - lag)) * 0.5**lag
    wobble = math.exp(noise * _normal(seed, "noise", t))
    return trend * (1 + weekly * _WEEKDAY[day.weekday()]) * burst * wobble


def synthetic_response(
    method: str,
    *,
    token: str | None = None,
    keyword: str | None = None,
    start: dt.date,
    end: dt.date,
    params: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return the JSON body the fake serves for one query over ``start..end`` inclusive.

    Each day's values depend only on the method, token, keyword, options and day, never
    on the range asked for, so a sub-range of a longer answer agrees with it. About one
    day in sixty is absent from every series. The range is served as given: clipping to
    the earliest day and today is the server's job.

    Parameters
    ----------
    method : str
        One of ``engagement``, ``mindshare``, ``sentiment``, ``mentions``.
    token, keyword : str or None
        What the query is about; at least one is needed.
    start, end : datetime.date
        First and last day, inclusive; an empty range gives empty series.
    params : mapping of str to str, optional
        Method options as sent on the wire (``average="true"``, ``scope="pretge"``, ...).

    Returns
    -------
    dict
        The JSON object, e.g. ``{"mindshare": {"2024-03-01": 0.1349, ...}}``.

    Raises
    ------
    ValueError
        If the method is unknown or neither token nor keyword is given.

    Examples
    --------
    >>> day = dt.date(2024, 3, 4)
    >>> synthetic_response("engagement", token="BTC", start=day, end=day)["total_engagement"]
    {'2024-03-04': 1454606}
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: use one of {', '.join(METHODS)}")
    if token is None and keyword is None:
        raise ValueError("give a token or a keyword")
    options = dict(params or {})
    subject = "&".join(f"{k}={v}" for k, v in (("token", token), ("keyword", keyword)) if v)
    seed = f"{method}|{subject}|{options.get('scope', '')}"
    pop = _popularity(token, subject)
    documented = method == "engagement" and token == "BTC" and keyword is None
    columns = {
        "engagement": ["total_engagement", "smart_engagement"][: 1 if keyword else 2],
        "mentions": list(_MENTION_SHARE),
    }.get(method, [method])
    series: dict[str, dict[str, Any]] = {column: {} for column in columns}
    for day in (start + dt.timedelta(n) for n in range((end - start).days + 1)):
        iso = day.isoformat()
        if documented and day in _DOCUMENTED_BTC:
            series["total_engagement"][iso], series["smart_engagement"][iso] = _DOCUMENTED_BTC[day]
        elif (documented and day == _DOCUMENTED_GAP) or _unit(seed, "missing", day) < 1 / 60:
            continue
        elif method == "engagement":
            total = round(9e5 * pop * _profile(seed, day, weekly=1.0, noise=0.3))
            series["total_engagement"][iso] = total
            if not keyword:
                series["smart_engagement"][iso] = round(total * (0.003 + 0.007 * _unit(seed, day)))
        elif method == "mindshare":
            share = 0.13 * pop * _profile(seed, day, weekly=0.2, noise=0.08) ** 0.4
            series["mindshare"][iso] = round(min(share, 0.6), 6)
        elif method == "mentions":
            twitter = 4e4 * pop * _profile(seed, day, weekly=1.0, noise=0.25)
            for source, share in _MENTION_SHARE.items():
                series[source][iso] = round(
                    twitter * share * (0.6 + 0.8 * _unit(seed, source, day))
                )
        else:
            series["sentiment"][iso] = _sentiment_day(seed, options, day, token or str(keyword))
    return {"document_mentions": series} if method == "mentions" else series


def _sentiment_day(seed: str, options: Mapping[str, str], day: dt.date, name: str) -> Any:
    t, phase = day.toordinal(), 2 * math.pi * _unit(seed, "phase")
    variant = "|".join(f"{k}={options.get(k, '')}" for k in ("adjusted", "language", "version"))
    smooth = options.get("gaussian", "true") == "true"
    score = 5 + 20 * _unit(seed, "mood") + 15 * math.sin(2 * math.pi * t / 120 + phase)
    score += (4 if smooth else 10) * _normal(seed, variant, "noise", t)
    event: str | None = None if t % 2 else ""
    if _unit(seed, "event", t) < 1 / 15:
        event = _HEADLINES[int(_unit(seed, "headline", t) * len(_HEADLINES))].format(name)
        score += 25 * (_unit(seed, "shock", t) - 0.35)
    score = min(max(score, -40.0), 60.0)
    average = options.get("average") == "true"
    return {
        "score": round(math.tanh(score / 45), 4) if average else round(score, 2),
        "event": event,
    }


class _BadRequestError(ValueError):
    """A query the API refuses with 400; the message is the body's ``error``."""


def _parse_query(method: str, raw_query: str, today: dt.date) -> dict[str, Any]:
    """Validate a query string; return synthetic_response's keyword arguments or raise."""
    try:
        pairs = parse_qsl(raw_query, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise _BadRequestError("query string is not valid UTF-8") from None
    params: dict[str, str] = {}
    for key, value in pairs:
        if key in params:
            raise _BadRequestError(f"parameter {key!r} given more than once")
        params[key] = value
    token, keyword = params.pop("token", None), params.pop("keyword", None)
    if keyword is not None and method not in _KEYWORD_METHODS:
        raise _BadRequestError(f"{method} does not accept 'keyword': give a token")
    if not token and not keyword:
        raise _BadRequestError("give a non-empty 'token' or 'keyword'")
    bounds = []
    for key, default in (("start_date", EARLIEST_DAY[method]), ("end_date", today)):
        text = params.pop(key, None)
        if text is None:
            bounds.append(default)
            continue
        try:
            if not _STRICT_DAY.fullmatch(text):
                raise ValueError
            bounds.append(dt.date.fromisoformat(text))
        except ValueError:
            raise _BadRequestError(f"{key}={text!r} is not a YYYY-MM-DD day") from None
    if bounds[0] > bounds[1]:
        raise _BadRequestError(f"start_date {bounds[0]} is after end_date {bounds[1]}")
    allowed = _OPTIONS[method]
    for key, value in params.items():
        if key not in allowed:
            raise _BadRequestError(f"unknown parameter {key!r} for {method}")
        if value not in allowed[key]:
            raise _BadRequestError(
                f"{key}={value!r} is not one of {', '.join(sorted(allowed[key]))}"
            )
    start, end = max(bounds[0], EARLIEST_DAY[method]), min(bounds[1], today)
    query = {"token": token or None, "keyword": keyword or None, "start": start, "end": end}
    return {**query, "params": params}


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it; ``params`` is decoded, ``raw_query`` is not."""

    command: str
    path: str
    endpoint: str
    params: dict[str, str]
    raw_query: str
    headers: dict[str, str]
    time: float

    def __repr__(self) -> str:
        shown = {k: "***" if k == "x-api-key" else v for k, v in self.headers.items()}
        return (
            f"RecordedRequest({self.command} {self.path}?{self.raw_query}, "
            f"params={self.params!r}, headers={shown!r}, time={self.time:.3f})"
        )


@dataclass
class _Fault:
    status: int
    headers: dict[str, str]
    body: bytes
    drop: bool
    latency: float
    times: int
    endpoint: str | None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeKaitoServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # Content-Length on every answer, so connections are reused
    timeout = 30  # idle keep-alive connections end instead of holding a thread forever
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Stay silent: tests and notebooks should not see access logs."""

    def do_GET(self) -> None:
        """Answer any request: record, wait, apply a scripted fault or serve the API."""
        fake, arrived = self.server.fake, time.monotonic()
        path, _, raw_query = self.path.partition("?")
        endpoint = path.rsplit("/", 1)[-1]
        loose = dict(parse_qsl(raw_query, keep_blank_values=True, errors="replace"))
        headers = {k.lower(): v for k, v in self.headers.items()}
        fake._record(
            RecordedRequest(self.command, path, endpoint, loose, raw_query, headers, arrived)
        )
        length = int(headers.get("content-length", "0") or 0)
        if length:
            self.rfile.read(length)
        if "transfer-encoding" in headers:
            self.close_connection = True
        time.sleep(fake.latency)
        fault = fake._take_fault(endpoint)
        if fault is not None:
            time.sleep(fault.latency)
            if fault.drop:
                self.close_connection = True
                return
            self._send(fault.status, fault.body, fault.headers)
        elif self.command != "GET":
            self._error(
                HTTPStatus.METHOD_NOT_ALLOWED, f"{self.command} is not allowed", Allow="GET"
            )
        elif path == "/api/v1/tokens":
            self._send(200, json.dumps(TOKENS).encode())
        elif endpoint not in METHODS or path != f"/api/v1/{endpoint}":
            self._error(HTTPStatus.NOT_FOUND, f"no such endpoint: {path}")
        elif "x-api-key" not in headers:
            self._error(HTTPStatus.UNAUTHORIZED, "missing API key: send it in the x-api-key header")
        elif headers["x-api-key"] != fake.api_key:
            self._error(HTTPStatus.UNAUTHORIZED, "invalid API key")
        else:
            try:
                query = _parse_query(endpoint, raw_query, fake._current_day())
            except _BadRequestError as exc:
                self._error(HTTPStatus.BAD_REQUEST, str(exc))
                return
            self._send(200, json.dumps(synthetic_response(endpoint, **query)).encode())

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET  # noqa: N815

    def _error(self, status: int, message: str, **headers: str) -> None:
        self._send(status, json.dumps({"error": message}).encode(), headers)

    def _send(self, status: int, body: bytes, headers: Mapping[str, str] | None = None) -> None:
        headers = dict(headers or {})
        lower = {k.lower() for k in headers}
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if "content-type" not in lower:
            self.send_header("Content-Type", "application/json")
        if (
            "content-length" in lower
        ):  # a scripted wrong length: close so the client sees truncation
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class FakeKaitoServer:
    """A Kaito API look-alike on loopback that records requests and plays scripted faults.

    Parameters
    ----------
    api_key : str
        The key the four data methods require in the ``x-api-key`` header (401 otherwise).
    host : str
        Interface to bind; loopback by default.
    port : int
        Port to bind; 0 picks a free one.
    latency : float
        Seconds every request waits, in its own thread, before it is answered.
    today : datetime.date or callable returning one, optional
        The fake's current UTC day; no later day is served. Default: the real one.

    Raises
    ------
    OSError
        From :meth:`start`, if the address cannot be bound.

    Examples
    --------
    >>> with FakeKaitoServer("k") as fake:
    ...     requests.get(f"{fake.url}/api/v1/tokens", timeout=5).json()[0]["token"]
    'BTC'
    """

    def __init__(
        self,
        api_key: str = "fake-key",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        today: dt.date | Callable[[], dt.date] | None = None,
    ) -> None:
        self.api_key = api_key
        self.latency = latency
        self.today = today
        self._address = (host, port)
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._faults: list[_Fault] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def today(self) -> dt.date | Callable[[], dt.date]:
        """The fake's current UTC day, or the callable that gives it."""
        return self._today

    @today.setter
    def today(self, value: dt.date | Callable[[], dt.date] | None) -> None:
        self._today = today_utc if value is None else value

    def _current_day(self) -> dt.date:
        return self._today() if callable(self._today) else self._today

    @property
    def url(self) -> str:
        """Base URL to give a client, ``http://127.0.0.1:PORT``; only while started."""
        if self._server is None:
            raise RuntimeError("FakeKaitoServer is not started: call start() or use `with`")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    def api_requests(self, endpoint: str | None = None) -> list[RecordedRequest]:
        """Return the requests to the four data methods, or to one of them.

        Parameters
        ----------
        endpoint : str, optional
            ``engagement``, ``mindshare``, ``sentiment`` or ``mentions``; all four if omitted.

        Returns
        -------
        list of RecordedRequest

        Raises
        ------
        ValueError
            If ``endpoint`` is not one of the four methods.

        Examples
        --------
        >>> fake.api_requests("engagement")[0].params["token"]
        'BTC'
        """
        if endpoint is not None and endpoint not in METHODS:
            raise ValueError(f"unknown endpoint {endpoint!r}: use one of {', '.join(METHODS)}")
        wanted = METHODS if endpoint is None else (endpoint,)
        return [
            r for r in self.requests if r.endpoint in wanted and r.path == f"/api/v1/{r.endpoint}"
        ]

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self._requests.clear()

    def fail(
        self,
        *,
        status: int = 500,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | None = None,
        drop: bool = False,
        latency: float = 0.0,
        times: int = 1,
        endpoint: str | None = None,
    ) -> None:
        """Script a fault that answers the next ``times`` matching requests instead of the API.

        Faults queue first in, first out, and apply before the key check. A 200 with a
        ``body`` scripts a malformed success; a ``Content-Length`` header in ``headers``
        is sent as given and the connection closed, which scripts a truncated body.

        Parameters
        ----------
        status : int
            HTTP status to answer with.
        headers : mapping, optional
            Extra response headers, e.g. ``{"Retry-After": "1"}``.
        body : bytes or str, optional
            Response body; default ``{"error": "<reason>"}``.
        drop : bool
            Close the connection without any response instead.
        latency : float
            Extra seconds to wait before the fault is played.
        times : int
            How many requests it answers; -1 for all from now on.
        endpoint : str, optional
            Only requests whose last path segment is this (``"sentiment"``, ``"tokens"``).

        Returns
        -------
        None

        Raises
        ------
        ValueError
            If ``times`` is neither positive nor -1.

        Examples
        --------
        >>> fake.fail(status=429, headers={"Retry-After": "1"}, times=2)
        >>> fake.fail(drop=True, endpoint="mindshare")
        """
        if times < 1 and times != -1:
            raise ValueError(f"times={times}: give a positive count, or -1 for forever")
        if body is None:
            body = json.dumps({"error": f"scripted fault: HTTP {status}"})
        data = body.encode() if isinstance(body, str) else body
        fault = _Fault(status, dict(headers or {}), data, drop, latency, times, endpoint)
        with self._lock:
            self._faults.append(fault)

    def reset_faults(self) -> None:
        """Drop every scripted fault not yet played."""
        with self._lock:
            self._faults.clear()

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _take_fault(self, endpoint: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.endpoint in (None, endpoint):
                    if fault.times > 0:
                        fault.times -= 1
                        if fault.times == 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def start(self) -> FakeKaitoServer:
        """Bind and serve in a daemon thread; return self. Starting twice does nothing."""
        if self._server is None:
            server = _Server(self._address, _Handler)
            server.fake = self
            # a short poll interval keeps stop() (and every test teardown) fast
            serve = functools.partial(server.serve_forever, poll_interval=0.02)
            self._thread = threading.Thread(target=serve, daemon=True)
            self._server = server
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port. Stopping a stopped server does nothing."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeKaitoServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "stopped"
        return f"FakeKaitoServer({where}, requests={len(self.requests)})"
