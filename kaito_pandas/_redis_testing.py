"""A throwaway redis-server on a free loopback port, for tests and benchmarks of the team cache."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from types import TracebackType

__all__ = ["LocalRedisServer"]


class LocalRedisServer:
    """Run Debian's (or any) ``redis-server`` binary on 127.0.0.1, without persistence.

    Examples
    --------
    >>> with LocalRedisServer() as redis_server:  # doctest: +SKIP
    ...     client = kp.Client(cache_backend="redis", redis_url=redis_server.url)
    """

    def __init__(self, binary: str | None = None) -> None:
        found = binary or shutil.which("redis-server")
        if found is None:
            raise FileNotFoundError("redis-server is not installed (apt-get install redis-server)")
        self.binary = found
        self.url = ""
        self._proc: subprocess.Popen[bytes] | None = None
        self._workdir = ""

    def start(self) -> LocalRedisServer:
        """Start the server and wait until it answers; return self."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        self._workdir = tempfile.mkdtemp(prefix="kaito-redis-")
        command = [self.binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", self._workdir]
        self._proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"redis://127.0.0.1:{port}/0"
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not answer on port {port}")

    def stop(self) -> None:
        """Stop the server and remove its working directory."""
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=10)
            self._proc = None
        if self._workdir:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = ""

    def __enter__(self) -> LocalRedisServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
