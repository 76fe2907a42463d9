"""A query's frame, built in place as its chunks arrive. Pure, no I/O.

Each metric gets one block, a row per name and a column per asked day, the
moment a chunk first holds it; each chunk's values are written straight into
it and the chunk is let go. So a 200-token query holds about its frame's size,
not every token's parsed answers, and the frame is made from the blocks without
a per-name frame in between. It is the frame ``parsing.frame_from_columns`` and
``parsing.combine_frames`` give: the index spans the first to the last day with
a value, required columns are there, names and metrics keep their order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from kaito_pandas.parsing import Arrays, empty_frame, is_text

__all__ = ["FrameBuilder"]


class FrameBuilder:
    """The blocks of one query's frame, filled chunk by chunk.

    Parameters
    ----------
    names : sequence of str
        The query's names, in order.
    start, end : datetime.date
        The days asked for; values outside are dropped.
    required : iterable of str
        Columns the frame has even where no chunk holds them.

    Examples
    --------
    >>> builder = FrameBuilder(["BTC"], start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 2))
    >>> builder.add("BTC", dt.date(2024, 1, 1), parse_arrays({"mindshare": {"2024-03-01": 0.1}}))  # doctest: +SKIP
    >>> builder.frame(["BTC"], level=None).shape  # doctest: +SKIP
    (1, 1)
    """

    def __init__(
        self,
        names: Sequence[str],
        *,
        start: dt.date,
        end: dt.date,
        required: Iterable[str] = (),
    ) -> None:
        self._rows = {name: row for row, name in enumerate(names)}
        self._start = np.datetime64(start, "D")
        self._end = np.datetime64(end, "D")
        self._size = max(0, (end - start).days + 1)
        self._required = list(required)
        self._blocks: dict[str, np.ndarray] = {}
        # the metrics each chunk held, so that the order of columns is the chunks' order,
        # not the order in which the answers happened to arrive
        self._held: dict[tuple[int, dt.date], list[str]] = {}

    def add(self, name: str, first: dt.date, arrays: Arrays) -> None:
        """Write the chunk of ``name`` that begins on ``first`` (its parsed arrays) into the blocks."""
        row = self._rows[name]
        self._held[(row, first)] = list(arrays)
        for metric, (days, values) in arrays.items():
            inside = (days >= self._start) & (days <= self._end)
            columns = (days[inside] - self._start).astype(np.intp)
            self._block(metric)[row, columns] = values[inside]

    def _block(self, metric: str) -> np.ndarray:
        block = self._blocks.get(metric)
        if block is None:
            shape = (len(self._rows), self._size)
            if is_text(metric):
                block = np.full(shape, None, dtype=object)
            else:
                block = np.full(shape, np.nan)
            self._blocks[metric] = block
        return block

    def frame(self, names: Sequence[str], *, level: str | None) -> pd.DataFrame:
        """Return the frame of ``names`` (the query's, less any that failed).

        ``level`` names the column level of a list query's names (``"token"``);
        None gives one name's frame, a column per metric.
        """
        rows = [self._rows[name] for name in names]
        metrics = self._metrics(rows)
        parts = {metric: self._part(metric, rows) for metric in metrics}
        present = np.zeros(self._size, dtype=bool)
        for part in parts.values():
            present |= (~np.isnan(part) if part.dtype == np.float64 else pd.notna(part)).any(0)
        found = np.flatnonzero(present)
        if not len(found):
            return _empty(metrics, names, level)
        low, high = int(found[0]), int(found[-1]) + 1
        # views of the blocks: worth a copy only if most of the asked days hold nothing
        shrink = high - low < self._size // 2
        index = pd.date_range(
            (self._start + low).item(),
            periods=high - low,
            freq="D",
            tz="UTC",
            name="date",
            unit="ns",
        )
        columns = pd.Index(metrics) if level is None else _pairs(metrics, names, level)
        groups: list[pd.DataFrame] = []
        start = 0
        for text, run in _runs(metrics):
            width = len(run) * len(rows)
            labels = columns[start : start + width]
            start += width
            values = [parts[metric][:, low:high] for metric in run]
            if text:
                data = {
                    label: pd.array(column, dtype="string")
                    for label, column in zip(labels, np.concatenate(values), strict=True)
                }
                groups.append(pd.DataFrame(data, index=index, columns=labels))
                continue
            block = values[0] if len(values) == 1 else np.concatenate(values)
            block = block.copy() if shrink and len(values) == 1 else block
            groups.append(pd.DataFrame(block.T, index=index, columns=labels, copy=False))
        return groups[0] if len(groups) == 1 else pd.concat(groups, axis=1)

    def _metrics(self, rows: list[int]) -> list[str]:
        """Required columns, then each name's metrics in its chunks' order, names in order."""
        kept = set(rows)
        order = dict.fromkeys(self._required)
        for key in sorted(key for key in self._held if key[0] in kept):
            order.update(dict.fromkeys(self._held[key]))
        return list(order)

    def _part(self, metric: str, rows: list[int]) -> np.ndarray:
        block = self._block(metric)
        return block if rows == list(range(len(self._rows))) else block[rows]


def _runs(metrics: list[str]) -> list[tuple[bool, list[str]]]:
    """The metrics in runs of one kind (numbers, text), in order: a block per run."""
    runs: list[tuple[bool, list[str]]] = []
    for metric in metrics:
        text = is_text(metric)
        if runs and runs[-1][0] == text:
            runs[-1][1].append(metric)
        else:
            runs.append((text, [metric]))
    return runs


def _empty(metrics: list[str], names: Sequence[str], level: str | None) -> pd.DataFrame:
    single = empty_frame(metrics)
    if level is None:
        return single
    columns = _pairs(metrics, names, level)
    data = {pair: single[pair[0]].array for pair in columns}
    return pd.DataFrame(data, index=single.index, columns=columns)


def _pairs(metrics: list[str], names: Sequence[str], level: str) -> pd.MultiIndex:
    """The ``(metric, name)`` columns of a list query, every name under every metric."""
    pairs = [(metric, name) for metric in metrics for name in names]
    return pd.MultiIndex.from_tuples(pairs, names=["metric", level])
