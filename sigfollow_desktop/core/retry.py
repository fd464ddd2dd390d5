"""When a failed delivery is tried again, and when it is given up.

The schedule follows Svix's: the first attempt right away, then about 5 s, 5 min, 30 min,
2 h, 5 h, 10 h and 10 h later, each wait spread by ±20 % so that a receiver coming back up is
not hit by every queued delivery in the same second. After the last attempt the delivery is
*failed*. A ``Retry-After`` from a 429 or 503 answer replaces the scheduled wait, clamped to
sane bounds. The clock and the random source are parameters, so the whole schedule is tested
without waiting.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# Waits before attempts 2, 3, … 8 (attempt 1 is immediate).
SCHEDULE: tuple[float, ...] = (5.0, 300.0, 1_800.0, 7_200.0, 18_000.0, 36_000.0, 36_000.0)
JITTER = 0.2
RETRY_AFTER_STATUSES = frozenset({429, 503})
RETRY_AFTER_MIN = 1.0
RETRY_AFTER_MAX = 3_600.0


@dataclass(frozen=True)
class RetryPolicy:
    """Decides the time of the next attempt, or that there is none."""

    schedule: tuple[float, ...] = SCHEDULE
    jitter: float = JITTER
    clock: Callable[[], float] = time.time
    rng: Callable[[], float] = field(default_factory=lambda: random.Random().random)  # noqa: S311

    @property
    def max_attempts(self) -> int:
        return len(self.schedule) + 1

    def delay_after(
        self, attempt: int, status_code: int | None = None, retry_after: float | None = None
    ) -> float | None:
        """Seconds to wait after failed attempt number ``attempt`` (1-based); None: give up."""
        if attempt >= self.max_attempts:
            return None
        if retry_after is not None and status_code in RETRY_AFTER_STATUSES:
            return min(max(retry_after, RETRY_AFTER_MIN), RETRY_AFTER_MAX)
        base = self.schedule[max(attempt, 1) - 1]
        return base * (1.0 + self.jitter * (2.0 * self.rng() - 1.0))

    def next_attempt_at(
        self, attempt: int, status_code: int | None = None, retry_after: float | None = None
    ) -> float | None:
        """The epoch time of the attempt after failed attempt ``attempt``; None: give up."""
        delay = self.delay_after(attempt, status_code, retry_after)
        return None if delay is None else self.clock() + delay
