"""The search by wamid and phone number while other processes store events: ``events import``
(the batched import) and the live ``intake`` (the group commit), each its own process, on the
store this test searches through :class:`Admin`."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import text

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.intake_credentials import IntakeKeychain
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.core.meta import parse_body
from sigfollow_desktop.core.samples import simulated_bodies
from sigfollow_desktop.store.db import Store, open_store
from sigfollow_desktop.store.delivery_pages import DeliveryFilter
from tests.intake.conftest import APP_SECRET, VERIFY_TOKEN, signed
from tests.intake.processes import free_port, start_intake
from tests.multiprocess.conftest import Site
from tests.support.file_keyring import FileKeyring
from tests.support.processes import wait_for
from tests.support.receiver import Receiver
from tests.support.samples import APPENDIX

PHONE = "4915100000042"
TYPED = "+49 151 0000 0042"


def _about(phone: str, wamid: str, field: str) -> bytes:
    document = json.loads(APPENDIX[field])
    value = document["entry"][0]["changes"][0]["value"]
    if field == "statuses":
        value["statuses"][0].update(id=wamid, recipient_id=phone)
    else:
        value["messages"][0].update(id=wamid, **{"from": phone})
        value["contacts"][0]["wa_id"] = phone
    return json.dumps(document).encode()


def _found(admin: Admin, term: str) -> set[int]:
    """The event ids of every delivery the search finds, page by page."""
    page = admin.delivery_page(DeliveryFilter(search=term), limit=50)
    ids = [row.id for row in page.rows]
    while page.before is not None:
        page = admin.delivery_page(DeliveryFilter(search=term), before=page.before, limit=50)
        ids += [row.id for row in page.rows]
    assert ids == sorted(ids, reverse=True)
    return set(ids)


def _deliveries_about(store: Store, phone: str) -> set[int]:
    """The long way: every delivery whose body names the phone number, bodies parsed again."""
    with store.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT d.id, e.body FROM deliveries d JOIN events e ON e.id = d.event_id")
        ).all()
    return {row[0] for row in rows if phone in parse_body(bytes(row[1])).keys}


def test_search_finds_what_an_import_and_the_live_intake_store_meanwhile(site: Site) -> None:
    site.data_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(site.db)
    secrets = SecretStore(FileKeyring(site.keyring_file))
    admin = Admin(store, secrets)
    IntakeKeychain(secrets).save(APP_SECRET, VERIFY_TOKEN)
    # A big import, the customer's events at its end, in another process.
    imported = [
        _about(PHONE, f"wamid.import{n}", ("statuses", "messages")[n % 2]) for n in range(6)
    ]
    source = site.root / "events.ndjson"
    source.write_bytes(b"\n".join([*simulated_bodies(3000, seed=21), *imported]) + b"\n")
    port = free_port()
    with Receiver() as receiver:
        admin.add(receiver.url, ("statuses", "messages"), enable=True)
        intake = start_intake(site.data_dir, site.keyring_file, port)
        importing = site.start("events", "import", str(source))
        try:
            # Meanwhile, the live intake stores one more about the customer.
            live = _about(PHONE, "wamid.live0", "statuses")
            answer = httpx.post(f"http://127.0.0.1:{port}/", content=live, headers=signed(live))
            assert answer.status_code == 200, answer.text
            wait_for(lambda: _found(admin, "wamid.live0") != set(), 30, "the live event")
            wait_for(lambda: _found(admin, "wamid.import5") != set(), 120, "the imported events")
            out, err = importing.communicate(timeout=120)
            assert importing.returncode == 0, out + err
            expected = _deliveries_about(store, PHONE)
            assert len(expected) == 7  # one webhook: a delivery per event
            assert _found(admin, PHONE) == expected
            assert _found(admin, TYPED) == expected
            page = admin.delivery_page(DeliveryFilter(search="wamid.import3"))
            assert len(page.rows) == 1
            assert page.rows[0].id in expected
            assert page.rows[0].meta_id.startswith("wamid.import3")
        finally:
            if importing.poll() is None:
                importing.kill()
                importing.communicate(timeout=30)
            intake.terminate()
            intake.communicate(timeout=30)
            store.close()
