"""Cold fetches are paced by the rate limit: the service never sees a sixth request in a second.

The limit is counted where it matters, at the server: every arrival the fake
server recorded, in any window of one second, from a list query with more
requests than workers and a latency that keeps many in flight at once.
"""

from __future__ import annotations

import pytest

from kaito_pandas.testing import KNOWN_TOKENS, FakeKaitoServer
from tests.conftest import make_client


def _most_in_one_second(times: list[float]) -> int:
    times = sorted(times)
    return max(sum(1 for t in times if start <= t < start + 1.0) for start in times)


@pytest.mark.timing
def test_the_server_never_sees_six_requests_in_one_second(server: FakeKaitoServer) -> None:
    server.latency = 0.4
    tokens = sorted(KNOWN_TOKENS)[:30]
    with make_client(server, cache_backend="memory") as client:
        frame = client.mindshare(tokens, start="2024-06-01", end="2024-06-30", progress=False)
    arrivals = [r.time for r in server.api_requests("mindshare")]
    assert len(arrivals) == 30
    assert frame.shape[1] == 30
    assert _most_in_one_second(arrivals) <= 5


def test_the_count_of_a_burst_is_what_the_server_saw(server: FakeKaitoServer) -> None:
    """The check above can fail: without the limit, the same query bursts past five."""
    tokens = sorted(KNOWN_TOKENS)[:8]
    with make_client(server, cache_backend="memory", rate_limit=1000.0) as client:
        client.mindshare(tokens, start="2024-06-01", end="2024-06-30", progress=False)
    assert _most_in_one_second([r.time for r in server.api_requests("mindshare")]) > 5
