"""Engine fixtures: a webhook on the loopback receiver, queued events, a fake clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.bodies import Item
from sigfollow_desktop.core.fields import FIELDS, Field
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.core.meta import parse_body
from sigfollow_desktop.core.samples import simulated_bodies
from sigfollow_desktop.core.signing import SIGNATURE_HEADER, verify
from sigfollow_desktop.engine.dispatcher import Dispatcher, EngineConfig
from sigfollow_desktop.engine.reports import AttemptRecorded, DeliveryFailed
from sigfollow_desktop.store.db import Store
from tests.support.processes import assert_no_threads_left
from tests.support.receiver import Received

TEST_CONFIG = EngineConfig(timeout=2.0, lease=10.0, batch_delay=0.002)


@dataclass
class FakeClock:
    """Epoch seconds that move only when a test moves them."""

    now: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Heard:
    attempts: list[AttemptRecorded] = field(default_factory=list)
    failures: list[DeliveryFailed] = field(default_factory=list)


MakeDispatcher = Callable[..., Dispatcher]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def heard() -> Heard:
    return Heard()


@pytest.fixture
def make_dispatcher(
    store: Store, secrets: SecretStore, clock: FakeClock, heard: Heard
) -> Iterator[MakeDispatcher]:
    """Dispatchers on the fake clock, reporting into ``heard``; closed after the test."""
    made: list[Dispatcher] = []

    def make(config: EngineConfig = TEST_CONFIG, **kwargs: object) -> Dispatcher:
        options: dict[str, object] = {
            "clock": clock,
            "on_attempt": heard.attempts.append,
            "on_failed": heard.failures.append,
        }
        options.update(kwargs)
        keys = options.pop("secrets", secrets)
        dispatcher = Dispatcher(store, keys, config, **options)  # type: ignore[arg-type]
        made.append(dispatcher)
        return dispatcher

    yield make
    for dispatcher in made:
        dispatcher.close()


def queue_events(
    admin: Admin, count: int, fields: tuple[Field, ...] = FIELDS, seed: int = 7
) -> int:
    """Store ``count`` simulated events; return how many deliveries were queued."""
    bodies = simulated_bodies(count, fields, seed=seed)
    report = admin.import_items(Item("test", body, parse_body(body)) for body in bodies)
    return report.intake.deliveries


def assert_signed(request: Received, secret: str) -> None:
    """What a receiver does: recompute the signature of the raw body with its secret."""
    assert verify(secret, request.body, request.headers[SIGNATURE_HEADER]), request.headers


@pytest.fixture(autouse=True)
def no_engine_threads_left() -> Iterator[None]:
    """Every test leaves no sender or engine thread running."""
    yield
    assert_no_threads_left()
