"""The df.kaito accessor: registered on import, delegates to analytics and plotting."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import matplotlib
import pandas as pd
import pytest

import kaito_pandas.accessor  # noqa: F401  # registers df.kaito
from kaito_pandas import analytics
from kaito_pandas.testing import synthetic_prices
from tests.frames import make_frame

matplotlib.use("Agg")


@pytest.fixture
def listed() -> pd.DataFrame:
    return make_frame("engagement", ["BTC", "ETH"], days=40, missing=[12])


@pytest.mark.parametrize(
    ("name", "args", "function"),
    [
        ("rolling", (7, "sum"), analytics.rolling),
        ("zscore", (10,), analytics.zscore),
        ("growth", (7,), analytics.growth),
        ("ema", (5,), analytics.ema),
        ("rebase", (1,), analytics.rebase),
        ("smart_ratio", (), analytics.smart_ratio),
        ("share", ("total_engagement",), analytics.share),
        ("select_metric", ("smart_engagement",), analytics.select_metric),
        ("resample", ("MS",), analytics.resample),
        ("corr", ("total_engagement",), analytics.corr),
        ("to_long", (), analytics.to_long),
        ("spikes", ("total_engagement",), analytics.spikes),
        ("abnormal", ("smart_engagement",), analytics.abnormal),
        ("xs_rank", ("total_engagement",), analytics.xs_rank),
        ("xs_zscore", ("total_engagement",), analytics.xs_zscore),
    ],
)
def test_accessor_method_gives_what_the_function_gives(
    listed: pd.DataFrame, name: str, args: tuple[Any, ...], function: Callable[..., Any]
) -> None:
    result = getattr(listed.kaito, name)(*args)
    pd.testing.assert_frame_equal(result, function(listed, *args))


def test_accessor_corr_passes_its_options(listed: pd.DataFrame) -> None:
    result = listed.kaito.corr("total_engagement", method="spearman", on="level")
    expected = analytics.corr(listed, "total_engagement", method="spearman", on="level")
    pd.testing.assert_frame_equal(result, expected)


def test_accessor_signals_pass_their_options(listed: pd.DataFrame) -> None:
    prices = synthetic_prices(["BTC", "ETH"], "2024-02-20", "2024-04-30")
    pd.testing.assert_frame_equal(
        listed.kaito.leadlag(prices, "total_engagement", lags=3, on="level"),
        analytics.leadlag(listed, prices, "total_engagement", lags=3, on="level"),
    )
    pd.testing.assert_series_equal(
        listed.kaito.factor("smart_engagement", transform="abnormal"),
        analytics.factor(listed, "smart_engagement", transform="abnormal"),
    )
    flags = listed.kaito.spikes("total_engagement", window=7, z=1.0)
    pd.testing.assert_frame_equal(
        listed.kaito.event_study(flags, window=(-1, 2), metric="total_engagement"),
        analytics.event_study(listed, flags, window=(-1, 2), metric="total_engagement"),
    )
    pd.testing.assert_frame_equal(
        prices.kaito.forward_returns((2,)), analytics.forward_returns(prices, (2,))
    )
    pd.testing.assert_frame_equal(
        listed.kaito.quantile_returns(prices, "total_engagement", transform="level", quantiles=2),
        analytics.quantile_returns(
            analytics.factor(listed, "total_engagement", transform="level"), prices, quantiles=2
        ),
    )


def test_accessor_smart_ratio_of_a_single_query_is_a_series() -> None:
    result = make_frame("engagement", "BTC", days=5).kaito.smart_ratio()
    assert isinstance(result, pd.Series)
    assert result.name == "smart_ratio"


def test_accessor_plot_draws_the_fitting_chart(listed: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    ax = listed.kaito.plot()
    assert [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert ax.get_title(loc="left") == "Total engagement (rebased)"
    plt.close("all")


@pytest.mark.parametrize(
    ("index", "said"),
    [
        (pd.RangeIndex(3), "RangeIndex"),
        (pd.date_range("2024-01-01", periods=3), "tz=None"),
        (pd.date_range("2024-01-01", periods=3, tz="Europe/Paris"), "tz=Europe/Paris"),
    ],
)
def test_accessor_on_a_frame_without_a_utc_datetime_index_raises(
    index: pd.Index, said: str
) -> None:
    frame = pd.DataFrame({"total_engagement": [1.0, 2.0, 3.0]}, index=index)
    with pytest.raises(AttributeError, match="UTC DatetimeIndex") as caught:
        frame.kaito.rolling()
    assert said in str(caught.value)
    assert not hasattr(frame, "kaito")


def test_importing_the_accessor_does_not_import_matplotlib() -> None:
    code = (
        "import sys, kaito_pandas.accessor, pandas as pd\n"
        "assert hasattr(pd.DataFrame, 'kaito')\n"
        "print('matplotlib' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "False"
