"""The report's charts: which ones, drawn on figures of their own, saved as PNG files."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from kaito_pandas import plotting

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Inches of a time-series chart, and of the correlation heatmap.
WIDE = (9.0, 4.8)
SQUARE = (5.6, 4.4)
#: Days of the rolling mean drawn over one token's daily engagement.
ENGAGEMENT_ROLLING = 7


@dataclasses.dataclass(frozen=True)
class Spec:
    """A chart to draw: file stem, report section, alt text, size and how to draw it."""

    name: str
    section: str
    alt: str
    draw: Callable[[Axes], Any]
    figsize: tuple[float, float] = WIDE


@dataclasses.dataclass(frozen=True)
class Chart:
    """A chart as written: its section, alt text, file and PNG bytes."""

    section: str
    alt: str
    path: Path
    png: bytes

    @property
    def wide(self) -> bool:
        """Return True unless the chart is the narrower heatmap."""
        return not self.path.stem.startswith("corr")


def chart_specs(frames: Mapping[str, pd.DataFrame], tokens: Sequence[str]) -> list[Spec]:
    """Return every chart of the report, in the order it shows them."""
    engagement, sentiment = frames["engagement"], frames["sentiment"]
    specs = [
        Spec(
            "engagement-compare",
            "Engagement",
            "Total engagement of the tokens compared, rebased to 100",
            lambda ax: plotting.plot_compare(engagement, "total_engagement", ax=ax),
        )
    ]
    specs += [
        Spec(
            f"engagement-{safe_name(token)}",
            "Engagement",
            f"{token} total and smart engagement, daily and {ENGAGEMENT_ROLLING}-day mean",
            _one_token(plotting.plot_engagement, engagement, token, rolling=ENGAGEMENT_ROLLING),
        )
        for token in tokens
    ]
    specs.append(
        Spec(
            "mindshare-share",
            "Mindshare",
            "Each token's share of the tokens' combined mindshare",
            lambda ax: plotting.plot_share(frames["mindshare"], "mindshare", ax=ax),
        )
    )
    specs += [
        Spec(
            f"sentiment-{safe_name(token)}",
            "Sentiment",
            f"{token} sentiment score with its event days",
            _one_token(plotting.plot_sentiment, sentiment, token),
        )
        for token in tokens
    ]
    specs += [
        Spec(
            "mentions-compare",
            "Mentions",
            "Document mentions of the tokens, all sources, log scale",
            lambda ax: plotting.plot(frames["mentions"], ax=ax),
        ),
        Spec(
            "corr-engagement",
            "Correlation",
            "Correlation of the tokens' daily changes in total engagement",
            lambda ax: plotting.plot_corr(engagement, "total_engagement", ax=ax),
            SQUARE,
        ),
    ]
    return specs


def safe_name(token: str) -> str:
    """Return a token as a file-name part: letters, digits, ``-`` and ``_`` only."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", token)


def _one_token(
    chart: Callable[..., Axes], data: pd.DataFrame, token: str, **kwargs: Any
) -> Callable[[Axes], Axes]:
    """Bind one token's chart now: a lambda in a loop would draw the last token every time."""
    return lambda ax: chart(data, token=token, ax=ax, **kwargs)


def render(spec: Spec, out_dir: Path) -> Chart:
    """Draw one chart on a figure outside pyplot, write its PNG and return it."""
    from matplotlib.figure import Figure

    # a Figure made directly is never registered with pyplot: no backend is chosen,
    # no window opens and no notebook shows it; clearing it frees its artists now
    figure = Figure(figsize=spec.figsize, layout="constrained")
    try:
        ax = figure.add_subplot()
        spec.draw(ax)
        path = plotting.savefig(ax, out_dir / f"{spec.name}.png")
    finally:
        figure.clear()
    return Chart(spec.section, spec.alt, path, path.read_bytes())
