"""Claimed deliveries waiting for a sender, one lane per webhook, each with its own limit.

Senders take the next job themselves, round-robin over the webhooks whose lane has work and
room, so a webhook never has more requests in flight than its limit, and a sender that just
finished goes on to the next job without a thread switch.

Each webhook's limit follows how fast it answers (:class:`Pace`): requests in flight are what
hides a receiver's latency (Little's law), so a slow receiver gets many, a receiver that
answers at once gets few (more would only fight over the interpreter), and one that is not
answering at all gets a handful, leaving the senders to the others.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Iterable
from typing import Generic, Protocol, TypeVar

TARGET_RATE = 1_500.0  # deliveries/s per webhook that the in-flight limit aims at (Little's law)
PROBE_LIMIT = 4  # in flight to a webhook with no recent success
MIN_LIMIT = 1
LOOKAHEAD = 0.25  # seconds of work claimed ahead per webhook


class _HasWebhook(Protocol):
    @property
    def webhook_id(self) -> int: ...


J = TypeVar("J", bound=_HasWebhook)


class Pace:
    """One webhook's recent answers: its lowest latency and its delivery rate."""

    def __init__(self, most: int) -> None:
        self.most = most
        self._latencies: deque[float] = deque(maxlen=64)
        self._rate = 0.0
        self._last = time.monotonic()

    def observe(self, count: int, ok_latencies: Iterable[float]) -> None:
        self._latencies.extend(ok_latencies)
        now = time.monotonic()
        elapsed = max(now - self._last, 1e-3)
        self._last = now
        self._rate = 0.7 * self._rate + 0.3 * (count / elapsed)

    @property
    def limit(self) -> int:
        """Requests allowed in flight."""
        if not self._latencies:
            return min(PROBE_LIMIT, self.most)
        wanted = math.ceil(min(self._latencies) * TARGET_RATE)
        return max(MIN_LIMIT, min(self.most, wanted))

    @property
    def lookahead(self) -> int:
        """Deliveries worth holding claimed for this webhook."""
        return max(8, min(512, int(2 * self.limit + self._rate * LOOKAHEAD)))


class Lanes(Generic[J]):
    """Per-webhook queues of jobs, taken by sender threads within each webhook's limit."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._waiting: dict[int, deque[J]] = {}
        self._busy: dict[int, int] = {}
        self._limits: dict[int, int] = {}
        self._turn = 0
        self._closed = False

    def put(self, jobs: Iterable[J]) -> None:
        with self._cond:
            for job in jobs:
                self._waiting.setdefault(job.webhook_id, deque()).append(job)
            # Wake only as many senders as can start now, not every idle one.
            room = sum(
                min(len(waiting), self._limits.get(w, PROBE_LIMIT) - self._busy.get(w, 0))
                for w, waiting in self._waiting.items()
            )
            if room > 0:
                self._cond.notify(room)

    def set_limit(self, webhook_id: int, limit: int) -> None:
        with self._cond:
            before = self._limits.get(webhook_id, PROBE_LIMIT)
            self._limits[webhook_id] = limit
            if limit > before:
                self._cond.notify(limit - before)

    def take(self, finished: J | None) -> J | None:
        """Mark ``finished`` done and wait for the next job; None once closed."""
        with self._cond:
            if finished is not None:
                self._busy[finished.webhook_id] -= 1
            while not self._closed:
                job = self._next()
                if job is not None:
                    return job
                self._cond.wait()
            return None

    def _next(self) -> J | None:
        ids = [w for w, jobs in self._waiting.items() if jobs]
        if not ids:
            return None
        self._turn += 1
        for offset in range(len(ids)):
            webhook_id = ids[(self._turn + offset) % len(ids)]
            busy = self._busy.get(webhook_id, 0)
            if busy < self._limits.get(webhook_id, PROBE_LIMIT):
                self._busy[webhook_id] = busy + 1
                return self._waiting[webhook_id].popleft()
        return None

    def close(self) -> list[J]:
        """Wake every sender to end; return the jobs no sender took."""
        with self._cond:
            self._closed = True
            left = [job for jobs in self._waiting.values() for job in jobs]
            self._waiting.clear()
            self._cond.notify_all()
            return left
