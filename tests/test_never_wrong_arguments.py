"""A typo never becomes a different query, and every bad argument says what to give."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

import kaito_pandas as kp
from kaito_pandas import analytics
from kaito_pandas.testing import FakeKaitoServer


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: kp.engagement("BTC", strat="2024-01-01"),
            r"no parameter 'strat'; did you mean start=",
        ),
        (lambda: kp.sentiment("BTC", langauge="en"), r"did you mean language="),
        (lambda: kp.mindshare("BTC", scpoe="pretge"), r"did you mean scope="),
        (lambda: kp.mentions("BTC", progres=False), r"did you mean progress="),
        (
            lambda: kp.sentiment("BTC", language="jp"),
            r"language='jp' is not one of all, en, zh, ko, others",
        ),
        (lambda: kp.sentiment("BTC", version=4), r"version='4' is not one of 2, 3"),
        (lambda: kp.sentiment("BTC", gaussian="yes"), r"gaussian='yes' is not one of true, false"),
        (lambda: kp.mindshare("BTC", scope="all"), r"scope='all' is not one of pretge"),
        (lambda: kp.engagement("BTC", scope="pretge"), r"engagement has no parameter 'scope'"),
        (lambda: kp.mindshare(keyword="bitcoin"), r"mindshare takes a token, not a keyword"),
        (lambda: kp.sentiment(keyword="bitcoin"), r"sentiment takes a token, not a keyword"),
        (
            lambda: kp.engagement("BTC", params={"start_date": "2024-01-01"}),
            r"pass start_date as start=",
        ),
        (lambda: kp.engagement("BTC", params={"api_key": "x"}), r"x-api-key header"),
    ],
)
def test_an_undocumented_argument_is_a_value_error_before_any_request(
    call: object, message: str, server: FakeKaitoServer
) -> None:
    kp.configure(api_key="test-key-7f3a9c1e5b2d", base_url=server.url, cache_backend="memory")
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]
    assert server.requests == []


def test_documented_parameters_and_params_pass_through(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    client.sentiment(
        "BTC", start="2024-03-01", end="2024-03-05", language="others", average=True, version=2
    )
    client.mindshare("BTC", start="2024-03-01", end="2024-03-05", scope="pretge")
    # a parameter Kaito adds later goes through params=, unchecked; the fake refuses it
    with pytest.raises(kp.APIError, match="unknown parameter 'window'") as info:
        client.engagement("BTC", start="2024-03-01", end="2024-03-05", params={"window": 7})
    assert info.value.status_code == 400
    sent = [r.params for r in server.api_requests()]
    assert {"language": "others", "average": "true", "version": "2"}.items() <= sent[0].items()
    assert sent[1]["scope"] == "pretge"
    assert sent[2]["window"] == "7"


def test_the_same_parameter_twice_with_two_values_is_refused(client: kp.Client) -> None:
    with pytest.raises(ValueError, match="given twice"):
        client.sentiment("BTC", language="en", params={"language": "zh"})


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("rate_limit", float("inf")),
        ("rate_limit", "5"),
        ("rate_limit", True),
        ("read_timeout", float("nan")),
        ("connect_timeout", -1),
        ("retry_deadline", "50"),
        ("expire_after", 0),
        ("max_workers", 2.5),
        ("max_attempts", "4"),
        ("progress", "yes"),
        ("offline", 1),
        ("cache", "no"),
        ("cache_dir", 42),
    ],
)
def test_a_setting_of_the_wrong_type_or_range_is_a_value_error_naming_it(
    setting: str, value: object
) -> None:
    with pytest.raises(ValueError, match=rf"^{setting}="):
        kp.Client(api_key="k-0123456789", **{setting: value})


@pytest.mark.parametrize(
    ("start", "end", "named"),
    [
        (None, "9999-12-31T23:00-05:00", "end"),
        ("0001-01-01T01:00+05:00", None, "start"),
        (None, dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-5))), "end"),
    ],
)
def test_a_date_with_no_utc_day_names_the_argument(start: object, end: object, named: str) -> None:
    client = kp.Client(api_key="k-0123456789", cache_backend="memory")
    with pytest.raises(ValueError, match=rf"^{named}=.*no UTC day"):
        client.plan("mindshare", "BTC", start=start, end=end)  # type: ignore[arg-type]


def test_null_first_and_last_days_are_not_rows(client: kp.Client, server: FakeKaitoServer) -> None:
    body = {
        "mindshare": {
            "2024-03-01": None,
            "2024-03-02": 0.1,
            "2024-03-03": None,
            "2024-03-04": 0.2,
            "2024-03-05": None,
        }
    }
    server.fail(status=200, body=json.dumps(body), endpoint="mindshare")
    df = client.mindshare("ETH", start="2024-03-01", end="2024-03-05")
    assert list(df.index.strftime("%Y-%m-%d")) == ["2024-03-02", "2024-03-03", "2024-03-04"]
    assert np.isnan(df.loc["2024-03-03", "mindshare"])  # a null inside stays a NaN row


def test_to_long_names_are_pandas_string_dtype(client: kp.Client) -> None:
    single = analytics.to_long(client.engagement("BTC", start="2024-03-01", end="2024-03-04"))
    listed = analytics.to_long(
        client.mindshare(["BTC", "ETH"], start="2024-03-01", end="2024-03-04")
    )
    empty = analytics.to_long(client.mindshare("BTC", start="2024-03-01").iloc[:0])
    for long in (single, listed, empty):
        assert long["token"].dtype == pd.StringDtype()
        assert long["metric"].dtype == pd.StringDtype()
        assert long["value"].dtype == np.float64
    assert listed["token"].tolist()[:4] == ["BTC"] * 4
