"""A fake Kaito API on loopback, with deterministic synthetic data, for tests and offline work."""

from __future__ import annotations

import datetime as dt
import email.utils
import functools
import json
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from kaito_pandas._fake_requests import _BadRequestError, _Fault, _parse_query
from kaito_pandas._public import public_dir
from kaito_pandas._synthetic import (
    GAUSSIAN_RADIUS,
    GAUSSIAN_SIGMA,
    KNOWN_TOKENS,
    PARTIAL_DAY_SHARE,
    PRETGE_TOKENS,
    TOKENS,
    synthetic_response,
)
from kaito_pandas._synthetic_narratives import NARRATIVES
from kaito_pandas._synthetic_prices import synthetic_prices
from kaito_pandas.dates import ALL_METHODS, today_utc
from kaito_pandas.settings import DEMO_URLS

__all__ = [
    "GAUSSIAN_RADIUS",
    "GAUSSIAN_SIGMA",
    "KNOWN_TOKENS",
    "NARRATIVES",
    "PARTIAL_DAY_SHARE",
    "PRETGE_TOKENS",
    "TOKENS",
    "FakeKaitoServer",
    "RecordedRequest",
    "synthetic_prices",
    "synthetic_response",
]

__dir__ = public_dir(__all__)


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


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeKaitoServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (it timed out, or closed its pool) is no server error."""
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # Content-Length on every answer, so connections are reused
    timeout = 30  # idle keep-alive connections end instead of holding a thread forever
    server: _Server

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header: the fake's own day (``today``) at the real time of day."""
        now = dt.datetime.now(dt.timezone.utc)
        day = self.server.fake._current_day()
        return email.utils.format_datetime(
            dt.datetime.combine(day, now.time(), tzinfo=dt.timezone.utc), usegmt=True
        )

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
        fault = fake._take_fault(endpoint, loose)
        if fault is not None:
            time.sleep(fault.latency)
            if fault.drop:
                self.close_connection = True
                return
            self._send(
                fault.status, fault.body, fault.headers, stall=fault.stall, trickle=fault.trickle
            )
        elif self.command != "GET":
            self._error(
                HTTPStatus.METHOD_NOT_ALLOWED, f"{self.command} is not allowed", Allow="GET"
            )
        elif path == "/api/v1/tokens":
            self._tokens(loose)
        elif path == "/api/v1/narratives":
            self._send(200, json.dumps(NARRATIVES).encode())
        elif endpoint not in ALL_METHODS or path != f"/api/v1/{endpoint}":
            self._error(HTTPStatus.NOT_FOUND, f"no such endpoint: {path}")
        elif "x-api-key" not in headers:
            self._error(HTTPStatus.UNAUTHORIZED, "missing API key: send it in the x-api-key header")
        elif headers["x-api-key"] != fake.api_key:
            self._error(HTTPStatus.UNAUTHORIZED, "invalid API key")
        else:
            try:
                today = fake._current_day()
                query = _parse_query(endpoint, raw_query, today, exclusive_end=fake.exclusive_end)
            except _BadRequestError as exc:
                self._error(HTTPStatus.BAD_REQUEST, str(exc))
                return
            answer = synthetic_response(endpoint, **query, today=today)
            self._send(200, json.dumps(answer).encode())

    def _tokens(self, params: Mapping[str, str]) -> None:
        """The token list: all of it, or with ``scope=pretge`` the pre-launch projects only."""
        scope = params.get("scope")
        if scope not in (None, "pretge"):
            self._error(HTTPStatus.BAD_REQUEST, f"scope={scope!r} is not one of pretge")
        else:
            self._send(200, json.dumps(PRETGE_TOKENS if scope else TOKENS).encode())

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET  # noqa: N815

    def _error(self, status: int, message: str, **headers: str) -> None:
        self._send(status, json.dumps({"error": message}).encode(), headers)

    def _send(
        self,
        status: int,
        body: bytes,
        headers: Mapping[str, str] | None = None,
        *,
        stall: float = 0.0,
        trickle: float = 0.0,
    ) -> None:
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
        if self.command == "HEAD":
            return
        if trickle:
            self._trickle(body, trickle)
            return
        if not stall:
            self.wfile.write(body)
            return
        # a stalled answer: the headers and half the body, a wait, then the rest; the
        # connection is not reused, as the client may have given up in the meantime
        self.close_connection = True
        half = len(body) // 2
        try:
            self.wfile.write(body[:half])
            time.sleep(stall)
            self.wfile.write(body[half:])
        except OSError:
            pass  # the client hung up while the server stalled: nothing left to do

    def _trickle(self, body: bytes, pause: float) -> None:
        """Send ``body`` one byte at a time, ``pause`` seconds apart, until the client hangs up."""
        self.close_connection = True
        try:
            for index in range(len(body)):
                self.wfile.write(body[index : index + 1])
                time.sleep(pause)
        except OSError:
            pass  # the client gave up: nothing left to do


class FakeKaitoServer:
    """A Kaito API look-alike on loopback that records requests and plays scripted faults.

    Like the service, it lists its tokens at ``/api/v1/tokens`` (:data:`TOKENS`, ids
    case-sensitive; ``?scope=pretge``: :data:`PRETGE_TOKENS`), answers any other token
    with zeros, lists its narratives at ``/api/v1/narratives`` (:data:`NARRATIVES`)
    and answers a narrative id not in that list, a wrong case included, with 400,
    answers an unknown endpoint with 404, serves its current day
    (``today``) as a part of a day (counts are :data:`PARTIAL_DAY_SHARE` of a day's),
    and smooths sentiment scores unless asked for ``gaussian=false``.

    Parameters
    ----------
    api_key : str
        The key the data methods require in the ``x-api-key`` header (401 otherwise).
    host : str
        Interface to bind; loopback by default.
    port : int
        Port to bind; 0 picks a free one.
    latency : float
        Seconds every request waits, in its own thread, before it is answered.
    today : datetime.date or callable returning one, optional
        The fake's current UTC day; no later day is served, and this one is partial.
        Default: the real one.
    exclusive_end : bool
        Read ``end_date`` as exclusive (serve ``start_date`` up to the day before it)
        instead of inclusive, as the guide's example suggests. Kaito's docs do not
        settle which reading the live service uses; a client must be right under both.

    Raises
    ------
    OSError
        From :meth:`start`, if the address cannot be bound.

    Examples
    --------
    >>> with FakeKaitoServer("demo-key-5e1f93ab") as fake:
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
        exclusive_end: bool = False,
    ) -> None:
        self.api_key = api_key
        self.latency = latency
        #: Whether ``end_date`` is read as exclusive; may be changed while serving.
        self.exclusive_end = exclusive_end
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
        """Return the requests to the data methods, or to one of them.

        Parameters
        ----------
        endpoint : str, optional
            ``engagement``, ``mindshare``, ``sentiment``, ``mentions`` or
            ``narrative_mindshare``; all of them if omitted.

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
        if endpoint is not None and endpoint not in ALL_METHODS:
            raise ValueError(f"unknown endpoint {endpoint!r}: use one of {', '.join(ALL_METHODS)}")
        wanted = ALL_METHODS if endpoint is None else (endpoint,)
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
        params: Mapping[str, str] | None = None,
        stall: float = 0.0,
        trickle: float = 0.0,
    ) -> None:
        """Script a fault that answers the next ``times`` matching requests instead of the API.

        Faults queue first in, first out, and apply before the key check. A fault with
        no ``endpoint`` stands for the data service failing: it answers any request but
        those for the token list, which the client asks for before a token query; fault
        that list by name (``endpoint="tokens"``). A 200 with a
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
        params : mapping, optional
            Only requests whose decoded query holds all of these, e.g.
            ``{"start_date": "2023-01-01"}`` for one year chunk.
        stall : float
            Send the headers and the first half of the body, wait this many seconds,
            then send the rest: a server that stalls mid-body (a read timeout).
        trickle : float
            Send the body one byte at a time, this many seconds apart: a server too
            slow for any deadline, though no single read waits long.

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
        >>> fake.fail(status=200, body=answer, stall=2.0, params={"start_date": "2024-01-01"})
        """
        if times < 1 and times != -1:
            raise ValueError(f"times={times}: give a positive count, or -1 for forever")
        if not stall >= 0:
            raise ValueError(f"stall={stall}: give zero or more seconds")
        if not trickle >= 0:
            raise ValueError(f"trickle={trickle}: give zero or more seconds")
        if body is None:
            body = json.dumps({"error": f"scripted fault: HTTP {status}"})
        data = body.encode() if isinstance(body, str) else body
        fault = _Fault(
            status,
            dict(headers or {}),
            data,
            drop,
            latency,
            times,
            endpoint,
            stall,
            dict(params or {}),
            trickle,
        )
        with self._lock:
            self._faults.append(fault)

    def reset_faults(self) -> None:
        """Drop every scripted fault not yet played."""
        with self._lock:
            self._faults.clear()

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _take_fault(self, endpoint: str, params: Mapping[str, str]) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(endpoint, params):
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
            DEMO_URLS.add(self.url)
        return self

    def stop(self) -> None:
        """Stop serving and free the port. Stopping a stopped server does nothing."""
        if self._server is not None:
            DEMO_URLS.discard(self.url)
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
