"""Each attempt keeps its request headers exactly as sent and the answer's headers as received
(capped), on both stores, checked against what a real receiver on 127.0.0.1 saw."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import select, text

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.http_headers import (
    ANSWER_HEADERS_KEPT,
    capped_block,
    get,
    header_block,
    header_pairs,
)
from sigfollow_desktop.core.signing import SIGNATURE_HEADER, verify
from sigfollow_desktop.engine.send import ATTEMPT_HEADER, DELIVERY_ID_HEADER
from sigfollow_desktop.store.attempt_exchanges import AttemptExchange, attempt_exchanges
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.models import Attempt
from tests.engine.conftest import FakeClock, MakeDispatcher, queue_events
from tests.support.receiver import Receiver, Reply

BACKENDS = ("sqlite", "postgresql")  # every test here runs on both stores


def _stored_text(store: Store) -> str:
    """Every header stored, as the database holds it."""
    with store.session() as session:
        rows = session.execute(text("SELECT request_headers, response_headers FROM attempts"))
        return "\n".join(bytes(v).decode("latin-1") for row in rows for v in row if v is not None)


def _read(store: Store, delivery_id: int) -> tuple[list[Attempt], dict[int, AttemptExchange]]:
    """The delivery's attempts and their headers, as the detail pane and the CLI read them."""
    with store.session() as session:
        sql = select(Attempt).where(Attempt.delivery_id == delivery_id).order_by(Attempt.number)
        attempts = list(session.scalars(sql))
        return attempts, attempt_exchanges(session, delivery_id)


def _delivery_id(store: Store, uid: str) -> int:
    with store.session() as session:
        sql = "SELECT id FROM deliveries WHERE uid = :uid"
        return int(session.execute(text(sql), {"uid": uid}).scalar_one())


def test_the_request_headers_stored_are_the_bytes_the_receiver_read(
    admin: Admin, store: Store, receiver: Receiver, make_dispatcher: MakeDispatcher
) -> None:
    _, secret = admin.add(receiver.url, FIELDS, enable=True)
    assert secret is not None
    queue_events(admin, 3)
    receiver.default = Reply(headers={"X-Receiver-Trace": "trace-42", "Cache-Control": "no-store"})

    make_dispatcher().pump()

    assert len(receiver.requests) == 3
    for got in receiver.requests:
        delivery_id = _delivery_id(store, got.headers[DELIVERY_ID_HEADER])
        (attempt,), exchanges = _read(store, delivery_id)
        exchange = exchanges[attempt.number]
        assert exchange.request_headers is not None
        assert attempt.request_headers is not None
        assert attempt.request_headers + b"\r\n" == got.raw_headers  # byte for byte
        assert header_pairs(attempt.request_headers) == exchange.request_headers
        signature = get(exchange.request_headers, SIGNATURE_HEADER)
        assert signature is not None
        assert verify(secret, got.body, signature)
        assert exchange.response_headers is not None
        assert ("X-Receiver-Trace", "trace-42") in exchange.response_headers
        assert ("Cache-Control", "no-store") in exchange.response_headers
        assert get(exchange.response_headers, "Content-Length") == "2"
        assert exchange.response_headers_cut == 0
    assert secret not in _stored_text(store)


def test_each_retry_keeps_its_own_headers(
    admin: Admin,
    store: Store,
    receiver: Receiver,
    make_dispatcher: MakeDispatcher,
    clock: FakeClock,
) -> None:
    admin.add(receiver.url, FIELDS, enable=True)
    queue_events(admin, 1)
    receiver.replies = [Reply(503, headers={"Retry-After": "7"}, body=b"later")]
    dispatcher = make_dispatcher()
    dispatcher.pump()
    clock.now += 8
    dispatcher.pump()

    first, second = receiver.requests
    attempts, exchanges = _read(store, 1)
    assert [a.status_code for a in attempts] == [503, 200]
    assert sorted(exchanges) == [1, 2]
    assert attempts[0].request_headers is not None
    assert attempts[1].request_headers is not None
    assert attempts[0].request_headers + b"\r\n" == first.raw_headers
    assert attempts[1].request_headers + b"\r\n" == second.raw_headers
    assert get(exchanges[1].request_headers or (), ATTEMPT_HEADER) == "1"
    assert get(exchanges[2].request_headers or (), ATTEMPT_HEADER) == "2"
    assert get(exchanges[1].response_headers or (), "Retry-After") == "7"
    assert get(exchanges[2].response_headers or (), "Retry-After") is None


def test_an_oversized_set_of_answer_headers_is_capped_and_says_so(
    admin: Admin, store: Store, receiver: Receiver, make_dispatcher: MakeDispatcher
) -> None:
    admin.add(receiver.url, FIELDS, enable=True)
    queue_events(admin, 1)
    many = {f"X-Padding-{i:02d}": "p" * 300 for i in range(60)}  # about 19 KiB
    receiver.default = Reply(headers=many, body=b"fine")

    make_dispatcher().pump()

    (attempt,), exchanges = _read(store, 1)
    assert attempt.status_code == 200
    assert attempt.response_excerpt == "fine"
    kept = exchanges[1].response_headers
    assert kept is not None
    assert attempt.response_headers is not None
    assert ANSWER_HEADERS_KEPT - 320 < len(attempt.response_headers) <= ANSWER_HEADERS_KEPT
    # The first ones, in order (after the server's own Server and Date), the rest counted.
    names = [name for name, _ in kept]
    assert names[:2] == ["Server", "Date"]
    padding = names[2:]
    assert padding == [f"X-Padding-{i:02d}" for i in range(len(padding))]
    answer_headers = 2 + len(many) + 1  # Server, Date, the padding, Content-Length
    assert exchanges[1].response_headers_cut == answer_headers - len(kept)
    assert exchanges[1].response_headers_cut > 30


def test_an_attempt_with_no_answer_keeps_the_request_it_made(
    admin: Admin, store: Store, make_dispatcher: MakeDispatcher
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    admin.add(f"http://127.0.0.1:{port}/hook", FIELDS, enable=True)  # nothing listens there
    queue_events(admin, 1)

    make_dispatcher().pump()

    (attempt,), exchanges = _read(store, 1)
    assert attempt.error == "Connection refused"
    sent = exchanges[1].request_headers
    assert sent is not None
    assert get(sent, "Host") == f"127.0.0.1:{port}"
    assert get(sent, SIGNATURE_HEADER) is not None
    assert exchanges[1].response_headers is None
    assert exchanges[1].response_headers_cut == 0


@pytest.mark.parametrize(
    ("sizes", "limit", "kept", "cut"),
    [
        ((), 100, 0, 0),
        ((10, 10), 100, 2, 0),
        ((50, 50), 100, 2, 0),  # exactly the limit
        ((50, 51), 100, 1, 1),  # one byte over: the second is left out
        ((101, 10), 100, 0, 2),  # the first does not fit: none are kept
        ((10, 200, 10), 100, 1, 2),  # the kept ones end at the first that does not fit
    ],
)
def test_capped_block_keeps_whole_lines_in_order(
    sizes: tuple[int, ...], limit: int, kept: int, cut: int
) -> None:
    # One header line of n bytes: "Hn: " + value + CRLF.
    raw = [(f"H{i}".encode(), b"v" * (n - 5 - len(str(i)))) for i, n in enumerate(sizes)]
    lines = [name + b": " + value + b"\r\n" for name, value in raw]
    assert [len(line) for line in lines] == list(sizes)
    block, left_out = capped_block(raw, limit)
    assert block == b"".join(lines[:kept])
    assert left_out == cut


def test_a_header_block_keeps_every_byte_order_and_duplicate() -> None:
    raw = [
        (b"Set-Cookie", b"a=1"),
        (b"set-cookie", b"b=2"),
        (b"X-Latin", b"caf\xe9"),
        (b"X-E", b""),
    ]
    block = header_block(raw)
    assert block == b"Set-Cookie: a=1\r\nset-cookie: b=2\r\nX-Latin: caf\xe9\r\nX-E: \r\n"
    pairs = header_pairs(block)
    assert pairs == (
        ("Set-Cookie", "a=1"),
        ("set-cookie", "b=2"),
        ("X-Latin", "caf\u00e9"),
        ("X-E", ""),
    )
    assert header_block((n.encode("latin-1"), v.encode("latin-1")) for n, v in pairs) == block
    assert header_pairs(b"") == ()
    assert get(pairs, "SET-COOKIE") == "a=1"
    assert get(pairs, "Missing") is None
