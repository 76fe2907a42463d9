"""Reading a store through DuckDB: the raw rows, the values as of a moment, coverage."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from kaito_pandas.store._deps import require
from kaito_pandas.store._layout import Location

#: The raw rows, every version, with the partition columns first.
_RAW = (
    "SELECT method, CAST(year AS INTEGER) AS year, date, name, kind, metric, value, text, "
    "params, partial, fetched_at FROM read_parquet({files}, hive_partitioning = true)"
)
_EMPTY = (
    "SELECT NULL::VARCHAR AS method, NULL::INTEGER AS year, NULL::TIMESTAMPTZ AS date, "
    "NULL::VARCHAR AS name, NULL::VARCHAR AS kind, NULL::VARCHAR AS metric, "
    "NULL::DOUBLE AS value, NULL::VARCHAR AS text, NULL::VARCHAR AS params, "
    "NULL::BOOLEAN AS partial, NULL::TIMESTAMPTZ AS fetched_at LIMIT 0"
)
#: For each day, name and metric, the last version fetched at or before ``$as_of``.
_LATEST = """
SELECT method, year, date, name, kind, metric, params, v.value AS value, v.text AS text,
       v.partial AS partial, fetched_at
FROM (
    SELECT method, year, date, name, kind, metric, params, max(fetched_at) AS fetched_at,
           max_by({{'value': value, 'text': text, 'partial': partial}}, fetched_at) AS v
    FROM kaito WHERE fetched_at <= $as_of {where}
    GROUP BY ALL
)
"""
_COVERAGE = """
SELECT method, metric, kind, name, params,
       min(date) AS first_day, max(date) AS last_day,
       datediff('day', min(date), max(date)) + 1 AS days,
       datediff('day', min(date), max(date)) + 1 - count(DISTINCT date) AS missing_days,
       count(*) FILTER (WHERE value = 0) AS zero_days,
       count(*) FILTER (WHERE partial) AS partial_days,
       count(*) FILTER (WHERE value <> 0) = 0 AS all_zero
FROM latest WHERE value IS NOT NULL
GROUP BY ALL ORDER BY method, metric, kind, name, params
"""
#: Far enough in the future to mean "everything fetched so far".
_LATEST_EVER = pd.Timestamp("2262-01-01", tz="UTC")


def _sql_list(paths: Sequence[str]) -> str:
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


class Reader:
    """A DuckDB connection whose views ``kaito``, ``latest`` and ``coverage`` read a store."""

    def __init__(self, location: Location) -> None:
        duckdb = require("duckdb")
        self.location = location
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        if not location.local:  # DuckDB reads s3:// through fsspec: no extension download
            self.con.register_filesystem(location.fs)

    def refresh(self, method: str | None = None) -> None:
        """Point the views at the files there are now (one method's, or all)."""
        files = [self.location.url(p) for p in self.location.files(method)]
        raw = _RAW.format(files=_sql_list(files)) if files else _EMPTY
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW kaito AS {raw}")
        latest = _LATEST.format(where="").replace("$as_of", f"TIMESTAMPTZ '{_LATEST_EVER}'")
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW latest AS {latest}")
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW coverage AS {_COVERAGE}")

    def query(self, sql: str, params: Any = None) -> pd.DataFrame:
        frame = self.con.execute(sql, params).df()
        for column in frame.columns:  # DuckDB gives UTC timestamps in the session's zone
            if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
                frame[column] = frame[column].dt.tz_convert("UTC")
        return frame

    def latest(
        self,
        *,
        method: str,
        metrics: Sequence[str] | None = None,
        names: Sequence[str] | None = None,
        kind: str | None = None,
        params: str | None = None,
        start: pd.Timestamp | None = None,
        end: pd.Timestamp | None = None,
        years: Sequence[int] | None = None,
        as_of: pd.Timestamp | None = None,
    ) -> pd.DataFrame:
        """Return the last version of each (day, name, metric) known at ``as_of``."""
        self.refresh(method)
        where: list[str] = ["method = $method"]
        values: dict[str, Any] = {"method": method}
        values["as_of"] = _LATEST_EVER if as_of is None else as_of
        for column, wanted in (("metric", metrics), ("name", names), ("year", years)):
            if wanted is not None:
                where.append(f"{column} IN (SELECT unnest(${column}))")
                values[column] = list(wanted)
        for column, one in (("kind", kind), ("params", params)):
            if one is not None:
                where.append(f"{column} = ${column}")
                values[column] = one
        if start is not None:
            where.append("date >= $start")
            values["start"] = start
        if end is not None:
            where.append("date <= $end")
            values["end"] = end
        sql = _LATEST.format(where="AND " + " AND ".join(where))
        return self.query(sql, values)
