"""Signal charts: lead/lag bars, spikes, event-study path, quantile returns; checked by what they hold."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.ticker import PercentFormatter

import kaito_pandas as kp
from kaito_pandas import analytics, plotting
from kaito_pandas.plotting._signals import HIGHLIGHT
from kaito_pandas.testing import synthetic_prices
from tests.frames import make_frame

TOKENS = ["BTC", "ETH", "SOL"]
START, END = "2024-01-01", "2024-06-30"  # the fake's today in tests: 30 June is partial


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture
def engagement(client: kp.Client) -> pd.DataFrame:
    return client.engagement(TOKENS, start=START, end=END)


@pytest.fixture
def prices() -> pd.DataFrame:
    return synthetic_prices(TOKENS, START, END, lead=3)


def _subtitle(ax: Axes) -> str:
    """The grey line under the title: the first annotation written above the axes."""
    return next(t.get_text() for t in ax.texts if getattr(t, "xy", None) == (0, 1))


def _headings_do_not_overlap(ax: Axes, tmp_path: Path) -> None:
    """Title, subtitle and legend are stacked apart above the axes, all inside the figure."""
    plotting.savefig(ax, tmp_path / "chart.png")
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = [ax.title.get_window_extent(renderer)]
    boxes += [t.get_window_extent(renderer) for t in ax.texts if getattr(t, "xy", None) == (0, 1)]
    legend = ax.get_legend()
    if legend is not None:
        boxes.append(legend.get_window_extent(renderer))
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)
    figure = ax.figure.get_window_extent(renderer)
    assert all(figure.x0 <= box.x0 and box.x1 <= figure.x1 + 1 for box in boxes)


def test_leadlag_chart_draws_a_bar_per_lag_and_marks_the_planted_best_lag(
    engagement: pd.DataFrame, prices: pd.DataFrame, tmp_path: Path
) -> None:
    ax = plotting.plot_leadlag(engagement, prices, "total_engagement", token="ETH", lags=10)
    result = analytics.leadlag(engagement, prices, "total_engagement", lags=10)["ETH"]
    bars = ax.patches
    assert [round(b.get_x() + b.get_width() / 2) for b in bars] == list(range(-10, 11))
    assert [b.get_height() for b in bars] == pytest.approx(result["corr"].tolist())
    best = [b for b in bars if to_hex(b.get_facecolor()) == HIGHLIGHT.lower()]
    assert [round(b.get_x() + b.get_width() / 2) for b in best] == [3]
    assert any(t.get_text().startswith("best lag +3: r = +0.") for t in ax.texts)
    subtitle = _subtitle(ax)
    assert "Lag k > 0" in subtitle
    assert "attention moves first" in subtitle
    assert subtitle.endswith("synthetic prices")
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.max() == pytest.approx(result["ci_high"].max())
    _headings_do_not_overlap(ax, tmp_path)


def test_leadlag_chart_takes_a_result_and_needs_a_token_of_a_list_result(
    engagement: pd.DataFrame, prices: pd.DataFrame
) -> None:
    result = analytics.leadlag(engagement, prices, "total_engagement")
    ax = plotting.plot_leadlag(result, token="SOL")
    assert ax.get_title(loc="left").startswith("SOL: Total engagement daily change")
    with pytest.raises(ValueError, match=r"pass token=\.\.\., one of BTC, ETH, SOL"):
        plotting.plot_leadlag(result)
    with pytest.raises(ValueError, match="needs prices="):
        plotting.plot_leadlag(engagement, metric="total_engagement", token="BTC")


def test_leadlag_chart_of_real_prices_does_not_say_synthetic(engagement: pd.DataFrame) -> None:
    closes = synthetic_prices("BTC", START, END)
    closes.attrs = {}
    ax = plotting.plot_leadlag(engagement, closes, "total_engagement", token="BTC")
    assert "synthetic" not in _subtitle(ax)


def test_spikes_chart_marks_the_spike_days_and_leaves_the_partial_day_unjudged(
    engagement: pd.DataFrame, tmp_path: Path
) -> None:
    ax = plotting.plot_spikes(engagement, "total_engagement", token="BTC")
    flags = analytics.spikes(engagement, "total_engagement")["BTC"]
    marked = ax.collections[-1].get_offsets()
    assert len(marked) == int(flags.sum()) > 0
    values = engagement[("total_engagement", "BTC")]
    assert np.asarray(marked)[:, 1] == pytest.approx(values[flags].to_numpy())
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[1].startswith(f"Spike: {int(flags.sum())} days, z ≥ 3")
    assert "30 Jun is a part of a day, drawn hollow, not judged" in _subtitle(ax)
    hollow = [line for line in ax.get_lines() if line.get_markerfacecolor() == "white"]
    assert len(hollow) == 1
    _headings_do_not_overlap(ax, tmp_path)


def test_spikes_chart_of_one_query_needs_a_metric_only_when_it_holds_two() -> None:
    ax = plotting.plot_spikes(make_frame("mindshare", "BTC", days=90), window=14, z=2)
    assert isinstance(ax.yaxis.get_major_formatter(), PercentFormatter)
    with pytest.raises(ValueError, match="needs metric="):
        plotting.plot_spikes(make_frame("engagement", "BTC", days=90))


def test_event_study_chart_draws_the_mean_path_its_band_and_the_median(
    engagement: pd.DataFrame, tmp_path: Path
) -> None:
    attention = analytics.abnormal(engagement, "total_engagement")
    study = analytics.event_study(attention, analytics.spikes(engagement, "total_engagement"))
    ax = plotting.plot_event_study(study)
    mean, median = ax.get_lines()[:2]
    assert list(mean.get_xdata()) == list(range(-5, 11))
    assert mean.get_ydata() == pytest.approx(study["mean"].to_numpy())
    assert median.get_ydata() == pytest.approx(study["median"].to_numpy())
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.max() == pytest.approx(study["ci_high"].max())
    title = ax.get_title(loc="left")
    assert (
        title == f"Abnormal total engagement around {study.attrs['events']} total engagement spikes"
    )
    assert "log vs 56-day median" in ax.get_ylabel()
    _headings_do_not_overlap(ax, tmp_path)


def test_quantile_chart_draws_each_quantile_then_the_spread_with_its_band(
    engagement: pd.DataFrame, prices: pd.DataFrame, tmp_path: Path
) -> None:
    factor = analytics.factor(engagement, "total_engagement", transform="abnormal")
    table = analytics.quantile_returns(factor, prices, quantiles=3)
    ax = plotting.plot_quantile_returns(table)
    heights = [b.get_height() for b in ax.patches]
    assert heights == pytest.approx(table["mean"].tolist())
    assert to_hex(ax.patches[-1].get_facecolor()) == HIGHLIGHT.lower()
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "Q1",
        "Q2",
        "Q3",
        "Q3 \N{MINUS SIGN} Q1",
    ]
    assert isinstance(ax.yaxis.get_major_formatter(), PercentFormatter)
    assert _subtitle(ax).endswith("synthetic prices")
    assert "Factor: abnormal level" in _subtitle(ax)
    _headings_do_not_overlap(ax, tmp_path)


def test_outcome_charts_refuse_a_frame_that_is_not_their_result() -> None:
    frame = make_frame("mindshare", "BTC")
    with pytest.raises(ValueError, match="needs an event_study"):
        plotting.plot_event_study(frame)
    with pytest.raises(ValueError, match="needs a quantile_returns"):
        plotting.plot_quantile_returns(frame)
