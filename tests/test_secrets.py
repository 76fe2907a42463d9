"""The API key never leaves the request header: one test per place it could leak to.

Every test uses one distinctive key, makes sure the place it scans really holds
what the client did (so that a scan cannot pass by looking at nothing), then
looks for the key.
"""

from __future__ import annotations

import logging
import pickle
import traceback
from pathlib import Path
from typing import Any

import pytest
from requests_cache.backends.base import BaseCache

import kaito_pandas as kp
from kaito_pandas.cli import main
from kaito_pandas.report import build_report
from kaito_pandas.settings import Settings
from kaito_pandas.testing import FakeKaitoServer
from kaito_pandas.transport import Transport
from tests.conftest import SECRET, TODAY, secret_client

START, END = "2023-12-20", "2024-03-05"  # two year chunks


def _work(client: kp.Client, fake: FakeKaitoServer) -> None:
    """Fetch as a user would, through a retry: a list query, a keyword, extra parameters."""
    fake.fail(status=500)  # one retry, so the retried request goes through the cache too
    client.engagement(["BTC", "ETH"], start=START, end=END)
    client.mentions(keyword="ETF approval", start=START, end=END)
    client.sentiment("SOL", language="en", start=START, end=END)
    assert all(r.headers["x-api-key"] == SECRET for r in fake.api_requests())


def _files(root: Path) -> list[Path]:
    return [path for path in sorted(root.rglob("*")) if path.is_file()]


def _assert_no_key_in_files(root: Path) -> None:
    files = _files(root)
    assert files, f"nothing was written under {root}"
    every_byte = b"".join(path.read_bytes() for path in files)
    assert b"total_engagement" in every_byte  # what the client fetched is there, readable
    for path in files:
        assert SECRET not in str(path.relative_to(root))
        assert SECRET.encode() not in path.read_bytes(), f"the key is in {path}"


@pytest.mark.parametrize("backend", ["sqlite", "filesystem"])
def test_no_byte_under_the_cache_directory_holds_the_key(
    fake: FakeKaitoServer, tmp_path: Path, backend: str
) -> None:
    with secret_client(fake, cache_dir=tmp_path, cache_backend=backend) as client:
        _work(client, fake)
        assert len(client.cache_info()) == 9  # 8 chunks and the token list
    _assert_no_key_in_files(tmp_path)


def test_a_pickled_dump_of_the_memory_cache_holds_no_key(fake: FakeKaitoServer) -> None:
    backend = BaseCache()
    with secret_client(fake, cache_backend=backend) as client:
        _work(client, fake)
    dump = pickle.dumps((dict(backend.responses), dict(backend.redirects)))
    assert len(backend.responses) == 9  # 8 chunks and the token list
    assert b"total_engagement" in dump
    assert SECRET.encode() not in dump


def test_debug_logs_of_every_logger_never_hold_the_key(
    fake: FakeKaitoServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: urllib3, requests_cache, kaito_pandas
    for name in ("urllib3", "requests_cache", "kaito_pandas"):
        caplog.set_level(logging.DEBUG, logger=name)
    with secret_client(fake, cache_dir=tmp_path) as client:
        fake.fail(status=401, body=f'{{"error": "invalid key {SECRET}"}}')
        with pytest.raises(kp.AuthenticationError):
            client.mindshare("BTC", start=START, end=END)
        fake.fail(status=429, headers={"Retry-After": "0"})
        fake.fail(drop=True)
        _work(client, fake)
    loggers = {record.name.split(".")[0] for record in caplog.records}
    assert {"urllib3", "requests_cache", "kaito_pandas"} <= loggers
    assert any("retrying" in record.getMessage() for record in caplog.records)
    for record in caplog.records:
        assert SECRET not in record.getMessage(), record.name
        assert SECRET not in repr(record.args), record.name
    assert SECRET not in caplog.text


ERROR_KINDS = [
    pytest.param(
        {"status": 401, "body": f'{{"error": "key {SECRET} is revoked"}}'},
        kp.AuthenticationError,
        id="401 whose body echoes the key -> AuthenticationError",
    ),
    pytest.param(
        {"status": 500, "body": f"internal error for key {SECRET}", "times": -1},
        kp.APIError,
        id="500 forever whose body echoes the key -> APIError",
    ),
    pytest.param(
        {"status": 429, "headers": {"Retry-After": "3600"}, "body": f"slow down {SECRET}"},
        kp.RateLimitError,
        id="429 whose body echoes the key -> RateLimitError",
    ),
    pytest.param(
        {"status": 302, "headers": {"Location": f"https://elsewhere.example/?key={SECRET}"}},
        kp.APIError,
        id="redirect to a URL holding the key -> APIError",
    ),
    pytest.param(
        {"drop": True, "times": -1},
        kp.APIError,
        id="dropped connections -> APIError",
    ),
    pytest.param(
        {"status": 200, "body": f"<html><body>Invalid API key {SECRET}</body></html>"},
        kp.ResponseError,
        id="HTML page with status 200 that echoes the key -> ResponseError",
    ),
    pytest.param(
        {"status": 200, "body": f'{{"mindshare": {{"2024-01-02": "{SECRET}"}}}}'},
        kp.ResponseError,
        id="the key as a value in a 200 -> ResponseError",
    ),
    pytest.param(
        {"status": 200, "body": f'{{"mindshare": {{"{SECRET}": 1}}}}'},
        kp.ResponseError,
        id="the key as a key in a 200 -> ResponseError",
    ),
]


def _assert_error_hides_the_key(error: BaseException) -> None:
    shown = [str(error), repr(error), "".join(traceback.format_exception(error)), repr(error.args)]
    failures = getattr(error, "failures", {})
    shown += [f"{name}: {failure!s} {failure!r}" for name, failure in failures.items()]
    for text in shown:
        assert SECRET not in text


@pytest.mark.parametrize(("fault", "kind"), ERROR_KINDS)
@pytest.mark.parametrize("tokens", [["BTC", "ETH"], "BTC"], ids=["list query", "one token"])
def test_exception_messages_and_reprs_never_hold_the_key(
    fake: FakeKaitoServer, fault: dict[str, Any], kind: type[kp.KaitoError], tokens: Any
) -> None:
    fake.fail(**fault)
    with (
        secret_client(fake, cache_backend="memory", max_attempts=2) as client,
        pytest.raises(kp.KaitoError) as info,
    ):
        client.mindshare(tokens, start=START, end=END)
    assert isinstance(info.value, kind)
    _assert_error_hides_the_key(info.value)


def test_a_warned_failure_never_holds_the_key(fake: FakeKaitoServer) -> None:
    fake.fail(
        status=500, body=f"internal error for key {SECRET}", times=-1, params={"token": "ETH"}
    )
    with (
        secret_client(fake, cache_backend="memory", max_attempts=2) as client,
        pytest.warns(kp.KaitoWarning) as warned,
    ):
        frame = client.mindshare(["BTC", "ETH"], errors="warn", start=START, end=END)
    assert "ETH" in frame.attrs["failed"]
    assert SECRET not in repr(frame.attrs)
    assert all(SECRET not in str(warning.message) for warning in warned)


def test_reprs_of_client_settings_and_transport_never_hold_the_key(fake: FakeKaitoServer) -> None:
    settings = Settings(api_key=SECRET, base_url=fake.url)
    with secret_client(fake, cache_backend="memory") as client:
        client.mindshare("BTC", start=START, end=END)
        shown = [repr(client), str(client), repr(client.settings), str(client.settings)]
    shown += [repr(settings), str(settings), repr(Transport(settings)), str(Transport(settings))]
    assert "api_key=set" in shown[0]
    for text in shown:
        assert SECRET not in text


def test_the_default_client_repr_never_holds_the_key(
    fake: FakeKaitoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAITO_API_KEY", SECRET)
    monkeypatch.setenv("KAITO_API_BASE_URL", fake.url)
    from_env = kp.get_client()
    assert from_env.settings.api_key == SECRET
    assert SECRET not in repr(from_env)
    configured = kp.configure(api_key=SECRET, today=lambda: TODAY)
    assert configured is kp.get_client()
    assert SECRET not in repr(configured)
    assert SECRET not in repr(kp.get_client().settings)


def test_cache_info_never_holds_the_key(fake: FakeKaitoServer, tmp_path: Path) -> None:
    with secret_client(fake, cache_dir=tmp_path) as client:
        _work(client, fake)
        info = client.cache_info()
    assert len(info) == 9  # 8 chunks and the token list
    shown = [
        info.to_string(),
        info.to_csv(),
        info.to_json(date_format="iso"),
        repr(info.to_dict("records")),
    ]
    for text in shown:
        assert "ETF approval" in text
        assert SECRET not in text


def test_the_command_line_never_prints_the_key(
    fake: FakeKaitoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KAITO_API_KEY", SECRET)
    monkeypatch.setenv("KAITO_API_BASE_URL", fake.url)
    monkeypatch.setenv("KAITO_PANDAS_CACHE_DIR", str(tmp_path / "cache"))
    dates = ["--start", START, "--end", END]
    written = tmp_path / "out" / "mindshare.csv"
    written.parent.mkdir()
    assert main(["fetch", "engagement", "BTC", *dates]) == 0
    assert main(["fetch", "mindshare", "BTC", "ETH", *dates, "-o", str(written)]) == 0
    assert main(["cache", "info"]) == 0
    fake.fail(status=401, body=f'{{"error": "key {SECRET} is revoked"}}', times=-1)
    assert main(["fetch", "sentiment", "BTC", *dates]) == 1
    with pytest.raises(kp.AuthenticationError) as info:
        main(["fetch", "sentiment", "ETH", *dates, "--debug"])
    out, err = capsys.readouterr()
    assert "644772.0" in out  # the fetched frame
    assert "7 responses" in out  # cache info: 6 chunks and the token list
    assert "HTTP 401" in err  # the error's one line
    for text in (out, err, "".join(traceback.format_exception(info.value))):
        assert SECRET not in text
    _assert_no_key_in_files(tmp_path / "cache")
    assert SECRET.encode() not in written.read_bytes()
    assert len(fake.api_requests()) > 0


def test_the_demo_report_never_holds_the_key(fake: FakeKaitoServer, tmp_path: Path) -> None:
    out = tmp_path / "report"
    with secret_client(fake, cache_backend="memory") as client:
        page = build_report(out, client=client, days=30, progress=False)
    files = _files(out)
    assert page in files
    assert {".csv", ".png", ".html"} <= {path.suffix for path in files}
    assert all(r.headers["x-api-key"] == SECRET for r in fake.api_requests())
    _assert_no_key_in_files(out)
