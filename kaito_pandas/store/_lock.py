"""One writer at a time: a lock object at the store's root that names its holder."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import warnings
from collections.abc import Iterator
from typing import Any

import pandas as pd

from kaito_pandas.errors import KaitoError, KaitoWarning
from kaito_pandas.store._layout import LOCK_NAME, Location


class StoreLockedError(KaitoError):
    """Another sync or compaction holds the store's lock."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def _holder() -> dict[str, Any]:
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": pd.Timestamp.now(tz="UTC").isoformat(),
    }


def _read(location: Location, path: str) -> dict[str, Any]:
    try:
        with location.fs.open(path, "rb") as handle:
            found = json.loads(handle.read() or b"{}")
    except (FileNotFoundError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _acquire_local(path: str, body: bytes) -> bool:
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(body)
    return True


def _stale(holder: dict[str, Any]) -> bool:
    """A holder on this host whose process is gone (a killed sync) left the lock."""
    pid = holder.get("pid")
    return holder.get("host") == socket.gethostname() and isinstance(pid, int) and not _alive(pid)


@contextlib.contextmanager
def locked(location: Location, action: str) -> Iterator[None]:
    """Hold the store's lock for ``action``; raise StoreLockedError if someone else does.

    Locally the lock is created exclusively (``O_EXCL``). On object storage there is
    no exclusive create, so the lock is advisory: it stops a second sync that starts
    after the first, not two started in the same instant; run one writer per store.
    """
    path = f"{location.root}/{LOCK_NAME}"
    body = json.dumps({**_holder(), "action": action}).encode()
    for _ in range(2):
        if location.local:
            if _acquire_local(path, body):
                break
        elif not location.fs.exists(path):
            location.put_bytes(path, body)
            break
        holder = _read(location, path)
        if _stale(holder):
            warnings.warn(
                f"removed a stale lock on {location.url(location.root)}: its {holder.get('action')} "
                f"(pid {holder.get('pid')}) ended without releasing it; the store reads "
                "consistently and this run completes it",
                KaitoWarning,
                stacklevel=4,
            )
            location.fs.rm_file(path)
            continue
        raise StoreLockedError(
            f"{location.url(location.root)} is locked by a {holder.get('action', 'writer')} "
            f"(pid {holder.get('pid')} on {holder.get('host')}, since {holder.get('since')}); "
            "wait for it to finish. If no sync or compaction is running there, remove the "
            f"lock with Store.unlock() or `kaito-pandas sync --unlock`"
        )
    else:  # pragma: no cover - the stale lock came back between two tries
        raise StoreLockedError(f"{location.url(location.root)}: could not take the lock")
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            location.fs.rm_file(path)


def unlock(location: Location) -> bool:
    """Remove the lock whoever holds it; return whether there was one."""
    path = f"{location.root}/{LOCK_NAME}"
    try:
        location.fs.rm_file(path)
    except FileNotFoundError:
        return False
    return True
