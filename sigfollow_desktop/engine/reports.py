"""What the engine reports: plain frozen values, safe to hand from one thread to another."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sigfollow_desktop.core.keychain import MISSING_SECRET
from sigfollow_desktop.engine.judge import Verdict

# waiting: a fault outside the program (the database busy, the disk full) holds delivery up;
# the engine tries again by itself. errored: a bug stopped it; ``reason`` says which.
EngineState = Literal["running", "paused", "waiting", "stopped", "errored"]


@dataclass(frozen=True, slots=True)
class AttemptRecorded:
    """One attempt finished and was stored."""

    delivery_id: int
    webhook_id: int
    attempt: int
    status_code: int | None
    error: str | None
    duration_ms: float
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class DeliveryFailed:
    """A delivery gave up after its last attempt."""

    delivery_id: int
    webhook_id: int
    url: str
    reason: str


@dataclass(frozen=True, slots=True)
class EngineStatus:
    """The engine's state and the size of its queue.

    ``reason`` says why it is waiting or stopped by an error, for a person: "the database is
    busy", "the disk is full".
    """

    state: EngineState
    queue_depth: int
    failed_last_hour: int  # deliveries that gave up after their last attempt
    reason: str | None = None
    # Webhooks whose deliveries wait: no signing secret in the keychain (Rotate secret fixes it).
    no_secret: tuple[int, ...] = ()
    # The keychain could not be read, and deliveries that need it wait; why.
    keychain_error: str | None = None
    # Attempts that did not deliver in the last hour, retried ones included: an endpoint
    # answering 500 shows here at its first attempt, hours before a delivery gives up.
    failed_attempts_last_hour: int = 0

    @property
    def notice(self) -> str | None:
        """One line on what keeps deliveries waiting, for the status bar and the tray."""
        if self.no_secret:
            ids = ", ".join(str(i) for i in self.no_secret)
            which = f"webhook {ids}" if len(self.no_secret) == 1 else f"webhooks {ids}"
            return f"Deliveries to {which} wait. {MISSING_SECRET}."
        if self.keychain_error:
            return f"Deliveries wait: {self.keychain_error}"
        return None
