"""The wide panel, read with pyarrow and pivoted with integer codes (measured faster than DuckDB)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kaito_pandas.store._deps import require
from kaito_pandas.store._layout import Location, arrow_schema

_DAY_NS = 86_400 * 10**9
_READ = ["date", "name", "metric", "value", "text", "partial", "fetched_at"]


def read_rows(
    location: Location,
    *,
    method: str,
    metrics: Sequence[str] | None,
    names: Sequence[str] | None,
    kind: str,
    params: str,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
    as_of: pd.Timestamp | None,
) -> Any:
    """Every version of the rows a panel needs, as a pyarrow Table (filters pushed down)."""
    ds = require("pyarrow.dataset")
    files = location.files(method)
    if start is not None:  # whole years before the start are not even opened
        files = [f for f in files if _year(f) >= start.year]
    if end is not None:
        files = [f for f in files if _year(f) <= end.year]
    if not files:  # nothing synced (for these years): an empty table of the right shape
        return arrow_schema().empty_table().select(_READ)
    filesystem = None if location.local else location.fs
    # names, metrics, kinds and params repeat: read them as dictionaries, not strings
    form = ds.ParquetFileFormat(
        read_options={"dictionary_columns": ["name", "metric", "kind", "params"]}
    )
    dataset = ds.dataset(files, format=form, filesystem=filesystem)
    field = ds.field
    # days and versions are filtered while reading (row-group statistics skip files' parts)
    tests = []
    if start is not None:
        tests.append(field("date") >= start)
    if end is not None:
        tests.append(field("date") <= end)
    if as_of is not None:
        tests.append(field("fetched_at") <= as_of)
    condition = None
    for test in tests:
        condition = test if condition is None else condition & test
    table = dataset.to_table(columns=[*_READ, "kind", "params"], filter=condition)
    # the labels afterwards, on the dictionaries' codes: usually a no-op, as a store
    # mostly holds one kind and one set of params
    keep = None
    for column, allowed in (
        ("kind", [kind]),
        ("params", [params]),
        ("metric", metrics),
        ("name", names),
    ):
        if allowed is None:
            continue
        mask = _among(table.column(column), allowed)
        if mask is not None:
            keep = mask if keep is None else keep & mask
    table = table.select(_READ)
    return table if keep is None else table.filter(keep)


def _among(values: Any, allowed: Sequence[str]) -> np.ndarray[Any, Any] | None:
    """Which values are in ``allowed``, or None when all of them are."""
    pa = require("pyarrow")
    if not values.num_chunks:
        return None
    if not pa.types.is_dictionary(values.type):
        values = values.dictionary_encode()
    encoded = values.unify_dictionaries().combine_chunks()
    inside = np.isin(np.asarray(encoded.dictionary.to_pylist(), dtype=object), list(allowed))
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    used = np.unique(indices) if len(encoded.dictionary) > 1 else np.arange(len(encoded.dictionary))
    if inside[used].all():
        return None
    return inside[indices]


def distinct(table: Any, column: str) -> set[str]:
    """The distinct values of a string column."""
    pc = require("pyarrow.compute")
    return {str(v) for v in pc.unique(table.column(column)).to_pylist()}


def _year(path: str) -> int:
    return int(path.rsplit("/year=", 1)[1].split("/", 1)[0])


def _codes(values: Any, labels: Sequence[str]) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Each value's position in ``labels``, through the column's dictionary (a few labels)."""
    pa = require("pyarrow")
    encoded = (
        values.combine_chunks().dictionary_encode()
        if values.num_chunks
        else pa.array([], pa.string()).dictionary_encode()
    )
    lookup = pd.Index(list(labels)).get_indexer(encoded.dictionary.to_pylist())
    return lookup[encoded.indices.to_numpy(zero_copy_only=False)].astype(np.int64)


def pivot_table(
    table: Any, metrics: Sequence[str], names: Sequence[str], entity: str
) -> pd.DataFrame:
    """The last version of each (day, metric, name), wide: the frame a list query returns."""
    columns = pd.MultiIndex.from_product([list(metrics), list(names)], names=["metric", entity])
    if table.num_rows == 0:
        return pd.DataFrame(
            columns=columns, index=pd.DatetimeIndex([], tz="UTC", name="date"), dtype="float64"
        )
    pa = require("pyarrow")
    as_ns = pa.timestamp("ns", tz="UTC")
    stamps = table.column("date").combine_chunks().cast(as_ns).cast(pa.int64()).to_numpy()
    first = int(stamps.min())
    days = (stamps - first) // _DAY_NS
    width = len(names)
    column = _codes(table.column("metric"), metrics) * width + _codes(table.column("name"), names)
    key = days * len(columns) + column
    keep = _last_versions(
        key, table.column("fetched_at").combine_chunks().cast(as_ns).cast(pa.int64()).to_numpy()
    )
    count = int(days.max()) + 1
    numbers = np.full((count, len(columns)), np.nan)
    values = table.column("value").combine_chunks().to_numpy(zero_copy_only=False)
    if keep.all():  # no day was revised: no copies
        numbers[days, column] = values
    else:
        numbers[days[keep], column[keep]] = values[keep]
    index = pd.date_range(
        pd.Timestamp(first, tz="UTC"), periods=count, freq="D", name="date", unit="ns"
    )
    frame = pd.DataFrame(numbers, index=index, columns=columns)
    text = table.column("text").combine_chunks()
    has_text = keep & ~np.asarray(text.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if has_text.any():  # the sentiment event: a text column, as the fetch functions give it
        words = np.full((count, len(columns)), None, dtype=object)
        words[days[has_text], column[has_text]] = text.to_numpy(zero_copy_only=False)[has_text]
        for position in sorted(set(column[has_text] // width)):
            for i in range(width):
                frame[columns[position * width + i]] = pd.array(
                    words[:, position * width + i], dtype="string"
                )
    frame.attrs["partial_days"] = _partial(table, keep, first, days)
    return frame


def _last_versions(
    key: np.ndarray[Any, Any], fetched: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    """A mask of the rows to keep: for each key, the one fetched last.

    Most keys have one version (only revised recent days have more), so the rows are
    counted in one pass and only keys seen twice or more are sorted out.
    """
    counts = np.bincount(key)
    repeated = counts[key] > 1
    keep = ~repeated
    if repeated.any():
        rows = np.flatnonzero(repeated)
        order = np.lexsort((fetched[rows], key[rows]))  # by key, then by time
        ordered = rows[order]
        last = np.append(key[ordered][1:] != key[ordered][:-1], True)
        keep[ordered[last]] = True
    return keep


def _partial(
    table: Any, keep: np.ndarray[Any, Any], first: int, days: np.ndarray[Any, Any]
) -> str | None:
    """The first day whose kept value was a part of a day when fetched, if any."""
    partial = np.asarray(
        table.column("partial").combine_chunks().to_numpy(zero_copy_only=False), dtype=bool
    )
    chosen = keep & partial
    if not chosen.any():
        return None
    return pd.Timestamp(first + int(days[chosen].min()) * _DAY_NS, tz="UTC").date().isoformat()
