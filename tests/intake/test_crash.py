"""Crash safety: the intake process is SIGKILLed twice while a client posts 5,000 bodies.

Real processes: ``sigfollow-desktop intake`` (its own delivery engine inside) on the store
that this test also reads, a client posting from four threads, and a loopback receiver. Like
Meta, the client sends a body again until it gets a 200. Every body answered 200 must be
stored (it was answered only after its commit) and delivered, and none stored twice.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.intake_credentials import IntakeKeychain
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.core.meta import parse_body
from sigfollow_desktop.core.samples import simulated_bodies
from sigfollow_desktop.core.signing import SIGNATURE_HEADER, verify
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.models import Delivery, Event
from tests.intake.conftest import APP_SECRET, VERIFY_TOKEN, signed
from tests.intake.processes import free_port, start_intake
from tests.support.file_keyring import FileKeyring
from tests.support.processes import wait_for
from tests.support.receiver import Receiver

BODIES = 5_000
CLIENTS = 4
KILL_AT = (1_500, 3_000)  # bodies answered 200 when each SIGKILL is sent


class Client:
    """Posts its share of the bodies, each until it is answered 200 (as Meta retries)."""

    def __init__(self, url: str, bodies: list[bytes]) -> None:
        self.url = url
        self.bodies = bodies
        self.acked: list[bytes] = []
        self.failures = 0  # refused connections, cut requests: sent again
        self.other: list[int] = []
        self.lock = threading.Lock()
        self.done = threading.Event()

    def run(self, share: list[bytes]) -> None:
        pause = threading.Event()
        with httpx.Client(timeout=10.0) as client:
            for body in share:
                while True:
                    try:
                        response = client.post(self.url, content=body, headers=signed(body))
                    except httpx.TransportError:
                        with self.lock:
                            self.failures += 1
                        pause.wait(0.02)  # the intake is restarting
                        continue
                    if response.status_code == 200:
                        with self.lock:
                            self.acked.append(body)
                        break
                    with self.lock:
                        self.other.append(response.status_code)
                    pause.wait(0.02)

    def answered(self) -> int:
        with self.lock:
            return len(self.acked)


@pytest.mark.slow
def test_sigkill_twice_while_posting_loses_no_answered_body_and_stores_none_twice(
    store: Store, data_dir: Path, tmp_path: Path
) -> None:
    keyring_file = tmp_path / "keyring.json"
    secrets = SecretStore(FileKeyring(keyring_file))
    IntakeKeychain(secrets).save(APP_SECRET, VERIFY_TOKEN)
    bodies = list(simulated_bodies(BODIES, seed=13))
    assert len({parse_body(body).dedupe_key for body in bodies}) == BODIES
    port = free_port()
    url = f"http://127.0.0.1:{port}/"

    with Receiver() as receiver:
        _, secret = Admin(store, secrets).add(receiver.url, FIELDS, enable=True)
        assert secret is not None
        client = Client(url, bodies)
        process = start_intake(data_dir, keyring_file, port, "--timeout", "1", "--lease", "2")
        threads = [
            threading.Thread(target=client.run, args=(bodies[i::CLIENTS],), name=f"client-{i}")
            for i in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        kills = []
        try:
            for threshold in KILL_AT:

                def reached(t: int = threshold) -> bool:
                    return client.answered() >= t

                wait_for(reached, 120, f"{threshold} answers")
                process.send_signal(signal.SIGKILL)
                process.communicate(timeout=10)
                assert process.returncode == -signal.SIGKILL
                kills.append(client.answered())
                process = start_intake(
                    data_dir, keyring_file, port, "--timeout", "1", "--lease", "2"
                )
            for thread in threads:
                thread.join(180)
            assert client.answered() == BODIES
            received = lambda: {request.body for request in list(receiver.requests)}  # noqa: E731
            try:
                wait_for(lambda: len(received()) == BODIES, 180, "every event to be delivered")
            except AssertionError as exc:  # say where delivery stood, to tell slow from stuck
                with store.session() as session:
                    where = session.execute(
                        select(Delivery.status, func.count()).group_by(Delivery.status)
                    ).all()
                raise AssertionError(f"{exc}: {len(received())} received; {where}") from None
        finally:
            process.send_signal(signal.SIGINT)  # Ctrl-C
            out, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        assert "Stopped cleanly" in out

    with store.session() as session:
        stored = list(session.scalars(select(Event.body)))
        statuses = dict(
            session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
        )
    answered = set(client.acked)
    assert len(answered) == BODIES
    assert len(stored) == len(set(stored)) == BODIES  # none stored twice
    assert answered <= set(stored)  # every body answered 200 is stored…
    assert answered <= {request.body for request in receiver.requests}  # …and delivered
    assert statuses == {"delivered": BODIES}
    assert client.other == []
    for request in receiver.requests[:: BODIES // 25]:
        assert verify(secret, request.body, request.headers[SIGNATURE_HEADER])
    print(
        f"killed at {kills[0]} and {kills[1]} answers; {client.failures} requests cut or "
        f"refused and sent again; {len(receiver.requests) - BODIES} deliveries sent twice"
    )
