"""How an attempt's answer is judged, by table: no socket, no database, no clock."""

from __future__ import annotations

import pytest

from sigfollow_desktop.core.retry import RETRY_AFTER_MAX, RETRY_AFTER_MIN, RetryPolicy
from sigfollow_desktop.engine.judge import Judgement, judge
from sigfollow_desktop.engine.send import SendResult

NOW = 1_000_000.0
# No jitter: every wait is the schedule's own.
POLICY = RetryPolicy(schedule=(5.0, 300.0, 1_800.0), jitter=0.0)
LAST = POLICY.max_attempts  # 4


def answer(
    code: int | None,
    *,
    error: str | None = None,
    retry_after: float | None = None,
    location: str | None = None,
) -> SendResult:
    return SendResult(
        status_code=code, duration_ms=12.0, error=error, retry_after=retry_after, location=location
    )


TIMEOUT = "Timed out after 10 s"
REFUSED = "Connection refused"

CASES: list[tuple[str, SendResult, int, Judgement]] = [
    ("200 delivers", answer(200), 1, Judgement("delivered", None, finished_at=NOW)),
    ("204 delivers", answer(204), 3, Judgement("delivered", None, finished_at=NOW)),
    ("299 delivers", answer(299), 1, Judgement("delivered", None, finished_at=NOW)),
    ("2xx on the last attempt", answer(201), LAST, Judgement("delivered", None, finished_at=NOW)),
    ("199 is no success", answer(199), 1, Judgement("retrying", None, NOW + 5.0)),
    ("500 retries after 5 s", answer(500), 1, Judgement("retrying", None, NOW + 5.0)),
    ("500 again after 5 min", answer(500), 2, Judgement("retrying", None, NOW + 300.0)),
    ("404 retries too", answer(404), 3, Judgement("retrying", None, NOW + 1_800.0)),
    (
        "301 is a failure, never followed",
        answer(301, location="https://elsewhere.example/x"),
        1,
        Judgement("retrying", "Redirect not followed (to https://elsewhere.example/x)", NOW + 5.0),
    ),
    (
        "302 without a Location",
        answer(302),
        1,
        Judgement("retrying", "Redirect not followed (to an unnamed location)", NOW + 5.0),
    ),
    (
        "429 honours Retry-After",
        answer(429, retry_after=42.0),
        1,
        Judgement("retrying", None, NOW + 42.0),
    ),
    (
        "503 honours Retry-After",
        answer(503, retry_after=120.0),
        2,
        Judgement("retrying", None, NOW + 120.0),
    ),
    (
        "429 Retry-After 0 waits the minimum",
        answer(429, retry_after=0.0),
        1,
        Judgement("retrying", None, NOW + RETRY_AFTER_MIN),
    ),
    (
        "429 Retry-After of days waits the maximum",
        answer(429, retry_after=10 * 86_400.0),
        1,
        Judgement("retrying", None, NOW + RETRY_AFTER_MAX),
    ),
    (
        "429 without Retry-After: the schedule",
        answer(429),
        2,
        Judgement("retrying", None, NOW + 300.0),
    ),
    (
        "500's Retry-After is ignored",
        answer(500, retry_after=42.0),
        1,
        Judgement("retrying", None, NOW + 5.0),
    ),
    (
        "NaN Retry-After: the schedule",
        answer(429, retry_after=float("nan")),
        1,
        Judgement("retrying", None, NOW + 5.0),
    ),
    ("timeout retries", answer(None, error=TIMEOUT), 1, Judgement("retrying", TIMEOUT, NOW + 5.0)),
    (
        "refused retries",
        answer(None, error=REFUSED),
        3,
        Judgement("retrying", REFUSED, NOW + 1_800.0),
    ),
    (
        "500 on the last attempt fails",
        answer(500),
        LAST,
        Judgement("failed", None, finished_at=NOW, reason="HTTP 500"),
    ),
    (
        "timeout on the last attempt fails",
        answer(None, error=TIMEOUT),
        LAST,
        Judgement("failed", TIMEOUT, finished_at=NOW, reason=TIMEOUT),
    ),
    (
        "429 on the last attempt fails, Retry-After or not",
        answer(429, retry_after=5.0),
        LAST,
        Judgement("failed", None, finished_at=NOW, reason="HTTP 429"),
    ),
    (
        "a redirect on the last attempt fails with where it pointed",
        answer(307, location="http://10.0.0.1/"),
        LAST,
        Judgement(
            "failed",
            "Redirect not followed (to http://10.0.0.1/)",
            finished_at=NOW,
            reason="Redirect not followed (to http://10.0.0.1/)",
        ),
    ),
    (
        "past the last attempt still fails",
        answer(500),
        LAST + 3,
        Judgement("failed", None, finished_at=NOW, reason="HTTP 500"),
    ),
]


@pytest.mark.parametrize(
    ("result", "attempt", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_judge(result: SendResult, attempt: int, expected: Judgement) -> None:
    assert judge(result, attempt=attempt, now=NOW, policy=POLICY) == expected


@pytest.mark.parametrize(
    ("verdict", "status"),
    [("delivered", "delivered"), ("retrying", "pending"), ("failed", "failed")],
)
def test_status_stored_for_each_verdict(verdict: str, status: str) -> None:
    result = {
        "delivered": answer(200),
        "retrying": answer(500),
        "failed": answer(500),
    }[verdict]
    attempt = LAST if verdict == "failed" else 1
    judgement = judge(result, attempt=attempt, now=NOW, policy=POLICY)
    assert (judgement.verdict, judgement.status) == (verdict, status)


def test_jitter_stays_within_its_band() -> None:
    low = RetryPolicy(schedule=(100.0,), jitter=0.2, rng=lambda: 0.0)
    high = RetryPolicy(schedule=(100.0,), jitter=0.2, rng=lambda: 1.0)
    waits = [
        judge(answer(500), attempt=1, now=NOW, policy=policy).next_attempt_at
        for policy in (low, high)
    ]
    assert waits == [NOW + 80.0, NOW + 120.0]
