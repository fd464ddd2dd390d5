"""When a failed delivery is tried again, and when it is given up.

The schedule follows Svix's: the first attempt right away, then about 5 s, 5 min, 30 min,
2 h, 5 h, 10 h and 10 h later, each wait spread by ±20 % so that a receiver coming back up is
not hit by every queued delivery in the same second. After the last attempt the delivery is
*failed*. A ``Retry-After`` from a 429 or 503 answer replaces the scheduled wait, clamped to
sane bounds. The clock and the random source are parameters, so the whole schedule is tested
without waiting.

``Retry-After`` comes from the receiver, so :func:`parse_retry_after` takes any text and never
raises: a date past year 9999, a number of a thousand digits, ``nan`` or garbage all mean "no
usable Retry-After", and the schedule applies.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

# Waits before attempts 2, 3, … 8 (attempt 1 is immediate).
SCHEDULE: tuple[float, ...] = (5.0, 300.0, 1_800.0, 7_200.0, 18_000.0, 36_000.0, 36_000.0)
JITTER = 0.2
RETRY_AFTER_STATUSES = frozenset({429, 503})
RETRY_AFTER_MIN = 1.0
RETRY_AFTER_MAX = 3_600.0
_RETRY_AFTER_DIGITS = 12  # more digits than any wait worth honouring (and int() stays cheap)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds from ``now`` that a ``Retry-After`` value asks for, at most RETRY_AFTER_MAX.

    RFC 9110 allows delay-seconds (digits only) or an HTTP-date; a date in the past means
    "now" (0). Anything else, or a value that cannot be turned into a time, is None.
    """
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        if len(text.lstrip("0")) > _RETRY_AFTER_DIGITS:
            return RETRY_AFTER_MAX
        return min(float(int(text)), RETRY_AFTER_MAX)
    if not text or not text.isascii() or len(text) > 64:
        return None
    try:
        at = parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    if not math.isfinite(at):
        return None
    return min(max(0.0, at - now), RETRY_AFTER_MAX)


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
        if (
            retry_after is not None
            and math.isfinite(retry_after)  # a NaN wait would never come due
            and status_code in RETRY_AFTER_STATUSES
        ):
            return min(max(retry_after, RETRY_AFTER_MIN), RETRY_AFTER_MAX)
        base = self.schedule[max(attempt, 1) - 1]
        return base * (1.0 + self.jitter * (2.0 * self.rng() - 1.0))

    def next_attempt_at(
        self, attempt: int, status_code: int | None = None, retry_after: float | None = None
    ) -> float | None:
        """The epoch time of the attempt after failed attempt ``attempt``; None: give up."""
        delay = self.delay_after(attempt, status_code, retry_after)
        return None if delay is None else self.clock() + delay
