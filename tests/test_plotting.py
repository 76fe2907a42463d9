"""Charts: drawn headless to PNG, then checked by what the Axes hold, never by pixels."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.text import Annotation
from matplotlib.ticker import FuncFormatter, PercentFormatter
from PIL import Image

import kaito_pandas as kp
from kaito_pandas import analytics, plotting
from kaito_pandas.plotting._style import PALETTE, compact
from tests.frames import make_frame

SPANS = {"week": 7, "year": 365, "four_years": 1461}


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _draw(ax: Axes, tmp_path: Path, name: str = "chart.png") -> Path:
    return plotting.savefig(ax, tmp_path / name)


def _labels(ax: Axes) -> list[str]:
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


def _texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_importing_plotting_does_not_import_matplotlib() -> None:
    code = "import sys, kaito_pandas.plotting; print('matplotlib' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (950, "950"),
        (1_500, "1.5K"),
        (250_000, "250K"),
        (1_250_000, "1.25M"),
        (-2e9, "-2B"),
    ],
)
def test_compact_numbers_have_thousands_suffixes(value: float, text: str) -> None:
    assert compact(value) == text


def test_engagement_total_above_smart_below_each_in_its_unit(tmp_path: Path) -> None:
    frame = make_frame("engagement", "BTC", days=90, missing=[30])
    ax = plotting.plot_engagement(frame)
    path = _draw(ax, tmp_path)
    assert path.stat().st_size > 10_000
    below = ax.smart_ax  # type: ignore[attr-defined]
    assert below.get_shared_x_axes().joined(ax, below)  # one date axis
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), frame["total_engagement"])
    np.testing.assert_array_equal(below.get_lines()[0].get_ydata(), frame["smart_engagement"])
    assert ax.get_ylabel() == "Likes"
    assert below.get_ylabel() == "Quotes, retweets, replies"
    assert "Total engagement: likes on tweets mentioning it" in _texts(ax)
    assert any(
        t.startswith("Smart engagement: quotes, retweets and replies") for t in _texts(below)
    )
    assert isinstance(ax.yaxis.get_major_formatter(), FuncFormatter)
    assert ax.yaxis.get_major_formatter()(2_000_000, 0) == "2M"
    assert ax.get_title(loc="left") == "BTC engagement"
    assert "Source: Kaito" in _texts(below)  # under the lower panel, not between them
    assert "1 Mar 2024 \N{EN DASH} 29 May 2024 · daily · UTC" in _texts(ax)
    assert ax.get_lines()[0].get_color().lower() == PALETTE[0].lower()
    assert below.get_lines()[0].get_color().lower() == PALETTE[1].lower()


def test_engagement_rolling_overlay_is_the_rolling_mean(tmp_path: Path) -> None:
    frame = make_frame("engagement", "BTC", days=60, missing=[10])
    ax = plotting.plot_engagement(frame, rolling=7)
    _draw(ax, tmp_path)
    overlay = ax.get_lines()[1].get_ydata()
    expected = frame["total_engagement"].rolling(7, min_periods=4).mean().to_numpy()
    np.testing.assert_array_equal(overlay, expected)
    assert not np.isnan(overlay[10:]).any()  # the missing day does not break the line
    assert _labels(ax) == ["daily", "7-day mean"]


def test_engagement_of_a_keyword_has_no_right_axis(tmp_path: Path) -> None:
    frame = make_frame("engagement", "ai agents", keyword=True, days=30)
    ax = plotting.plot_engagement(frame)
    _draw(ax, tmp_path)
    assert len(ax.figure.axes) == 1
    assert ax.get_title(loc="left") == "“ai agents” engagement"


def test_engagement_of_a_list_query_needs_a_token(tmp_path: Path) -> None:
    frame = make_frame("engagement", ["BTC", "ETH"], days=30)
    with pytest.raises(ValueError, match=r"token=\.\.\., one of BTC, ETH"):
        plotting.plot_engagement(frame)
    ax = plotting.plot_engagement(frame, token="ETH")
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), frame["total_engagement"]["ETH"])
    assert ax.get_title(loc="left") == "ETH engagement"


def test_compare_rebased_starts_every_token_at_100(tmp_path: Path) -> None:
    frame = make_frame("engagement", ["BTC", "ETH", "SOL"], days=120)
    ax = plotting.plot_compare(frame, "smart_engagement")
    _draw(ax, tmp_path)
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert [line.get_label() for line in lines] == ["BTC", "ETH", "SOL"]
    expected = analytics.rebase(frame["smart_engagement"])
    for line in lines:
        np.testing.assert_allclose(line.get_ydata(), expected[line.get_label()])
    assert [line.get_ydata()[0] for line in lines] == [100, 100, 100]
    assert any(list(line.get_ydata()) == [100, 100] for line in ax.get_lines())  # the 100 rule
    assert ax.get_ylabel() == "Smart engagement, first day = 100"


def test_compare_over_four_years_draws_weeks_rebased_on_the_first_week(tmp_path: Path) -> None:
    frame = make_frame("engagement", ["BTC", "ETH", "SOL"], start="2021-01-01", days=1459)
    frame.iloc[0, 1] *= 10  # ETH's first day is a burst
    ax = plotting.plot_compare(frame, "total_engagement")
    _draw(ax, tmp_path)
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    weekly = _weekly(frame["total_engagement"])
    for line in lines:
        assert len(line.get_ydata()) == 209  # 1459 days = 208 weeks and 3 days
        expected = weekly[line.get_label()] / weekly[line.get_label()].iloc[0] * 100
        np.testing.assert_allclose(line.get_ydata(), expected)
        assert np.isnan(line.get_ydata()[-1])  # 3 days are too few for a week: not drawn
    xs = lines[0].get_xdata()
    assert xs[0] == np.datetime64("2021-01-04")  # the middle of the first week
    assert xs[-1] == np.datetime64("2024-12-29")  # the short last week: at most the last day
    assert ax.get_ylabel() == "Total engagement (likes), first whole week = 100"
    assert "1 Jan 2021 \N{EN DASH} 29 Dec 2024 · daily values averaged by week · UTC" in _texts(ax)


def test_compare_freq_overrides_the_automatic_period() -> None:
    frame = make_frame("mindshare", ["BTC", "ETH"], days=60)
    weekly = plotting.plot_compare(frame, freq="W")
    assert len(weekly.get_lines()[0].get_ydata()) == 9
    daily = plotting.plot_compare(make_frame("mindshare", ["BTC", "ETH"], days=400), freq="D")
    assert len(daily.get_lines()[0].get_ydata()) == 400
    assert daily.get_ylabel() == "Mindshare, first day = 100"
    with pytest.raises(ValueError, match="freq must be"):
        plotting.plot_compare(frame, freq="M")  # type: ignore[arg-type]


def test_compare_of_a_resampled_frame_draws_it_as_it_is() -> None:
    frame = analytics.resample(make_frame("engagement", ["BTC", "ETH"], days=1000), "W")
    ax = plotting.plot_compare(frame, "total_engagement", scale="linear")
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), frame["total_engagement"]["BTC"])
    assert any(text.endswith("· weekly · UTC") for text in _texts(ax))


def test_compare_on_a_log_scale_labels_ticks_in_thousands(tmp_path: Path) -> None:
    frame = make_frame("engagement", ["BTC", "ETH"], days=60)
    ax = plotting.plot_compare(frame, "total_engagement", scale="log")
    _draw(ax, tmp_path)
    assert ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels
    assert all(label[-1] in "KM" or label.isdigit() for label in labels)


def test_compare_rejects_a_bad_scale_and_a_single_query() -> None:
    with pytest.raises(ValueError, match="scale must be"):
        plotting.plot_compare(make_frame("mindshare", ["A", "B"]), scale="sqrt")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs a list query"):
        plotting.plot_compare(make_frame("engagement", "BTC"))


def test_share_stacks_one_band_per_token_to_100_percent(tmp_path: Path) -> None:
    frame = make_frame("mindshare", ["BTC", "ETH", "SOL"], days=90, missing=[40])
    ax = plotting.plot_share(frame)
    _draw(ax, tmp_path)
    assert len(ax.collections) == 3
    assert ax.get_ylim() == (0.0, 1.0)
    assert isinstance(ax.yaxis.get_major_formatter(), PercentFormatter)
    assert ax.yaxis.get_major_formatter()(0.25, 0) == "25%"
    assert _labels(ax) == ["BTC", "ETH", "SOL"]
    assert ax.get_title(loc="left") == "Each token's share of the 3 tokens' combined mindshare"
    top = ax.collections[2].get_paths()[0].vertices[:, 1]
    assert np.nanmax(top) == pytest.approx(1.0)
    assert len(ax.collections[0].get_paths()) == 2  # 90 days stay daily: the missing day is a gap
    assert "1 Mar 2024 \N{EN DASH} 29 May 2024 · daily · UTC" in _texts(ax)


def _staggered_gaps(frame: pd.DataFrame, every: int = 60) -> pd.DataFrame:
    """Leave out one day in ``every`` for each token, on different days, as the API may."""
    for i in range(frame.shape[1]):
        frame.iloc[7 * i + 5 :: every, i] = np.nan
    return frame


def _weekly(frame: pd.DataFrame) -> pd.DataFrame:
    """The mean of the days present in 7-day weeks from the first day, if 4 or more (as drawn)."""
    weeks = frame.groupby(np.arange(len(frame)) // 7)
    return weeks.mean().where(weeks.count() >= 4)


def _band_xs(ax: Axes, i: int) -> set[float]:
    return {x for path in ax.collections[i].get_paths() for x in path.vertices[:, 0]}


def test_share_over_a_long_range_is_weekly_so_a_missing_day_is_no_stripe(tmp_path: Path) -> None:
    frame = _staggered_gaps(make_frame("mindshare", ["BTC", "ETH", "SOL", "HYPE"], days=548))
    before = frame.copy()
    ax = plotting.plot_share(frame)
    _draw(ax, tmp_path)
    assert all(len(band.get_paths()) == 1 for band in ax.collections)  # no gap at all
    assert len(_band_xs(ax, 0)) == 78  # 548 days = 78 weeks and 2 days, too few to draw
    expected = analytics.share(_weekly(frame["mindshare"]))
    ys = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert all(np.isclose(ys, share).any() for share in expected["BTC"].dropna())
    assert "1 Mar 2024 \N{EN DASH} 30 Aug 2025 · daily values averaged by week · UTC" in _texts(ax)
    pd.testing.assert_frame_equal(frame, before)  # the caller's missing days stay missing


def test_share_with_freq_d_draws_every_day_and_its_gaps(tmp_path: Path) -> None:
    frame = _staggered_gaps(make_frame("mindshare", ["BTC", "ETH", "SOL"], days=548))
    ax = plotting.plot(frame, freq="D")
    _draw(ax, tmp_path)
    days_missing = int(frame.isna().any(axis=1).sum())
    assert len(ax.collections[0].get_paths()) == days_missing + 1
    assert "1 Mar 2024 \N{EN DASH} 30 Aug 2025 · daily · UTC" in _texts(ax)


def test_share_without_normalizing_stacks_raw_mindshare(tmp_path: Path) -> None:
    frame = make_frame("mindshare", ["BTC", "ETH"], days=30)
    ax = plotting.plot_share(frame, normalize=False)
    _draw(ax, tmp_path)
    top = max(np.nanmax(p.vertices[:, 1]) for p in ax.collections[1].get_paths())
    assert top == pytest.approx(frame["mindshare"].sum(axis=1).max())
    assert isinstance(ax.yaxis.get_major_formatter(), PercentFormatter)
    assert ax.get_title(loc="left") == "Mindshare"


def test_sentiment_marks_every_event_and_labels_the_prominent_ones(tmp_path: Path) -> None:
    frame = make_frame("sentiment", "ETH", days=365, event_every=11)
    ax = plotting.plot_sentiment(frame, max_labels=5)
    _draw(ax, tmp_path)
    events = frame["sentiment_event"].dropna()
    assert len(ax.collections[0].get_offsets()) == len(events)
    notes = [t for t in ax.texts if isinstance(t, Annotation) and t.arrow_patch is not None]
    assert 1 <= len(notes) <= 5
    for note in notes:
        assert note.get_text().replace("\n", " ") in set(events)
    assert _labels(ax)[1] == f"Day with an event ({len(events)}, {len(notes)} labelled)"


def test_sentiment_labels_do_not_overlap_and_stay_inside(tmp_path: Path) -> None:
    frame = make_frame("sentiment", "ETH", days=200, event_every=3)
    ax = plotting.plot_sentiment(frame, max_labels=12)
    _draw(ax, tmp_path)
    ax.figure.canvas.draw()  # measure at the figure's own dpi, not savefig's
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    frame_box = ax.get_window_extent(renderer)
    boxes = [
        t.get_bbox_patch().get_window_extent(renderer)
        for t in ax.texts
        if isinstance(t, Annotation) and t.arrow_patch is not None
    ]
    assert boxes
    for i, box in enumerate(boxes):
        assert frame_box.y0 <= box.y0
        assert box.y1 <= frame_box.y1
        assert not any(box.overlaps(other) for other in boxes[i + 1 :])


def test_sentiment_without_events_is_a_plain_line(tmp_path: Path) -> None:
    frame = make_frame("sentiment", "ETH", days=30).drop(columns="sentiment_event")
    ax = plotting.plot_sentiment(frame)
    _draw(ax, tmp_path)
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), frame["sentiment_score"])
    assert not ax.collections


def test_corr_heatmap_writes_every_coefficient(tmp_path: Path) -> None:
    frame = make_frame("engagement", ["BTC", "ETH", "SOL", "DOGE"], days=120)
    ax = plotting.plot_corr(frame, "total_engagement")
    _draw(ax, tmp_path)
    matrix = analytics.corr(frame, "total_engagement")
    cells = [t.get_text() for t in ax.texts if t.get_text() not in ("Source: Kaito",)][:16]
    expected = [f"{v:.2f}".replace("-", "\N{MINUS SIGN}") for v in matrix.to_numpy().ravel()]
    assert [c.replace("\N{MINUS SIGN}0.00", "0.00") for c in cells] == [
        e.replace("\N{MINUS SIGN}0.00", "0.00") for e in expected
    ]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["BTC", "ETH", "SOL", "DOGE"]
    assert ax.images[0].get_clim() == (-1, 1)
    assert ax.get_title(loc="left") == "Correlation of daily changes"
    assert (
        "Total engagement (likes) · Pearson · 1 Mar 2024 \N{EN DASH} 29 Jun 2024 · UTC"
        in _texts(ax)
    )


def test_corr_heatmap_rejects_a_non_square_matrix() -> None:
    with pytest.raises(ValueError, match="square"):
        plotting.plot_corr(pd.DataFrame([[1.0, 0.5]], index=["A"], columns=["A", "B"]))


@pytest.mark.parametrize(
    ("frame", "title"),
    [
        (make_frame("engagement", "BTC", days=20), "BTC engagement"),
        (make_frame("engagement", ["BTC", "ETH"], days=20), "Total engagement (rebased)"),
        (
            make_frame("mindshare", ["BTC", "ETH"], days=20),
            "Each token's share of the 2 tokens' combined mindshare",
        ),
        (make_frame("mindshare", "BTC", days=20), "BTC mindshare"),
        (make_frame("sentiment", "BTC", days=20), "BTC sentiment"),
        (make_frame("sentiment", ["BTC", "ETH"], days=20), "Sentiment score"),
        (make_frame("mentions", "BTC", days=20), "BTC mentions"),
        (make_frame("mentions", ["BTC", "ETH"], days=20), "Mentions (log scale)"),
    ],
)
def test_plot_chooses_the_chart_by_method_and_shape(
    frame: pd.DataFrame, title: str, tmp_path: Path
) -> None:
    ax = plotting.plot(frame)
    _draw(ax, tmp_path)
    assert ax.get_title(loc="left") == title


def test_plot_of_list_mentions_sums_the_sources(tmp_path: Path) -> None:
    frame = make_frame("mentions", ["BTC", "ETH"], days=20)
    ax = plotting.plot(frame)
    expected = frame.T.groupby(level=1, sort=False).sum().T
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), expected["BTC"])


def test_plot_rejects_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="kind must be one of"):
        plotting.plot(make_frame(), "pie")


def test_chart_draws_on_the_axes_it_is_given(tmp_path: Path) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
    assert plotting.plot_lines(make_frame("mindshare", "BTC"), ax=left) is left
    assert plotting.plot_corr(make_frame("mindshare", ["A", "B", "C"]), ax=right) is right
    plotting.savefig(fig, tmp_path / "grid.png")
    assert isinstance(left.yaxis.get_major_formatter(), PercentFormatter)


@pytest.mark.parametrize("span", SPANS)
def test_date_axis_is_concise_utc_and_its_labels_do_not_collide(span: str, tmp_path: Path) -> None:
    days = SPANS[span]
    top = plotting.plot_engagement(make_frame("engagement", "BTC", start="2021-01-01", days=days))
    _draw(top, tmp_path)
    ax = top.smart_ax  # type: ignore[attr-defined]  # the lower panel carries the dates
    ax.figure.canvas.draw()
    formatter = ax.xaxis.get_major_formatter()
    if days <= 7:  # a tick a day
        assert isinstance(formatter, mdates.DateFormatter)
        assert str(formatter.tz) == "UTC"
    else:
        assert isinstance(formatter, mdates.ConciseDateFormatter)
        assert str(formatter._tz) == "UTC"
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    ticks = [t for t in ax.get_xticklabels() if t.get_text()]
    assert 3 <= len(ticks) <= 12
    boxes = [t.get_window_extent(renderer) for t in ticks]
    assert all(a.x1 < b.x0 for a, b in itertools.pairwise(boxes))


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_savefig_writes_png_or_svg(suffix: str, tmp_path: Path) -> None:
    ax = plotting.plot(make_frame("mindshare", ["BTC", "ETH"], days=30))
    path = plotting.savefig(ax, tmp_path / f"chart{suffix}")
    assert path.exists()
    if suffix == ".svg":
        assert path.read_text().lstrip().startswith("<?xml")
    else:
        with Image.open(path) as image:
            assert image.info["dpi"][0] == pytest.approx(plotting.DPI, abs=1)
            assert image.width >= 8 * plotting.DPI


def test_savefig_rejects_other_formats(tmp_path: Path) -> None:
    ax = plotting.plot(make_frame())
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        plotting.savefig(ax, tmp_path / "chart.jpg")


@pytest.mark.parametrize("days", [1, 2, 3])
def test_a_chart_of_a_few_days_ticks_days_not_hours(days: int, tmp_path: Path) -> None:
    frame = make_frame("mindshare", "BTC", start="2024-03-01", days=days)
    ax = plotting.plot_lines(frame)
    _draw(ax, tmp_path)
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    expected = [f"{day} Mar" for day in range(1, days + 1)]
    assert labels == expected
    low, high = ax.get_xlim()
    assert high - low == pytest.approx(days, abs=0.01)  # half a day either side of the data


def test_charts_of_fake_server_numbers_say_so_on_the_image(client: kp.Client) -> None:
    ax = plotting.plot(client.mindshare(["BTC", "ETH"], start="2024-05-01"))
    assert "Demonstration data from kaito_pandas' fake server, not Kaito's numbers" in _texts(ax)
    assert not any(t.startswith("Source:") for t in _texts(ax))


def test_the_source_note_is_a_setting_per_call_and_by_default() -> None:
    frame = make_frame("mindshare", ["BTC", "ETH"], days=30)
    assert "Source: Kaito; own calculations" in _texts(
        plotting.plot(frame, source="Kaito; own calculations")
    )
    plotting.set_source("Kaito; desk estimates")
    try:
        assert "Source: Kaito; desk estimates" in _texts(plotting.plot(frame))
        assert "Source: Kaito; desk estimates" in _texts(frame.kaito.plot())
    finally:
        plotting.set_source("Kaito")
    assert "Source: Kaito" in _texts(plotting.plot(frame))
    with pytest.raises(ValueError, match="text to credit"):
        plotting.set_source(" ")
