"""The on-disk caches: files only their owner can read, written whole or not at all.

requests-cache's SQLite and filesystem backends, with three things changed: every
file is created 0600 (the directories 0700); a filesystem answer is written beside
its place and renamed into it, so a full disk leaves no 0-byte file; and the wait
for SQLite's write lock ends, so a full disk is an error rather than a hang.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from requests_cache.backends.base import BaseCache
from requests_cache.backends.filesystem import FileCache, FileDict
from requests_cache.backends.sqlite import SQLiteCache, SQLiteDict

__all__ = ["disk_full", "open_files", "open_sqlite", "private_dir", "private_file"]

#: Milliseconds a process waits for another to finish writing the SQLite file.
_BUSY_TIMEOUT_MS = 30_000
#: Tries to open a SQLite file that another process is setting up (about 10 s in all).
_OPEN_ATTEMPTS = 10


def private_dir(path: Path) -> Path:
    """Create ``path`` for the user alone; a directory that exists already is left as it is."""
    if not path.is_dir():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if os.name == "posix":
            os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask
    return path


def private_file(path: Path) -> Path:
    """Create the file ``path`` readable and writable by the user alone, if it is not there."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    if os.name == "posix":
        os.chmod(path, 0o600)
    return path


class _PrivateFileDict(FileDict):
    """A FileDict whose files are readable by their owner alone, written whole or not at all.

    requests-cache writes in place and turns any OSError into a KeyError, so a full
    disk left a 0-byte file behind and failed the fetch; here a file is written
    beside its place and renamed into it, and an OSError stays an OSError (the
    client then warns once and goes on without the cache).
    """

    def __setitem__(self, key: str, value: Any) -> None:
        path = self._key2path(key)
        data = self.serialize(value)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".partial")
        try:
            with os.fdopen(fd, "wb" if self.is_binary else "w") as file:
                file.write(data)
            os.replace(temporary, path)  # mkstemp made it 0600
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    def clear(self) -> None:
        """Delete the files, not the directory: another process may be writing into it."""
        for path in list(self.paths()):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


class _BoundedSQLiteDict(SQLiteDict):
    """A SQLiteDict whose wait for the write lock ends, and whose failed writes say so.

    requests-cache retries ``BEGIN IMMEDIATE`` forever on any OperationalError, so on
    a full disk ("database or disk is full", "disk I/O error") opening or writing the
    cache hung for good, and a failed commit was rolled back without a word. Here only
    "locked"/"busy" is waited for, up to the busy timeout, and every other error is
    raised: the client warns once and goes on without the cache.
    """

    @contextlib.contextmanager
    def _acquire_sqlite_lock(self) -> Iterator[None]:
        with self._lock:
            waited_until = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
            assert self._connection is not None  # connection() opened it
            while True:
                try:
                    self._connection.execute("BEGIN IMMEDIATE")
                    break
                except sqlite3.OperationalError as exc:
                    busy = "locked" in str(exc) or "busy" in str(exc)
                    if not busy or time.monotonic() > waited_until:
                        raise
                    time.sleep(1e-3)
            self._active_transaction = True
            try:
                yield
                self._connection.commit()
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    self._connection.rollback()
                raise
            finally:
                self._active_transaction = False


class _BoundedSQLiteCache(SQLiteCache):
    """requests-cache's SQLite backend on :class:`_BoundedSQLiteDict`."""

    def __init__(self, db_path: Path, **kwargs: Any) -> None:
        BaseCache.__init__(self, cache_name=str(db_path))
        self.responses = _BoundedSQLiteDict(db_path, table_name="responses", **kwargs)
        self.redirects = _BoundedSQLiteDict(
            db_path, table_name="redirects", lock=self.responses._lock, serializer=None, **kwargs
        )


class _PrivateFileCache(FileCache):
    """requests-cache's filesystem backend with every file created 0600, whole or not at all."""

    def __init__(self, cache_name: Path) -> None:
        BaseCache.__init__(self, cache_name=str(cache_name))
        self.responses = _PrivateFileDict(cache_name, decode_content=True)
        redirects = private_file(cache_name / "redirects.sqlite")  # before SQLite makes it 0644
        with self.lock:
            self.redirects = _BoundedSQLiteDict(redirects, "redirects", serializer=None)


def open_sqlite(path: Path) -> _BoundedSQLiteCache:
    """Open the SQLite cache, waiting while another process is setting the same file up.

    Switching a new file to WAL takes a lock that SQLite's busy timeout does not
    wait for, so two processes starting together may see "database is locked".
    """
    for attempt in range(_OPEN_ATTEMPTS):
        try:
            return _BoundedSQLiteCache(path, wal=True, busy_timeout=_BUSY_TIMEOUT_MS)
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == _OPEN_ATTEMPTS - 1:
                raise
            time.sleep(0.02 * 2**attempt * random.uniform(0.5, 1.5))
    raise AssertionError("unreachable")


def open_files(directory: Path) -> FileCache:
    """Open the filesystem cache in ``directory`` (made 0700 if missing)."""
    return _PrivateFileCache(private_dir(directory))


#: Bytes free on a cache's disk below which a failure is put down to a full disk.
_FULL_DISK_BYTES = 1 << 20


def disk_full(location: str | os.PathLike[str] | None) -> str:
    """Return "the disk is full (...)" if the disk holding ``location`` is, else ""."""
    if location is None:
        return ""
    path = Path(location)
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        free = shutil.disk_usage(path).free
    except OSError:
        return ""
    if free >= _FULL_DISK_BYTES:
        return ""
    return f"the disk holding it is full ({free // 1024} KiB free)"
