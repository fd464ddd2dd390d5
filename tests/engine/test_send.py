"""One POST against receivers that misbehave: it ends by its deadline, reads little, never
raises, and says what happened."""

from __future__ import annotations

import gzip
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator

import pytest

from sigfollow_desktop.engine.send import (
    EXCERPT_BYTES,
    SendResult,
    excerpt,
    make_client,
    post,
)
from sigfollow_desktop.engine.send_test_request import send_test
from tests.support.hostile_receiver import (
    HostileReceiver,
    Request,
    gzip_bomb,
    nested_gzip_bomb,
)
from tests.support.receiver import Receiver, Reply

DEADLINE = 1.0
SLACK = 0.5  # what an attempt may overrun its deadline by here (loopback, a busy machine)


def _always(behaviour: str) -> HostileReceiver:
    def choose(_request: Request) -> str:
        return behaviour

    # Drips every 0.3 s: each wait is far shorter than the timeout, only a deadline ends them.
    return HostileReceiver(choose, drip_every=0.3, patience=8.0)


@pytest.fixture
def hostile(request: pytest.FixtureRequest) -> Iterator[HostileReceiver]:
    with _always(request.param) as receiver:
        yield receiver


def _post(url: str, timeout: float = DEADLINE) -> SendResult:
    with make_client(timeout) as client:
        return post(client, url, b'{"object":"whatsapp_business_account"}', {})


@pytest.mark.parametrize("hostile", ["drip_headers"], indirect=True)
def test_headers_dripped_a_byte_at_a_time_end_at_the_deadline(hostile: HostileReceiver) -> None:
    result = _post(hostile.url())

    assert result.status_code is None
    assert result.error == "Timed out: no complete answer within 1 s"
    assert DEADLINE - 0.05 <= result.duration_ms / 1000 <= DEADLINE + SLACK
    (exchange,) = hostile.snapshot()
    assert exchange.body_bytes_sent >= 2  # it was dripping, so no single wait timed out
    _wait_for(lambda: exchange.ended is not None)
    assert exchange.client_gave_up
    assert exchange.ended is not None
    assert exchange.ended - exchange.arrived <= DEADLINE + SLACK


@pytest.mark.parametrize("hostile", ["drip_body"], indirect=True)
def test_a_body_dripped_a_byte_at_a_time_ends_at_the_deadline_and_keeps_its_status(
    hostile: HostileReceiver,
) -> None:
    result = _post(hostile.url())

    # The receiver said 200 before it began to drip: the status stands, the body is cut.
    assert result.status_code == 200
    assert result.error is None
    assert result.response_excerpt is not None
    assert set(result.response_excerpt) == {"a"}
    assert DEADLINE - 0.05 <= result.duration_ms / 1000 <= DEADLINE + SLACK


@pytest.mark.parametrize("hostile", ["hang"], indirect=True)
def test_a_receiver_that_never_answers_ends_at_the_deadline(hostile: HostileReceiver) -> None:
    result = _post(hostile.url())

    assert (result.status_code, result.error) == (
        None,
        "Timed out: no complete answer within 1 s",
    )
    assert result.duration_ms / 1000 <= DEADLINE + SLACK


@pytest.mark.parametrize("hostile", ["huge_body"], indirect=True)
def test_a_1_gib_body_is_not_read_to_its_end(hostile: HostileReceiver) -> None:
    result = _post(hostile.url(), timeout=10.0)

    assert result.status_code == 200
    assert result.response_excerpt == "x" * EXCERPT_BYTES
    assert result.duration_ms < 5_000
    (exchange,) = hostile.snapshot()
    _wait_for(lambda: exchange.ended is not None)
    assert exchange.client_gave_up
    assert exchange.body_bytes_sent < 64 * 2**20  # what socket buffers took, not the GiB


@pytest.mark.parametrize("hostile", ["gzip_bomb", "nested_gzip_bomb"], indirect=True)
def test_gzip_bombs_are_never_inflated_beyond_the_excerpt(hostile: HostileReceiver) -> None:
    gzip_bomb()  # made once (a few seconds), before the clock of the request starts
    tracemalloc.start()
    try:
        result = _post(hostile.url(), timeout=10.0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert result.status_code == 200
    assert result.response_excerpt == "\x00" * EXCERPT_BYTES  # decoded, as far as shown
    assert peak < 4 * 2**20, f"{peak / 2**20:.1f} MiB allocated for one answer"


@pytest.mark.parametrize("hostile", ["ok_with_overflowing_retry_after"], indirect=True)
def test_an_overflowing_retry_after_on_a_200_is_ignored(hostile: HostileReceiver) -> None:
    result = _post(hostile.url())

    assert (result.status_code, result.error, result.retry_after) == (200, None, None)


@pytest.mark.parametrize(
    ("behaviour", "wait"),
    [
        ("retry_after_valid", 1.0),
        ("retry_after_past", 0.0),
        ("retry_after_overflow", None),
        ("retry_after_garbage", None),
    ],
)
def test_retry_after_is_read_without_trusting_it(behaviour: str, wait: float | None) -> None:
    with _always(behaviour) as hostile:
        result = _post(hostile.url())
    assert result.status_code in (429, 503)
    assert result.retry_after == wait


@pytest.mark.parametrize("hostile", ["reset"], indirect=True)
def test_a_reset_is_a_failed_attempt_with_a_reason(hostile: HostileReceiver) -> None:
    result = _post(hostile.url())

    assert result.status_code is None
    assert result.error is not None
    assert result.error.startswith(("Connection closed by the server", "ReadError"))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.999/x",
        "http://256.256.256.256/",
        "http://\udcff.example/",
        "http://" + "a" * 70 + ".example/",
    ],
)
def test_a_url_that_cannot_be_sent_to_is_a_failed_attempt(url: str) -> None:
    result = _post(url)

    assert result.status_code is None
    assert result.error is not None
    assert result.error.startswith("Invalid URL: ")


def test_no_compression_is_asked_for(receiver: Receiver) -> None:
    _post(receiver.url)

    (request,) = receiver.requests
    assert request.headers["Accept-Encoding"] == "identity"


def test_a_compressed_answer_still_gives_a_readable_excerpt(receiver: Receiver) -> None:
    receiver.default = Reply(
        500, headers={"Content-Encoding": "gzip"}, body=gzip.compress(b"database down")
    )

    assert _post(receiver.url).response_excerpt == "database down"


@pytest.mark.parametrize("hostile", ["drip_headers"], indirect=True)
def test_send_test_keeps_the_same_deadline(hostile: HostileReceiver) -> None:
    started = time.monotonic()
    result = send_test(hostile.url(), "whsec_test", "statuses", timeout=DEADLINE)

    assert result.headline == "Network error"
    assert result.error == "Timed out: no complete answer within 1 s"
    assert time.monotonic() - started <= DEADLINE + SLACK


def _deflate_raw(data: bytes) -> bytes:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return squeeze.compress(data) + squeeze.flush()


@pytest.mark.parametrize(
    ("raw", "codings", "shown"),
    [
        (b"", [], None),
        (b"plain", [], "plain"),
        (b"plain", ["identity"], "plain"),
        (b"\xff\xfe bad utf-8", [], "\ufffd\ufffd bad utf-8"),
        (b"y" * 5000, [], "y" * EXCERPT_BYTES),
        (gzip.compress(b"zipped"), ["gzip"], "zipped"),
        (gzip.compress(b"zipped"), ["x-gzip"], "zipped"),
        (zlib.compress(b"deflated"), ["deflate"], "deflated"),
        (_deflate_raw(b"raw deflate"), ["deflate"], "raw deflate"),
        (gzip.compress(gzip.compress(b"twice")), ["gzip", "gzip"], "twice"),
        (gzip.compress(zlib.compress(b"mixed")), ["deflate", "gzip"], "mixed"),
        (b"\x1f\x8b not gzip", ["gzip"], "[gzip answer that could not be decoded]"),
        (b"brotli", ["br"], "[answer in br encoding, not shown]"),
        (b"x", ["gzip"] * 4, "[answer encoded 4 times, not shown]"),
    ],
)
def test_the_excerpt_of_an_answer(raw: bytes, codings: list[str], shown: str | None) -> None:
    assert excerpt(raw, codings) == shown


def test_the_excerpt_of_a_nested_bomb_inflates_only_what_it_shows() -> None:
    bomb = nested_gzip_bomb()
    tracemalloc.start()
    try:
        shown = excerpt(bomb, ["gzip", "gzip"])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert shown == "\x00" * EXCERPT_BYTES
    assert peak < 2**20


def _wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)
