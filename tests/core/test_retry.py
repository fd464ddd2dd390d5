"""The retry schedule: waits, jitter bounds, giving up, Retry-After within bounds."""

from __future__ import annotations

import pytest

from sigfollow_desktop.core.retry import (
    RETRY_AFTER_MAX,
    RETRY_AFTER_MIN,
    SCHEDULE,
    RetryPolicy,
    parse_retry_after,
)


def test_schedule_is_svix_like() -> None:
    assert SCHEDULE == (5.0, 300.0, 1_800.0, 7_200.0, 18_000.0, 36_000.0, 36_000.0)
    assert RetryPolicy().max_attempts == 8


@pytest.mark.parametrize("draw", [0.0, 0.5, 0.999999])
def test_waits_stay_within_twenty_percent(draw: float) -> None:
    policy = RetryPolicy(clock=lambda: 1000.0, rng=lambda: draw)
    for attempt, base in enumerate(SCHEDULE, start=1):
        delay = policy.delay_after(attempt)
        assert delay is not None
        assert base * 0.8 <= delay <= base * 1.2
        assert policy.next_attempt_at(attempt) == pytest.approx(1000.0 + delay)
    assert RetryPolicy(rng=lambda: 0.5).delay_after(1) == 5.0


def test_gives_up_after_the_last_attempt() -> None:
    policy = RetryPolicy()
    assert policy.delay_after(8) is None
    assert policy.next_attempt_at(9) is None


def test_retry_after_is_honoured_within_bounds() -> None:
    policy = RetryPolicy(clock=lambda: 0.0, rng=lambda: 0.0)
    assert policy.delay_after(1, 429, 120.0) == 120.0
    assert policy.delay_after(3, 503, 2.0) == 2.0
    assert policy.delay_after(1, 429, 0.0) == RETRY_AFTER_MIN
    assert policy.delay_after(1, 429, 10**9) == RETRY_AFTER_MAX
    # Only 429 and 503 carry a meaningful Retry-After; others follow the schedule.
    assert policy.delay_after(1, 500, 120.0) == pytest.approx(4.0)
    # The last attempt is the last, whatever the receiver asks.
    assert policy.delay_after(8, 429, 5.0) is None


NOW = 1_800_000_000.0  # 2027-01-15 08:00:00 UTC


@pytest.mark.parametrize(
    ("value", "wait"),
    [
        (None, None),
        ("120", 120.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        ("000000000000000000000000000005", 5.0),
        ("999999", RETRY_AFTER_MAX),
        ("9" * 5000, RETRY_AFTER_MAX),  # more digits than int() takes: no ValueError
        ("Fri, 15 Jan 2027 08:02:00 GMT", 120.0),
        ("Fri, 15 Jan 2027 09:00:00 +0100", 0.0),  # the same moment as NOW
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # in the past: now
        ("Fri, 31 Dec 9999 23:59:59 GMT", RETRY_AFTER_MAX),
        ("Mon, 01 Jan 99999999999999999999 00:00:00 GMT", None),  # OverflowError before
        ("Mon, 01 Jan 10000 00:00:00 GMT", None),
        ("Mon, 45 Foo 2027 99:99:99 GMT", None),
        ("soon, maybe", None),
        ("", None),
        ("-5", None),
        ("1.5", None),
        ("1e400", None),
        ("nan", None),
        ("inf", None),
        ("١٢٠", None),  # digits, but not ASCII ones
        ("Fri, 15 Jan 2027 08:02:00 GMT" + " " * 100, 120.0),
        ("x" * 10_000, None),
    ],
)
def test_retry_after_is_parsed_without_trusting_it(value: str | None, wait: float | None) -> None:
    assert parse_retry_after(value, NOW) == wait


@pytest.mark.parametrize("odd", [float("nan"), float("inf"), float("-inf")])
def test_a_non_finite_retry_after_falls_back_to_the_schedule(odd: float) -> None:
    policy = RetryPolicy(clock=lambda: 0.0, rng=lambda: 0.5)
    assert policy.delay_after(1, 429, odd) == 5.0
    assert policy.next_attempt_at(1, 503, odd) == 5.0
