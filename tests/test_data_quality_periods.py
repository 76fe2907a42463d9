"""Today's partial day, coverage, incomplete periods and gappy windows: said, never passed off.

Every frame here comes from the fake Kaito server over real HTTP; the fake's
today holds a part of a day's counts, as the live service's does.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kaito_pandas as kp
from kaito_pandas import analytics, plotting
from kaito_pandas.testing import FakeKaitoServer
from tests.conftest import TODAY, make_client

TODAY_TS = pd.Timestamp(TODAY, tz="UTC")
YESTERDAY = TODAY - dt.timedelta(days=1)


def _gappy(client: kp.Client, days: int = 200) -> pd.DataFrame:
    """An engagement frame through today with at least one missing day inside it."""
    start = TODAY - dt.timedelta(days=days - 1)
    for token in ("SOL", "ETH", "BTC", "DOGE", "AVAX", "LINK"):
        frame = client.engagement(token, start=start)
        if frame["total_engagement"].iloc[7:-7].isna().any():
            return frame
    raise AssertionError("the fake served no token with a missing day")


# --- 3. today is partial ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["engagement", "mindshare", "sentiment", "mentions"])
def test_a_frame_through_today_records_its_partial_day(client: kp.Client, method: str) -> None:
    df = client.fetch(method, "BTC", start="2024-06-01")
    assert df.index[-1] == TODAY_TS
    assert df.attrs["partial_from"] == TODAY.isoformat()


def test_a_frame_that_ends_before_today_has_no_partial_day(client: kp.Client) -> None:
    df = client.engagement("BTC", start="2024-06-01", end=YESTERDAY)
    assert "partial_from" not in df.attrs
    assert df.kaito.coverage()["partial_days"].eq(0).all()


def test_a_list_query_through_today_records_its_partial_day(client: kp.Client) -> None:
    df = client.engagement(["BTC", "ETH"], start="2024-06-01")
    assert df.attrs["partial_from"] == TODAY.isoformat()


def test_complete_drops_the_partial_day_and_says_nothing_is_partial_any_more(
    client: kp.Client,
) -> None:
    df = client.engagement("BTC", start="2024-06-01")
    done = df.kaito.complete()
    assert done.index[-1] == pd.Timestamp(YESTERDAY, tz="UTC")
    pd.testing.assert_frame_equal(done, df.iloc[:-1], check_freq=False)
    assert "partial_from" not in done.attrs
    assert done.attrs["token"] == "BTC"
    # the partial day is visibly a part of a day: far below the days before it
    assert df["total_engagement"].iloc[-1] < 0.6 * df["total_engagement"].iloc[-8:-1].min()
    assert analytics.complete(done).equals(done)  # nothing more to drop


def test_the_fakes_today_moves_with_its_clock(server: FakeKaitoServer) -> None:
    server.today = TODAY + dt.timedelta(days=1)
    with make_client(server, today=lambda: TODAY + dt.timedelta(days=1)) as client:
        df = client.engagement("BTC", start="2024-06-25")
    assert df.attrs["partial_from"] == (TODAY + dt.timedelta(days=1)).isoformat()
    assert df["total_engagement"].loc[TODAY_TS] > df["total_engagement"].iloc[-1]


# --- 4. coverage ---------------------------------------------------------------------------


def test_coverage_counts_missing_zero_and_partial_days_per_series(client: kp.Client) -> None:
    df = _gappy(client)
    report = df.kaito.coverage()
    assert list(report.columns) == list(analytics.COVERAGE_COLUMNS)
    assert report.index.names == ["metric", "token"]
    token = df.attrs["token"]
    row = report.loc[("total_engagement", token)]
    values = df["total_engagement"]
    first, last = values.first_valid_index(), values.last_valid_index()
    assert row["first_day"] == first
    assert row["last_day"] == last
    assert row["days"] == (last - first).days + 1
    assert row["missing_days"] == values.loc[first:last].isna().sum() > 0
    assert row["zero_days"] == (values == 0).sum()
    assert row["partial_days"] == 1
    assert not row["all_zero"]


def test_coverage_of_a_list_frame_has_one_row_per_metric_and_token(client: kp.Client) -> None:
    with pytest.warns(kp.KaitoWarning, match="NOTATOKEN"):
        df = client.engagement(["BTC", "NOTATOKEN"], start="2024-06-01")
    report = df.kaito.coverage()
    assert list(report.index) == list(df.columns)  # one row per series, in the frame's order
    assert report["all_zero"].to_dict() == {
        ("total_engagement", "BTC"): False,
        ("smart_engagement", "BTC"): False,
        ("total_engagement", "NOTATOKEN"): True,
        ("smart_engagement", "NOTATOKEN"): True,
    }
    unknown = report.xs("NOTATOKEN", level="token")
    assert (unknown["zero_days"] == unknown["days"] - unknown["missing_days"]).all()


def test_coverage_of_a_keyword_frame_names_the_keyword(client: kp.Client) -> None:
    df = client.engagement(keyword="solana etf", start="2024-06-01")
    report = df.kaito.coverage()
    assert report.index.names == ["metric", "keyword"]
    assert ("total_engagement", "solana etf") in report.index
    smart = report.loc[("smart_engagement", "solana etf")]
    assert pd.isna(smart["first_day"])  # keyword queries have no smart engagement
    assert smart["days"] == 0
    assert not smart["all_zero"]


def test_coverage_skips_text_and_takes_any_frame_in_the_packages_shape(client: kp.Client) -> None:
    sentiment = client.sentiment("ETH", start="2024-06-01")
    assert "sentiment_event" not in sentiment.kaito.coverage().index.get_level_values("metric")
    tokens = client.mindshare(["BTC", "ETH"], start="2024-06-01").kaito.select_metric()
    report = analytics.coverage(tokens)  # columns are tokens, attrs name the metric
    assert list(report.index) == [("mindshare", "BTC"), ("mindshare", "ETH")]
    series = analytics.coverage(sentiment["sentiment_score"])
    assert len(series) == 1


# --- 5. incomplete periods are never summed as whole ones ----------------------------------


def _calendar_weeks(frame: pd.DataFrame) -> pd.Series[int]:
    year = pd.Timedelta(days=400)
    days = pd.date_range(frame.index[0] - year, frame.index[-1] + year, freq="D", tz="UTC")
    return pd.Series(1, index=days).resample("W").count()


def test_a_week_with_a_missing_day_is_nan_not_a_low_total(client: kp.Client) -> None:
    df = _gappy(client)
    weekly = df.kaito.resample("W")
    done = df.iloc[:-1]  # today's partial day counts as missing
    present = done["total_engagement"].notna().resample("W").sum().reindex(weekly.index)
    whole = present == _calendar_weeks(df).reindex(weekly.index)
    expected = done["total_engagement"].resample("W").sum(min_count=1).where(whole)
    pd.testing.assert_series_equal(weekly["total_engagement"], expected, check_freq=False)
    assert weekly["total_engagement"].isna().sum() >= 3  # both ends and a gap inside
    assert weekly["total_engagement"].iloc[[0, -1]].isna().all()  # the part-weeks at the ends
    assert "partial_from" not in weekly.attrs
    assert weekly.attrs["freq"] == "W"


def test_means_need_half_the_period_and_leave_the_partial_day_out(client: kp.Client) -> None:
    df = client.mindshare("BTC", start="2024-04-01")
    monthly = df.kaito.resample("MS")
    june = df.loc["2024-06-01":"2024-06-29", "mindshare"].mean()  # without the 30th, today
    assert monthly.loc["2024-06-01", "mindshare"] == pytest.approx(june)
    weekly = df.kaito.resample("W")
    # the last week is Mon 24 .. Sun 30 June: six whole days and today's part
    assert weekly["mindshare"].iloc[-1] == pytest.approx(df["mindshare"].iloc[-7:-1].mean())


def test_min_coverage_can_be_relaxed_or_tightened(client: kp.Client) -> None:
    df = _gappy(client)
    lenient = df.kaito.resample("W", min_coverage=0)
    expected = df.iloc[:-1]["total_engagement"].resample("W").sum(min_count=1)
    pd.testing.assert_series_equal(lenient["total_engagement"], expected, check_freq=False)
    strict = analytics.resample(client.mindshare("BTC", start="2024-04-01"), "W", min_coverage=1)
    assert strict["mindshare"].iloc[-1] != strict["mindshare"].iloc[-1]  # NaN: today is partial


@pytest.mark.parametrize("bad", [-0.1, 1.5, "all", True, float("nan")])
def test_min_coverage_out_of_range_is_a_value_error(client: kp.Client, bad: object) -> None:
    df = client.engagement("BTC", start="2024-06-01")
    with pytest.raises(ValueError, match="min_coverage"):
        df.kaito.resample("W", min_coverage=bad)  # type: ignore[arg-type]


# --- 6. rolling windows tolerate gaps honestly ---------------------------------------------


def test_a_seven_day_mean_does_not_break_at_a_missing_day(client: kp.Client) -> None:
    df = _gappy(client).kaito.complete()
    mean = df.kaito.rolling(7)["total_engagement"]
    values = df["total_engagement"]
    days_present = values.notna().rolling(7, min_periods=1).sum()
    assert mean[days_present >= 4].notna().all()
    assert mean[days_present < 4].isna().all()
    expected = values.rolling(7, min_periods=4).mean()
    pd.testing.assert_series_equal(mean, expected, check_freq=False)


def test_a_seven_day_sum_needs_every_day(client: kp.Client) -> None:
    df = _gappy(client).kaito.complete()
    total = df.kaito.rolling(7, "sum")["total_engagement"]
    whole = df["total_engagement"].notna().rolling(7).sum() == 7
    assert total[whole].notna().all()
    assert total[~whole].isna().all()


# --- charts and the report --------------------------------------------------------------------


def _subtitles(ax: object) -> str:
    return " ".join(text.get_text() for text in ax.texts)  # type: ignore[attr-defined]


def test_the_engagement_chart_draws_today_hollow_and_says_so(
    client: kp.Client, tmp_path: Path
) -> None:
    df = client.engagement("BTC", start="2024-05-01")
    ax = plotting.plot_engagement(df, rolling=7)
    plotting.savefig(ax, tmp_path / "btc.png")
    assert f"{TODAY.day} {TODAY:%b} is a part of a day, drawn hollow" in _subtitles(ax)
    daily = ax.get_lines()[0]
    assert len(daily.get_xdata()) == len(df) - 1  # the solid line stops at yesterday
    hollow = [line for line in ax.get_lines() if line.get_markerfacecolor() == "white"]
    assert len(hollow) == 1
    assert hollow[0].get_ydata()[0] == df["total_engagement"].iloc[-1]
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1  # from yesterday's value to today's part
    mean = ax.get_lines()[1].get_ydata()
    assert not np.isnan(mean[6:]).any()


def test_the_compare_chart_leaves_today_and_short_weeks_out(client: kp.Client) -> None:
    df = client.engagement(["BTC", "ETH"], start="2023-12-01")
    ax = plotting.plot_compare(df, "total_engagement")
    assert f"{TODAY.day} {TODAY:%b} is a part of a day, left out" in _subtitles(ax)
    assert ax.get_ylabel().endswith("first whole week = 100")
    for line in ax.get_lines()[:2]:
        ys = line.get_ydata()
        # 1 Dec 2023 .. 29 June 2024 is 30 weeks and 3 days: the short last week is not drawn
        assert len(ys) == 31
        assert np.isnan(ys[-1])
        assert not np.isnan(ys[:-1]).any()


def test_the_rebase_starts_at_the_first_whole_week(client: kp.Client) -> None:
    df = _gappy(client, days=400)
    token = df.attrs["token"]
    listed = client.engagement([token, "BTC"], start=df.index[0].date())
    first = listed[("total_engagement", token)].iloc[:7]
    if first.notna().all():  # make the first week short of a day, as a gap would
        listed.iloc[2, 0] = np.nan
    ax = plotting.plot_compare(listed, "total_engagement")
    ys = ax.get_lines()[0].get_ydata()
    base = int(np.flatnonzero(ys == 100)[0])
    assert base >= 1  # the week with the missing day is drawn, but is not the base
    assert not math.isclose(ys[0], 100)


# --- found by a hostile probe: each of these gave a quiet wrong answer or a crash ----------


def test_rolling_windows_are_calendar_days_so_a_dropped_row_still_counts_as_missing(
    client: kp.Client,
) -> None:
    df = _gappy(client).kaito.complete()
    dense = analytics.rolling(df, 7, "sum")["total_engagement"]
    sparse = analytics.rolling(df.dropna(), 7, "sum")["total_engagement"]
    pd.testing.assert_series_equal(sparse, dense.loc[sparse.index], check_freq=False)
    assert sparse.isna().any()  # the windows over the dropped day


def test_rolling_growth_zscore_and_ema_never_take_the_partial_day_for_a_whole_one(
    client: kp.Client,
) -> None:
    df = client.engagement("BTC", start="2024-05-01")
    assert np.isnan(analytics.rolling(df, 7, "sum")["total_engagement"].iloc[-1])
    assert analytics.rolling(df, 7)["total_engagement"].iloc[-1] == pytest.approx(
        df["total_engagement"].iloc[-7:-1].mean()
    )
    for result in (analytics.growth(df), analytics.zscore(df), analytics.ema(df)):
        assert np.isnan(result["total_engagement"].iloc[-1])
        assert not np.isnan(result["total_engagement"].iloc[-2])


def test_a_frame_resampled_with_plain_pandas_is_drawn_as_it_is(client: kp.Client) -> None:
    df = client.engagement(["BTC", "ETH"], start="2023-12-01")
    weekly = df.resample("W").sum()  # pandas keeps attrs, sets no attrs["freq"]
    ax = plotting.plot_compare(weekly, "total_engagement")
    ys = ax.get_lines()[0].get_ydata()
    assert len(ys) == len(weekly) - 1  # the week holding today's part is left out
    assert not np.isnan(ys).all()
    text = _subtitles(ax)
    assert "weekly" in text
    assert "averaged by week" not in text
    assert "the period of 30 Jun holds a part of a day, left out" in text


@pytest.mark.parametrize(
    "draw",
    [
        lambda c: plotting.plot_compare(c.mindshare(["BTC", "ETH"], start=TODAY)),
        lambda c: plotting.plot_compare(c.mindshare(["BTC", "ETH"], start=TODAY), freq="W"),
        lambda c: plotting.plot_share(c.mindshare(["BTC", "ETH"], start=TODAY), freq="W"),
        lambda c: plotting.plot_sentiment(c.sentiment("ETH", start=TODAY)),
        lambda c: plotting.plot_lines(c.mentions("ETH", start=TODAY)),
        lambda c: c.sentiment("ETH", start=TODAY).kaito.plot(),
    ],
)
def test_a_frame_of_only_the_partial_day_says_there_is_nothing_to_draw(
    client: kp.Client, draw: object
) -> None:
    with pytest.raises(ValueError, match="nothing to draw: the frame holds only 2024-06-30"):
        draw(client)  # type: ignore[operator]


def test_an_empty_frame_says_there_is_nothing_to_draw(client: kp.Client) -> None:
    empty = client.engagement("BTC", start="2024-06-01").iloc[:0]
    for chart in (plotting.plot_engagement, plotting.plot_lines):
        with pytest.raises(ValueError, match="nothing to draw: the frame has no rows"):
            chart(empty)


def test_many_tokens_get_legend_rows_and_line_styles_of_their_own(client: kp.Client) -> None:
    from kaito_pandas.testing import TOKENS

    ids = [t["token"] for t in TOKENS][:12]
    df = client.engagement(ids, start="2024-06-01")
    ax = plotting.plot_compare(df, "total_engagement", scale="log")
    assert ax._kaito_legend_rows == 2  # type: ignore[attr-defined]
    styles = [line.get_linestyle() for line in ax.get_lines()[:12]]
    assert styles[:8] == ["-"] * 8
    assert styles[8:] == ["--"] * 4  # colours repeat from the ninth: the dashes tell them apart


def test_coverage_names_the_metric_of_a_list_frames_column_selection(client: kp.Client) -> None:
    m = client.mindshare(["BTC", "ETH"], start="2024-06-20")
    assert list(analytics.coverage(m["mindshare"]).index) == [
        ("mindshare", "BTC"),
        ("mindshare", "ETH"),
    ]
    assert list(analytics.coverage(m["mindshare"]["BTC"]).index) == [("mindshare", "BTC")]


def test_coverage_of_a_descending_or_converted_index_is_the_same(client: kp.Client) -> None:
    df = client.engagement("BTC", start="2024-06-01")
    expected = analytics.coverage(df)
    pd.testing.assert_frame_equal(analytics.coverage(df.sort_index(ascending=False)), expected)
    new_york = df.tz_convert("America/New_York")
    assert analytics.partial_mask(new_york)[-1]
    pd.testing.assert_frame_equal(analytics.coverage(new_york), expected)
    assert analytics.complete(new_york).index[-1] == pd.Timestamp(YESTERDAY, tz="UTC")


def test_resample_refuses_periods_shorter_than_a_day_and_takes_a_series(client: kp.Client) -> None:
    df = client.engagement("BTC", start="2024-06-01")
    with pytest.raises(ValueError, match="shorter than a day"):
        analytics.resample(df, "h")
    series = analytics.resample(df["total_engagement"], "W")
    pd.testing.assert_series_equal(series, analytics.resample(df, "W")["total_engagement"])
    assert series.attrs["freq"] == "W"


def test_numpy_numbers_are_numbers(client: kp.Client) -> None:
    df = client.engagement("BTC", start="2024-06-01")
    pd.testing.assert_frame_equal(
        analytics.rolling(df, np.int64(7), min_periods=np.int64(3)),
        analytics.rolling(df, 7, min_periods=3),
    )
    pd.testing.assert_frame_equal(
        analytics.resample(df, "W", min_coverage=np.float32(0.5)),
        analytics.resample(df, "W", min_coverage=0.5),
    )
