"""Analytics: every number checked against plain pandas computed here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kaito_pandas import analytics
from tests.frames import make_frame


@pytest.fixture
def single() -> pd.DataFrame:
    return make_frame("engagement", "BTC", days=60, missing=[20])


@pytest.fixture
def listed() -> pd.DataFrame:
    return make_frame("engagement", ["BTC", "ETH", "SOL"], days=60, missing=[20])


@pytest.fixture
def sentiment() -> pd.DataFrame:
    return make_frame("sentiment", "ETH", days=40, missing=[10], event_every=3)


@pytest.mark.parametrize(
    ("metric", "kind"),
    [
        ("total_engagement", "count"),
        ("smart_engagement", "count"),
        ("document_mentions_news", "count"),
        ("total_document_mentions", "count"),
        ("mindshare", "mean"),
        ("sentiment_score", "mean"),
        ("sentiment_event", "text"),
        ("price", "other"),
    ],
)
def test_metric_kind_follows_the_contract(metric: str, kind: str) -> None:
    assert analytics.metric_kind(metric) == kind


@pytest.mark.parametrize("stat", ["mean", "sum", "median", "std", "min", "max"])
def test_rolling_matches_pandas_and_keeps_shape_and_attrs(listed: pd.DataFrame, stat: str) -> None:
    result = analytics.rolling(listed, 7, stat)
    needed = {"sum": 7}.get(stat, 4)  # a sum needs the whole window, the others half of it
    expected = getattr(listed.rolling(7, min_periods=needed), stat)()
    pd.testing.assert_frame_equal(result, expected, check_freq=False)
    assert isinstance(result.columns, pd.MultiIndex)
    assert result.attrs == listed.attrs


def test_a_rolling_sum_over_a_window_with_a_missing_day_is_nan(single: pd.DataFrame) -> None:
    result = analytics.rolling(single, 7, "sum")
    assert result["total_engagement"].iloc[20:27].isna().all()
    assert result["total_engagement"].iloc[27:].notna().all()


def test_a_rolling_mean_bridges_a_missing_day_but_not_a_long_gap(single: pd.DataFrame) -> None:
    mean = analytics.rolling(single, 7)["total_engagement"]
    assert mean.iloc[3:].notna().drop(single.index[20]).all()  # one day missing: no break
    assert mean.iloc[20] == pytest.approx(single["total_engagement"].iloc[14:20].mean())
    days = single["total_engagement"]
    assert mean.iloc[21] == pytest.approx(days.iloc[15:22].mean())  # of the 6 days present
    gap = single.copy()
    gap.iloc[30:35] = np.nan  # five days of seven missing: too few for a mean
    assert analytics.rolling(gap, 7)["total_engagement"].iloc[34:36].isna().all()


@pytest.mark.parametrize(("window", "needed"), [(7, 4), (30, 15), (1, 1), (2, 1)])
def test_a_rolling_mean_needs_half_its_window(window: int, needed: int) -> None:
    index = pd.date_range("2024-01-01", periods=40, tz="UTC")
    values = pd.Series(1.0, index=index)
    values.iloc[: window - needed] = np.nan
    assert analytics.rolling(values, window).iloc[window - 1] == 1.0
    values.iloc[window - needed] = np.nan  # one day fewer than half
    assert np.isnan(analytics.rolling(values, window).iloc[window - 1])


def test_min_periods_overrides_the_default(single: pd.DataFrame) -> None:
    strict = analytics.rolling(single, 7, min_periods=7)
    pd.testing.assert_frame_equal(strict, single.rolling(7).mean(), check_freq=False)
    lenient = single.kaito.rolling(7, "sum", min_periods=1)
    pd.testing.assert_frame_equal(lenient, single.rolling(7, min_periods=1).sum())


@pytest.mark.parametrize("bad", [0, 8, 1.5, True, "3"])
def test_min_periods_outside_the_window_is_a_value_error(single: pd.DataFrame, bad: object) -> None:
    with pytest.raises(ValueError, match="min_periods"):
        analytics.rolling(single, 7, min_periods=bad)  # type: ignore[arg-type]


def test_rolling_drops_text_columns_and_accepts_a_series(sentiment: pd.DataFrame) -> None:
    assert list(analytics.rolling(sentiment, 3).columns) == ["sentiment_score"]
    series = analytics.rolling(sentiment["sentiment_score"], 3, "max")
    expected = sentiment["sentiment_score"].rolling(3, min_periods=2).max()
    pd.testing.assert_series_equal(series, expected)


def test_rolling_rejects_an_unknown_stat(single: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="stat must be one of"):
        analytics.rolling(single, 7, "mode")  # type: ignore[arg-type]


def test_zscore_is_distance_from_rolling_mean_in_rolling_stds(single: pd.DataFrame) -> None:
    x = single["total_engagement"]
    windows = x.rolling(10, min_periods=5)  # half the window
    expected = (x - windows.mean()) / windows.std()
    result = analytics.zscore(single, window=10)
    pd.testing.assert_series_equal(result["total_engagement"], expected, check_freq=False)
    strict = analytics.zscore(single, window=10, min_periods=10)
    assert strict["total_engagement"].iloc[20:30].isna().all()


def test_zscore_of_a_flat_window_is_nan_not_inf() -> None:
    flat = pd.Series([5.0] * 10, index=pd.date_range("2024-01-01", periods=10, tz="UTC"))
    assert analytics.zscore(flat, window=5).iloc[4:].isna().all()


def test_growth_never_fills_across_a_missing_day(single: pd.DataFrame) -> None:
    result = analytics.growth(single, periods=7)
    expected = single.pct_change(periods=7, fill_method=None)
    pd.testing.assert_frame_equal(result, expected, check_freq=False)
    assert np.isnan(result["total_engagement"].iloc[27])  # 7 days after the gap


def test_ema_matches_pandas_and_leaves_missing_days_missing(single: pd.DataFrame) -> None:
    result = analytics.ema(single, span=5)
    expected = single.ewm(span=5).mean()
    present = single["total_engagement"].notna()
    pd.testing.assert_series_equal(
        result["total_engagement"][present], expected["total_engagement"][present]
    )
    assert np.isnan(result["total_engagement"].iloc[20])


def test_rebase_starts_every_column_at_base(listed: pd.DataFrame) -> None:
    result = analytics.rebase(listed)
    assert (result.iloc[0] == 100).all()
    expected = listed["total_engagement"]["ETH"] / listed["total_engagement"]["ETH"].iloc[0] * 100
    pd.testing.assert_series_equal(result["total_engagement"]["ETH"], expected)


def test_rebase_uses_the_first_valid_non_zero_value() -> None:
    index = pd.date_range("2024-01-01", periods=5, tz="UTC", name="date")
    frame = pd.DataFrame({"a": [np.nan, 0.0, 4.0, 8.0, 2.0], "b": [0.0] * 5}, index=index)
    result = analytics.rebase(frame, base=1)
    assert result["a"].tolist()[2:] == [1.0, 2.0, 0.5]
    assert np.isnan(result["a"].iloc[0])
    assert result["b"].isna().all()


def test_smart_ratio_of_a_single_query_is_a_named_series(single: pd.DataFrame) -> None:
    result = analytics.smart_ratio(single)
    assert isinstance(result, pd.Series)
    assert result.name == "smart_ratio"
    expected = single["smart_engagement"] / single["total_engagement"]
    np.testing.assert_allclose(result.to_numpy(), expected.to_numpy())


def test_smart_ratio_of_a_list_query_has_one_column_per_token(listed: pd.DataFrame) -> None:
    result = analytics.smart_ratio(listed)
    assert isinstance(result, pd.DataFrame)
    assert list(result.columns) == ["BTC", "ETH", "SOL"]
    expected = listed["smart_engagement"]["SOL"] / listed["total_engagement"]["SOL"]
    np.testing.assert_allclose(result["SOL"].to_numpy(), expected.to_numpy())


def test_smart_ratio_with_zero_total_is_nan(single: pd.DataFrame) -> None:
    single.iloc[3, 0] = 0.0
    assert np.isnan(analytics.smart_ratio(single).iloc[3])


def test_smart_ratio_needs_both_engagement_columns() -> None:
    with pytest.raises(ValueError, match="smart_engagement"):
        analytics.smart_ratio(make_frame("mindshare", "BTC"))


def test_share_rows_sum_to_one_and_match_pandas() -> None:
    frame = make_frame("mindshare", ["BTC", "ETH", "SOL"], days=30)
    result = analytics.share(frame)
    values = frame["mindshare"]
    expected = values.div(values.sum(axis=1), axis=0)
    pd.testing.assert_frame_equal(result, expected, check_names=False, check_freq=False)
    np.testing.assert_allclose(result.sum(axis=1), 1.0)
    assert result.attrs["metric"] == "mindshare"


def test_share_of_a_day_with_a_token_missing_is_nan() -> None:
    frame = make_frame("mindshare", ["BTC", "ETH"], days=10)
    frame.iloc[4, 1] = np.nan
    result = analytics.share(frame)
    assert result.iloc[4].isna().all()
    assert result.drop(result.index[4]).notna().all().all()


def test_share_needs_metric_when_the_frame_holds_several(listed: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="metric="):
        analytics.share(listed)
    with pytest.raises(ValueError, match="no metric 'mindshare'"):
        analytics.share(listed, "mindshare")
    result = analytics.share(listed, "smart_engagement")
    np.testing.assert_allclose(result.dropna().sum(axis=1), 1.0)


def test_share_rejects_a_single_query_frame(single: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="needs a list query"):
        analytics.share(single)


def test_share_accepts_a_frame_whose_columns_are_tokens() -> None:
    index = pd.date_range("2024-01-01", periods=2, tz="UTC", name="date")
    frame = pd.DataFrame({"BTC": [3.0, 1.0], "ETH": [1.0, 1.0]}, index=index)
    assert analytics.share(frame)["BTC"].tolist() == [0.75, 0.5]
    with pytest.raises(ValueError, match="leave metric out"):
        analytics.share(frame, "mindshare")


def _whole_periods(frame: pd.DataFrame, freq: str, share: float) -> pd.DataFrame:
    """The periods of ``freq`` in which at least ``share`` of the calendar days have a value."""
    year = pd.Timedelta(days=400)  # more than any period here, either side
    days = pd.date_range(frame.index[0] - year, frame.index[-1] + year, freq="D")
    present = frame.notna().resample(freq).sum()
    calendar = pd.Series(1, index=days).resample(freq).count().reindex(present.index)
    return present.div(calendar, axis=0) >= share


def test_resample_sums_counts_only_over_whole_periods(single: pd.DataFrame) -> None:
    single.iloc[3:10] = np.nan  # one whole week (Mon 2024-03-04 .. Sun 03-10 is 3..9)
    result = analytics.resample(single, "W")
    whole = _whole_periods(single, "W", 1.0)
    expected = single.resample("W").sum(min_count=1).where(whole)
    pd.testing.assert_frame_equal(result, expected)
    assert result.loc["2024-03-10"].isna().all()
    assert result.iloc[0].isna().all()  # Fri 1 .. Sun 3 March: a part of a week
    assert result.loc["2024-03-24"].isna().all()  # the week of the missing day (21 March)
    assert result.loc["2024-03-17"].notna().all()
    assert result.attrs["freq"] == "W"
    assert result.attrs["token"] == "BTC"


def test_resample_averages_mindshare_never_sums() -> None:
    frame = make_frame("mindshare", ["BTC", "ETH"], days=70, missing=[15])
    result = analytics.resample(frame, "MS")
    expected = frame.resample("MS").mean().where(_whole_periods(frame, "MS", 0.5))
    pd.testing.assert_frame_equal(result, expected)
    assert result.iloc[-1].isna().all()  # 1..9 May: 9 days of 31
    assert result.iloc[:2].notna().all().all()  # a month with a day missing still averages
    assert isinstance(result.columns, pd.MultiIndex)


def test_resample_averages_scores_and_joins_distinct_events(sentiment: pd.DataFrame) -> None:
    sentiment.loc["2024-03-02", "sentiment_event"] = ""  # an empty event is no event
    result = analytics.resample(sentiment, "W")
    whole = _whole_periods(sentiment[["sentiment_score"]], "W", 0.5)["sentiment_score"]
    expected = sentiment["sentiment_score"].resample("W").mean().where(whole)
    pd.testing.assert_series_equal(result["sentiment_score"], expected)
    for end, joined in result["sentiment_event"].items():
        week = sentiment.loc[end - pd.Timedelta(days=6) : end, "sentiment_event"]
        texts = list(dict.fromkeys(t for t in week.dropna() if t))
        if texts:
            assert joined == "; ".join(texts)
        else:
            assert pd.isna(joined)
    assert result["sentiment_event"].dtype == "string"


def test_resample_averages_an_unknown_numeric_column(single: pd.DataFrame) -> None:
    single["price"] = np.arange(len(single), dtype=float)
    result = analytics.resample(single, "W", min_coverage=0)
    pd.testing.assert_series_equal(result["price"], single["price"].resample("W").mean())


def test_resample_rejects_an_alias_pandas_does_not_know(single: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="Invalid frequency"):
        analytics.resample(single, "fortnight")


def test_corr_of_daily_changes_matches_pandas(listed: pd.DataFrame) -> None:
    result = analytics.corr(listed, "total_engagement")
    expected = listed["total_engagement"].pct_change(fill_method=None).corr()
    pd.testing.assert_frame_equal(result, expected)
    assert result.attrs["corr_on"] == "change"


def test_corr_of_levels_with_spearman(listed: pd.DataFrame) -> None:
    result = analytics.corr(listed, "smart_engagement", method="spearman", on="level")
    pd.testing.assert_frame_equal(result, listed["smart_engagement"].corr(method="spearman"))


def test_corr_treats_changes_from_zero_as_missing() -> None:
    frame = make_frame("mindshare", ["BTC", "ETH"], days=30)
    frame.iloc[5, 0] = 0.0
    result = analytics.corr(frame)
    changes = frame["mindshare"].pct_change(fill_method=None).replace(np.inf, np.nan)
    pd.testing.assert_frame_equal(result, changes.corr())


def test_corr_rejects_a_single_query_and_a_bad_on(single: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="needs a list query"):
        analytics.corr(single)
    with pytest.raises(ValueError, match="on must be"):
        analytics.corr(make_frame("mindshare", ["A", "B"]), on="diff")  # type: ignore[arg-type]


def test_to_long_of_a_list_query(listed: pd.DataFrame) -> None:
    long = analytics.to_long(listed)
    assert list(long.columns) == ["date", "token", "metric", "value"]
    assert len(long) == listed.size
    btc = long[(long["token"] == "BTC") & (long["metric"] == "smart_engagement")]
    np.testing.assert_array_equal(btc["value"], listed["smart_engagement"]["BTC"])
    assert (btc["date"].to_numpy() == listed.index.to_numpy()).all()
    assert long["value"].dtype == "float64"


def test_to_long_of_a_single_query_takes_the_token_from_attrs(sentiment: pd.DataFrame) -> None:
    long = analytics.to_long(sentiment)
    assert set(long["token"]) == {"ETH"}
    assert set(long["metric"]) == {"sentiment_score"}  # event texts are left out
    assert long["value"].isna().sum() == 1  # the missing day stays, as NaN


def test_to_long_of_a_keyword_query_names_the_column_keyword() -> None:
    long = analytics.to_long(make_frame("engagement", "ai agents", keyword=True, days=5))
    assert list(long.columns) == ["date", "keyword", "metric", "value"]
    listed = make_frame("mindshare", ["a", "b"], keyword=True, days=5)
    assert "keyword" in analytics.to_long(listed).columns


def test_to_long_without_a_token_in_attrs_raises(single: pd.DataFrame) -> None:
    single.attrs = {}
    with pytest.raises(ValueError, match="attrs"):
        analytics.to_long(single)
