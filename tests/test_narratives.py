"""Narratives: the list, narrative_mindshare like every other fetch, the id check, the CLI."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest
import requests

import kaito_pandas as kp
from kaito_pandas.cli import main
from kaito_pandas.testing import NARRATIVES, FakeKaitoServer, synthetic_response
from tests.conftest import API_KEY, TODAY, make_client

WEEK = {"start": "2024-03-01", "end": "2024-03-07"}


def _sent(server: FakeKaitoServer) -> list[str]:
    return [r.raw_query for r in server.api_requests("narrative_mindshare")]


# --- the fake server -----------------------------------------------------------------------


def test_the_fake_lists_several_dozen_narratives_in_mixed_case_some_with_spaces(
    server: FakeKaitoServer,
) -> None:
    listed = requests.get(f"{server.url}/api/v1/narratives", timeout=10).json()
    ids = [row["narrative"] for row in listed]
    assert len(ids) >= 36
    assert {"AI", "DeFi", "L2", "RWA", "TopicPerpDEX", "Account Abstraction"} <= set(ids)
    assert any(" " in narrative for narrative in ids)
    assert all(set(row) == {"narrative", "fullname", "description"} for row in listed)


def test_the_fake_answers_a_narrative_of_the_wrong_case_with_400(server: FakeKaitoServer) -> None:
    headers = {"x-api-key": API_KEY}
    url = f"{server.url}/api/v1/narrative_mindshare"
    wrong = requests.get(url, params={"narrative": "ai"}, headers=headers, timeout=10)
    assert wrong.status_code == 400
    assert "case-sensitive" in wrong.json()["error"]
    right = requests.get(url, params={"narrative": "AI"}, headers=headers, timeout=10)
    assert right.status_code == 200


def test_the_fakes_narrative_shares_rotate_over_months() -> None:
    start, end = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    series = {}
    for row in NARRATIVES[:6]:
        body = synthetic_response(
            "narrative_mindshare", narrative=row["narrative"], start=start, end=end
        )
        series[row["narrative"]] = pd.Series(body["narrative_mindshare"])
    frame = pd.DataFrame(series)
    monthly = frame.set_axis(pd.to_datetime(frame.index)).resample("MS").mean()
    assert monthly.idxmax(axis=1).nunique() >= 2  # the leading narrative changes over the year
    assert monthly.max().max() < 0.5


def test_the_fake_serves_pretge_tokens_whose_coingecko_id_may_be_null(
    server: FakeKaitoServer,
) -> None:
    pretge = requests.get(f"{server.url}/api/v1/tokens?scope=pretge", timeout=10).json()
    full = requests.get(f"{server.url}/api/v1/tokens", timeout=10).json()
    assert {row["token"] for row in pretge}.isdisjoint(row["token"] for row in full)
    assert "MONAD" in {row["token"] for row in pretge}
    assert any(row["coingecko_id"] is None for row in pretge)


# --- the list --------------------------------------------------------------------------------


def test_narratives_needs_no_key_and_is_asked_once_a_day(server: FakeKaitoServer) -> None:
    with make_client(server, api_key=None, cache_backend="memory") as client:
        first = client.narratives()
        again = client.narratives()
    assert list(first.columns[:3]) == ["narrative", "fullname", "description"]
    assert first.loc[first["narrative"] == "AI", "fullname"].item() == "Artificial Intelligence"
    pd.testing.assert_frame_equal(first, again)
    assert [r.endpoint for r in server.requests] == ["narratives"]
    assert "x-api-key" not in server.requests[0].headers


def test_module_functions_list_narratives_and_fetch_narrative_mindshare(
    server: FakeKaitoServer,
) -> None:
    kp.configure(api_key=API_KEY, base_url=server.url)
    assert "DeFi" in kp.narratives()["narrative"].tolist()
    frame = kp.narrative_mindshare("DeFi", **WEEK)
    assert list(frame.columns) == ["narrative_mindshare"]


# --- narrative_mindshare ---------------------------------------------------------------------


def test_narrative_mindshare_is_a_daily_utc_share_from_2023(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    frame = client.narrative_mindshare("AI")
    assert list(frame.columns) == ["narrative_mindshare"]
    assert frame.index.name == "date"
    assert str(frame.index.tz) == "UTC"
    assert frame["narrative_mindshare"].dtype == np.float64
    assert frame.index[0] >= pd.Timestamp("2023-01-01", tz="UTC")
    assert frame.index[-1] == pd.Timestamp(TODAY, tz="UTC")
    assert frame["narrative_mindshare"].dropna().between(0, 1).all()
    assert frame.attrs["narrative"] == "AI"
    assert frame.attrs["method"] == "narrative_mindshare"
    # one request per calendar year, the first from the earliest day
    starts = sorted(r.params["start_date"] for r in server.api_requests("narrative_mindshare"))
    assert starts == ["2023-01-01", "2024-01-01"]


def test_an_earlier_start_is_clipped_to_the_first_day_of_narrative_data(
    client: kp.Client,
) -> None:
    assert client.plan("narrative_mindshare", "AI", start="2021-06-01").start == dt.date(2023, 1, 1)


def test_a_list_of_narratives_gives_metric_narrative_columns(client: kp.Client) -> None:
    frame = client.narrative_mindshare(["AI", "DeFi", "RWA"], **WEEK)
    assert frame.columns.names == ["metric", "narrative"]
    assert list(frame.columns) == [("narrative_mindshare", n) for n in ("AI", "DeFi", "RWA")]
    assert frame.attrs["narrative"] == ["AI", "DeFi", "RWA"]


def test_a_narrative_with_a_space_is_sent_percent_encoded(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    frame = client.narrative_mindshare("Account Abstraction", **WEEK)
    assert len(frame) == 7
    (query,) = _sent(server)
    assert "narrative=Account%20Abstraction&" in query


def test_a_rerun_sends_nothing_and_offline_reads_the_cache(
    server: FakeKaitoServer, tmp_path: object
) -> None:
    with make_client(server, cache_dir=str(tmp_path)) as client:
        first = client.narrative_mindshare(["AI", "L2"], start="2023-06-01", end="2024-02-01")
        sent = len(server.requests)
        again = client.narrative_mindshare(["AI", "L2"], start="2023-07-01", end="2024-01-15")
    assert len(server.requests) == sent
    pd.testing.assert_frame_equal(again, first.loc["2023-07-01":"2024-01-15"], check_freq=False)
    with make_client(server, cache_dir=str(tmp_path), offline=True) as offline:
        cached = offline.narrative_mindshare(["AI", "L2"], start="2023-06-01", end="2024-02-01")
    assert len(server.requests) == sent
    pd.testing.assert_frame_equal(cached, first)


def test_narrative_mindshare_takes_no_keyword_and_no_undocumented_option(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    with pytest.raises(ValueError, match="takes a narrative, not a keyword"):
        client.fetch("narrative_mindshare", keyword="ai agents")
    with pytest.raises(ValueError, match=r"needs a narrative \(e.g. 'AI'"):
        client.narrative_mindshare()
    with pytest.raises(ValueError, match="narrative_mindshare has no parameter 'scope'"):
        client.narrative_mindshare("AI", scope="pretge")
    assert server.requests == []


def test_a_list_query_with_errors_warn_returns_the_narratives_that_worked(
    server: FakeKaitoServer,
) -> None:
    with (
        make_client(server, cache_backend="memory", check_tokens="off") as client,
        pytest.warns(kp.KaitoWarning, match="1 of 2 narratives failed"),
    ):
        frame = client.narrative_mindshare(["AI", "defi"], errors="warn", **WEEK)
    assert list(frame.columns.get_level_values("narrative")) == ["AI"]
    assert "case-sensitive" in frame.attrs["failed"]["defi"]


# --- the id check ----------------------------------------------------------------------------


def _refused(server: FakeKaitoServer, names: str | list[str]) -> kp.UnknownNarrativeError:
    """The error of narrative_mindshare(names) with check_tokens="raise"; nothing sent."""
    with (
        make_client(server, cache_backend="memory", check_tokens="raise") as client,
        pytest.raises(kp.UnknownNarrativeError) as info,
    ):
        client.narrative_mindshare(names, **WEEK)
    assert _sent(server) == []
    return info.value


def test_a_wrong_case_raises_with_did_you_mean_before_any_series_request(
    server: FakeKaitoServer,
) -> None:
    error = _refused(server, "ai")
    assert "did you mean 'AI' (Artificial Intelligence)?" in str(error)
    assert "kp.narratives() lists the ids" in str(error)
    assert error.suggestions == {"ai": ["AI"]}
    assert isinstance(error, ValueError)
    assert isinstance(error, kp.KaitoError)
    assert not isinstance(error, kp.UnknownTokenError)


def test_a_wrong_case_warns_by_default_and_the_service_answers_400(
    client: kp.Client, server: FakeKaitoServer, record: list[warnings.WarningMessage]
) -> None:
    with pytest.raises(kp.APIError) as info:
        client.narrative_mindshare("defi", **WEEK)
    assert info.value.status_code == 400
    (message,) = [str(w.message) for w in record if issubclass(w.category, kp.KaitoWarning)]
    assert "'defi' is not a Kaito narrative id; did you mean 'DeFi' (Decentralized Finance)?" in (
        message
    )
    assert server.requests[0].endpoint == "narratives"  # the list came first


def test_a_name_is_matched_by_full_name_and_by_the_words_of_descriptions(
    server: FakeKaitoServer,
) -> None:
    error = _refused(server, ["Real World Assets", "rollups"])
    assert error.suggestions["Real World Assets"] == ["RWA"]
    assert "L2" in error.suggestions["rollups"]
    assert "2 of 2 narratives are not Kaito narrative ids" in str(error)


def test_check_tokens_off_skips_the_narrative_list(server: FakeKaitoServer) -> None:
    with make_client(server, cache_backend="memory", check_tokens="off") as client:
        client.narrative_mindshare("AI", **WEEK)
    assert [r.endpoint for r in server.requests] == ["narrative_mindshare"]


def test_narrative_ids_are_not_checked_against_the_token_list_nor_tokens_against_narratives(
    client: kp.Client, server: FakeKaitoServer, record: list[warnings.WarningMessage]
) -> None:
    client.narrative_mindshare("RWA", **WEEK)
    client.mindshare("BTC", **WEEK)
    assert not [w for w in record if issubclass(w.category, kp.KaitoWarning)]
    listed = [r.endpoint for r in server.requests if r.endpoint in ("tokens", "narratives")]
    assert listed == ["narratives", "tokens"]


def test_the_listed_narratives_are_the_ones_checked_against(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    client.narratives()
    client.narrative_mindshare("AI", **WEEK)
    assert [r.endpoint for r in server.requests] == ["narratives", "narrative_mindshare"]


# --- the frame downstream --------------------------------------------------------------------


def test_narrative_mindshare_averages_when_resampled_and_shares_across_narratives(
    client: kp.Client,
) -> None:
    frame = client.narrative_mindshare(["AI", "DeFi", "L2"], start="2024-04-01", end="2024-04-28")
    weekly = frame.kaito.resample("W")
    first_week = frame.loc["2024-04-01":"2024-04-07", ("narrative_mindshare", "AI")]
    assert weekly[("narrative_mindshare", "AI")].iloc[0] == pytest.approx(first_week.mean())
    shares = frame.kaito.share()
    assert shares.sum(axis=1, min_count=1).dropna().to_numpy() == pytest.approx(1.0)
    assert list(shares.columns) == ["AI", "DeFi", "L2"]


def test_to_long_and_coverage_name_the_narrative(client: kp.Client) -> None:
    single = client.narrative_mindshare("AI", **WEEK)
    listed = client.narrative_mindshare(["AI", "RWA"], **WEEK)
    assert single.kaito.to_long()["narrative"].unique().tolist() == ["AI"]
    assert listed.kaito.to_long()["narrative"].unique().tolist() == ["AI", "RWA"]
    assert listed.kaito.coverage().index.names == ["metric", "narrative"]
    assert single.kaito.coverage().index.tolist() == [("narrative_mindshare", "AI")]


def test_narratives_draw_as_a_stacked_share(client: kp.Client) -> None:
    import matplotlib.pyplot as plt

    frame = client.narrative_mindshare(["AI", "DeFi", "RWA"], start="2024-01-01")
    ax = frame.kaito.plot()
    try:
        assert len(ax.collections) == 3  # one band per narrative
        assert (
            ax.get_title(loc="left")
            == "Each narrative's share of the 3 narratives' combined narrative mindshare"
        )
        assert ax.get_ylabel() == "Share of the narratives' total"
    finally:
        plt.close(ax.figure)


# --- pre-launch tokens ------------------------------------------------------------------------


def test_tokens_scope_pretge_passes_the_scope_and_keeps_null_coingecko_ids(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    pretge = client.tokens(scope="pretge")
    assert [r.raw_query for r in server.requests] == ["scope=pretge"]
    assert "MONAD" in pretge["token"].tolist()
    assert pretge["coingecko_id"].isna().any()
    with pytest.raises(ValueError, match="scope='all': use one of pretge"):
        client.tokens(scope="all")
    assert len(server.requests) == 1


def test_a_scoped_token_list_is_not_the_one_token_ids_are_checked_against(
    client: kp.Client, server: FakeKaitoServer, record: list[warnings.WarningMessage]
) -> None:
    client.tokens(scope="pretge")
    client.mindshare("BTC", **WEEK)
    assert [r.raw_query for r in server.requests if r.endpoint == "tokens"] == ["scope=pretge", ""]
    assert not [w for w in record if issubclass(w.category, kp.KaitoWarning)]


# --- the command line ------------------------------------------------------------------------


def test_the_command_line_fetches_narratives_and_lists_them(
    server: FakeKaitoServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KAITO_API_KEY", API_KEY)
    monkeypatch.setenv("KAITO_API_BASE_URL", server.url)
    argv = [
        "fetch",
        "narrative_mindshare",
        "AI",
        "DeFi",
        "--start",
        "2024-03-01",
        "--end",
        "2024-03-03",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "narrative_mindshare" in out
    assert "2024-03-03" in out
    assert "DeFi" in out
    assert main(["narratives"]) == 0
    listed = capsys.readouterr().out
    assert "Account Abstraction" in listed
    assert "Artificial Intelligence" in listed
