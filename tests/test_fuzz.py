"""Property tests: the parser, dates and arguments under inputs nobody wrote by hand.

Each property is a promise of the package, checked on random inputs:

- any body either parses into a frame that keeps the frame contract or raises
  ``ResponseError``, never anything else (pure, and through the client over HTTP);
- a valid response survives frame -> JSON -> frame unchanged, and its frame
  holds exactly the numbers and texts that were sent;
- every accepted form of a moment gives the same UTC day, and every text that
  is not an accepted form raises ``ValueError``;
- every rejected argument combination raises ``ValueError`` before any request.

Explicit ``@example`` cases marked "Regression, fixed" pin faults these
properties found in the package, so that they stay fixed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

import kaito_pandas as kp
from kaito_pandas.dates import EARLIEST_DAY, METHODS, to_day
from kaito_pandas.parsing import REQUIRED_COLUMNS, TEXT_FIELDS, parse_response
from kaito_pandas.query import plan_query
from kaito_pandas.testing import FakeKaitoServer
from tests.conftest import TODAY, make_client

# Fresh randomness on every run and nothing remembered between runs: a failure
# prints its example, and the explicit examples below pin the ones already found.
FUZZ = settings(database=None, deadline=None, print_blob=True)
OVER_HTTP = settings(
    FUZZ,
    max_examples=40,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

UTC = dt.timezone.utc
#: Generated days fall in this window; queries ask for a part of it.
WINDOW = (dt.date(2024, 2, 26), dt.date(2024, 3, 8))
#: What the HTTP tests ask for: inside the one 2024 chunk the client requests.
HTTP_START, HTTP_END = dt.date(2024, 3, 1), dt.date(2024, 3, 5)

METRIC_KEYS = (
    "total_engagement",
    "smart_engagement",
    "mindshare",
    "sentiment",
    "score",
    "event",
    "document_mentions",
    "total_document_mentions",
)
SOURCES = ("twitter", "news", "podcast", "research", "youtube")
#: 2024-03-01 in full-width digits: digits to the re module's \d, not to ISO 8601.
FULL_WIDTH_DAY = "2024-03-01".translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
INVALID_DAYS = (
    "2024-02-30",
    "2024-13-01",
    "2023-02-29",
    "2024-3-1",
    "20240301",
    " 2024-03-01",
    "2024-03-01T00:00",
    "0000-01-01",
    FULL_WIDTH_DAY,
)

# --- strategies ------------------------------------------------------------------------------

days_in_window = st.dates(min_value=WINDOW[0], max_value=WINDOW[1])
valid_day_texts = st.one_of(days_in_window, st.dates()).map(dt.date.isoformat)
day_like = st.one_of(valid_day_texts, st.sampled_from(INVALID_DAYS))
json_keys = st.one_of(st.sampled_from(METRIC_KEYS + SOURCES), day_like, st.text(max_size=6))
json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**330), max_value=10**330),  # past what a float holds
    st.floats(),  # NaN and infinities are dumped as tokens strict JSON does not have
    st.text(max_size=10),
    day_like,
)
json_values = st.recursive(
    json_leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(json_keys, children, max_size=4)
    ),
    max_leaves=25,
)
# Shaped like responses (metric -> [source ->] day -> number, null or object) from valid
# pieces, so that many parse into frames; json_values supplies the malformed ones.
_numbers_or_null = st.one_of(st.none(), st.integers(-(10**6), 10**6), st.floats(-1e6, 1e6))
_day_objects = st.fixed_dictionaries(
    {"score": _numbers_or_null}, optional={"event": st.one_of(st.none(), st.text(max_size=8))}
)
_axes = st.dictionaries(
    st.one_of(days_in_window.map(dt.date.isoformat), valid_day_texts),
    st.one_of(_numbers_or_null, _day_objects),
    max_size=5,
)
near_responses = st.dictionaries(
    st.one_of(st.sampled_from(METRIC_KEYS), st.text(max_size=4)),
    st.one_of(_axes, st.dictionaries(st.sampled_from(SOURCES), _axes, min_size=1, max_size=3)),
    min_size=1,
    max_size=3,
)
any_json = st.one_of(json_values, near_responses)


@st.composite
def day_ranges(draw: st.DrawFn) -> tuple[dt.date, dt.date]:
    """A start and an end inside the window, start <= end."""
    first, last = sorted(draw(st.lists(days_in_window, min_size=2, max_size=2)))
    return first, last


@st.composite
def truncated_json(draw: st.DrawFn) -> str:
    """A JSON document cut short, as a dropped connection leaves it."""
    text = json.dumps(draw(any_json))
    return text[: draw(st.integers(min_value=0, max_value=max(len(text) - 1, 0)))]


number_literals = st.one_of(
    st.integers().map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.from_regex(r"-?(0|[1-9][0-9]{0,3})(\.[0-9]{1,3})?[eE][+-]?[0-9]{1,4}", fullmatch=True),
    st.integers(min_value=300, max_value=400).map(lambda n: "9" * n),
)
literal_bodies = st.builds(
    lambda metric, day, number: f'{{"{metric}": {{"{day}": {number}}}}}',
    st.sampled_from(["mindshare", "total_engagement"]),
    days_in_window.map(dt.date.isoformat),
    number_literals,
)
raw_bodies = st.one_of(
    st.binary(max_size=40),
    st.text(max_size=40),
    truncated_json(),
    literal_bodies,
    st.sampled_from(
        ["", " \n", "null", "[]", "<html><body>502</body></html>", '{"a": {}, "a": {}}']
    ),
)

# --- the frame contract ----------------------------------------------------------------------


def is_text_column(name: str) -> bool:
    return name.rsplit("_", 1)[-1] in TEXT_FIELDS


def assert_frame_contract(frame: pd.DataFrame, method: str, start: dt.date, end: dt.date) -> None:
    """The frame every parse returns: daily UTC index, float64 numbers, string text."""
    index = frame.index
    assert isinstance(index, pd.DatetimeIndex)
    assert str(index.tz) == "UTC"
    assert index.name == "date"
    assert index.is_monotonic_increasing
    assert index.is_unique
    assert (index == index.normalize()).all()
    if len(index):
        assert index.freqstr == "D"
        assert start <= index[0].date() <= index[-1].date() <= end
        assert len(index) == (index[-1] - index[0]).days + 1
    assert frame.columns.is_unique
    assert set(REQUIRED_COLUMNS[method]) <= set(frame.columns)
    for name in frame.columns:
        column = frame[name]
        if is_text_column(name):
            assert isinstance(column.dtype, pd.StringDtype), (name, column.dtype)
        else:
            assert column.dtype == np.float64, (name, column.dtype)
            # loads() promises no Infinity: an infinite count or share is a wrong number
            assert not np.isinf(column.to_numpy()).any(), (name, column.tolist())


def parse_or_none(
    body: bytes | str, method: str, start: dt.date, end: dt.date
) -> pd.DataFrame | None:
    """The parsed frame, or None for ResponseError; any other exception propagates."""
    try:
        frame = parse_response(body, method, start=start, end=end)
    except kp.ResponseError:
        event("ResponseError")
        return None
    event("a frame" if len(frame) else "an empty frame")
    return frame


# --- 1. any body: a frame that keeps the contract, or ResponseError ---------------------------

FULL_WINDOW = (WINDOW[0], WINDOW[1])


@settings(FUZZ, max_examples=400)
@given(value=any_json, method=st.sampled_from(METHODS), days=day_ranges())
# Regression, fixed: an integer too big for a float raises OverflowError instead of ResponseError
@example(value={"mindshare": {"2024-03-01": 10**400}}, method="mindshare", days=FULL_WINDOW)
def test_any_json_body_parses_to_a_valid_frame_or_raises_response_error(
    value: Any, method: str, days: tuple[dt.date, dt.date]
) -> None:
    start, end = days
    frame = parse_or_none(json.dumps(value), method, start, end)
    if frame is not None:
        assert_frame_contract(frame, method, start, end)


@settings(FUZZ, max_examples=300)
@given(body=raw_bodies, method=st.sampled_from(METHODS), days=day_ranges())
# 1e400 is valid JSON that Python reads as inf: it must not reach the frame
@example(body='{"mindshare": {"2024-03-01": 1e400}}', method="mindshare", days=FULL_WINDOW)
# Regression, fixed: an integer of more than 4300 digits raises ValueError (int_max_str_digits) from json
@example(
    body='{"mindshare": {"2024-03-01": 1' + "0" * 4300 + "}}", method="mindshare", days=FULL_WINDOW
)
# Regression, fixed: deep nesting raises RecursionError from json instead of ResponseError
@example(body="[" * 100_000, method="mindshare", days=FULL_WINDOW)
def test_any_raw_body_parses_to_a_valid_frame_or_raises_response_error(
    body: bytes | str, method: str, days: tuple[dt.date, dt.date]
) -> None:
    start, end = days
    frame = parse_or_none(body, method, start, end)
    if frame is not None:
        assert_frame_contract(frame, method, start, end)


@pytest.fixture
def fast_client(server: FakeKaitoServer) -> Iterator[kp.Client]:
    """The shared test client's settings without the 5 requests/s limit: one request an example."""
    with make_client(server, retry_backoff=0.01, cache_backend="memory", rate_limit=1000) as client:
        yield client


@OVER_HTTP
@given(body=st.one_of(raw_bodies, any_json.map(json.dumps)), method=st.sampled_from(METHODS))
# Regression, fixed: the OverflowError escapes the client, and the body stays in its cache
@example(body='{"mindshare": {"2024-03-01": 1' + "0" * 400 + "}}", method="mindshare")
def test_any_body_the_server_sends_gives_a_valid_frame_or_response_error(
    server: FakeKaitoServer, fast_client: kp.Client, body: str | bytes, method: str
) -> None:
    fast_client.clear_cache()
    server.reset_faults()
    server.clear_requests()
    server.fail(status=200, body=body)
    try:
        frame = fast_client.fetch(method, "BTC", start=HTTP_START, end=HTTP_END)
    except kp.ResponseError:
        event("ResponseError")
        frame = None
    assert len(server.api_requests()) == 1  # a 200 is never retried
    if frame is not None:
        event("a frame")
        assert_frame_contract(frame, method, HTTP_START, HTTP_END)


# --- 2. a valid response survives frame -> JSON -> frame -------------------------------------

_numbers = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
)
_shares = st.one_of(st.none(), st.floats(min_value=0, max_value=1))
_events = st.one_of(
    st.none(),
    st.text(min_size=1, max_size=20),
    st.sampled_from([" ", " ETF approved ", "\n", "null", "NaN", "<NA>", "0", "emoji 🚀"]),
)
# Some days fall outside every range asked for, to be dropped.
_response_days = st.dates(min_value=dt.date(2024, 2, 20), max_value=dt.date(2024, 3, 15)).map(
    dt.date.isoformat
)


def _axis(
    values: st.SearchStrategy[Any], *, min_size: int = 0
) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(_response_days, values, min_size=min_size, max_size=8)


@st.composite
def valid_responses(draw: st.DrawFn, method: str) -> dict[str, Any]:
    """A body the service could send for ``method``, documented fields plus a little drift."""
    if method == "engagement":
        body = {"total_engagement": draw(_axis(_numbers))}
        if draw(st.booleans()):  # a keyword query has no smart_engagement
            body["smart_engagement"] = draw(_axis(_numbers))
        if draw(st.booleans()):  # a metric the service adds later
            body["bot_engagement"] = draw(_axis(_numbers))
        return body
    if method == "mindshare":
        return {"mindshare": draw(_axis(_shares))}
    if method == "sentiment":
        day = st.fixed_dictionaries({"score": _numbers, "event": _events})
        return {"sentiment": draw(_axis(day, min_size=1))}
    sources = draw(st.lists(st.sampled_from(SOURCES), min_size=1, max_size=4, unique=True))
    mentions: dict[str, Any] = {
        "document_mentions": {source: draw(_axis(_numbers)) for source in sources}
    }
    if draw(st.booleans()):
        total = {"total_document_mentions": draw(_axis(_numbers))}
        mentions = {**total, **mentions} if draw(st.booleans()) else {**mentions, **total}
    return mentions


@st.composite
def methods_and_responses(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    method = draw(st.sampled_from(METHODS))
    return method, draw(valid_responses(method))


def sent_columns(body: dict[str, Any], method: str) -> dict[str, dict[str, Any]]:
    """What each column should hold, by day text, read from a valid body by hand."""
    if method == "sentiment":
        axis = body["sentiment"]
        return {
            "sentiment_score": {day: value["score"] for day, value in axis.items()},
            "sentiment_event": {day: value["event"] for day, value in axis.items()},
        }
    columns = {}
    for key, value in body.items():
        if key == "document_mentions":
            columns.update({f"{key}_{source}": axis for source, axis in value.items()})
        else:
            columns[key] = value
    return columns


def to_api_json(frame: pd.DataFrame, method: str) -> dict[str, Any]:
    """The body in the API's shape that the frame was parsed from: every row, null for missing."""
    days = [stamp.strftime("%Y-%m-%d") for stamp in frame.index]

    def value(item: Any) -> Any:
        return None if pd.isna(item) else item if isinstance(item, str) else float(item)

    def axis(name: str) -> dict[str, Any]:
        return {day: value(item) for day, item in zip(days, frame[name], strict=True)}

    if method == "sentiment":
        if frame.empty:
            return {}
        scores, events = axis("sentiment_score"), axis("sentiment_event")
        return {"sentiment": {day: {"score": scores[day], "event": events[day]} for day in days}}
    body: dict[str, Any] = {}
    for name in frame.columns:
        if name.startswith("document_mentions_"):
            body.setdefault("document_mentions", {})[name.removeprefix("document_mentions_")] = (
                axis(name)
            )
        else:
            body[name] = axis(name)
    return body


@settings(FUZZ, max_examples=300)
@given(sent=methods_and_responses(), days=day_ranges())
def test_a_valid_response_survives_a_round_trip_through_its_frame(
    sent: tuple[str, dict[str, Any]], days: tuple[dt.date, dt.date]
) -> None:
    method, body = sent
    start, end = days
    frame = parse_response(json.dumps(body), method, start=start, end=end)
    assert_frame_contract(frame, method, start, end)

    expected = sent_columns(body, method)
    # the frame spans the days that hold a value: null (or empty text) at either end is no row
    in_range = {
        day
        for axis in expected.values()
        for day, value in axis.items()
        if start.isoformat() <= day <= end.isoformat() and value not in (None, "")
    }
    got_days = [stamp.strftime("%Y-%m-%d") for stamp in frame.index]
    if in_range:
        assert (got_days[0], got_days[-1]) == (min(in_range), max(in_range))
    else:
        assert got_days == []
    for name, axis in expected.items():
        for day, got in zip(got_days, frame[name], strict=True):
            want = axis.get(day)
            if want is None or want == "":
                assert pd.isna(got), (name, day, got)
            elif isinstance(want, str):
                assert got == want, (name, day)
            else:
                assert got == float(want), (name, day, got, want)

    again = parse_response(json.dumps(to_api_json(frame, method)), method, start=start, end=end)
    pd.testing.assert_frame_equal(again, frame)


# --- 3. dates: one UTC day from every accepted form; ValueError for any other text -------------

_fixed_offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)
moments = st.datetimes(
    min_value=dt.datetime(2, 1, 1),
    max_value=dt.datetime(9998, 12, 31),
    timezones=st.one_of(st.none(), _fixed_offsets, st.timezones()),
)


def _offset_text(offset: dt.timedelta, *, colon: bool) -> str:
    sign = "-" if offset < dt.timedelta(0) else "+"
    hours, minutes = divmod(abs(offset) // dt.timedelta(minutes=1), 60)
    return f"{sign}{hours:02d}{':' if colon else ''}{minutes:02d}"


def accepted_forms(moment: dt.datetime) -> list[Any]:
    """Every way a caller may write ``moment`` (or its UTC day) that to_day accepts."""
    offset = moment.utcoffset()
    in_utc = moment if offset is None else moment.astimezone(UTC)
    day = in_utc.date()
    clock = f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    forms: list[Any] = [day.isoformat(), day, moment, pd.Timestamp(moment)]
    forms.append(f"{day.isoformat()}T{in_utc.hour:02d}:{in_utc.minute:02d}Z")
    if offset is None:
        forms += [moment.isoformat(), moment.isoformat(sep=" ")]
    elif offset % dt.timedelta(minutes=1) == dt.timedelta(0):  # ISO has no seconds in offsets
        forms.append(moment.isoformat())
        forms.append(f"{moment.date().isoformat()}T{clock}{_offset_text(offset, colon=False)}")
    return forms


@settings(FUZZ, max_examples=300)
@given(moment=moments)
def test_every_accepted_form_of_a_moment_gives_the_same_utc_day(moment: dt.datetime) -> None:
    offset = moment.utcoffset()
    want = moment.date() if offset is None else moment.astimezone(UTC).date()
    for form in accepted_forms(moment):
        assert to_day(form) == want, form


#: The accepted text forms, in ASCII digits only: 'YYYY-MM-DD' or an ISO 8601 date-time.
ACCEPTED_TEXT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
# \d in Hypothesis's regex strategy is any Unicode digit: near misses in other scripts.
near_dates = st.from_regex(
    r"\d{4}-\d{1,2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?", fullmatch=True
)


@settings(FUZZ, max_examples=400)
@given(text=st.one_of(st.text(max_size=30), day_like, near_dates))
# Regression, fixed: a date-time in full-width digits is accepted, though the same day alone is not
@example(text=FULL_WIDTH_DAY + "T00:00")
def test_text_that_is_not_an_accepted_date_form_raises_value_error(text: str) -> None:
    if not ACCEPTED_TEXT.fullmatch(text.strip()):
        with pytest.raises(ValueError, match="is not a date"):
            to_day(text)
        return
    try:
        day = to_day(text)
    except ValueError:
        return  # the right shape but not a real moment (month 13, hour 25)
    try:
        parsed = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return  # Python reads fewer forms than pandas: nothing to compare with
    assert day == (parsed if parsed.tzinfo is None else parsed.astimezone(UTC)).date()


# --- 4. rejected arguments: ValueError before any request ------------------------------------

_names = st.one_of(st.sampled_from(["BTC", "ETH", "SOL"]), st.text(max_size=4))
name_args = st.one_of(
    st.none(),
    _names,
    st.lists(_names, max_size=3),
    st.tuples(_names, _names),
    st.lists(st.one_of(st.integers(), st.none(), st.binary(max_size=2)), min_size=1, max_size=2),
    st.integers(),
    st.floats(),
    st.binary(max_size=3),
    st.dictionaries(_names, _names, max_size=2),
)
date_args = st.one_of(
    st.none(),
    day_like,
    st.text(max_size=12),
    st.dates(),
    st.datetimes(timezones=st.one_of(st.none(), _fixed_offsets)),
    st.datetimes(min_value=dt.datetime(2019, 1, 1), max_value=dt.datetime(2025, 1, 1)).map(
        pd.Timestamp
    ),
    st.just(pd.NaT),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.just(np.datetime64("2024-03-01")),
)
_param_keys = st.one_of(
    st.sampled_from(
        [
            *("scope", "language", "version", "adjusted", "average", "gaussian"),
            *("start_date", "end_date", "api_key", "API_KEY", "x-api-key", "Key", "apikey"),
        ]
    ),
    st.text(min_size=1, max_size=6),
)
_param_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
    st.binary(max_size=2),
    st.dates(),
)
method_args = st.one_of(
    st.sampled_from(METHODS), st.sampled_from(["Engagement", "tokens", "", "mindshare "])
)
#: Parameter names of Client.fetch itself: Python, not the package, refuses them in **params.
FETCH_ARGUMENTS = {"self", "method", "token", "keyword", "start", "end", "errors", "progress"}


def plan_or_none(method: str, token: Any, keyword: Any, start: Any, end: Any, params: Any) -> Any:
    """The query, or None when plan_query rejects the arguments with ValueError."""
    try:
        return plan_query(
            method, token, keyword=keyword, start=start, end=end, today=lambda: TODAY, params=params
        )
    except ValueError:
        event("rejected")
        return None


FAR_MOMENT = dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))


@settings(FUZZ, max_examples=500)
@given(
    method=method_args,
    token=name_args,
    keyword=name_args,
    start=date_args,
    end=date_args,
    params=st.dictionaries(
        st.one_of(_param_keys, st.sampled_from(["token", "keyword"])), _param_values, max_size=3
    ),
)
# Regression, fixed: a moment whose UTC day is before year 1 raises OverflowError, not ValueError
@example(method="mindshare", token="BTC", keyword=None, start=FAR_MOMENT, end=None, params={})
def test_any_arguments_plan_a_sound_query_or_raise_value_error(
    method: str, token: Any, keyword: Any, start: Any, end: Any, params: dict[str, Any]
) -> None:
    query = plan_or_none(method, token, keyword, start, end, params)
    if query is not None:
        assert EARLIEST_DAY[method] <= query.start <= query.end <= TODAY
        assert all(isinstance(name, str) and name.strip() for name in query.names)


@settings(
    OVER_HTTP,
    max_examples=60,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@given(
    method=method_args,
    token=name_args,
    keyword=name_args,
    start=date_args,
    end=date_args,
    params=st.dictionaries(
        _param_keys.filter(lambda key: key not in FETCH_ARGUMENTS), _param_values, max_size=3
    ),
    errors=st.one_of(st.sampled_from(["raise", "warn"]), st.text(max_size=4)),
)
def test_rejected_arguments_raise_value_error_before_any_request(
    server: FakeKaitoServer,
    client: kp.Client,
    method: str,
    token: Any,
    keyword: Any,
    start: Any,
    end: Any,
    params: dict[str, Any],
    errors: Any,
) -> None:
    rejected = errors not in ("raise", "warn") or (
        plan_or_none(method, token, keyword, start, end, params) is None
    )
    assume(rejected)
    server.clear_requests()
    with pytest.raises(ValueError):  # noqa: PT011 - the message depends on which argument is bad
        client.fetch(method, token, keyword=keyword, start=start, end=end, errors=errors, **params)
    assert server.requests == []
