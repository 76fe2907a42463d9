"""The one-command demo report: CSVs, every chart as PNG and one self-contained report.html.

matplotlib is imported only while charts are drawn, so importing this costs nothing.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

import kaito_pandas as kp
from kaito_pandas._public import public_dir
from kaito_pandas.dates import METHODS
from kaito_pandas.report._charts import chart_specs, render
from kaito_pandas.report._html import Page, render_page
from kaito_pandas.report._narratives import largest, movers, stacked_spec
from kaito_pandas.report._signals import check_prices, prices_note, signal_specs
from kaito_pandas.report._summary import WINDOWS, recent_events, summarize

__all__ = [
    "DEFAULT_DAYS",
    "DEFAULT_OUT_DIR",
    "DEFAULT_TOKENS",
    "REPORT_NAME",
    "WINDOWS",
    "build_report",
]

__dir__ = public_dir(__all__)

DEFAULT_OUT_DIR = "kaito-report"
DEFAULT_TOKENS = ("BTC", "ETH", "SOL")
#: Days of history the report covers, ending today (UTC).
DEFAULT_DAYS = 365
REPORT_NAME = "report.html"


def build_report(
    out_dir: str | os.PathLike[str] = DEFAULT_OUT_DIR,
    *,
    client: kp.Client,
    tokens: Sequence[str] = DEFAULT_TOKENS,
    days: int = DEFAULT_DAYS,
    demo: bool = False,
    progress: bool | None = None,
    narratives: Sequence[str] | None = None,
    prices: pd.DataFrame | None = None,
) -> Path:
    """Return the path of a self-contained ``report.html`` written with CSVs and charts beside it.

    Fetches the tokens' engagement, mindshare, sentiment and mentions over the
    last ``days`` days, ending at the client's today (UTC), through the client
    (its cache and progress bar included). Writes into ``out_dir``: one CSV per
    method (``engagement.csv``, ...; header rows ``metric`` and ``token``), every
    chart as PNG, and ``report.html``, which embeds the charts as data URIs and
    holds a summary table per token (latest values, 7- and 30-day changes,
    smart ratio), the recent event texts, a Signals section (spikes, lead/lag
    against prices, an event study, quantile returns) and a Narratives section (the
    largest narratives' shares stacked over the period, and the narratives whose share
    rose or fell most over 30 days, from ``narrative_mindshare.csv``). It opens offline
    in any browser.

    Parameters
    ----------
    out_dir : str or path-like, default "kaito-report"
        Directory to write into; created if missing, files in it overwritten.
    client : Client
        The client to fetch with; the API key never reaches the output.
    tokens : sequence of str, default ("BTC", "ETH", "SOL")
        Kaito token ids.
    days : int, default 365
        Days of history, today included.
    demo : bool, default False
        The data comes from the fake Kaito server: the page says so in a banner.
    progress : bool, optional
        Show the progress bar of multi-request fetches; default the client's setting.
    narratives : sequence of str, optional
        Narrative ids to compare; by default every narrative of ``client.narratives()``
        (one request per narrative and calendar year); ``()`` leaves the section out.
    prices : DataFrame, optional
        Daily closes, one column per token named as the token, for the Signals
        section (spikes, lead/lag, an event study and quantile returns); by
        default :func:`kaito_pandas.testing.synthetic_prices`, which every chart
        and the page then label "synthetic prices".

    Returns
    -------
    Path
        ``out_dir / "report.html"``.

    Raises
    ------
    ValueError
        If ``tokens`` is empty, ``days`` is less than 1, or ``prices`` has no
        column for a token (before any request).
    KaitoError
        If a fetch fails (the key is refused, the service is down or answers nonsense).

    Examples
    --------
    >>> path = build_report("kaito-report", client=kp.Client(), days=90)  # doctest: +SKIP
    >>> print(path)  # doctest: +SKIP
    """
    names = list(dict.fromkeys([tokens] if isinstance(tokens, str) else tokens))
    if not names:
        raise ValueError("tokens is empty: give at least one Kaito token id, e.g. ('BTC',)")
    if days < 1:
        raise ValueError(f"days={days}: give at least 1")
    if prices is not None:
        check_prices(prices, names)
    end = client.plan("engagement", names).end  # the client's today, clipped as a fetch would
    start = end - dt.timedelta(days=days - 1)
    frames = {
        method: client.fetch(method, names, start=start, end=end, progress=progress)
        for method in METHODS
    }
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if prices is None:
        from kaito_pandas.testing import synthetic_prices

        prices = synthetic_prices(names, start, end)
    specs = chart_specs(frames, names) + signal_specs(frames, names, prices)
    section = None
    if narratives is None or len(narratives):
        listed = client.narratives()
        fullnames = dict(zip(listed["narrative"], listed["fullname"].fillna(""), strict=True))
        frames["narrative_mindshare"] = client.narrative_mindshare(
            list(fullnames if narratives is None else narratives),
            start=start,
            end=end,
            errors="warn",
            progress=progress,
        )
        specs.append(
            stacked_spec(frames["narrative_mindshare"], largest(frames["narrative_mindshare"]))
        )
        section = movers(frames["narrative_mindshare"], fullnames)
    csvs = [_write_csv(frame, out / f"{method}.csv") for method, frame in frames.items()]
    charts = [render(spec, out) for spec in specs]
    page = Page(
        tokens=names,
        start=start,
        end=end,
        generated=dt.datetime.now(dt.timezone.utc),
        version=kp.__version__,
        demo=demo,
        summaries=[summarize(frames, token) for token in names],
        charts=charts,
        events=recent_events(frames["sentiment"], names),
        files=[p.name for p in [*csvs, *(c.path for c in charts)]],
        narratives=section,
        prices_note=prices_note(prices),
    )
    path = out / REPORT_NAME
    path.write_text(render_page(page), encoding="utf-8")
    return path


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write a list-query frame with days as ``YYYY-MM-DD``, as ``kaito-pandas fetch -o`` does."""
    shown = frame.copy()
    shown.index = pd.Index(pd.DatetimeIndex(frame.index).strftime("%Y-%m-%d"), name="date")
    shown.to_csv(path)
    return path
