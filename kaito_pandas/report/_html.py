"""The report as one self-contained HTML page: inline CSS, charts as data URIs, every text escaped."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import html
from collections.abc import Sequence

from kaito_pandas.report._charts import Chart
from kaito_pandas.report._narratives import SECTION as NARRATIVES
from kaito_pandas.report._narratives import NarrativeSection, section_html
from kaito_pandas.report._summary import EVENT_DAYS, WINDOWS, Event, Summary, format_value

#: Why the summary's numbers read as they do, printed under the tables.
SUMMARY_NOTE = (
    "Latest: the value of the last whole day with data. Change: the average day of the last 7 "
    "(or 30) days against the average day of the 7 (or 30) days before them, each metric by "
    "its nature. Engagement and mentions are counts: the change in percent, which is the "
    "change of their sums when no day is missing (a day the service left out is not counted "
    "as zero). Mindshare is a share of attention: the change of its mean in percentage points "
    "(pp). The sentiment score has no fixed range: the change of its mean in score points. "
    "Smart ratio: smart engagement divided by total engagement, the last day's value; its "
    "change compares the two windows' ratio of sums, in pp. \N{EN DASH}: fewer than half the "
    "days of a window have data, or the history is shorter than two windows."
)
#: What a section's charts show, printed above them.
SECTION_NOTES = {
    "Signals": (
        "Spikes: days whose total engagement (on a log scale) stands at least 3 standard "
        "deviations above the 28 days before. Lead/lag: the correlation of each day's "
        "engagement change with the price return k days later; a positive lag means "
        "engagement moves first, and a bar outside the grey band is unusual for unrelated "
        "series, not proof of a lead. Then the price return around spike days, and the "
        "next-day return of the tokens grouped each day by their abnormal engagement."
    ),
}
#: How to read a square chart, printed beside it.
CAPTIONS = {
    "Correlation": (
        "Each cell is the Pearson correlation of two tokens' day-over-day changes in total "
        "engagement, over the days both have a value: +1 when they rise and fall together, "
        "0 when unrelated, \N{MINUS SIGN}1 when one rises as the other falls. Changes, not "
        "levels, so a trend the tokens share does not count as moving together."
    ),
}
DEMO_BANNER = (
    "Demonstration data. These numbers were made up by kaito-pandas' fake Kaito server "
    "(FakeKaitoServer), not fetched from Kaito: they show what the report looks like, "
    "nothing about the tokens. Set KAITO_API_KEY to report Kaito's data."
)
SECTIONS = (
    "Engagement",
    "Mindshare",
    "Sentiment",
    "Mentions",
    "Correlation",
    "Signals",
    NARRATIVES,
)

CSS = """
:root { --ink: #1d2330; --muted: #5b6473; --rule: #e3e6eb; --accent: #0072B2;
  --up: #1a7f4b; --down: #b3261e; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f7f9; color: var(--ink);
  font: 16px/1.55 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue",
    Arial, "Noto Sans", "Liberation Sans", sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 32px 28px 48px; background: #fff;
  min-height: 100vh; box-shadow: 0 0 0 1px var(--rule); }
.banner { margin: 0 0 28px; padding: 14px 18px; border: 2px solid #d97706;
  border-left-width: 8px; border-radius: 6px; background: #fff7e6; color: #7a3e00;
  font-weight: 500; }
.banner strong { display: block; font-size: 1.05rem; color: #5c2e00; }
.kicker { margin: 0; color: var(--accent); font-size: .8rem; font-weight: 700;
  letter-spacing: .08em; text-transform: uppercase; }
h1 { margin: 4px 0 8px; font-size: 2rem; line-height: 1.2; }
h2 { margin: 40px 0 12px; padding-top: 8px; border-top: 1px solid var(--rule);
  font-size: 1.35rem; }
.lede { margin: 0 0 4px; font-size: 1.1rem; }
.meta, .note, footer { color: var(--muted); font-size: .875rem; }
nav { margin-top: 14px; font-size: .9rem; }
nav a { color: var(--accent); text-decoration: none; margin-right: 16px; }
nav a:hover { text-decoration: underline; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(330px, 100%), 1fr));
  gap: 20px 24px; }
.cards > * { min-width: 0; overflow-x: auto; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 700; font-size: 1.1rem; padding: 0 0 6px; }
caption span { font-weight: 400; font-size: .8rem; color: var(--muted); margin-left: 6px; }
th, td { padding: 6px 6px; border-bottom: 1px solid var(--rule); }
thead th { font-size: .75rem; font-weight: 600; color: var(--muted); text-transform: uppercase;
  letter-spacing: .03em; border-bottom: 2px solid var(--ink); }
.summary th, .summary td { text-align: right; white-space: nowrap; }
.summary th[scope=row], .summary thead tr:first-child th:first-child { text-align: left; font-weight: 500;
  white-space: nowrap; }
.summary th, .summary td { padding: 6px 5px; }
.summary thead tr:first-child th { border-bottom: 0; vertical-align: bottom; }
.summary thead th[rowspan] { border-bottom: 2px solid var(--ink); }
.summary thead th.group { text-align: center; padding-bottom: 2px;
  border-bottom: 1px solid var(--muted); }
.summary td, .summary th[scope=row] { font-size: .9rem; }
.movers th[scope=row] .full { display: block; color: var(--muted); font-size: .8rem; }
td.up { color: var(--up); }
td.down { color: var(--down); }
.note { margin: 14px 0 0; max-width: 78ch; }
.note.partial { margin: 0 0 14px; color: var(--ink); }
.note.prices { margin: 0 0 10px; color: #7a3e00; font-weight: 500; }
.note.section { margin: 0 0 18px; }
figure { margin: 0 0 28px; }
figure img { display: block; width: 100%; height: auto; border: 1px solid var(--rule);
  border-radius: 4px; }
figure.narrow { display: grid; grid-template-columns: minmax(0, 620px) minmax(0, 1fr);
  gap: 28px; align-items: center; }
figure.narrow figcaption { color: var(--muted); font-size: .95rem; max-width: 46ch; }
@media (max-width: 820px) { figure.narrow { grid-template-columns: minmax(0, 1fr); gap: 10px; } }
.events th { text-align: left; }
.events td.day, .events td.token, .events td.num { width: 1%; white-space: nowrap;
  padding-right: 24px; }
.events td.num { text-align: right; }
.events th.num { text-align: right; padding-right: 24px; }
footer { margin-top: 48px; padding-top: 12px; border-top: 1px solid var(--rule);
  overflow-wrap: anywhere; }
footer code { white-space: normal; }
@media (max-width: 600px) { main { padding: 20px 14px 36px; } h1 { font-size: 1.6rem; }
  nav a { display: inline-block; margin: 0 14px 6px 0; } }
table.events { min-width: 560px; }
.scroll { overflow-x: auto; }
code { font-size: .85em; background: #f1f3f5; padding: 1px 4px; border-radius: 3px;
  white-space: nowrap; }
@media print { body { background: #fff; } main { box-shadow: none; }
  figure, table { break-inside: avoid; } }
"""


@dataclasses.dataclass(frozen=True)
class Page:
    """Everything the report page shows."""

    tokens: Sequence[str]
    start: dt.date
    end: dt.date
    generated: dt.datetime
    version: str
    demo: bool
    summaries: Sequence[Summary]
    charts: Sequence[Chart]
    events: Sequence[Event]
    files: Sequence[str]
    narratives: NarrativeSection | None = None
    #: What the Signals section says of its prices (synthetic, or the user's closes).
    prices_note: str = ""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _anchor(section: str) -> str:
    return section.lower()


def _header(page: Page) -> str:
    days = (page.end - page.start).days + 1
    names = ", ".join(page.tokens)
    source = "demonstration data from the fake Kaito server" if page.demo else "Kaito API"
    shown = [s for s in SECTIONS if s != NARRATIVES or page.narratives is not None]
    links = ["Summary", *shown, "Events"]
    nav = "".join(f'<a href="#{_anchor(s)}">{_e(s)}</a>' for s in links)
    return (
        '<header><p class="kicker">kaito-pandas report</p>'
        f"<h1>Kaito social data: {_e(names)}</h1>"
        '<p class="lede">Daily engagement, mindshare, sentiment and mentions'
        + (" of the tokens, and narrative mindshare," if page.narratives is not None else "")
        + " from "
        f"{_day(page.start)} to {_day(page.end)} ({days} days, UTC).</p>"
        f'<p class="meta">Generated {page.generated:%Y-%m-%d %H:%M} UTC by kaito-pandas '
        f"{_e(page.version)} \N{MIDDLE DOT} Source: {_e(source)}</p>"
        f"<nav>{nav}</nav></header>"
    )


def _banner(page: Page) -> str:
    if not page.demo:
        return ""
    head, _, rest = DEMO_BANNER.partition(". ")
    return f'<div class="banner" role="note"><strong>{_e(head)}.</strong>{_e(rest)}</div>'


def _change_class(cell: str) -> str:
    return ' class="up"' if cell.startswith("+") else ' class="down"' if cell[:1] == "-" else ""


def _summary_table(summary: Summary) -> str:
    day = "no data" if summary.last_day is None else f"last whole day {summary.last_day:%Y-%m-%d}"
    spans = "".join(f'<th scope="col">{w} days</th>' for w in WINDOWS)
    head = (
        '<tr><th scope="col" rowspan="2">Metric</th><th scope="col" rowspan="2">Latest</th>'
        f'<th scope="colgroup" colspan="{len(WINDOWS)}" class="group">Change</th></tr>'
        f"<tr>{spans}</tr>"
    )
    rows = []
    for row in summary.rows:
        latest, *changes = row.cells()
        cells = "".join(f"<td{_change_class(c)}>{_e(c)}</td>" for c in changes)
        rows.append(f'<tr><th scope="row">{_e(row.label)}</th><td>{_e(latest)}</td>{cells}</tr>')
    return (
        f'<table class="summary" id="summary-{_e(summary.token)}">'
        f"<caption>{_e(summary.token)}<span>{_e(day)}</span></caption>"
        f"<thead>{head}</thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _summary(page: Page) -> str:
    tables = "".join(_summary_table(s) for s in page.summaries)
    partial = [s.partial_day for s in page.summaries if s.partial_day is not None]
    said = ""
    if partial:
        day = min(partial)
        said = (
            f'<p class="note partial">{_e(_day(day))} (UTC) is still being counted, so its '
            "numbers are a part of a day: the summary leaves it out and uses whole days only; "
            "the charts leave it out or draw it hollow.</p>"
        )
    return (
        '<section id="summary"><h2>Summary</h2>'
        f'{said}<div class="cards">{tables}</div><p class="note">{_e(SUMMARY_NOTE)}</p></section>'
    )


def _figure(chart: Chart) -> str:
    data = base64.b64encode(chart.png).decode("ascii")
    image = f'<img src="data:image/png;base64,{data}" alt="{_e(chart.alt)}">'
    if chart.wide:
        return f"<figure>{image}</figure>"
    # a square chart beside how to read it, so that its card fills the page's width
    caption = CAPTIONS.get(chart.section, "")
    return f'<figure class="narrow">{image}<figcaption>{_e(caption)}</figcaption></figure>'


def _chart_sections(page: Page) -> str:
    parts = []
    for section in SECTIONS:
        figures = "".join(_figure(c) for c in page.charts if c.section == section)
        if section == NARRATIVES and page.narratives is not None:
            figures += section_html(page.narratives)
        if figures:
            notes = [SECTION_NOTES.get(section, "")]
            if section == "Signals":
                notes.insert(0, page.prices_note)
            said = "".join(
                f'<p class="note {"prices" if i == 0 and len(notes) > 1 else "section"}">'
                f"{_e(n)}</p>"
                for i, n in enumerate(notes)
                if n
            )
            parts.append(
                f'<section id="{_anchor(section)}"><h2>{_e(section)}</h2>{said}{figures}</section>'
            )
    return "".join(parts)


def _events(page: Page) -> str:
    intro = (
        f"The {len(page.events)} most recent event texts of the last {EVENT_DAYS} days, "
        "as the sentiment data gives them."
        if page.events
        else f"No event texts in the last {EVENT_DAYS} days."
    )
    rows = "".join(
        f'<tr><td class="day">{e.day:%Y-%m-%d}</td><td class="token">{_e(e.token)}</td>'
        f'<td class="num">{_e(format_value(e.score, "score"))}</td><td>{_e(e.text)}</td></tr>'
        for e in page.events
    )
    table = (
        '<div class="scroll"><table class="events"><thead><tr><th scope="col">Day</th>'
        '<th scope="col">Token</th><th scope="col" class="num">Score</th>'
        f'<th scope="col">Event</th></tr></thead><tbody>{rows}</tbody></table></div>'
        if page.events
        else ""
    )
    return f'<section id="events"><h2>Recent events</h2><p class="note">{_e(intro)}</p>{table}</section>'


def _footer(page: Page) -> str:
    files = ", ".join(f"<code>{_e(f)}</code>" for f in page.files)
    return (
        "<footer>This page is self-contained: it needs no network and no other file. "
        f"Beside it, the same data and charts: {files}.</footer>"
    )


def render_page(page: Page) -> str:
    """Return the report's HTML."""
    title = f"Kaito report: {', '.join(page.tokens)}, {page.start} to {page.end}"
    body = (
        _banner(page)
        + _header(page)
        + _summary(page)
        + _chart_sections(page)
        + _events(page)
        + _footer(page)
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )
