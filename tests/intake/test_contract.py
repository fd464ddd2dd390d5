"""Meta's webhook contract against the real intake on 127.0.0.1 (uvicorn, real SQLite)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from sigfollow_desktop.intake.server import IntakeServer
from sigfollow_desktop.resources import sample_body
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.models import Event
from tests.intake.conftest import VERIFY_TOKEN, signed

BODY = sample_body("messages")


def _events(store: Store) -> list[Event]:
    with store.session() as session:
        return list(session.scalars(select(Event).order_by(Event.id)))


def _handshake(
    client: httpx.Client, url: str, token: str, mode: str = "subscribe"
) -> httpx.Response:
    params = {"hub.mode": mode, "hub.verify_token": token, "hub.challenge": "1158201444"}
    return client.get(url, params=params)


def test_handshake_with_the_right_token_echoes_the_challenge(
    intake: IntakeServer, client: httpx.Client
) -> None:
    response = _handshake(client, intake.url, VERIFY_TOKEN)
    assert response.status_code == 200
    assert response.content == b"1158201444"  # exactly the challenge, nothing around it


@pytest.mark.parametrize(
    ("token", "mode"),
    [("wrong-token", "subscribe"), ("", "subscribe"), (VERIFY_TOKEN, "unsubscribe")],
)
def test_handshake_with_a_wrong_token_or_mode_is_403(
    intake: IntakeServer, client: httpx.Client, token: str, mode: str
) -> None:
    response = _handshake(client, intake.url, token, mode)
    assert response.status_code == 403
    assert b"1158201444" not in response.content
    assert intake.stats().refused == 1


def test_a_rightly_signed_meta_body_is_stored_before_the_200(
    intake: IntakeServer, client: httpx.Client, store: Store
) -> None:
    response = client.post(intake.url, content=BODY, headers=signed(BODY))
    assert response.status_code == 200
    # The answer came after the commit: another connection sees the row at once.
    (event,) = _events(store)
    assert event.body == BODY
    assert event.field == "messages"
    assert event.source == "intake"


@pytest.mark.parametrize(
    "headers",
    [
        signed(BODY, secret="not-the-app-secret"),
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        {"X-Hub-Signature-256": "sha1=abc"},
        {},
    ],
    ids=["other-secret", "zeros", "malformed", "missing"],
)
def test_a_wrong_or_missing_signature_is_401_and_nothing_is_stored(
    intake: IntakeServer, client: httpx.Client, store: Store, headers: dict[str, str]
) -> None:
    response = client.post(intake.url, content=BODY, headers=headers)
    assert response.status_code == 401
    assert _events(store) == []
    stats = intake.stats()
    assert (stats.refused, stats.accepted) == (1, 0)
    assert stats.last_error is not None
    assert stats.last_error.startswith("401")


def test_a_signed_body_that_is_not_a_meta_webhook_is_400_with_the_reason(
    intake: IntakeServer, client: httpx.Client, store: Store
) -> None:
    body = b'{"object":"page","entry":[]}'
    response = client.post(intake.url, content=body, headers=signed(body))
    assert response.status_code == 400
    assert '`object` must be "whatsapp_business_account"' in response.text
    not_json = b"hello"
    response = client.post(intake.url, content=not_json, headers=signed(not_json))
    assert response.status_code == 400
    assert "not valid JSON" in response.text
    assert _events(store) == []


def test_an_oversize_body_is_413_whether_announced_or_streamed(
    intake: IntakeServer, client: httpx.Client, store: Store
) -> None:
    big = b"x" * (intake.app.max_body + 1)
    response = client.post(intake.url, content=big, headers=signed(big))
    assert response.status_code == 413

    def chunks() -> object:  # no Content-Length: chunked, the cap is counted as it arrives
        for _ in range(80):
            yield b"y" * 1024

    response = client.post(intake.url, content=chunks(), headers={"X-Hub-Signature-256": "x"})  # type: ignore[arg-type]
    assert response.status_code == 413
    assert _events(store) == []
    # The intake still answers normally afterwards.
    assert client.post(intake.url, content=BODY, headers=signed(BODY)).status_code == 200


def test_a_duplicate_is_answered_200_and_stored_once(
    intake: IntakeServer, client: httpx.Client, store: Store
) -> None:
    for _ in range(3):
        assert client.post(intake.url, content=BODY, headers=signed(BODY)).status_code == 200
    assert len(_events(store)) == 1
    stats = intake.stats()
    assert (stats.accepted, stats.stored, stats.duplicates) == (3, 1, 2)


def test_other_methods_are_405(intake: IntakeServer, client: httpx.Client) -> None:
    response = client.put(intake.url, content=BODY)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST"


def test_concurrent_requests_share_commits_and_each_is_stored_once(
    intake: IntakeServer, store: Store, client: httpx.Client
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from sigfollow_desktop.core.samples import simulated_bodies

    bodies = list(simulated_bodies(400, seed=11))

    def post(body: bytes) -> int:
        return client.post(intake.url, content=body, headers=signed(body)).status_code

    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(post, bodies + bodies[:50]))
    assert codes == [200] * 450
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 400
        stored = set(session.scalars(select(Event.body)))
    assert stored == set(bodies)
    assert intake.writer.batches < 450  # some requests waited for a shared transaction


def test_a_body_answered_200_is_already_counted(intake: IntakeServer, client: httpx.Client) -> None:
    """The figures the window shows never lag the answers: counted before the 200 goes."""
    from sigfollow_desktop.core.samples import simulated_bodies

    for number, body in enumerate(simulated_bodies(50, seed=12), start=1):
        assert client.post(intake.url, content=body, headers=signed(body)).status_code == 200
        stats = intake.stats()
        assert (stats.stored, stats.accepted) == (number, number)
