"""The team cache: three processes fetching the same 30 tokens' history through one Redis.

Run: ``.venv/bin/python benchmarks/bench_redis.py`` (needs ``redis-server`` on the PATH;
about 30 s; prints JSON). Aim: about 30 x chunks requests in all, not three times that,
and never more than 5 requests started in any one second.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time

from kaito_pandas._redis_testing import LocalRedisServer
from kaito_pandas.dates import year_chunks
from kaito_pandas.testing import FakeKaitoServer

KEY = "bench-key"
PROCESSES = 3
TOKENS = 30
START = "2025-01-01"

WORKER = """
import sys, datetime as dt, kaito_pandas as kp
from kaito_pandas.testing import TOKENS
today = dt.date.fromisoformat(sys.argv[4])
client = kp.Client(sys.argv[1], base_url=sys.argv[2], cache_backend="redis",
                   redis_url=sys.argv[3], today=lambda: today)
client.mindshare([t["token"] for t in TOKENS[: int(sys.argv[5])]], start=sys.argv[6],
                 progress=False)
"""


def main() -> int:
    today = dt.datetime.now(dt.timezone.utc).date()
    chunks = len(year_chunks("mindshare", dt.date.fromisoformat(START), today, today))
    with LocalRedisServer() as redis_server, FakeKaitoServer(KEY, today=today) as server:
        server.latency = 0.2  # a little realism: the processes overlap in flight
        args = [KEY, server.url, redis_server.url, today.isoformat(), str(TOKENS), START]
        began = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", WORKER, *args]) for _ in range(PROCESSES)]
        codes = [proc.wait(timeout=600) for proc in procs]
        elapsed = time.perf_counter() - began
        times = sorted(r.time for r in server.api_requests())
    busiest = max((sum(1 for t in times if s <= t < s + 1.0) for s in times), default=0)
    result = {
        "processes": PROCESSES,
        "tokens": TOKENS,
        "chunks_per_token": chunks,
        "requests_sent": len(times),
        "requests_if_each_process_fetched_alone": PROCESSES * TOKENS * chunks,
        "requests_needed": TOKENS * chunks,
        "most_requests_started_in_one_second": busiest,
        "seconds": round(elapsed, 1),
        "exit_codes": codes,
    }
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0 if all(code == 0 for code in codes) else 1


if __name__ == "__main__":
    sys.exit(main())
