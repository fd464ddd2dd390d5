"""``deliveries show --headers``: each attempt's request headers as sent and the answer's,
read from the store on both backends; never the secret."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.signing import SIGNATURE_HEADER
from sigfollow_desktop.engine.dispatcher import Dispatcher
from sigfollow_desktop.engine.send import DELIVERY_ID_HEADER
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.sealed_secrets import secrets_for
from tests.cli.conftest import RunCli
from tests.engine.conftest import TEST_CONFIG, queue_events
from tests.support.memory_keyring import MemoryKeyring
from tests.support.receiver import Receiver, Reply

BACKENDS = ("sqlite", "postgresql")  # every test here runs on both stores


@pytest.fixture
def cli_admin(store: Store, memory_keyring: MemoryKeyring) -> Admin:
    return Admin(store, secrets_for(store, memory_keyring))


def test_show_prints_each_attempts_headers_and_says_when_none_were_kept(
    cli: RunCli, cli_admin: Admin, store: Store, receiver: Receiver
) -> None:
    _, secret = cli_admin.add(receiver.url, ("statuses",), enable=True)
    assert secret is not None
    queue_events(cli_admin, 2, ("statuses",))
    many = {f"X-Padding-{i:02d}": "p" * 500 for i in range(30)}
    receiver.default = Reply(headers={"X-Request-Id": "req-7", **many})
    with Dispatcher(store, cli_admin.secrets, TEST_CONFIG) as dispatcher:
        dispatcher.pump()
    with store.transaction() as session:  # delivery 1's attempt as an earlier version left it
        session.execute(
            text(
                "UPDATE attempts SET request_headers = NULL, response_headers = NULL, "
                "response_headers_cut = NULL WHERE delivery_id = 1"
            )
        )

    old = cli("deliveries", "show", "1", "--headers")
    assert old.code == 0, old.err
    assert "Attempt 1 · HTTP 200\n  Headers were not recorded for this attempt" in old.out

    shown = cli("deliveries", "show", "2", "--headers")
    assert shown.code == 0, shown.err
    with store.session() as session:
        uid = session.execute(text("SELECT uid FROM deliveries WHERE id = 2")).scalar_one()
    got = next(r for r in receiver.requests if r.headers[DELIVERY_ID_HEADER] == uid)
    lines = shown.out.splitlines()
    start = lines.index("  Request headers, as sent:") + 1
    end = lines.index("  Answer headers:")
    sent = "".join(f"{line.removeprefix('    ')}\r\n" for line in lines[start:end]) + "\r\n"
    assert sent.encode() == got.raw_headers
    assert f"    {SIGNATURE_HEADER}: {got.headers[SIGNATURE_HEADER]}" in lines
    assert "    X-Request-Id: req-7" in lines
    # 30 headers of about 500 bytes: the first ones kept (8 KiB), the rest counted.
    cut = next(line for line in lines if line.startswith("    … "))
    assert cut.endswith("more header(s) not kept (an answer's headers are kept up to 8 KiB)")
    assert int(cut.split()[1]) > 10
    assert "X-Padding-00" in shown.out
    assert "X-Padding-29" not in shown.out
    assert secret not in shown.out + shown.err
    assert secret not in old.out + old.err

    plain = cli("deliveries", "show", "2")  # without --headers: as before
    assert "Request headers" not in plain.out
