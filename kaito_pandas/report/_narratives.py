"""The report's Narratives section: the stacked share, the 30-day movers and their HTML."""

from __future__ import annotations

import dataclasses
import html
import math
from collections.abc import Mapping, Sequence

import pandas as pd

from kaito_pandas import analytics, plotting
from kaito_pandas.report._charts import Spec
from kaito_pandas.report._summary import _change, _daily_mean, _token_column, _windows

#: The section's name, in the report's navigation.
SECTION = "Narratives"
METRIC = "narrative_mindshare"
#: How many narratives the stacked share draws: those with the largest mean share.
STACKED = 6
#: Days of each window the movers compare: the last ones against the ones before.
MOVER_WINDOW = 30
#: How many gainers, and how many losers, the table lists.
MOVERS = 5


@dataclasses.dataclass(frozen=True)
class Mover:
    """A narrative's mean share over the last window and its change over the window before."""

    narrative: str
    fullname: str
    share: float
    change: float


@dataclasses.dataclass(frozen=True)
class NarrativeSection:
    """What the section shows besides its chart: the gainers, the losers, how many were compared."""

    gainers: tuple[Mover, ...]
    losers: tuple[Mover, ...]
    compared: int
    last_day: pd.Timestamp | None


def largest(frame: pd.DataFrame, count: int = STACKED) -> list[str]:
    """Return the ``count`` narratives of a list-query frame with the largest mean share."""
    means = analytics.select_metric(analytics.complete(frame), METRIC).mean()
    return [str(n) for n in means.dropna().sort_values(ascending=False).index[:count]]


def stacked_spec(frame: pd.DataFrame, narratives: Sequence[str]) -> Spec:
    """Return the chart of the section: the narratives' shares of their total, stacked."""
    shown = frame.loc[:, [(METRIC, n) for n in narratives]]
    return Spec(
        "narratives-share",
        SECTION,
        f"Each of {', '.join(narratives)}: its share of their combined narrative mindshare",
        lambda ax: plotting.plot_share(shown, METRIC, ax=ax),
    )


def movers(
    frame: pd.DataFrame, fullnames: Mapping[str, str], *, count: int = MOVERS
) -> NarrativeSection:
    """Return the narratives whose mean share rose or fell most, last window against the one before.

    Whole days only (a partial day is left out); a narrative with fewer than half
    the days of either window is not compared.
    """
    whole = analytics.complete(frame)
    rows = []
    for narrative in dict.fromkeys(str(n) for n in whole.columns.get_level_values(1)):
        series = _token_column(whole, METRIC, narrative)
        change = _change(series, MOVER_WINDOW)
        if not math.isnan(change):
            share = _daily_mean(_windows(series, MOVER_WINDOW)[0])
            rows.append(Mover(narrative, fullnames.get(narrative, ""), share, change))
    rows.sort(key=lambda m: m.change, reverse=True)
    gainers = tuple(m for m in rows[:count] if m.change > 0)
    losers = tuple(m for m in reversed(rows[-count:]) if m.change < 0)
    last = whole.index[-1] if len(whole.index) else None
    return NarrativeSection(gainers, losers, len(rows), last)


def _table(title: str, rows: Sequence[Mover]) -> str:
    e = html.escape
    full = {m.narrative: m.fullname if m.fullname != m.narrative else "" for m in rows}
    body = "".join(
        f'<tr><th scope="row">{e(m.narrative)}<span class="full">{e(full[m.narrative])}</span></th>'
        f"<td>{m.share * 100:.2f}%</td>"
        f'<td class="{"up" if m.change > 0 else "down"}">{m.change * 100:+.2f} pp</td></tr>'
        for m in rows
    )
    head = (
        '<tr><th scope="col">Narrative</th><th scope="col">Share, last 30 days</th>'
        '<th scope="col">Change</th></tr>'
    )
    empty = '<tr><td colspan="3">none</td></tr>'
    return (
        f'<table class="summary movers"><caption>{e(title)}</caption>'
        f"<thead>{head}</thead><tbody>{body or empty}</tbody></table>"
    )


def section_html(section: NarrativeSection) -> str:
    """Return the movers tables and their note, to follow the section's chart."""
    through = "" if section.last_day is None else f" through {section.last_day:%Y-%m-%d}"
    note = (
        f"Narrative mindshare is a narrative's share of crypto-Twitter conversation. The "
        f"tables compare each narrative's average day of the last {MOVER_WINDOW} whole "
        f"days{through} with the {MOVER_WINDOW} days before, in percentage points (pp); "
        f"{section.compared} narratives were compared. The chart above stacks the "
        f"{STACKED} largest, each as a share of their combined total."
    )
    tables = _table("Largest gainers", section.gainers) + _table("Largest losers", section.losers)
    return f'<div class="cards">{tables}</div><p class="note">{html.escape(note)}</p>'
