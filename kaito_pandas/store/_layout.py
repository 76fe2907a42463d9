"""Where a store's files live and how one appears: whole, or not at all."""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from kaito_pandas.store._deps import INSTALL_HINT, MissingExtraError, require

#: The dataset's columns, in order; ``method`` and ``year`` live in the partition path.
COLUMNS = (
    "date",
    "name",
    "kind",
    "metric",
    "value",
    "text",
    "params",
    "partial",
    "fetched_at",
)
#: Files the readers see; anything else under the root (the lock, a half-written
#: ``.part``) is invisible to them.
SUFFIX = ".parquet"
#: Rows per Parquet row group.
ROW_GROUP = 65_536
#: The lock object's name, at the root.
LOCK_NAME = "_lock.json"
#: Written at the root once demonstration data from a fake server has been synced.
DEMO_NAME = "_demo.json"


def arrow_schema() -> Any:
    """The Parquet schema of every file in a store."""
    pa = require("pyarrow")
    utc = pa.timestamp("us", tz="UTC")
    return pa.schema(
        [
            ("date", utc),
            ("name", pa.string()),
            ("kind", pa.string()),
            ("metric", pa.string()),
            ("value", pa.float64()),
            ("text", pa.string()),
            ("params", pa.string()),
            ("partial", pa.bool_()),
            ("fetched_at", utc),
        ]
    )


@dataclass(frozen=True)
class Location:
    """A store's root on a filesystem: a local folder or an fsspec URL such as ``s3://b/p``."""

    fs: Any
    root: str
    protocol: str

    @classmethod
    def open(cls, path: str | os.PathLike[str], options: Mapping[str, Any] | None) -> Location:
        """Return the location of ``path``, creating a local folder if needed."""
        fsspec = require("fsspec")
        text = os.fspath(path)
        if "://" not in text:
            local = os.path.abspath(os.path.expanduser(text))
            os.makedirs(local, exist_ok=True)
            return cls(fsspec.filesystem("file"), local.replace(os.sep, "/"), "file")
        protocol = text.split("://", 1)[0]
        try:
            fs, root = fsspec.core.url_to_fs(text, **dict(options or {}))
        except ImportError as exc:  # fsspec names the package the protocol needs (s3fs, ...)
            raise MissingExtraError(
                f"kp.Store({text!r}) needs the filesystem for {protocol}://: {exc} "
                f"({INSTALL_HINT} brings s3fs for s3://)"
            ) from exc
        return cls(fs, str(root).rstrip("/"), protocol)

    @property
    def local(self) -> bool:
        return self.protocol == "file"

    def url(self, path: str) -> str:
        """``path`` as DuckDB and other readers name it (with its protocol when remote)."""
        return path if self.local else f"{self.protocol}://{path}"

    def partition(self, method: str, year: int) -> str:
        return f"{self.root}/method={method}/year={year}"

    def files(self, method: str | None = None) -> list[str]:
        """Every data file, or one method's, sorted; written files only."""
        base = self.root if method is None else f"{self.root}/method={method}"
        if not self.local:
            self.fs.invalidate_cache()
        try:
            found = self.fs.find(base)
        except FileNotFoundError:
            return []
        return sorted(str(p) for p in found if str(p).endswith(SUFFIX) and "/." not in str(p))

    def write_frame(self, frame: pd.DataFrame, method: str, year: int, tag: str) -> str:
        """Write ``frame`` as one new Parquet file of a partition; return its path.

        Locally the bytes go to a hidden ``.part`` file, are flushed to disk and then
        renamed; on object storage one PUT makes the object appear whole.
        """
        pa = require("pyarrow")
        pq = require("pyarrow.parquet")
        table = pa.Table.from_pandas(frame, schema=arrow_schema(), preserve_index=False)
        buffer = io.BytesIO()
        # row groups of 64K rows: readers decode them in parallel, and a year's
        # compacted file is read as fast as the sync's batch files were
        pq.write_table(table, buffer, compression="zstd", row_group_size=ROW_GROUP)
        directory = self.partition(method, year)
        path = f"{directory}/part-{tag}-{uuid.uuid4().hex[:8]}{SUFFIX}"
        self.put_bytes(path, buffer.getvalue())
        return path

    def put_bytes(self, path: str, data: bytes) -> None:
        """Make ``path`` hold ``data``, atomically."""
        if not self.local:
            self.fs.pipe_file(path, data)
            return
        directory, name = path.rsplit("/", 1)
        os.makedirs(directory, exist_ok=True)
        part = f"{directory}/.{name}.{uuid.uuid4().hex[:8]}.part"
        with open(part, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(part, path)

    def exists(self, name: str) -> bool:
        """Whether the file ``name`` is at the root."""
        return bool(self.fs.exists(f"{self.root}/{name}"))

    def remove(self, paths: list[str]) -> None:
        for path in paths:
            self.fs.rm_file(path)
