"""Meta → intake → every subscribed webhook: the bytes unchanged, each signed with its secret,
the engine woken by the commit rather than by its next look at the queue."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator

import httpx
import pytest

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.core.signing import SIGNATURE_HEADER, verify
from sigfollow_desktop.engine.dispatcher import Dispatcher, EngineConfig
from sigfollow_desktop.intake.server import IntakeServer
from sigfollow_desktop.store.db import Store
from tests.intake.conftest import CREDENTIALS, signed
from tests.support.processes import wait_for
from tests.support.receiver import Receiver

# A Meta inbound message as Meta writes it: ASCII, non-ASCII text as \u escapes (an accented
# name, an emoji as a surrogate pair, an escaped slash and quote).
META_BODY = (
    b'{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":'
    b'{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",'
    b'"phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"L\\u00e9a Mart\\u00edn"},'
    b'"wa_id":"33612345678","user_id":"FR.1349120865530274"}],"messages":[{"from":"33612345678",'
    b'"id":"wamid.HBgLMzM2MTIzNDU2NzgVAgASGBQzQUI1RjA4RDc0MjA5QkQ5QTg0MAA=","timestamp":"1764255600",'
    b'"type":"text","text":{"body":"Caf\\u00e9 cr\\u00e8me \\ud83d\\ude00 \\u00bfs\\u00ed? \\"1\\/2\\""}}]},'
    b'"field":"messages"}]}]}'
)
# Long enough that only a wake, never the engine's own idle tick, can deliver within the test.
SLEEPY = EngineConfig(timeout=2.0, lease=10.0, idle_wait=60.0, batch_delay=0.002)


@pytest.fixture
def engine(store: Store, secrets: SecretStore) -> Iterator[Dispatcher]:
    dispatcher = Dispatcher(store, secrets, SLEEPY)
    thread = threading.Thread(target=dispatcher.run, name="sigfollow-test-engine")
    thread.start()
    yield dispatcher
    dispatcher.stop()
    thread.join(10)


def test_a_meta_body_with_escapes_reaches_two_webhooks_byte_for_byte(
    admin: Admin, store: Store, engine: Dispatcher, client: httpx.Client
) -> None:
    assert META_BODY.isascii()
    with Receiver() as first, Receiver() as second:
        _, first_secret = admin.add(first.url, ("messages",), enable=True)
        _, second_secret = admin.add(second.url, ("messages", "statuses"), enable=True)
        assert first_secret
        assert second_secret
        assert first_secret != second_secret
        engine.wake()  # the webhooks are new: the running engine looks again
        server = IntakeServer(store, CREDENTIALS, port=0, on_committed=lambda _: engine.wake())
        server.start()
        try:
            response = client.post(server.url, content=META_BODY, headers=signed(META_BODY))
            assert response.status_code == 200
            wait_for(
                lambda: bool(first.requests and second.requests), 15, "both webhooks delivered"
            )
        finally:
            assert server.stop()

    digest = hashlib.sha256(META_BODY).hexdigest()
    for received, secret, other in (
        (first.requests, first_secret, second_secret),
        (second.requests, second_secret, first_secret),
    ):
        (request,) = received
        assert request.body == META_BODY
        assert hashlib.sha256(request.body).hexdigest() == digest
        header = request.headers[SIGNATURE_HEADER]
        assert verify(secret, request.body, header)  # its own secret signs it
        assert not verify(other, request.body, header)  # not the other webhook's
        assert not verify(CREDENTIALS.app_secret, request.body, header)  # nor Meta's
