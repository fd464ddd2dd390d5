"""Failed deliveries grouped into at most one notification a minute.

Plain Python, no Qt: the clock is a parameter, so a minute of failures is tested in no time.
The first failure opens a window of :data:`DIGEST_INTERVAL`; every failure until it closes
joins it; :meth:`FailureDigest.due` then gives one :class:`Digest` for the lot, such as
"12 deliveries to https://… failed: HTTP 500", and a new window opens with the next failure.
The notification names the webhook with the most failures in the window (clicking it shows
that webhook's failed deliveries) and counts the others.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["DIGEST_INTERVAL", "Digest", "FailureDigest"]

DIGEST_INTERVAL = 60.0


@dataclass(frozen=True, slots=True)
class Digest:
    """One notification: what failed in one window, and where clicking it leads."""

    webhook_id: int  # the webhook with the most failures in the window
    url: str
    count: int  # that webhook's failed deliveries
    reason: str  # the latest reason it gave
    others: int = 0  # failed deliveries of other webhooks in the same window

    @property
    def title(self) -> str:
        return "Deliveries failed" if self.count + self.others > 1 else "Delivery failed"

    @property
    def text(self) -> str:
        what = "1 delivery" if self.count == 1 else f"{self.count} deliveries"
        line = f"{what} to {self.url} failed: {self.reason}"
        if self.others:
            also = "1 delivery" if self.others == 1 else f"{self.others} deliveries"
            line += f" (and {also} to other webhooks)"
        return line


class FailureDigest:
    """Collects failed deliveries; gives at most one :class:`Digest` per ``interval``."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, interval: float = DIGEST_INTERVAL
    ) -> None:
        self.clock = clock
        self.interval = interval
        self._opened_at: float | None = None
        self._counts: Counter[int] = Counter()
        self._urls: dict[int, str] = {}
        self._reasons: dict[int, str] = {}

    def add(self, webhook_id: int, url: str, reason: str) -> None:
        if self._opened_at is None:
            self._opened_at = self.clock()
        self._counts[webhook_id] += 1
        self._urls[webhook_id] = url
        self._reasons[webhook_id] = reason

    def wait(self) -> float | None:
        """Seconds until a digest is due; None when nothing is waiting."""
        if self._opened_at is None:
            return None
        return max(0.0, self._opened_at + self.interval - self.clock())

    def due(self) -> Digest | None:
        """The window's digest once it has lasted ``interval``; then it starts again."""
        wait = self.wait()
        if wait is None or wait > 0:
            return None
        # The most failures first; between equals, the webhook that failed first.
        ((webhook_id, count),) = self._counts.most_common(1)
        digest = Digest(
            webhook_id=webhook_id,
            url=self._urls[webhook_id],
            count=count,
            reason=self._reasons[webhook_id],
            others=sum(self._counts.values()) - count,
        )
        self._opened_at = None
        self._counts.clear()
        self._urls.clear()
        self._reasons.clear()
        return digest
