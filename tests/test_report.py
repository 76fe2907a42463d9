"""The demo report, built against the fake server over real HTTP: files, page, numbers, cache."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests

import kaito_pandas as kp
from kaito_pandas.report import build_report
from kaito_pandas.testing import NARRATIVES, FakeKaitoServer
from tests.conftest import API_KEY, TODAY

TOKENS = ("BTC", "ETH", "SOL")
#: Long enough for both change windows (2 x 30 days), short enough for one chunk per query.
DAYS = 90
METHODS = ("engagement", "mindshare", "sentiment", "mentions")
CHARTS = {
    "engagement-compare",
    *(f"engagement-{t}" for t in TOKENS),
    "mindshare-share",
    *(f"sentiment-{t}" for t in TOKENS),
    "mentions-compare",
    "corr-engagement",
    "narratives-share",
    *(f"spikes-{t}" for t in TOKENS),
    *(f"leadlag-{t}" for t in TOKENS),
    "event-study-spikes",
    "quantile-returns",
}
#: The Signals charts that use prices, and so say whose prices they are.
PRICED = ("leadlag-", "event-study-", "quantile-")
EVENT = '<script>alert("pwned")</script> & <b>ETF</b>'
DASH = "\N{EN DASH}"


@dataclasses.dataclass(frozen=True)
class Built:
    demo: Path
    plain: Path
    first_requests: int
    second_requests: int
    new_figures: list[int]

    def html(self, which: str = "demo") -> str:
        return getattr(self, which).read_text(encoding="utf-8")


def _script_event(server: FakeKaitoServer) -> None:
    """Make the next sentiment response carry an event text with markup on the last day."""
    answer = requests.get(
        f"{server.url}/api/v1/sentiment",
        params={"token": "BTC", "start_date": "2024-01-01", "end_date": TODAY.isoformat()},
        headers={"x-api-key": API_KEY},
        timeout=5,
    )
    body = answer.json()
    body["sentiment"][TODAY.isoformat()]["event"] = EVENT
    server.fail(status=200, body=json.dumps(body), endpoint="sentiment", times=1)


@pytest.fixture(scope="module")
def built(_server: FakeKaitoServer, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Two reports from one client: a demo one, then a plain one served from the cache."""
    import matplotlib.pyplot as plt

    figures = set(plt.get_fignums())
    _server.reset_faults()
    _server.today = TODAY
    _script_event(_server)
    _server.clear_requests()
    out = tmp_path_factory.mktemp("report")
    with kp.Client(
        API_KEY,
        base_url=_server.url,
        today=lambda: TODAY,
        cache_backend="memory",
        rate_limit=1000,
    ) as client:
        demo = build_report(out / "demo", client=client, days=DAYS, demo=True, progress=False)
        first = len(_server.api_requests())
        _server.clear_requests()
        plain = build_report(out / "plain", client=client, days=DAYS, progress=False)
        second = len(_server.api_requests())
    _server.reset_faults()
    return Built(demo, plain, first, second, sorted(set(plt.get_fignums()) - figures))


def _csv(built: Built, method: str) -> pd.DataFrame:
    return pd.read_csv(built.demo.parent / f"{method}.csv", header=[0, 1], index_col=0)


def test_report_writes_one_csv_per_method_every_chart_and_the_page(built: Built) -> None:
    out = built.demo.parent
    assert built.demo == out / "report.html"
    assert {p.name for p in out.iterdir()} == {
        "report.html",
        *(f"{m}.csv" for m in METHODS),
        "narrative_mindshare.csv",
        *(f"{c}.png" for c in CHARTS),
    }
    assert all((out / f"{c}.png").read_bytes().startswith(b"\x89PNG") for c in CHARTS)


def test_csvs_hold_the_last_days_ending_at_the_clients_today(built: Built) -> None:
    for method in METHODS:
        frame = _csv(built, method)
        assert frame.index[0] == (TODAY - dt.timedelta(days=DAYS - 1)).isoformat()
        assert frame.index[-1] == TODAY.isoformat()
        assert set(frame.columns.get_level_values(1)) == set(TOKENS)


def test_every_chart_is_embedded_as_a_png_data_uri(built: Built) -> None:
    page = built.html()
    embedded = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(embedded) == len(CHARTS) == page.count("<img")
    written = {(built.demo.parent / f"{c}.png").read_bytes() for c in CHARTS}
    assert {base64.b64decode(data) for data in embedded} == written


def test_page_references_no_external_file_or_url(built: Built) -> None:
    page = built.html()
    assert 'src="http' not in page
    assert 'href="http' not in page
    assert re.findall(r'src="(?!data:image/png;base64,)', page) == []
    assert re.findall(r'href="(?!#)', page) == []
    for tag in ("<link", "<script", "@import", "url("):
        assert tag not in page


def _cells(page: str, token: str) -> dict[str, list[str]]:
    table = re.search(rf'<table class="summary" id="summary-{token}">(.*?)</table>', page, re.S)
    assert table is not None, f"no summary table for {token}"
    rows = re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', table.group(1))
    return {
        label: [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", cells)]
        for label, cells in rows
    }


def _windows(series: pd.Series, window: int) -> tuple[float, float] | None:
    """Mean of the last window and of the one before, up to the last value; None if too short."""
    days = series.loc[: series.last_valid_index()]
    now, before = days.iloc[-window:], days.iloc[-2 * window : -window]
    if len(days) < 2 * window or now.count() < window / 2 or before.count() < window / 2:
        return None
    return now.mean(), before.mean()


def _expected(series: pd.Series, style: str) -> list[str]:
    latest = series.dropna().iloc[-1]
    cells = {
        "count": f"{latest:,.0f}",
        "percent": f"{latest * 100:.2f}%",
        "score": f"{latest:.2f}",
    }
    out = [cells[style]]
    for window in (7, 30):
        means = _windows(series, window)
        if means is None:
            out.append(DASH)
        elif style == "count":
            out.append(f"{(means[0] / means[1] - 1) * 100:+.1f}%")
        elif style == "percent":
            out.append(f"{(means[0] - means[1]) * 100:+.2f} pp")
        else:
            out.append(f"{means[0] - means[1]:+.2f}")
    return out


def _expected_ratio(total: pd.Series, smart: pd.Series) -> list[str]:
    both = total.notna() & smart.notna()
    total, smart = total[both].reindex(total.index), smart[both].reindex(smart.index)
    out = [f"{(smart / total).dropna().iloc[-1] * 100:.2f}%"]
    for window in (7, 30):
        t, s = _windows(total, window), _windows(smart, window)
        out.append(
            DASH if t is None or s is None else f"{(s[0] / t[0] - s[1] / t[1]) * 100:+.2f} pp"
        )
    return out


def _whole(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.loc[frame.index < TODAY.isoformat()]


def test_the_summary_says_it_leaves_todays_partial_day_out(built: Built) -> None:
    page = built.html()
    day = f"{TODAY.day} {TODAY:%B %Y}"
    assert f"{day} (UTC) is still being counted" in page
    assert "the summary leaves it out and uses whole days only" in page
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    assert page.count(f"last whole day {yesterday}") == len(TOKENS)


@pytest.mark.parametrize("token", TOKENS)
def test_summary_row_matches_pandas_on_the_csvs(built: Built, token: str) -> None:
    # the CSVs hold today's partial day; the summary uses whole days only
    engagement, mentions = _whole(_csv(built, "engagement")), _whole(_csv(built, "mentions"))
    total, smart = engagement[("total_engagement", token)], engagement[("smart_engagement", token)]
    sources = pd.DataFrame(mentions.xs(token, axis=1, level=1)).filter(like="document_mentions")
    expected = {
        "Total engagement": _expected(total, "count"),
        "Smart engagement": _expected(smart, "count"),
        "Mindshare": _expected(_whole(_csv(built, "mindshare"))[("mindshare", token)], "percent"),
        "Sentiment score": _expected(
            _whole(_csv(built, "sentiment"))[("sentiment_score", token)], "score"
        ),
        "Mentions": _expected(sources.sum(axis=1, min_count=1), "count"),
        "Smart ratio": _expected_ratio(total, smart),
    }
    assert _cells(built.html(), token) == expected
    assert _cells(built.html("plain"), token) == expected


def test_changes_are_shown_where_the_data_allows(built: Built) -> None:
    shown = [cell for t in TOKENS for cells in _cells(built.html(), t).values() for cell in cells]
    assert shown.count(DASH) < len(shown) / 4


def test_demo_banner_only_when_demo(built: Built) -> None:
    assert 'class="banner"' in built.html("demo")
    assert "not fetched from Kaito" in built.html("demo")
    assert 'class="banner"' not in built.html("plain")
    assert "not fetched from Kaito" not in built.html("plain")


def test_event_text_from_the_api_is_escaped(built: Built) -> None:
    page = built.html()
    assert html.escape(EVENT, quote=True) in page
    assert "<script" not in page
    assert "<b>ETF</b>" not in page


def test_api_key_is_written_nowhere(built: Built) -> None:
    files = [*built.demo.parent.iterdir(), *built.plain.parent.iterdir()]
    assert len(files) == 2 * (1 + len(METHODS) + 1 + len(CHARTS))
    for path in files:
        assert API_KEY.encode() not in path.read_bytes(), path.name


def test_second_report_with_the_same_client_sends_no_request(built: Built) -> None:
    # one chunk each, and one per narrative of the list
    assert built.first_requests == len(METHODS) * len(TOKENS) + len(NARRATIVES)
    assert built.second_requests == 0


def test_report_leaves_no_pyplot_figure_open(built: Built) -> None:
    assert built.new_figures == []


def test_importing_the_report_does_not_import_matplotlib() -> None:
    code = "import sys, kaito_pandas.report; sys.exit('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.parametrize(("tokens", "days"), [((), 30), (("BTC",), 0)])
def test_bad_arguments_raise_before_any_request(
    client: kp.Client, server: FakeKaitoServer, tmp_path: Path, tokens: tuple[str, ...], days: int
) -> None:
    with pytest.raises(ValueError, match=r"tokens|days"):
        build_report(tmp_path / "out", client=client, tokens=tokens, days=days)
    assert server.requests == []
    assert not (tmp_path / "out").exists()


def _signals(page: str) -> str:
    found = re.search(r'<section id="signals">(.*?)</section>', page, re.S)
    assert found is not None, "no Signals section"
    return found.group(1)


def test_signals_section_says_its_prices_are_synthetic_on_every_chart_that_uses_them(
    built: Built,
) -> None:
    section = _signals(built.html())
    assert "The prices in this section are synthetic prices" in section
    alts = re.findall(r'alt="([^"]*)"', section)
    assert len(alts) == 2 * len(TOKENS) + 2
    priced = [a for a in alts if "price" in a]
    assert len(priced) == len(TOKENS) + 2
    assert all(a.endswith("(synthetic prices)") for a in priced)
    assert 'href="#signals"' in built.html()


def test_report_with_real_closes_says_where_they_come_from(
    server: FakeKaitoServer, tmp_path: Path
) -> None:
    days = pd.date_range(end=TODAY, periods=DAYS, freq="D", tz="UTC")
    rng = np.random.default_rng(0)
    closes = pd.DataFrame(
        np.exp(rng.normal(0, 0.03, (DAYS, 3)).cumsum(axis=0)), index=days, columns=list(TOKENS)
    )
    closes.attrs = {"source": "closes.csv"}
    with kp.Client(
        API_KEY, base_url=server.url, today=lambda: TODAY, cache_backend="memory"
    ) as client:
        page = build_report(
            tmp_path, client=client, days=DAYS, prices=closes, progress=False
        ).read_text()
    section = _signals(page)
    assert "daily closes from closes.csv" in section
    assert "synthetic" not in page


def test_prices_without_a_tokens_column_raise_before_any_request(
    client: kp.Client, server: FakeKaitoServer, tmp_path: Path
) -> None:
    closes = pd.DataFrame({"BTC": [1.0], "ETH": [1.0]}, index=pd.DatetimeIndex(["2024-06-01"]))
    with pytest.raises(ValueError, match="no close column for SOL"):
        build_report(tmp_path / "out", client=client, days=30, prices=closes)
    assert server.requests == []


def _frames(values: dict[str, list[float]]) -> dict[str, pd.DataFrame]:
    """List-query frames of one token, ``SOL``, from daily values by metric (NaN: a gap)."""
    days = len(next(iter(values.values())))
    index = pd.date_range(end="2024-06-30", periods=days, freq="D", tz="UTC", name="date")

    def frame(*metrics: str) -> pd.DataFrame:
        columns = pd.MultiIndex.from_tuples([(m, "SOL") for m in metrics])
        return pd.DataFrame({c: values[c[0]] for c in columns}, index=index)

    return {
        "engagement": frame("total_engagement", "smart_engagement"),
        "mindshare": frame("mindshare"),
        "sentiment": frame("sentiment_score"),
        "mentions": frame("document_mentions_twitter"),
    }


def test_a_window_mostly_missing_shows_a_dash_and_a_late_gap_is_not_one() -> None:
    from kaito_pandas.report._summary import summarize

    nan = float("nan")
    steady = [10.0] * 53 + [20.0] * 7  # the last week doubles
    sparse = [0.01] * 54 + [nan] * 5 + [0.02, 0.5]  # 2 of the last 7 days
    summary = summarize(
        _frames(
            {
                "total_engagement": [*steady, nan],  # the service has not sent today yet
                "smart_engagement": [*steady, nan],
                "mindshare": sparse,
                "sentiment_score": [0.0] * 61,
                "document_mentions_twitter": [0.0] * 61,
            }
        ),
        "SOL",
    )
    rows = {row.label: row.cells() for row in summary.rows}
    assert rows["Total engagement"] == ["20", "+100.0%", "+23.3%"]
    assert rows["Mindshare"] == ["50.00%", DASH, "+2.00 pp"]
    assert rows["Mentions"] == ["0", DASH, DASH]  # nothing before: no relative change
    assert rows["Smart ratio"] == ["100.00%", "+0.00 pp", "+0.00 pp"]


def test_the_narratives_section_lists_the_largest_30_day_gainers_and_losers(built: Built) -> None:
    frame = _csv(built, "narrative_mindshare").iloc[:-1]  # today is a part of a day
    shares = frame["narrative_mindshare"]
    change = shares.iloc[-30:].mean() - shares.iloc[-60:-30].mean()
    page = built.html()
    section = page[page.index('<section id="narratives">') :]
    gainers = section[section.index("Largest gainers") : section.index("Largest losers")]
    losers = section[section.index("Largest losers") :]
    top, bottom = change.idxmax(), change.idxmin()
    assert f"{top}<span" in gainers
    assert f"{change[top] * 100:+.2f} pp" in gainers
    assert f"{bottom}<span" in losers
    assert f"{change[bottom] * 100:+.2f} pp" in losers
    assert f"{len(NARRATIVES)} narratives were compared" in section
    assert gainers.index(f"{top}<span") < gainers.index(f"{change.nlargest(2).index[1]}<span")


def test_a_report_without_narratives_has_no_narratives_section(
    server: FakeKaitoServer, tmp_path: Path
) -> None:
    with kp.Client(
        API_KEY, base_url=server.url, today=lambda: TODAY, cache_backend="memory"
    ) as client:
        page = build_report(tmp_path, client=client, days=7, narratives=(), progress=False)
    assert "narratives" not in page.read_text(encoding="utf-8").lower()
    assert server.api_requests("narrative_mindshare") == []


def _chromium() -> Any:
    """Playwright's Chromium API driving the system Chromium; under CI both must be there."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if executable is None or sync_playwright is None:
        missing = "Chromium (apt-get install chromium)" if executable is None else "playwright"
        if os.environ.get("CI"):
            pytest.fail(f"CI takes the report's screenshots, and {missing} is missing")
        pytest.skip(f"the report's screenshots need {missing}")
    return sync_playwright, executable


@pytest.mark.parametrize("width", [1280, 390])
def test_the_report_reads_at_desktop_and_phone_width(
    built: Built, width: int, tmp_path: Path
) -> None:
    sync_playwright, executable = _chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(built.demo.as_uri())
            # nothing makes the page scroll sideways (a wide table scrolls in its own box)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            shot = page.screenshot(path=str(tmp_path / f"report-{width}.png"), full_page=True)
            assert shot.startswith(b"\x89PNG")
            rows = page.evaluate(
                "[...document.querySelectorAll('table.summary[id^=summary-]')].map(t => "
                "[...t.tBodies[0].rows].map(r => Math.round(r.getBoundingClientRect().height)))"
            )
            assert len(rows) == len(TOKENS)
            assert all(r == rows[0] for r in rows)  # no token's table wraps where others don't
            if width == 1280:
                main_width = page.evaluate("document.querySelector('main').clientWidth")
                figure = page.evaluate(
                    "document.querySelector('#correlation figure').getBoundingClientRect().width"
                )
                assert figure > 0.85 * (main_width - 56)  # the card spans the page
        finally:
            browser.close()
