"""A sync: fetch through a Client, keep the rows that are new or changed, append them."""

from __future__ import annotations

import datetime as dt
import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kaito_pandas.dates import ALL_METHODS, NARRATIVE_METHODS
from kaito_pandas.errors import AuthenticationError, KaitoError, KaitoWarning
from kaito_pandas.progress import progress_bar
from kaito_pandas.settings import DEMO_URLS
from kaito_pandas.store._layout import COLUMNS, DEMO_NAME, Location
from kaito_pandas.store._read import Reader

if TYPE_CHECKING:
    from kaito_pandas.client import Client

#: Names fetched by one list query and written as one file per year: a killed sync
#: loses at most one batch's work, and memory stays bounded.
DEFAULT_BATCH_SIZE = 50


@dataclass
class SyncResult:
    """What one sync did: when, how much it wrote, and what it could not fetch."""

    fetched_at: pd.Timestamp
    names: int = 0
    rows_written: int = 0
    files_written: int = 0
    unchanged_rows: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    all_zero: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for a log: what was written and what was not."""
        line = (
            f"synced {self.names} {_plural(self.names, 'name')}: {self.rows_written:,} new or "
            f"changed {_plural(self.rows_written, 'row')} in {self.files_written} "
            f"{_plural(self.files_written, 'file')}, {self.unchanged_rows:,} unchanged"
        )
        if self.all_zero:
            shown = ", ".join(self.all_zero[:5]) + (" …" if len(self.all_zero) > 5 else "")
            line += (
                f"; {len(self.all_zero)} all-zero {_plural(len(self.all_zero), 'series')} ({shown})"
            )
        if self.failed:
            shown = ", ".join(list(self.failed)[:5]) + (" …" if len(self.failed) > 5 else "")
            line += f"; FAILED {len(self.failed)} ({shown}): nothing stored for them"
        return line


def _plural(count: int, word: str) -> str:
    return word if count == 1 or word.endswith("s") else f"{word}s"


def canonical_params(params: Mapping[str, Any] | None) -> str:
    """The extra parameters as the ``params`` column holds them: sorted, compact JSON."""
    return json.dumps(dict(params or {}), sort_keys=True, separators=(",", ":"), default=str)


def kind_of(method: str, keywords: bool) -> str:
    if method in NARRATIVE_METHODS:
        return "narrative"
    return "keyword" if keywords else "token"


def long_rows(
    frame: pd.DataFrame, *, kind: str, params: str, fetched_at: pd.Timestamp
) -> pd.DataFrame:
    """A list query's wide frame as the store's long rows (days with a value only)."""
    index = pd.DatetimeIndex(frame.index)
    partial_from = frame.attrs.get("partial_from")
    cut = pd.Timestamp(partial_from, tz="UTC") if partial_from else None
    pieces = []
    for column, series in frame.items():
        metric, name = column if isinstance(column, tuple) else (column, "")
        if pd.api.types.is_numeric_dtype(series.dtype):
            values = series.to_numpy(dtype="float64", na_value=np.nan)
            keep = ~np.isnan(values)
            text = np.full(int(keep.sum()), None, dtype=object)
            values = values[keep]
        else:  # the sentiment event: text on the days that have one
            words = series.astype("string")
            keep = (words.notna() & (words != "")).to_numpy()
            text = words.to_numpy(dtype=object)[keep]
            values = np.full(len(text), np.nan)
        if not keep.any():
            continue
        days = index[keep]
        pieces.append(
            pd.DataFrame(
                {
                    "date": days,
                    "name": str(name),
                    "kind": kind,
                    "metric": str(metric),
                    "value": values,
                    "text": text,
                    "params": params,
                    "partial": np.asarray(days >= cut) if cut is not None else False,
                    "fetched_at": fetched_at,
                }
            )
        )
    if not pieces:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    return pd.concat(pieces, ignore_index=True)


def changed(new: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``new`` that the store does not hold with the same value, text and flag."""
    if old.empty or new.empty:
        return new
    key = ["date", "name", "metric"]
    merged = new.merge(
        old[[*key, "value", "text", "partial"]],
        on=key,
        how="left",
        suffixes=("", "_old"),
        indicator=True,
    )
    fresh = merged["_merge"].eq("left_only").to_numpy()
    value, before = merged["value"].to_numpy(), merged["value_old"].to_numpy(dtype="float64")
    same_value = (value == before) | (np.isnan(value) & np.isnan(before))
    # no text and "" are the same (empty events are not stored); no sentinel survives
    # every string type ("\0" does not survive Arrow's), so compare with "" for missing
    texts = merged["text"].astype(object).where(merged["text"].notna(), "")
    same_text = (
        texts.to_numpy()
        == merged["text_old"].astype(object).where(merged["text_old"].notna(), "").to_numpy()
    )
    # eq(True): a missing old flag is False, with no fillna downcasting on pandas 2.2
    same_flag = merged["partial"].to_numpy(dtype=bool) == merged["partial_old"].eq(True).to_numpy()
    keep = fresh | ~(same_value & same_text & same_flag)
    return new.loc[keep].reset_index(drop=True)


def _resume_start(
    reader: Reader, method: str, kind: str, params: str, names: list[str], settle: int
) -> dict[str, dt.date]:
    """For names the store already holds, the day to fetch from: the first of the year chunk
    that holds their last days, so that a re-sync sends one request per name and asks for
    the same range as the first sync did (a smoothed score depends on the range it is in).
    """
    reader.refresh(method)
    found = reader.query(
        "SELECT name, max(date) AS last FROM kaito WHERE method = $m AND kind = $k AND params = $p "
        "AND name IN (SELECT unnest($n)) GROUP BY name",
        {"m": method, "k": kind, "p": params, "n": names},
    )
    back = dt.timedelta(days=max(settle, 1))
    return {
        str(n): (pd.Timestamp(last).date() - back).replace(month=1, day=1)
        for n, last in zip(found["name"], found["last"], strict=True)
    }


def sync(
    client: Client,
    location: Location,
    reader: Reader,
    *,
    names: Sequence[str],
    methods: Sequence[str],
    keywords: bool,
    start: Any,
    end: Any,
    options: Mapping[str, Any],
    batch_size: int,
    progress: bool | None,
) -> SyncResult:
    """Fetch ``names`` for each method in batches and append what changed; see Store.sync."""
    for method in methods:  # every argument is checked before the first request
        if method not in ALL_METHODS:
            raise ValueError(f"methods: {method!r} is not one of {', '.join(ALL_METHODS)}")
        key: dict[str, Any] = {"keyword" if keywords else "token": list(names)}
        client.plan(method, start=start, end=end, **key, **options)
    result = SyncResult(fetched_at=pd.Timestamp.now(tz="UTC"))
    if client.settings.base_url.rstrip("/") in DEMO_URLS and not location.exists(DEMO_NAME):
        # the store remembers that it holds made-up numbers, and every panel says so
        location.put_bytes(f"{location.root}/{DEMO_NAME}", b'{"demo": true}\n')
    batches = [list(names[i : i + batch_size]) for i in range(0, len(names), batch_size)]
    shown = progress if progress is not None else client.settings.progress
    bar = progress_bar(len(batches) * len(methods), "sync") if shown else None
    params = canonical_params(options)
    try:
        for method in methods:
            kind = kind_of(method, keywords)
            for batch in batches:
                _sync_batch(
                    client,
                    location,
                    reader,
                    result,
                    method,
                    kind,
                    batch,
                    start,
                    end,
                    options,
                    params,
                )
                if bar is not None:
                    bar.update()
            result.files_written -= _merge_batches(location, reader, method, _tag(result))
    finally:
        if bar is not None:
            bar.close()
    result.names = len(names)
    if result.failed:
        warnings.warn(result.summary(), KaitoWarning, stacklevel=3)
    return result


def _sync_batch(
    client: Client,
    location: Location,
    reader: Reader,
    result: SyncResult,
    method: str,
    kind: str,
    batch: list[str],
    start: Any,
    end: Any,
    options: Mapping[str, Any],
    params: str,
) -> None:
    groups: dict[Any, list[str]] = {start: batch}
    if start is None:  # resume: new names from the first day, known ones from their last few
        resume = _resume_start(reader, method, kind, params, batch, client.settings.settle_days)
        groups = {}
        for name in batch:
            groups.setdefault(resume.get(name), []).append(name)
    failed: dict[str, str] = {}
    for first, names in groups.items():
        key: dict[str, Any] = {"token" if kind != "keyword" else "keyword": names}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                frame = client.fetch(
                    method, start=first, end=end, errors="warn", progress=False, **key, **options
                )
            except AuthenticationError:
                raise
            except KaitoError as exc:  # a list of one raises instead of warning
                failed.update({name: str(exc) for name in names})
                continue
        for warning in caught:  # the client's own words, unless it only repeats our failures
            if not (
                issubclass(warning.category, KaitoWarning)
                and "failed and are left out" in str(warning.message)
            ):
                warnings.warn_explicit(
                    warning.message, warning.category, warning.filename, warning.lineno
                )
        failed.update(frame.attrs.get("failed", {}))
        _write(location, reader, result, method, kind, params, frame)
    if len(failed) == len(batch):  # nothing came back: the service, not a name, is the problem
        reason = next(iter(failed.values()))
        raise KaitoError(f"sync of {method} stopped, every name of a batch failed: {reason}")
    result.failed.update({f"{method}/{n}": why for n, why in failed.items()})


def _write(
    location: Location,
    reader: Reader,
    result: SyncResult,
    method: str,
    kind: str,
    params: str,
    frame: pd.DataFrame,
) -> None:
    new = long_rows(frame, kind=kind, params=params, fetched_at=result.fetched_at)
    if new.empty:
        return
    numbers = new[new["text"].isna()]
    zero = numbers.groupby(["name", "metric"])["value"].agg(lambda v: bool((v == 0).all()))
    result.all_zero.extend(f"{method}/{n}/{m}" for (n, m), z in zero.items() if z)
    years = sorted({d.year for d in pd.DatetimeIndex(new["date"])})
    old = reader.latest(
        method=method, names=sorted(set(new["name"])), kind=kind, params=params, years=years
    )
    keep = changed(new, old)
    result.unchanged_rows += len(new) - len(keep)
    if keep.empty:
        return
    year_of = pd.DatetimeIndex(keep["date"]).year
    for year in sorted(set(year_of)):
        location.write_frame(
            keep.loc[year_of == year, list(COLUMNS)], method, int(year), _tag(result)
        )
        result.files_written += 1
    result.rows_written += len(keep)


def _tag(result: SyncResult) -> str:
    """The name part shared by every file a sync writes."""
    return result.fetched_at.strftime("%Y%m%dT%H%M%S%f")


def _merge_batches(location: Location, reader: Reader, method: str, tag: str) -> int:
    """Merge the files this sync wrote for ``method``, one per batch, into one per year.

    Each batch was written as it arrived, so that a killed sync loses at most one
    batch; a reader pays for every small file, so once a method is done its files
    become one per partition. The merged file is written whole before the parts are
    removed: an interruption in between leaves the same rows twice (same value, same
    ``fetched_at``), which ``panel`` and ``latest`` read as one and ``compact()`` drops.
    Returns how many files fewer there are.
    """
    groups: dict[str, list[str]] = {}
    for path in location.files(method):
        if f"/part-{tag}-" in path:
            groups.setdefault(path.rsplit("/", 1)[0], []).append(path)
    fewer = 0
    for directory, paths in groups.items():
        if len(paths) < 2:
            continue
        year = int(directory.rsplit("year=", 1)[1])
        rows = reader.query(
            f"SELECT {', '.join(COLUMNS)} FROM read_parquet($files) ORDER BY name, metric, date",
            {"files": [location.url(p) for p in paths]},
        )
        location.write_frame(rows, method, year, tag)
        location.remove(paths)
        fewer += len(paths) - 1
    return fewer
