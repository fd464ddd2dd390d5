"""How one attempt's answer is judged: what the delivery becomes after it.

A pure function of the answer, the attempt's number, the time and the retry policy: no
socket, no database, no clock of its own, so every case is a row in a table test.

- a 2xx answer delivers;
- a 3xx is a failure (redirects are never followed: the signed body must not travel to a
  host the admin did not configure), and the error names where it pointed;
- anything else (another status, a timeout, a network failure) is retried on the policy's
  schedule, a 429 or 503 after its ``Retry-After`` when it gave one;
- after the last attempt the delivery has failed, with a reason for a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sigfollow_desktop.core.retry import RetryPolicy
from sigfollow_desktop.engine.send import SendResult
from sigfollow_desktop.store.models import DeliveryStatus

__all__ = ["Judgement", "Verdict", "judge"]

# What one attempt means for its delivery: delivered, to be tried again, or given up.
Verdict = Literal["delivered", "retrying", "failed"]

_STATUS: dict[Verdict, DeliveryStatus] = {
    "delivered": "delivered",
    "retrying": "pending",
    "failed": "failed",
}


@dataclass(frozen=True, slots=True)
class Judgement:
    """The verdict on one attempt and the delivery's state after it."""

    verdict: Verdict
    error: str | None  # what went wrong, as stored with the attempt
    next_attempt_at: float | None = None  # when retrying
    finished_at: float | None = None  # when delivered or failed
    reason: str | None = None  # why it failed for good, for a person (the tray, the log)

    @property
    def status(self) -> DeliveryStatus:
        """The delivery's stored status: a retrying one is pending again."""
        return _STATUS[self.verdict]


def judge(result: SendResult, *, attempt: int, now: float, policy: RetryPolicy) -> Judgement:
    """Judge attempt number ``attempt`` (1-based) that ended at ``now`` with ``result``."""
    if result.ok:
        return Judgement("delivered", result.error, finished_at=now)
    error = result.error
    code = result.status_code
    if code is not None and 300 <= code < 400:
        error = f"Redirect not followed (to {result.location or 'an unnamed location'})"
    delay = policy.delay_after(attempt, code, result.retry_after)
    if delay is None:
        return Judgement("failed", error, finished_at=now, reason=error or f"HTTP {code}")
    return Judgement("retrying", error, next_attempt_at=now + delay)
