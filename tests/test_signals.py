"""Signals: spikes, abnormal attention, lead/lag against prices, cross-sections, factors, events."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import kaito_pandas as kp
from kaito_pandas import analytics
from kaito_pandas.testing import synthetic_prices
from tests.frames import make_frame

TOKENS = ["BTC", "ETH", "SOL"]
START, END = "2023-07-01", "2024-06-29"


def _days(n: int, start: str = "2024-01-01") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="D", tz="UTC", name="date")


def _noise_frame(n: int, columns: list[str], seed: int) -> pd.DataFrame:
    """Counts with log-normal noise around a flat level, as a list query's frame of one metric."""
    rng = np.random.default_rng(seed)
    values = np.round(np.exp(10 + 0.3 * rng.standard_normal((n, len(columns)))))
    frame = pd.DataFrame(
        values,
        index=_days(n),
        columns=pd.MultiIndex.from_product(
            [["total_engagement"], columns], names=["metric", "token"]
        ),
    )
    frame.attrs = {"method": "engagement", "token": columns}
    return frame


# -- lead/lag -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lead", [1, 3, 6])
def test_leadlag_finds_the_lead_planted_in_synthetic_prices(client: kp.Client, lead: int) -> None:
    frame = client.engagement(TOKENS, start=START, end=END)
    prices = synthetic_prices(TOKENS, START, END, lead=lead)
    result = analytics.leadlag(frame, prices, "total_engagement")
    assert result.attrs["best_lag"] == dict.fromkeys(TOKENS, lead)
    assert result.attrs["synthetic"] is True
    for token in TOKENS:
        assert result[token].loc[lead, "corr"] > result[token].loc[lead, "ci_high"]


def test_leadlag_of_one_token_takes_a_series_of_closes(client: kp.Client) -> None:
    frame = client.engagement("BTC", start=START, end=END)
    closes = synthetic_prices("BTC", START, END, lead=2)["BTC"].rename("anything")
    result = analytics.leadlag(frame, closes, "total_engagement", lags=5)
    assert list(result.index) == list(range(-5, 6))
    assert list(result.columns) == ["corr", "n", "ci_low", "ci_high"]
    assert result.attrs["best_lag"] == 2


def test_leadlag_is_the_correlation_of_the_change_with_the_return_k_days_later() -> None:
    rng = np.random.default_rng(3)
    n = 200
    metric = pd.Series(np.exp(rng.normal(8, 0.5, n)), index=_days(n), name="total_engagement")
    metric.attrs = {"token": "BTC"}
    close = pd.Series(100 * np.cumprod(1 + rng.normal(0, 0.02, n)), index=_days(n), name="BTC")
    result = analytics.leadlag(metric, close, lags=4)
    change = np.diff(np.log1p(metric.to_numpy()))  # day 1..n-1
    returns = close.to_numpy()[1:] / close.to_numpy()[:-1] - 1  # day 1..n-1
    for k in range(-4, 5):
        x, y = (change[: n - 1 - k], returns[k:]) if k >= 0 else (change[-k:], returns[: n - 1 + k])
        assert result.loc[k, "corr"] == pytest.approx(np.corrcoef(x, y)[0, 1])
        assert result.loc[k, "n"] == len(x)
        assert result.loc[k, "ci_high"] == pytest.approx(1.959964 / math.sqrt(len(x)))
        assert result.loc[k, "ci_low"] == -result.loc[k, "ci_high"]


def test_a_positive_lag_means_the_metric_moves_before_the_price() -> None:
    rng = np.random.default_rng(5)
    n = 300
    share = pd.Series(0.1 + 0.01 * rng.standard_normal(n), index=_days(n), name="mindshare")
    share.attrs = {"token": "SOL"}
    change = share.diff().fillna(0).to_numpy()
    returns = np.r_[np.zeros(4), 2 * change[:-4]] + 0.001 * rng.standard_normal(n)
    close = pd.Series(np.cumprod(1 + returns), index=_days(n))
    result = analytics.leadlag(share, close.rename("SOL"), lags=6)
    assert result.attrs["best_lag"] == 4
    assert result.attrs["change"] == "difference"


def test_leadlag_reduces_intraday_prices_to_each_utc_days_last_value() -> None:
    frame = make_frame("mindshare", TOKENS[:2], days=60)
    hours = pd.date_range("2024-03-01", periods=60 * 24, freq="h")  # naive: taken as UTC
    rng = np.random.default_rng(1)
    hourly = pd.DataFrame(np.exp(rng.normal(0, 0.01, (len(hours), 2)).cumsum(axis=0)), index=hours)
    hourly.columns = TOKENS[:2]
    daily = hourly.groupby(hourly.index.floor("D")).last().tz_localize("UTC")
    pd.testing.assert_frame_equal(
        analytics.leadlag(frame, hourly, lags=3), analytics.leadlag(frame, daily, lags=3)
    )
    in_new_york = hourly.tz_localize("UTC").tz_convert("America/New_York")
    pd.testing.assert_frame_equal(
        analytics.leadlag(frame, in_new_york, lags=3), analytics.leadlag(frame, daily, lags=3)
    )


def test_leadlag_on_level_correlates_the_metric_itself_with_returns() -> None:
    frame = make_frame("mindshare", "BTC", days=80)
    close = pd.Series(np.linspace(100, 140, 80) ** 1.1, index=frame.index, name="BTC")
    result = analytics.leadlag(frame, close, lags=2, on="level")
    returns = close.pct_change()
    assert result.loc[1, "corr"] == pytest.approx(frame["mindshare"].corr(returns.shift(-1)))
    assert result.attrs["on"] == "level"


@pytest.mark.parametrize(
    ("prices", "kwargs", "message"),
    [
        (
            pd.DataFrame({"BTC": [1.0], "DOGE": [1.0]}),
            {},
            "no close for ETH.*its columns: BTC, DOGE",
        ),
        (pd.Series([1.0], name="BTC"), {}, "a Series of prices fits one token"),
        (pd.DataFrame({"BTC": [1.0], "ETH": [1.0]}), {"lags": 0}, "lags must be a whole number"),
        (pd.DataFrame({"BTC": [1.0], "ETH": [1.0]}), {"on": "returns"}, "on must be 'change'"),
        (pd.DataFrame({"BTC": ["a"], "ETH": [1.0]}), {}, "BTC are not numbers"),
    ],
)
def test_leadlag_says_what_to_do_with_bad_input(
    prices: pd.DataFrame | pd.Series, kwargs: dict[str, object], message: str
) -> None:
    frame = make_frame("engagement", ["BTC", "ETH"], days=20)
    prices = prices.set_axis(frame.index[:1])
    with pytest.raises(ValueError, match=message):
        analytics.leadlag(frame, prices, "total_engagement", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("tokens", ["BTC", ["BTC", "ETH"]])
def test_signals_of_event_texts_ask_for_a_numeric_metric(tokens: str | list[str]) -> None:
    frame = make_frame("sentiment", tokens, days=40)
    with pytest.raises(ValueError, match=r"'sentiment_event' holds text.*'sentiment_score'"):
        analytics.spikes(frame, "sentiment_event")
    with pytest.raises(ValueError, match="holds text"):
        analytics.leadlag(
            frame, synthetic_prices(tokens, "2024-03-01", "2024-04-09"), "sentiment_event"
        )


def test_leadlag_needs_a_metric_when_the_frame_holds_two() -> None:
    frame = make_frame("engagement", "BTC", days=20)
    with pytest.raises(ValueError, match=r"needs metric=.*total_engagement, smart_engagement"):
        analytics.leadlag(frame, pd.Series(1.0, index=frame.index, name="BTC"))
    with pytest.raises(ValueError, match="no metric 'mindshare'"):
        analytics.leadlag(frame, pd.Series(1.0, index=frame.index, name="BTC"), "mindshare")


# -- spikes and abnormal attention ---------------------------------------------------------------


def test_spikes_flag_every_planted_burst_and_nothing_else_of_note() -> None:
    frame = _noise_frame(400, ["BTC", "ETH"], seed=11)
    bursts = [60, 150, 290, 377]
    frame.iloc[bursts, 0] *= 8
    flags = analytics.spikes(frame, "total_engagement")
    flagged = set(np.flatnonzero(flags["BTC"].to_numpy()))
    assert set(bursts) <= flagged
    assert len(flagged - set(bursts)) <= 2  # noise at z=3 flags about 1 day in 300
    assert set(np.flatnonzero(flags["ETH"].to_numpy())).isdisjoint(bursts)


def test_spikes_on_flat_noise_flag_no_more_than_their_rate() -> None:
    frame = _noise_frame(2000, [f"T{i}" for i in range(10)], seed=7)
    flags = analytics.spikes(frame, "total_engagement", window=28, z=3.0)
    judged = flags.iloc[28:].to_numpy()
    # (x - mean) / s of 28 earlier normal days is t(27) * sqrt(1 + 1/28): P(>= 3) is 0.0032
    assert judged.mean() < 0.006


def test_spikes_match_a_direct_z_score_against_the_days_before() -> None:
    frame = make_frame("engagement", "BTC", days=90, missing=[40, 41])
    flags = analytics.spikes(frame, window=10, z=1.5)
    for metric in ("total_engagement", "smart_engagement"):
        logs = np.log1p(frame[metric].to_numpy())
        for t in range(len(logs)):
            past = logs[max(0, t - 10) : t]
            past = past[~np.isnan(past)]
            expected = False
            if len(past) >= 5 and not np.isnan(logs[t]):
                expected = bool((logs[t] - past.mean()) / past.std(ddof=1) >= 1.5)
            assert flags[metric].iloc[t] == expected, (metric, t)
    assert not flags.iloc[40:42].to_numpy().any()  # missing days are never spikes


def test_spikes_of_a_list_querys_count_column_judge_counts_on_a_log_scale() -> None:
    frame = make_frame("engagement", ["BTC", "ETH"], days=90)
    by_metric = analytics.spikes(frame, "total_engagement", window=14, z=2.0)
    by_column = analytics.spikes(frame["total_engagement"], window=14, z=2.0)
    pd.testing.assert_frame_equal(by_column, by_metric, check_names=False)


def test_spikes_of_mindshare_use_the_values_as_they_are_and_leave_the_partial_day() -> None:
    frame = make_frame("mindshare", "BTC", days=40)
    frame.iloc[-1, 0] = frame["mindshare"].iloc[-1] * 50
    frame.iloc[-2, 0] = frame["mindshare"].iloc[-2] * 50
    frame.attrs["partial_from"] = frame.index[-1].strftime("%Y-%m-%d")
    flags = analytics.spikes(frame)
    assert flags["mindshare"].iloc[-2]
    assert not flags["mindshare"].iloc[-1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"window": 1}, "window must be a whole number, at least 2"),
        ({"z": 0}, "z must be a positive"),
    ],
)
def test_spikes_reject_a_window_below_2_and_a_z_that_is_not_positive(
    kwargs: dict[str, float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        analytics.spikes(make_frame("mindshare", "BTC", days=10), **kwargs)  # type: ignore[arg-type]


def test_abnormal_is_log_x_minus_the_log_of_the_median_of_the_days_before() -> None:
    frame = make_frame("mentions", ["BTC", "ETH"], days=70, missing=[30])
    frame.loc[frame.index[50], ("document_mentions_news", "BTC")] = 0.0
    result = analytics.abnormal(frame, "document_mentions_news", baseline=14)
    values = frame["document_mentions_news"].to_numpy()
    for j in range(2):
        for t in range(len(values)):
            past = values[max(0, t - 14) : t, j]
            past = past[~np.isnan(past)]
            expected = np.nan
            if len(past) >= 7 and values[t, j] > 0 and np.median(past) > 0:
                expected = np.log(values[t, j]) - np.log(np.median(past))
            assert result.iloc[t, j] == pytest.approx(expected, nan_ok=True), (j, t)
    assert math.isnan(result.iloc[50, 0])  # log of 0
    assert result.attrs["metric"] == "document_mentions_news"


def test_abnormal_over_fetched_frames_keeps_their_shape(client: kp.Client) -> None:
    frame = client.engagement(TOKENS, start="2024-01-01", end="2024-06-30")
    result = analytics.abnormal(frame)
    assert result.shape == frame.shape
    assert result.iloc[:28].isna().all().all()  # a baseline needs half its 56 days
    assert result.iloc[60:].notna().mean().min() > 0.9
    assert math.isnan(result.iloc[-1, 0])  # 30 June is the fake's partial day


# -- cross-sections and factors ------------------------------------------------------------------


def test_xs_rank_and_xs_zscore_match_each_days_direct_computation() -> None:
    frame = make_frame("mindshare", ["BTC", "ETH", "SOL", "DOGE"], days=30, missing=[5])
    frame.iloc[7, 0] = np.nan
    frame.iloc[8, [0, 1]] = np.nan  # two tokens left: too few
    ranks, z = analytics.xs_rank(frame), analytics.xs_zscore(frame)
    values = frame["mindshare"]
    for t in range(30):
        row = values.iloc[t].dropna()
        if len(row) < 3:
            assert ranks.iloc[t].isna().all()
            assert z.iloc[t].isna().all()
            continue
        assert ranks.iloc[t].dropna().to_dict() == pytest.approx((row.rank() / len(row)).to_dict())
        expected = (row - row.mean()) / row.std(ddof=1)
        assert z.iloc[t].dropna().to_dict() == pytest.approx(expected.to_dict())
    assert analytics.xs_rank(frame, pct=False).iloc[0].max() == 4


def test_xs_zscore_of_counts_is_on_a_log1p_scale(client: kp.Client) -> None:
    frame = client.engagement(TOKENS, start="2024-05-01", end="2024-05-20")
    z = analytics.xs_zscore(frame, "total_engagement")
    logs = np.log1p(frame["total_engagement"].iloc[3])
    assert z.iloc[3].to_numpy() == pytest.approx(((logs - logs.mean()) / logs.std()).to_numpy())


def test_cross_sections_need_a_list_query() -> None:
    with pytest.raises(ValueError, match="needs a list query"):
        analytics.xs_rank(make_frame("mindshare", "BTC", days=5))
    with pytest.raises(ValueError, match=r"compares tokens each day.*transform=.abnormal."):
        analytics.factor(make_frame("mindshare", "BTC", days=5))
    with pytest.raises(ValueError, match="transform must be one of"):
        analytics.factor(make_frame("mindshare", TOKENS, days=5), transform="momentum")  # type: ignore[arg-type]


@pytest.mark.parametrize("transform", ["zscore", "rank", "abnormal", "level"])
def test_factor_is_the_transform_in_long_date_asset_form(transform: str) -> None:
    frame = make_frame("mindshare", TOKENS, days=80, missing=[10])
    result = analytics.factor(frame, transform=transform)  # type: ignore[arg-type]
    wide = {
        "zscore": analytics.xs_zscore,
        "rank": analytics.xs_rank,
        "abnormal": lambda f: analytics.abnormal(f, "mindshare"),
        "level": lambda f: f["mindshare"],
    }[transform](frame)
    assert result.index.names == ["date", "asset"]
    assert result.name == "factor"
    assert not result.isna().any()
    back = result.unstack("asset").reindex(index=wide.index, columns=TOKENS)
    pd.testing.assert_frame_equal(
        back, wide.rename_axis(index="date", columns="asset"), check_freq=False
    )


def test_forward_returns_are_the_close_p_days_later_over_todays() -> None:
    closes = pd.DataFrame({"BTC": [100.0, 110, 99, 120, 130], "ETH": [10.0, 11, np.nan, 12, 12]})
    closes.index = _days(5)
    result = analytics.forward_returns(closes, periods=(1, 3))
    assert list(result.columns) == ["1D", "3D"]
    assert result.loc[(closes.index[0], "BTC"), "1D"] == pytest.approx(0.1)
    assert result.loc[(closes.index[1], "BTC"), "3D"] == pytest.approx(130 / 110 - 1)
    assert math.isnan(result.loc[(closes.index[1], "ETH"), "1D"])  # to a missing close
    assert (closes.index[4], "BTC") not in result.index  # no later close at all


def test_quantile_returns_average_each_days_group_then_the_days() -> None:
    days = _days(4)
    values = {"A": [1, 4, 1, 2], "B": [2, 3, 4, 1], "C": [3, 2, 3, 4], "D": [4, 1, 2, 3]}
    factor = pd.DataFrame(values, index=days, dtype=float).stack().rename("factor")
    factor.index.names = ["date", "asset"]
    rng = np.random.default_rng(2)
    closes = pd.DataFrame(np.exp(rng.normal(0, 0.05, (5, 4)).cumsum(axis=0)), columns=list("ABCD"))
    closes.index = _days(5)
    result = analytics.quantile_returns(factor, closes, quantiles=2)
    ret = closes.shift(-1) / closes - 1
    low, high, spread = [], [], []
    for t, day in enumerate(days):
        order = sorted("ABCD", key=lambda a: values[a][t])
        low.append(ret.loc[day, order[:2]].mean())
        high.append(ret.loc[day, order[2:]].mean())
        spread.append(high[-1] - low[-1])
    assert list(result.index) == ["Q1", "Q2", "Q2-Q1"]
    for name, daily in (("Q1", low), ("Q2", high), ("Q2-Q1", spread)):
        assert result.loc[name, "mean"] == pytest.approx(np.mean(daily))
        half = 1.959964 * np.std(daily, ddof=1) / 2
        assert result.loc[name, "ci_high"] == pytest.approx(np.mean(daily) + half)
        assert result.loc[name, "n"] == 4


def test_quantile_returns_over_fetched_frames_and_synthetic_prices(client: kp.Client) -> None:
    frame = client.mindshare(TOKENS, start=START, end=END)
    prices = synthetic_prices(TOKENS, START, END)
    result = frame.kaito.quantile_returns(prices, transform="rank", quantiles=3, period=5)
    assert list(result.index) == ["Q1", "Q2", "Q3", "Q3-Q1"]
    assert result["n"].min() > 300
    assert result.attrs["synthetic"] is True
    with pytest.raises(ValueError, match="no close for SOL"):
        analytics.quantile_returns(analytics.factor(frame), prices[["BTC", "ETH"]])
    with pytest.raises(ValueError, match="indexed by \\(date, asset\\)"):
        analytics.quantile_returns(frame["mindshare"]["BTC"], prices)


# -- event studies -------------------------------------------------------------------------------


def test_event_study_pools_each_tokens_path_around_its_own_events() -> None:
    days = _days(40)
    values = pd.DataFrame({"BTC": np.arange(40.0), "ETH": 100 + np.arange(40.0)}, index=days)
    events = pd.DataFrame(False, index=days, columns=["BTC", "ETH"])
    events.loc[days[[10, 38]], "BTC"] = True
    events.loc[days[20], "ETH"] = True
    result = analytics.event_study(values, events, window=(-2, 3))
    assert list(result.index) == [-2, -1, 0, 1, 2, 3]
    paths = [
        [8, 9, 10, 11, 12, 13],
        [36, 37, 38, 39, np.nan, np.nan],
        [118, 119, 120, 121, 122, 123],
    ]
    table = pd.DataFrame(paths, columns=result.index)
    pd.testing.assert_series_equal(result["mean"], table.mean(), check_names=False)
    pd.testing.assert_series_equal(result["median"], table.median(), check_names=False)
    assert result["n"].tolist() == [3, 3, 3, 3, 2, 2]
    error = table.std(ddof=1) / np.sqrt(table.count())
    assert result["ci_low"].to_numpy() == pytest.approx(
        (table.mean() - 1.959964 * error).to_numpy()
    )
    assert result.attrs["events"] == 3


def test_event_study_takes_event_days_an_index_or_a_sentiment_frame(client: kp.Client) -> None:
    sentiment = client.sentiment(TOKENS, start="2024-01-01", end="2024-06-29")
    engagement = client.engagement(TOKENS, start="2024-01-01", end="2024-06-29")
    attention = analytics.abnormal(engagement, "total_engagement")
    by_text = analytics.event_study(attention, sentiment)
    texts = sentiment["sentiment_event"].apply(lambda s: s.fillna("").str.strip() != "")
    assert by_text.attrs["events"] == int(texts.to_numpy().sum())
    shared = pd.DatetimeIndex(["2024-03-10", "2024-04-02"], tz="UTC")
    assert analytics.event_study(attention, shared).attrs["events"] == 6
    from_spikes = analytics.event_study(attention, analytics.spikes(engagement, "total_engagement"))
    assert from_spikes.loc[0, "mean"] > 0.5  # a spike day is well above its usual level


@pytest.mark.parametrize(
    ("events", "window", "message"),
    [
        (pd.DatetimeIndex([], tz="UTC"), (-5, 10), "no event day falls in the values' range"),
        (pd.DatetimeIndex(["2024-01-05"], tz="UTC"), (2, 10), "first <= 0 <= last"),
        (pd.DatetimeIndex(["2024-01-05"], tz="UTC"), (-1.5, 2), "whole day offsets"),
        ([1, 2], (-5, 10), "a DatetimeIndex of event days"),
    ],
)
def test_event_study_says_what_to_do_with_bad_input(
    events: object, window: tuple[int, int], message: str
) -> None:
    values = make_frame("mindshare", TOKENS, days=30)
    with pytest.raises(ValueError, match=message):
        analytics.event_study(values, events, window=window)  # type: ignore[arg-type]


# -- synthetic prices ----------------------------------------------------------------------------


def test_synthetic_prices_are_deterministic_and_a_sub_range_moves_as_the_whole() -> None:
    whole = synthetic_prices(TOKENS, "2024-01-01", "2024-03-31")
    again = synthetic_prices(TOKENS, "2024-01-01", "2024-03-31")
    part = synthetic_prices(TOKENS, "2024-02-01", "2024-03-31")
    pd.testing.assert_frame_equal(whole, again)
    pd.testing.assert_frame_equal(
        whole.pct_change().loc["2024-02-02":], part.pct_change().loc["2024-02-02":]
    )
    assert whole.attrs["synthetic"] is True
    assert whole.iloc[0].tolist() == [100.0] * 3
    assert not synthetic_prices("BTC", "2024-01-01", "2024-03-31", seed=1).equals(whole[["BTC"]])
    with pytest.raises(ValueError, match="lead must be"):
        synthetic_prices("BTC", "2024-01-01", "2024-03-31", lead=-1)
