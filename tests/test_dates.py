"""Dates in every accepted form, defaults and clipping; over HTTP, nothing is sent for bad ones."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pandas as pd
import pytest

import kaito_pandas as kp
from kaito_pandas.dates import EARLIEST_DAY, resolve_range, to_day
from kaito_pandas.testing import FakeKaitoServer
from tests.conftest import TODAY

UTC = dt.timezone.utc
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    "value",
    [
        "2024-03-01",
        " 2024-03-01 ",
        "2024-03-01T12:00:00",
        "2024-03-01T23:59:59Z",
        "2024-03-01 10:00+00:00",
        dt.date(2024, 3, 1),
        dt.datetime(2024, 3, 1, 23, 59),
        dt.datetime(2024, 3, 1, 18, 0, tzinfo=NEW_YORK),  # 23:00 UTC
        pd.Timestamp("2024-03-01"),
        pd.Timestamp("2024-03-01 12:00", tz="UTC"),
        pd.Timestamp("2024-03-02 08:00", tz="Asia/Tokyo"),  # 23:00 UTC the day before
    ],
)
def test_every_date_form_gives_the_same_utc_day(value: object) -> None:
    assert to_day(value) == dt.date(2024, 3, 1)  # type: ignore[arg-type]


def test_an_aware_time_is_converted_to_utc_before_taking_the_day() -> None:
    assert to_day(dt.datetime(2024, 3, 1, 20, 0, tzinfo=NEW_YORK)) == dt.date(2024, 3, 2)
    assert to_day("2024-03-01T23:30-05:00") == dt.date(2024, 3, 2)


@pytest.mark.parametrize(
    "value",
    [
        "2024-02-30",
        "03/01/2024",
        "2024-3-1",
        "yesterday",
        "today",
        "",
        "2024",
        20240301,
        1.5,
        None,
        pd.NaT,
    ],
)
def test_unreadable_dates_raise_value_error(value: object) -> None:
    with pytest.raises(ValueError, match="start"):
        to_day(value, name="start")  # type: ignore[arg-type]


def test_defaults_are_the_earliest_day_and_today() -> None:
    for method, earliest in EARLIEST_DAY.items():
        assert resolve_range(method, None, None, today=TODAY) == (earliest, TODAY)


def test_start_before_earliest_and_end_after_today_are_clipped() -> None:
    assert resolve_range("engagement", "2019-05-01", "2030-01-01", today=TODAY) == (
        dt.date(2023, 1, 1),
        TODAY,
    )
    assert resolve_range("mindshare", "2019-05-01", None, today=TODAY)[0] == dt.date(2020, 1, 1)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2024-03-05", "2024-03-01", "after end"),
        (None, "2022-06-01", "before 2023-01-01"),
        ("2030-01-01", None, "future"),
    ],
)
def test_impossible_ranges_raise_value_error(
    start: str | None, end: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        resolve_range("engagement", start, end, today=TODAY)


def test_clipped_dates_are_what_the_server_receives(
    client: kp.Client, server: FakeKaitoServer
) -> None:
    df = client.engagement("BTC", start=dt.datetime(2020, 1, 1), end=pd.Timestamp("2031-01-01"))
    days = sorted((r.params["start_date"], r.params["end_date"]) for r in server.api_requests())
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    assert days == [("2023-01-01", "2024-01-01"), ("2024-01-01", tomorrow)]
    assert df.attrs["start"] == "2023-01-01"
    assert df.attrs["end"] == TODAY.isoformat()


def test_default_today_is_the_utc_day() -> None:
    assert resolve_range("engagement", None, None)[1] == dt.datetime.now(UTC).date()
