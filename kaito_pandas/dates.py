"""Accepting dates from users, defaulting and clipping them to what the API serves. Pure."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pandas as pd

__all__ = [
    "ALL_METHODS",
    "EARLIEST_DAY",
    "METHODS",
    "NARRATIVE_METHODS",
    "DateLike",
    "resolve_range",
    "to_day",
    "today_utc",
    "year_chunks",
]

#: The four time-series methods of the API, in the order the package documents them.
METHODS: tuple[str, ...] = ("engagement", "mindshare", "sentiment", "mentions")
#: The time-series methods about a narrative (``AI``, ``DeFi``) rather than a token.
NARRATIVE_METHODS: tuple[str, ...] = ("narrative_mindshare",)
#: Every time-series method the package fetches as a frame.
ALL_METHODS: tuple[str, ...] = (*METHODS, *NARRATIVE_METHODS)

#: The first day each method has data for; earlier starts are clipped to it.
EARLIEST_DAY: dict[str, dt.date] = {
    "engagement": dt.date(2023, 1, 1),
    "mentions": dt.date(2023, 1, 1),
    "mindshare": dt.date(2020, 1, 1),
    "sentiment": dt.date(2020, 1, 1),
    "narrative_mindshare": dt.date(2023, 1, 1),
}

DateLike = str | dt.date | dt.datetime | pd.Timestamp

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?"
)


def today_utc() -> dt.date:
    """Return the current calendar day in UTC."""
    return dt.datetime.now(dt.timezone.utc).date()


def to_day(value: DateLike, *, name: str = "date") -> dt.date:
    """Return the UTC calendar day of ``value``.

    Parameters
    ----------
    value : str, datetime.date, datetime.datetime or pandas.Timestamp
        ``"YYYY-MM-DD"`` (or an ISO 8601 date-time), a date, or a date-time.
        A naive date-time is taken as UTC; an aware one is converted to UTC.
    name : str
        What the value is called in error messages (``"start"``, ``"end"``).

    Returns
    -------
    datetime.date

    Raises
    ------
    ValueError
        If the value is not one of the accepted forms or is not a real day.

    Examples
    --------
    >>> to_day("2024-03-01T23:30-05:00")
    datetime.date(2024, 3, 2)
    """
    original = value
    if isinstance(value, str):
        text = value.strip()
        try:
            if _ISO_DAY.fullmatch(text):
                return dt.date.fromisoformat(text)
            if _ISO_DATETIME.fullmatch(text):
                value = pd.Timestamp(text)
            else:
                raise ValueError
        except ValueError:
            raise ValueError(
                f"{name}={value!r} is not a date: give 'YYYY-MM-DD', a datetime.date, "
                "a datetime.datetime or a pandas.Timestamp"
            ) from None
    if isinstance(value, dt.datetime):  # pd.Timestamp is a datetime too
        if pd.isna(value):
            raise ValueError(f"{name} is NaT: give a real day or leave it out")
        try:
            if value.tzinfo is not None:
                value = value.astimezone(dt.timezone.utc)
            return dt.date(value.year, value.month, value.day)
        except (OverflowError, ValueError):  # e.g. 9999-12-31T23:00-05:00 is in year 10000
            raise ValueError(
                f"{name}={original!r} has no UTC day Python can represent: give a day "
                "between 0001-01-01 and 9999-12-31 in UTC"
            ) from None
    if isinstance(value, dt.date):
        return value
    raise ValueError(
        f"{name}={value!r} ({type(value).__name__}) is not a date: give 'YYYY-MM-DD', "
        "a datetime.date, a datetime.datetime or a pandas.Timestamp"
    )


def resolve_range(
    method: str,
    start: DateLike | None,
    end: DateLike | None,
    *,
    today: dt.date | Callable[[], dt.date] = today_utc,
) -> tuple[dt.date, dt.date]:
    """Return the ``(start, end)`` days to ask ``method`` for, defaulted and clipped.

    Parameters
    ----------
    method : str
        One of :data:`ALL_METHODS`.
    start, end : date-like or None
        The first and last day wanted, inclusive. ``None`` means the method's
        earliest day and today (UTC). A start before the earliest day, or an
        end after today, is clipped.
    today : datetime.date or callable
        The current UTC day, injectable for tests.

    Returns
    -------
    tuple of datetime.date

    Raises
    ------
    ValueError
        If a date cannot be read, start is after end, or nothing of the
        range lies between the earliest day and today.

    Examples
    --------
    >>> resolve_range("engagement", "2020-06-01", "2024-03-05")
    (datetime.date(2023, 1, 1), datetime.date(2024, 3, 5))
    """
    if method not in EARLIEST_DAY:
        raise ValueError(f"unknown method {method!r}: use one of {', '.join(ALL_METHODS)}")
    now = today() if callable(today) else today
    earliest = EARLIEST_DAY[method]
    first = earliest if start is None else to_day(start, name="start")
    last = now if end is None else to_day(end, name="end")
    if last < earliest:
        raise ValueError(
            f"end {last} is before {earliest}, the first day Kaito has {method} data for"
        )
    if first > now:
        raise ValueError(f"start {first} is in the future: today (UTC) is {now}")
    if first > last:
        raise ValueError(f"start {first} is after end {last}: swap them or widen the range")
    return max(first, earliest), min(last, now)


def year_chunks(
    method: str, start: dt.date, end: dt.date, today: dt.date
) -> list[tuple[dt.date, dt.date]]:
    """Return the calendar-year chunks that cover ``start..end``, each whole but clipped.

    A chunk is always asked for whole (clipped to the method's earliest day
    and today), so that any later query inside it is answered by the cache.

    Examples
    --------
    >>> year_chunks("engagement", dt.date(2023, 6, 1), dt.date(2024, 1, 5), dt.date(2024, 3, 1))
    [(datetime.date(2023, 1, 1), datetime.date(2023, 12, 31)), (datetime.date(2024, 1, 1), datetime.date(2024, 3, 1))]
    """
    earliest = EARLIEST_DAY[method]
    return [
        (max(dt.date(year, 1, 1), earliest), min(dt.date(year, 12, 31), today))
        for year in range(start.year, end.year + 1)
    ]
