"""What a newcomer meets first: help(), tab completion, the accessor's docs, the CLI's manners."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

import kaito_pandas as kp
from kaito_pandas.accessor import KaitoAccessor
from kaito_pandas.cli import main
from kaito_pandas.client import Client
from kaito_pandas.testing import FakeKaitoServer
from tests.conftest import API_KEY

FETCHES = ("engagement", "mentions", "mindshare", "sentiment", "narrative_mindshare")


@pytest.mark.parametrize("name", [*FETCHES, "tokens", "narratives", "get_json", "cache_info"])
def test_module_functions_show_the_methods_signature_and_docstring(name: str) -> None:
    function, method = getattr(kp, name), getattr(Client, name)
    ours = list(inspect.signature(function).parameters)
    assert ours == list(inspect.signature(method).parameters)[1:]
    assert (function.__doc__ or "").splitlines()[0] == (method.__doc__ or "").splitlines()[0]
    assert len((function.__doc__ or "").splitlines()) > 5
    assert "client." not in (function.__doc__ or "").split("Examples")[-1]


@pytest.mark.parametrize("name", FETCHES)
def test_every_fetch_documents_errors_progress_and_refresh(name: str) -> None:
    parameters = inspect.signature(getattr(kp, name)).parameters
    assert {"errors", "progress", "refresh"} <= set(parameters)
    assert "refresh" in (getattr(kp, name).__doc__ or "")


@pytest.mark.parametrize(
    "module", ["kaito_pandas", "plotting", "analytics", "report", "testing", "store"]
)
def test_tab_completion_offers_only_the_public_surface(module: str) -> None:
    target = kp if module == "kaito_pandas" else getattr(kp, module)
    shown = set(dir(target))
    assert shown <= {*target.__all__, "analytics", "plotting", "report", "store", "testing"}
    assert not shown & {"Any", "annotations", "pd", "threading", "cast", "Path", "TYPE_CHECKING"}


def test_accessor_methods_carry_the_full_docstring() -> None:
    for name in ("rolling", "abnormal", "xs_rank", "coverage", "plot"):
        doc = getattr(KaitoAccessor, name).__doc__ or ""
        assert "Parameters" in doc, name
        assert "\ndata :" not in doc, name
        assert f"df.kaito.{name}(...)" in doc, name
    for kind in kp.plotting.CHARTS:  # every chart plot() can draw is listed
        assert f'"{kind}"' in (KaitoAccessor.plot.__doc__ or "")
        assert f'"{kind}"' in (kp.plotting.plot.__doc__ or "")


def test_a_single_tokens_ratio_keeps_the_accessor(client: kp.Client) -> None:
    ratio = client.engagement("BTC", start="2024-03-01", end="2024-03-20").kaito.smart_ratio()
    assert ratio.kaito.rolling(7).notna().sum() > 0
    with pytest.raises(TypeError, match="needs a frame"):
        ratio.kaito.xs_rank()


def test_cli_takes_debug_before_or_after_the_command(
    server: FakeKaitoServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["fetch", "mindshare", "BTC", "--start", "2024-03-01", "--end", "2024-03-02"]
    assert main(["--debug", *argv]) == 0
    assert main([*argv, "--debug"]) == 0
    with pytest.raises(ValueError, match="2024-13-01"):  # --debug: the traceback, not exit 2
        main(["--debug", "fetch", "mindshare", "BTC", "--start", "2024-13-01"])
    capsys.readouterr()


def test_cli_json_keys_are_not_escaped_and_counts_are_singular(
    server: FakeKaitoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KAITO_API_KEY", API_KEY)
    monkeypatch.setenv("KAITO_API_BASE_URL", server.url)
    monkeypatch.setenv("KAITO_PANDAS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("KAITO_PANDAS_CHECK_TOKENS", "off")  # no token list in the cache
    out = tmp_path / "ms.json"
    argv = ["fetch", "mindshare", "BTC", "ETH", "--start", "2024-03-01", "--end", "2024-03-02"]
    assert main([*argv, "-o", str(out)]) == 0
    text = out.read_text()
    assert "\\/" not in text
    assert json.loads(text)["2024-03-01"]["mindshare/BTC"] > 0
    kp.configure()
    assert main(["cache", "clear"]) == 0
    printed = capsys.readouterr().out
    assert "deleted 2 cached responses; 0 left" in printed
    assert main(["fetch", "mindshare", "BTC", "--start", "2024-03-01", "--end", "2024-03-02"]) == 0
    kp.configure()
    assert main(["cache", "clear"]) == 0
    assert "deleted 1 cached response; 0 left" in capsys.readouterr().out
