"""The data-quality guard: unknown token ids, all-zero series, and the fake that models them."""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests

import kaito_pandas as kp
from kaito_pandas.testing import (
    GAUSSIAN_RADIUS,
    GAUSSIAN_SIGMA,
    PARTIAL_DAY_SHARE,
    FakeKaitoServer,
    synthetic_response,
)
from tests.conftest import API_KEY, TODAY, make_client

WEEK = {"start": "2024-03-01", "end": "2024-03-07"}


def _kaito_warnings(record: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, kp.KaitoWarning)]


def _token_list_requests(server: FakeKaitoServer) -> int:
    return sum(r.endpoint == "tokens" for r in server.requests)


# --- unknown token ids ---------------------------------------------------------------------


def test_a_lowercase_id_gets_one_warning_that_suggests_the_id(
    client: kp.Client, record: list[warnings.WarningMessage]
) -> None:
    df = client.engagement("btc", **WEEK)
    (message,) = _kaito_warnings(record)
    assert message.startswith("'btc' is not a Kaito token id; did you mean 'BTC' (Bitcoin)?")
    assert "Kaito returns zeros for names it does not know" in message
    assert (df["total_engagement"] == 0).all()  # what the service answers, returned as it is


def test_a_ticker_that_is_not_the_id_suggests_the_id_with_its_symbol(
    client: kp.Client, record: list[warnings.WarningMessage]
) -> None:
    client.mindshare("HYPE", **WEEK)
    (message,) = _kaito_warnings(record)
    assert message.startswith(
        "'HYPE' is not a Kaito token id; did you mean 'HYPERLIQUID' (Hyperliquid, symbol HYPE)?"
    )


@pytest.mark.parametrize(
    ("asked", "suggested"),
    [("bitcoin", "'BTC' (Bitcoin)"), ("Solanna", "'SOL' (Solana)"), ("tia", "'CELESTIA'")],
)
def test_full_names_misspellings_and_symbols_suggest_the_id(
    client: kp.Client, record: list[warnings.WarningMessage], asked: str, suggested: str
) -> None:
    client.mindshare(asked, **WEEK)
    (message,) = _kaito_warnings(record)
    assert f"'{asked}' is not a Kaito token id; did you mean {suggested}" in message


def test_an_id_with_nothing_close_says_so(
    client: kp.Client, record: list[warnings.WarningMessage]
) -> None:
    client.mindshare("NOTATOKEN", **WEEK)
    (message,) = _kaito_warnings(record)
    assert (
        "'NOTATOKEN' is not a Kaito token id, and nothing in Kaito's token list is close" in message
    )


def test_a_list_query_warns_once_naming_every_unknown_id(
    client: kp.Client, record: list[warnings.WarningMessage]
) -> None:
    df = client.engagement(["BTC", "eth", "NOTATOKEN", "HYPERLIQUID"], **WEEK)
    (message,) = _kaito_warnings(record)
    assert message.startswith("2 of 4 tokens are not Kaito token ids:")
    assert "'eth' is not a Kaito token id; did you mean 'ETH' (Ethereum)?" in message
    assert "Nothing in Kaito's token list is close to 'NOTATOKEN'." in message
    assert "'BTC'" not in message.replace("'BTC' (", "")  # a known id is not named
    assert (df[("total_engagement", "BTC")].dropna() > 0).all()


def test_a_universe_with_many_unknown_ids_gets_one_short_warning(
    server: FakeKaitoServer, record: list[warnings.WarningMessage]
) -> None:
    unknown = [f"NOPE{i}" for i in range(60)]
    with make_client(server, cache_backend="memory", progress=False) as client:
        client.engagement(["BTC", *unknown], **WEEK)
    (message,) = _kaito_warnings(record)
    assert message.startswith("60 of 61 tokens are not Kaito token ids:")
    assert "'NOPE0'" in message
    assert "'NOPE9' and 50 more." in message
    assert "'NOPE10'" not in message
    assert len(message) < 600  # a list of hundreds stays readable


def test_known_ids_and_keywords_pass_without_a_word(client: kp.Client) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client.engagement(["BTC", "HYPERLIQUID", "MATIC"], **WEEK)
        client.engagement(keyword="btc", **WEEK)
        client.mentions(keyword=["NOTATOKEN", "hype"], **WEEK)


def test_keywords_are_free_text_and_fetch_no_token_list(server: FakeKaitoServer) -> None:
    with make_client(server, cache=False) as client:
        client.mentions(keyword="btc etf", **WEEK)
    assert _token_list_requests(server) == 0


def test_raise_mode_raises_unknown_token_error_before_any_time_series_request(
    server: FakeKaitoServer,
) -> None:
    with (
        make_client(server, cache=False, check_tokens="raise") as client,
        pytest.raises(kp.UnknownTokenError, match="did you mean 'BTC'") as info,
    ):
        client.engagement(["btc", "ETH", "HYPE"], **WEEK)
    assert isinstance(info.value, kp.KaitoError)
    assert isinstance(info.value, ValueError)
    assert info.value.suggestions == {"btc": ["BTC"], "HYPE": ["HYPERLIQUID"]}
    assert server.api_requests() == []


def test_raise_mode_lets_known_ids_through(server: FakeKaitoServer) -> None:
    with make_client(server, cache=False, check_tokens="raise") as client:
        df = client.engagement(["BTC", "ETH"], **WEEK)
    assert df.shape == (7, 4)


def test_off_fetches_no_token_list_and_warns_about_nothing(
    server: FakeKaitoServer, record: list[warnings.WarningMessage]
) -> None:
    with make_client(server, cache=False, check_tokens="off") as client:
        df = client.engagement("btc", **WEEK)
    assert _kaito_warnings(record) == []
    assert _token_list_requests(server) == 0
    assert (df["total_engagement"] == 0).all()


def test_check_tokens_comes_from_the_environment_and_configure(
    server: FakeKaitoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAITO_PANDAS_CHECK_TOKENS", " Raise ")
    with make_client(server) as client, pytest.raises(kp.UnknownTokenError):
        client.mindshare("btc", **WEEK)
    with make_client(server, check_tokens="off") as client:  # the argument wins
        client.mindshare("btc", **WEEK)
    kp.configure(api_key=API_KEY, base_url=server.url, check_tokens="raise")
    with pytest.raises(kp.UnknownTokenError):
        kp.mindshare("btc", **WEEK)


@pytest.mark.parametrize("value", ["loud", "", "WARN!", True])
def test_an_invalid_check_tokens_is_a_value_error_naming_the_setting(value: object) -> None:
    with pytest.raises(ValueError, match=r"check_tokens=.*'warn', 'raise' or 'off'"):
        kp.Client(API_KEY, check_tokens=value)


def test_an_invalid_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAITO_PANDAS_CHECK_TOKENS", "sometimes")
    with pytest.raises(ValueError, match="KAITO_PANDAS_CHECK_TOKENS"):
        kp.Client(API_KEY)


def test_the_token_list_is_fetched_once_per_client_and_cached_for_a_day(
    server: FakeKaitoServer, tmp_path: Path
) -> None:
    with make_client(server, cache_dir=tmp_path) as client:
        client.mindshare("BTC", **WEEK)
        client.engagement(["ETH", "SOL"], **WEEK)
        info = client.cache_info()
    assert _token_list_requests(server) == 1
    (row,) = info[info["method"] == "tokens"].itertuples()
    assert abs(row.expires - row.created - pd.Timedelta(days=1)) < pd.Timedelta(seconds=5)
    with make_client(server, cache_dir=tmp_path) as again:  # a new client: from the cache
        again.mindshare("ETH", **WEEK)
    assert _token_list_requests(server) == 1


def test_the_list_from_tokens_is_the_list_the_check_uses(server: FakeKaitoServer) -> None:
    with make_client(server, cache=False) as client:
        client.tokens()
        client.mindshare("BTC", **WEEK)
    assert _token_list_requests(server) == 1


def test_threads_sharing_a_client_fetch_the_token_list_once(server: FakeKaitoServer) -> None:
    server.latency = 0.3
    with make_client(server, cache=False) as client:
        barrier = threading.Barrier(4)

        def fetch(token: str) -> None:
            barrier.wait()
            client.mindshare(token, **WEEK)

        threads = [threading.Thread(target=fetch, args=(t,)) for t in ("BTC", "ETH", "SOL", "BNB")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert _token_list_requests(server) == 1
    assert len(server.api_requests()) == 4


def test_a_scoped_query_is_not_checked_against_the_full_list(
    client: kp.Client, record: list[warnings.WarningMessage]
) -> None:
    client.mindshare("NEWCHAIN", scope="pretge", **WEEK)
    (message,) = _kaito_warnings(record)  # the fake's zeros are still pointed out
    assert "'NEWCHAIN' is 0 on every day asked for" in message
    assert "is not a Kaito token id" not in message


@pytest.mark.parametrize("fault", [{"status": 503}, {"drop": True}])
def test_a_failing_token_list_is_skipped_after_one_attempt_and_remembered(
    server: FakeKaitoServer,
    record: list[warnings.WarningMessage],
    caplog: pytest.LogCaptureFixture,
    fault: dict[str, object],
) -> None:
    caplog.set_level(logging.DEBUG, logger="kaito_pandas")
    server.fail(endpoint="tokens", times=-1, **fault)  # type: ignore[arg-type]
    with make_client(server, cache=False, max_attempts=4, retry_backoff=0.01) as client:
        first = client.mindshare("BTC", **WEEK)
        client.mindshare("ETH", **WEEK)
    assert first["mindshare"].notna().all()
    assert _kaito_warnings(record) == []
    assert _token_list_requests(server) == 1  # one attempt, and not asked again
    assert "token ids not checked" in caplog.text


def test_a_hung_token_list_costs_a_query_one_read_timeout_not_the_retry_deadline(
    server: FakeKaitoServer,
) -> None:
    server.fail(endpoint="tokens", latency=5.0, times=-1)
    with make_client(server, cache=False, read_timeout=1.0, retry_backoff=0.01) as client:
        began = time.monotonic()
        df = client.mindshare("BTC", **WEEK)
        elapsed = time.monotonic() - began
    assert len(df) == 7
    assert elapsed < 3.0
    assert _token_list_requests(server) == 1


def test_offline_with_no_cached_list_the_check_is_skipped_silently(
    server: FakeKaitoServer, tmp_path: Path, record: list[warnings.WarningMessage]
) -> None:
    with make_client(server, cache_dir=tmp_path, check_tokens="off") as online:
        online.mindshare("BTC", **WEEK)
    server.clear_requests()
    with make_client(server, cache_dir=tmp_path, offline=True) as offline:
        df = offline.mindshare("BTC", **WEEK)
    assert len(df) == 7
    assert _kaito_warnings(record) == []
    assert server.requests == []


def test_offline_a_cached_list_still_checks_ids(server: FakeKaitoServer, tmp_path: Path) -> None:
    with (
        make_client(server, cache_dir=tmp_path) as online,
        pytest.warns(kp.KaitoWarning, match="did you mean 'BTC'"),
    ):
        online.mindshare("btc", **WEEK)  # caches the list and the (zero) answer
    server.clear_requests()
    with (
        make_client(server, cache_dir=tmp_path, offline=True) as offline,
        pytest.warns(kp.KaitoWarning, match="did you mean 'BTC'"),
    ):
        offline.mindshare("btc", **WEEK)
    assert server.requests == []


def test_without_a_key_nothing_is_sent_not_even_the_token_list(server: FakeKaitoServer) -> None:
    with make_client(server, api_key=None) as client, pytest.raises(kp.AuthenticationError):
        client.mindshare("btc", **WEEK)
    assert server.requests == []


# --- all-zero series -----------------------------------------------------------------------


def test_all_zero_series_of_a_list_get_one_warning_naming_them_when_no_list_is_had(
    server: FakeKaitoServer, record: list[warnings.WarningMessage]
) -> None:
    server.fail(endpoint="tokens", status=503, times=-1)
    with make_client(server, cache=False) as client:
        df = client.engagement(["BTC", "NOPE", "btc"], **WEEK)
    (message,) = _kaito_warnings(record)
    assert "'NOPE' and 'btc' are 0 on every day asked for" in message
    assert "Kaito returns zeros for names it does not know" in message
    assert "'BTC' and" not in message
    assert (df[("total_engagement", "BTC")].dropna() > 0).all()


def test_an_all_zero_series_of_a_listed_id_suggests_the_ids_that_share_its_name(
    client: kp.Client, server: FakeKaitoServer, record: list[warnings.WarningMessage]
) -> None:
    zeros = {"mindshare": {f"2024-03-0{d}": 0 for d in range(1, 8)}}
    server.fail(status=200, body=json.dumps(zeros), endpoint="mindshare")
    client.mindshare("MATIC", **WEEK)
    (message,) = _kaito_warnings(record)
    assert "'MATIC' is 0 on every day asked for" in message
    assert "did you mean 'POLYGON' (Polygon, symbol POL)?" in message


def test_an_all_zero_keyword_gets_the_warning_without_token_suggestions(
    client: kp.Client, server: FakeKaitoServer, record: list[warnings.WarningMessage]
) -> None:
    zeros = {"total_engagement": {f"2024-03-0{d}": 0 for d in range(1, 8)}}
    server.fail(status=200, body=json.dumps(zeros), endpoint="engagement")
    client.engagement(keyword="nobody says this", **WEEK)
    (message,) = _kaito_warnings(record)
    assert "'nobody says this' is 0 on every day asked for" in message
    assert "check the keyword" in message
    assert "did you mean" not in message


def test_a_series_with_some_zeros_or_no_data_is_not_all_zero(
    client: kp.Client, server: FakeKaitoServer, record: list[warnings.WarningMessage]
) -> None:
    some = {"mindshare": {"2024-03-01": 0, "2024-03-02": 0.1}}
    server.fail(status=200, body=json.dumps(some), endpoint="mindshare")
    client.mindshare("BTC", start="2024-03-01", end="2024-03-02")
    server.fail(status=200, body="{}", endpoint="mindshare")
    client.mindshare("ETH", start="2024-03-01", end="2024-03-02")
    assert _kaito_warnings(record) == []


def test_off_silences_the_all_zero_warning_too(
    server: FakeKaitoServer, record: list[warnings.WarningMessage]
) -> None:
    with make_client(server, cache=False, check_tokens="off") as client:
        client.engagement(["NOPE", "btc"], **WEEK)
    assert _kaito_warnings(record) == []


# --- the fake server models the service ----------------------------------------------------


def test_the_fake_lists_several_hundred_case_sensitive_ids_with_symbols_and_names(
    server: FakeKaitoServer,
) -> None:
    listed = requests.get(f"{server.url}/api/v1/tokens", timeout=10).json()
    assert len(listed) >= 300
    ids = [t["token"] for t in listed]
    assert len(set(ids)) == len(ids)
    assert {"BTC", "ETH", "SOL", "HYPERLIQUID", "BNB", "XRP", "DOGE"} <= set(ids)
    assert all(i == i.upper() for i in ids)  # so 'btc' is never an id
    hype = next(t for t in listed if t["token"] == "HYPERLIQUID")
    assert (hype["symbol"], hype["fullname"]) == ("HYPE", "Hyperliquid")
    assert sum(t["symbol"] != t["token"] for t in listed) >= 20


@pytest.mark.parametrize("method", ["engagement", "mindshare", "sentiment", "mentions"])
def test_the_fake_answers_an_unknown_token_with_zeros(server: FakeKaitoServer, method: str) -> None:
    with make_client(server, cache=False, check_tokens="off") as client:
        df = client.fetch(method, "btc", **WEEK)
    numbers = df.select_dtypes("number")
    assert len(df) == 7
    assert (numbers.fillna(0) == 0).all().all()
    assert numbers.notna().any().any()


def test_the_fake_keeps_keyword_data(client: kp.Client) -> None:
    assert (client.engagement(keyword="btc", **WEEK)["total_engagement"] > 0).all()


@pytest.mark.parametrize(
    ("method", "column"),
    [("engagement", "total_engagement"), ("mentions", "document_mentions_twitter")],
)
def test_the_fakes_today_holds_a_part_of_a_days_counts(
    client: kp.Client, server: FakeKaitoServer, method: str, column: str
) -> None:
    day = dt.date(2024, 6, 27)  # a day the fake serves (not one of its missing days)
    server.today = day
    partial = client.fetch(method, "ETH", start=day, end=day)[column].iloc[0]
    whole = synthetic_response(method, token="ETH", start=day, end=day)
    full = whole["document_mentions"]["twitter"] if method == "mentions" else whole[column]
    full_value = next(iter(full.values()))
    assert partial == pytest.approx(full_value * PARTIAL_DAY_SHARE, rel=0.01)
    server.today = TODAY  # the next day: the same day is whole (a fresh client: no cache)
    with make_client(server, cache=False) as later:
        assert later.fetch(method, "ETH", start=day, end=day)[column].iloc[0] == full_value


def test_the_fakes_mindshare_and_sentiment_are_not_cut_on_its_today(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    day = dt.date(2024, 6, 27)
    server.today = day
    share = client.mindshare("ETH", start=day, end=day)["mindshare"].iloc[0]
    expected = synthetic_response("mindshare", token="ETH", start=day, end=day)["mindshare"]
    assert share == next(iter(expected.values()))


def _gaussian_mean(raw: pd.Series) -> pd.Series:
    """The centred Gaussian mean over GAUSSIAN_RADIUS days either side; NaN near gaps."""
    k = np.arange(-GAUSSIAN_RADIUS, GAUSSIAN_RADIUS + 1)
    weights = np.exp(-(k**2) / (2 * GAUSSIAN_SIGMA**2))
    weights /= weights.sum()
    return raw.rolling(len(k), center=True).apply(lambda w: float(np.dot(w, weights)), raw=True)


def test_gaussian_sentiment_is_a_centred_mean_of_the_raw_scores_later_days_included(
    client: kp.Client,
) -> None:
    span = {"start": "2024-01-01", "end": "2024-04-30"}
    raw = client.sentiment("ETH", gaussian=False, **span)["sentiment_score"]
    smooth = client.sentiment("ETH", **span)["sentiment_score"]
    assert not np.allclose(raw.dropna(), smooth.reindex(raw.dropna().index))
    expected = _gaussian_mean(raw.asfreq("D"))
    both = expected.notna() & smooth.notna()
    assert both.sum() > 60
    assert np.abs(smooth[both] - expected[both]).max() < 0.01  # raw scores are rounded to 0.01
    # smoothed scores move less from day to day: the point of the option
    assert smooth.diff().std() < raw.diff().std() / 2


def test_gaussian_smoothing_looks_ahead(client: kp.Client) -> None:
    raw = client.sentiment("SOL", gaussian=False, start="2024-02-01", end="2024-03-31")
    smooth = client.sentiment("SOL", start="2024-02-01", end="2024-03-31")
    both = pd.concat(
        [raw["sentiment_score"], smooth["sentiment_score"]], axis=1, keys=["raw", "smooth"]
    ).dropna()
    # today's smoothed score tells tomorrow's raw score better than today's raw score does
    ahead = both["smooth"].corr(both["raw"].shift(-1))
    assert ahead > both["raw"].corr(both["raw"].shift(-1)) + 0.2
    assert math.isfinite(ahead)


def test_a_fault_without_an_endpoint_spares_the_token_list(server: FakeKaitoServer) -> None:
    server.fail(status=503, times=-1)
    assert requests.get(f"{server.url}/api/v1/tokens", timeout=10).status_code == 200
    server.reset_faults()
    server.fail(status=503, endpoint="tokens")
    assert requests.get(f"{server.url}/api/v1/tokens", timeout=10).status_code == 503
