"""The module-level surface: kp.engagement and friends, configure, settings from the environment."""

from __future__ import annotations

import subprocess
import sys

import pytest

import kaito_pandas as kp
from kaito_pandas.testing import FakeKaitoServer
from tests.conftest import API_KEY


def test_public_names_are_exported() -> None:
    for name in (
        "engagement",
        "mentions",
        "mindshare",
        "sentiment",
        "tokens",
        "configure",
        "Client",
    ):
        assert callable(getattr(kp, name))
    assert issubclass(kp.AuthenticationError, kp.KaitoError)
    assert issubclass(kp.APIError, kp.KaitoError)
    assert issubclass(kp.RateLimitError, kp.APIError)
    assert issubclass(kp.ResponseError, kp.APIError)
    assert set(kp.__all__) <= set(dir(kp))


def test_environment_is_read_when_the_default_client_is_first_used(
    server: FakeKaitoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAITO_API_KEY", API_KEY)
    monkeypatch.setenv("KAITO_API_BASE_URL", server.url)
    df = kp.engagement("BTC", start="2024-03-01", end="2024-03-05")
    assert df["total_engagement"].tolist()[:2] == [644772.0, 415677.0]


def test_configure_overrides_the_environment(
    server: FakeKaitoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAITO_API_KEY", "stale-key")
    monkeypatch.setenv("KAITO_API_BASE_URL", "http://127.0.0.1:9")
    kp.configure(api_key=API_KEY, base_url=server.url)
    assert len(kp.mindshare("BTC", start="2024-03-01", end="2024-03-03")) == 3


def test_configure_adds_to_earlier_settings_and_none_forgets_one(server: FakeKaitoServer) -> None:
    kp.configure(api_key=API_KEY)
    client = kp.configure(base_url=server.url)
    assert client is not None
    assert client.settings.api_key == API_KEY
    client = kp.configure(api_key=None)
    assert client is not None
    assert client.settings.api_key is None
    assert client.settings.base_url == server.url


def test_configure_rejects_unknown_and_invalid_settings() -> None:
    with pytest.raises(TypeError, match="unknown setting"):
        kp.configure(api_kye="x")
    with pytest.raises(ValueError, match="http"):
        kp.configure(base_url="api.kaito.ai")
    with pytest.raises(ValueError, match="non-empty"):
        kp.configure(api_key="")


def test_module_functions_without_a_key_name_the_variable(server: FakeKaitoServer) -> None:
    kp.configure(base_url=server.url)
    with pytest.raises(kp.AuthenticationError, match="KAITO_API_KEY"):
        kp.sentiment("BTC")
    assert server.requests == []


def test_tokens_at_module_level_needs_no_key(server: FakeKaitoServer) -> None:
    kp.configure(base_url=server.url)
    assert "BTC" in kp.tokens()["token"].tolist()


def test_default_base_url_is_kaitos() -> None:
    assert kp.Client().settings.base_url == "https://api.kaito.ai"


def test_importing_the_package_reads_no_environment_and_imports_no_matplotlib() -> None:
    code = (
        "import os, sys; os.environ['KAITO_API_BASE_URL'] = 'not a url'; "
        "import kaito_pandas as kp; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'; "
        "assert kp._default is None; print('ok')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == "ok", result.stderr


#: What `import kaito_pandas` must not load: they come with the first client or chart.
LAZY = ("requests", "requests_cache", "urllib3", "redis", "matplotlib", "kaito_pandas.client")


@pytest.mark.parametrize(
    "code",
    ["import kaito_pandas", "import kaito_pandas.cli", "import kaito_pandas.analytics"],
)
def test_importing_the_package_loads_no_http_stack_and_no_matplotlib(code: str) -> None:
    check = f"import sys; {code}; print(sorted(m for m in {LAZY!r} if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"


def test_client_is_still_there_when_it_is_asked_for() -> None:
    code = (
        "import sys, kaito_pandas as kp; from kaito_pandas import Client; "
        "assert kp.Client is Client and 'Client' in dir(kp); "
        "assert 'requests_cache' in sys.modules; "
        "import kaito_pandas as again; again.nothing_here"
    )
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "has no attribute 'nothing_here'" in ran.stderr
