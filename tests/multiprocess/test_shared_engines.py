"""Three ``engine run`` processes on one PostgreSQL database, one SIGKILLed and started again.

Every one of 30,000 deliveries reaches the receiver, and the only ones it receives twice are
deliveries whose lease the killed engine held when it died (counted and printed).
"""

from __future__ import annotations

import pytest

from benchmarks.shared_engines import kill_and_restart
from tests.support.postgres import PostgresServer


@pytest.mark.slow
def test_three_engines_one_killed_lose_nothing_and_repeat_only_the_killed_ones_leases(
    postgres_server: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = kill_and_restart(postgres_server, 30_000)
    with capsys.disabled():
        print("\n" + "\n".join(result.lines()))
    assert result.total == 30_000
    assert result.lost == 0
    assert result.twice_outside == 0
    assert result.received >= result.total
    assert result.killed_leases > 0, "the engine was killed while it held leases"
