"""The Deliveries tab on a real store, with the real engine delivering to a real receiver."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QPoint, QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QInputDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.app import Desktop, build_desktop
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.core.signing import SIGNATURE_HEADER, verify
from sigfollow_desktop.engine.send import DELIVERY_ID_HEADER, EVENT_ID_HEADER
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.delivery_pages import DeliveryFilter
from sigfollow_desktop.ui.deliveries_view import DeliveriesView
from sigfollow_desktop.ui.delivery_detail import NOT_RECORDED_TEXT
from sigfollow_desktop.ui.main_window import MainWindow
from tests.engine.conftest import queue_events
from tests.support.receiver import Received, Receiver, Reply
from tests.ui.helpers import DialogDriver

SelectionFlag = QItemSelectionModel.SelectionFlag


def shown_ids(view: DeliveriesView) -> list[int]:
    model = view.model
    return [model.delivery(row).id for row in range(model.rowCount())]


def reads_from_newest(view: DeliveriesView) -> bool:
    return view.model.from_newest


def wait_loaded(qtbot: QtBot, view: DeliveriesView) -> None:
    qtbot.waitUntil(lambda: view.model.has_loaded and not view.ops.busy, timeout=10_000)


def status_of(view: DeliveriesView, delivery_id: int) -> str:
    row = view.model.row_of(delivery_id)
    assert row >= 0, f"delivery {delivery_id} is not shown"
    return view.model.delivery(row).status


def set_rows(store: Store, sql: str, **params: object) -> None:
    with store.transaction() as session:
        session.execute(text(sql), params)


def test_filters_and_search(qtbot: QtBot, window: MainWindow, admin: Admin, store: Store) -> None:
    first, _ = admin.add("https://one.example/hook", ("statuses", "messages"), enable=True)
    second, _ = admin.add("https://two.example/hook", ("statuses",), enable=True)
    queue_events(admin, 30, ("statuses", "messages"), seed=3)
    set_rows(
        store,
        "UPDATE deliveries SET status = 'delivered', attempt_count = 1, "
        "last_status_code = 200 WHERE id % 3 = 0",
    )
    set_rows(
        store,
        "UPDATE deliveries SET status = 'failed', attempt_count = 5, "
        "last_status_code = 503, finished_at = 1 WHERE id % 3 = 1 AND id < 10",
    )
    set_rows(
        store,
        "UPDATE deliveries SET attempt_count = 1, last_error = 'Connection refused' "
        "WHERE id IN (11, 14)",
    )
    view = window.deliveries
    window.show_deliveries()
    wait_loaded(qtbot, view)
    with store.session() as session:
        total = session.execute(text("SELECT count(*) FROM deliveries")).scalar_one()
    assert shown_ids(view) == list(range(total, 0, -1))
    bar = view.filter_bar

    def choose(combo_name: str, value: object) -> list[int]:
        combo = getattr(bar, combo_name)
        combo.setCurrentIndex(combo.findData(value))
        wait_loaded(qtbot, view)
        return shown_ids(view)

    assert choose("status", "failed") == [7, 4, 1]
    assert choose("status", "retrying") == [14, 11]
    assert choose("code_class", "network") == [14, 11]
    assert choose("code_class", "5xx") == []
    choose("status", None)
    assert choose("code_class", "5xx") == [7, 4, 1]
    choose("code_class", None)
    qtbot.waitUntil(lambda: bar.webhook.findData(second) >= 0, timeout=5000)
    only_second = choose("webhook", second)
    assert only_second
    assert {view.model.delivery(r).webhook_id for r in range(len(only_second))} == {second}
    choose("webhook", None)
    messages = choose("field", "messages")
    assert messages
    assert {view.model.delivery(r).field for r in range(len(messages))} == {"messages"}
    choose("field", None)
    everything = choose("time_range", 3600.0)
    assert len(everything) == total  # all were created just now
    choose("time_range", None)

    # Search: a wamid from a shown row, then a delivery id typed by hand.
    detail = admin.delivery_detail(5)
    wamid = detail.row.meta_id.split(" ")[0]
    bar.search.setText(wamid)
    qtbot.waitUntil(lambda: view.model.filter.search == wamid, timeout=5000)
    wait_loaded(qtbot, view)
    assert 5 in shown_ids(view)
    forms = (wamid.encode(), wamid.replace("/", "\\/").encode())  # JSON may escape "/"
    bodies = [admin.delivery_detail(i).body for i in shown_ids(view)]
    assert all(any(form in body for form in forms) for body in bodies)
    bar.search.clear()
    qtbot.keyClicks(bar.search, detail.row.uid)
    qtbot.waitUntil(lambda: view.model.filter.search == detail.row.uid, timeout=5000)
    wait_loaded(qtbot, view)
    assert shown_ids(view) == [5]
    assert view.message.text() == f"Searched the delivery and event ids for {detail.row.uid}"
    # Text that is no id: nothing, at once, and the view says what was (not) searched.
    bar.search_now("where is my order")
    qtbot.waitUntil(lambda: view.model.filter.search == "where is my order", timeout=5000)
    wait_loaded(qtbot, view)
    assert shown_ids(view) == []
    assert view.message.text().endswith("(message text is not searched)")
    bar.search_now("")
    wait_loaded(qtbot, view)
    assert view.message.text() == ""
    assert first != second


@pytest.fixture
def desktop(qtbot: QtBot, store: Store, secrets: SecretStore, tmp_path: Path) -> Iterator[Desktop]:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    made = build_desktop(store, secrets, settings)
    qtbot.addWidget(made.window)
    made.window.resize(1200, 800)
    made.window.show()
    made.window.show_deliveries()
    yield made
    made.shutdown()


def top_row_id(view: DeliveriesView) -> int:
    row = view.table.indexAt(QPoint(4, 4)).row()
    assert row >= 0
    return view.model.delivery(row).id


def test_live_updates_keep_scroll_and_selection(
    qtbot: QtBot, desktop: Desktop, admin: Admin, receiver: Receiver
) -> None:
    admin.add(receiver.url, ("statuses",), enable=True)
    queued = queue_events(admin, 400, ("statuses",), seed=5)
    view = desktop.window.deliveries
    view.show_filtered(DeliveryFilter())  # read again, from the newest
    wait_loaded(qtbot, view)
    assert len(shown_ids(view)) == 200  # the first page: 400..201
    # Scrolled down to about the middle of the page, one delivery selected.
    assert view.select_delivery(260)
    bar = view.table.verticalScrollBar()
    bar.setValue(100 * view.table.verticalHeader().defaultSectionSize())
    anchor = top_row_id(view)
    assert anchor < 400

    desktop.start()  # the engine delivers all 400 meanwhile
    more = queue_events(admin, 30, ("statuses",), seed=6)  # newer rows come in at the top
    desktop.engine.wake()
    qtbot.waitUntil(lambda: len(receiver.requests) == queued + more, timeout=60_000)
    qtbot.waitUntil(lambda: len(shown_ids(view)) == 200 + more, timeout=10_000)
    qtbot.waitUntil(lambda: status_of(view, 260) == "delivered", timeout=10_000)
    qtbot.waitUntil(lambda: status_of(view, 201) == "delivered", timeout=10_000)
    assert shown_ids(view)[:more] == list(range(400 + more, 400, -1))
    assert view.selected_ids() == [260]
    assert view.model.delivery(view.table.currentIndex().row()).id == 260
    assert top_row_id(view) == anchor  # the same rows under the person's eyes


def test_detail_redeliver_and_curl(
    qtbot: QtBot, desktop: Desktop, admin: Admin, store: Store, receiver: Receiver
) -> None:
    webhook_id, secret = admin.add(receiver.url, ("statuses", "messages"), enable=True)
    assert secret is not None
    queue_events(admin, 6, ("statuses", "messages"), seed=8)
    view = desktop.window.deliveries
    desktop.start()
    qtbot.waitUntil(lambda: len(receiver.requests) == 6, timeout=30_000)
    wait_loaded(qtbot, view)
    qtbot.waitUntil(lambda: status_of(view, 3) == "delivered", timeout=10_000)

    # The detail pane shows what the receiver got, byte for byte.
    assert view.select_delivery(3)
    pane = view.detail
    qtbot.waitUntil(lambda: pane.detail is not None and pane.detail.row.id == 3, timeout=5000)
    qtbot.waitUntil(lambda: pane.detail is not None and pane.detail.attempts != (), timeout=5000)
    assert pane.detail is not None
    got = next(r for r in receiver.requests if r.headers[DELIVERY_ID_HEADER] == pane.detail.row.uid)
    assert pane.detail.body == got.body
    assert pane.raw_text() == got.body.decode("utf-8")
    shown_headers = pane.headers.toPlainText().splitlines()
    for name in (SIGNATURE_HEADER, EVENT_ID_HEADER, DELIVERY_ID_HEADER, "Content-Type"):
        assert f"{name}: {got.headers[name]}" in shown_headers
    # The request headers shown are the lines the receiver read, in their order, every one.
    assert shown_headers[0] == "# Attempt 1, as sent (the headers stored with the attempt)."
    assert shown_headers[1] == f"POST {receiver.url}"
    assert "\r\n".join(shown_headers[2:]).encode() + b"\r\n\r\n" == got.raw_headers
    attempt_lines = pane.attempts.toPlainText().splitlines()
    assert "HTTP 200" in attempt_lines[0]
    start = attempt_lines.index("  Request headers, as sent:") + 1
    sent = attempt_lines[start : start + len(shown_headers) - 2]
    assert "\r\n".join(line.strip() for line in sent).encode() + b"\r\n\r\n" == got.raw_headers
    assert "  Answer headers, HTTP 200:" in attempt_lines
    assert "    Content-Length: 2" in attempt_lines
    assert secret not in pane.headers.toPlainText()
    assert secret not in pane.attempts.toPlainText()

    # Copy as cURL, run by curl: the receiver checks the signature over the raw body.
    def check(request: Received) -> Reply:
        ok = verify(secret, request.body, request.headers.get(SIGNATURE_HEADER, ""))
        return Reply(200 if ok else 401, body=b"signature ok" if ok else b"bad signature")

    receiver.script = check
    before = len(receiver.requests)
    pane.curl_button.click()
    command = QGuiApplication.clipboard().text()
    assert command.startswith("printf '%s' ")
    assert secret not in command
    ran = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "signature ok"
    assert receiver.requests[before].body == got.body

    # Redeliver: the engine sends it again.
    before = len(receiver.requests)
    pane.redeliver_button.click()
    qtbot.waitUntil(lambda: view.message.text() == "1 delivery queued again", timeout=5000)
    qtbot.waitUntil(lambda: len(receiver.requests) == before + 1, timeout=15_000)
    assert receiver.requests[-1].body == got.body
    qtbot.waitUntil(lambda: "Attempt 2" in pane.attempts.toPlainText(), timeout=10_000)

    # Redeliver selected: three rows at once.
    set_rows(store, "UPDATE deliveries SET status = 'failed', finished_at = :now", now=time.time())
    view.model.refresh_live(range(1, 7))  # what the engine's reports would make it do
    qtbot.waitUntil(lambda: status_of(view, 6) == "failed", timeout=5000)
    selection = view.table.selectionModel()
    view.table.selectRow(view.model.row_of(6))
    for delivery_id in (5, 4):
        index = view.model.index(view.model.row_of(delivery_id), 0)
        selection.select(index, SelectionFlag.Select | SelectionFlag.Rows)
    assert view.selected_ids() == [6, 5, 4]
    before = len(receiver.requests)
    view.redeliver_selected_button.click()
    qtbot.waitUntil(lambda: view.message.text() == "3 deliveries queued again", timeout=5000)
    qtbot.waitUntil(lambda: len(receiver.requests) == before + 3, timeout=15_000)
    qtbot.waitUntil(lambda: status_of(view, 4) == "delivered", timeout=10_000)

    # Recover failed since…: the other three, for this webhook.
    before = len(receiver.requests)
    view.recover(webhook_id, time.time() - 3600)
    qtbot.waitUntil(
        lambda: view.message.text() == "Recover: 3 deliveries queued again", timeout=5000
    )
    qtbot.waitUntil(lambda: len(receiver.requests) == before + 3, timeout=15_000)

    def left() -> int:
        with store.session() as session:
            sql = "SELECT count(*) FROM deliveries WHERE status != 'delivered'"
            return int(session.execute(text(sql)).scalar_one())

    qtbot.waitUntil(lambda: left() == 0, timeout=10_000)  # recorded after the answers

    # After Rotate secret, Copy as cURL of an earlier attempt is still the request as it was
    # sent: the old signature, accepted by a receiver that still checks with the old secret.
    new_secret = admin.rotate_secret(webhook_id)
    assert new_secret != secret
    assert view.select_delivery(2)
    qtbot.waitUntil(lambda: pane.detail is not None and pane.detail.row.id == 2, timeout=5000)
    assert pane.detail is not None
    assert pane.request is not None
    uid = pane.detail.row.uid
    latest = [r for r in receiver.requests if r.headers[DELIVERY_ID_HEADER] == uid][-1]
    assert pane.request.as_sent
    assert pane.request.attempt == len(pane.detail.attempts)
    old_signature = latest.headers[SIGNATURE_HEADER]
    assert f"{SIGNATURE_HEADER}: {old_signature}" in pane.headers.toPlainText().splitlines()
    assert not verify(new_secret, latest.body, old_signature)
    before = len(receiver.requests)
    pane.curl_button.click()
    assert view.message.text() == (
        f"Copied delivery 2 as a cURL command (attempt {pane.request.attempt} as sent)"
    )
    command = QGuiApplication.clipboard().text()
    assert f"{SIGNATURE_HEADER}: {old_signature}" in command
    assert secret not in command
    assert new_secret not in command
    ran = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "signature ok"  # checked with the OLD secret
    replayed = receiver.requests[before]
    assert replayed.body == latest.body
    assert replayed.headers[SIGNATURE_HEADER] == old_signature
    for name in (EVENT_ID_HEADER, DELIVERY_ID_HEADER, "X-SigFollow-Attempt", "User-Agent"):
        assert replayed.headers[name] == latest.headers[name]


def test_an_attempt_without_recorded_headers_is_made_again_saying_so(
    qtbot: QtBot, desktop: Desktop, admin: Admin, store: Store, receiver: Receiver
) -> None:
    """An attempt recorded before the headers were kept (revision 0007): the pane says so,
    and Copy as cURL signs the request again with the current secret, saying so too."""
    webhook_id, _ = admin.add(receiver.url, ("statuses",), enable=True)
    queue_events(admin, 1, ("statuses",), seed=9)
    view = desktop.window.deliveries
    desktop.start()
    qtbot.waitUntil(lambda: len(receiver.requests) == 1, timeout=30_000)
    wait_loaded(qtbot, view)
    qtbot.waitUntil(lambda: status_of(view, 1) == "delivered", timeout=10_000)
    set_rows(
        store,
        "UPDATE attempts SET request_headers = NULL, response_headers = NULL, "
        "response_headers_cut = NULL",
    )
    new_secret = admin.rotate_secret(webhook_id)

    assert view.select_delivery(1)
    pane = view.detail
    qtbot.waitUntil(lambda: pane.detail is not None and pane.detail.attempts != (), timeout=5000)
    assert pane.request is not None
    assert not pane.request.as_sent
    attempts = pane.attempts.toPlainText().splitlines()
    assert f"  {NOT_RECORDED_TEXT}" in attempts
    assert not any(line.startswith("  Request headers") for line in attempts)
    assert pane.headers.toPlainText().startswith(
        "# Headers were not recorded for attempt 1: made again as the engine makes them, "
        "signed with the webhook's current secret"
    )

    def check(request: Received) -> Reply:
        ok = verify(new_secret, request.body, request.headers.get(SIGNATURE_HEADER, ""))
        return Reply(200 if ok else 401, body=b"signature ok" if ok else b"bad signature")

    receiver.script = check
    pane.curl_button.click()
    assert view.message.text() == (
        "Copied delivery 1 as a cURL command (headers of attempt 1 not recorded: signed again "
        "with the current secret)"
    )
    command = QGuiApplication.clipboard().text()
    assert new_secret not in command
    ran = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "signature ok"
    assert receiver.requests[-1].body == receiver.requests[0].body


def test_show_filtered_and_errors_in_one_place(
    qtbot: QtBot, window: MainWindow, admin: Admin
) -> None:
    view = window.deliveries
    view.ops.show_errors = False
    view.show_filtered(DeliveryFilter(status="failed"))
    wait_loaded(qtbot, view)
    assert shown_ids(view) == []
    with qtbot.waitSignal(view.ops.failed, timeout=5000) as failed:
        view.redeliver([12345])
    assert failed.args == ["No delivery with id 12345; `deliveries list` shows the ids"]
    assert view.message.text() == failed.args[0]


def test_recover_asks_for_a_webhook_and_a_time(
    qtbot: QtBot, window: MainWindow, admin: Admin, store: Store, dialogs: DialogDriver
) -> None:
    webhook_id, _ = admin.add("https://one.example/hook", ("statuses",), enable=True)
    admin.add("https://two.example/hook", ("statuses",), enable=True)
    queue_events(admin, 4, ("statuses",), seed=2)  # 8 deliveries, 4 to each webhook
    set_rows(
        store,
        "UPDATE deliveries SET status = 'failed', attempt_count = 8, finished_at = :at",
        at=time.time() - 3 * 3600,  # three hours ago: inside the last day, not the last hour
    )
    view = window.deliveries
    window.show_deliveries()
    wait_loaded(qtbot, view)
    view.recover_button.click()
    assert view.message.text().startswith("Choose a webhook in the filter")

    bar = view.filter_bar
    qtbot.waitUntil(lambda: bar.webhook.findData(webhook_id) >= 0, timeout=5000)
    bar.webhook.setCurrentIndex(bar.webhook.findData(webhook_id))
    wait_loaded(qtbot, view)

    def choose_last_day(dialog: QInputDialog) -> None:
        assert "Last hour" in dialog.comboBoxItems()
        dialog.setTextValue("Last 24 hours")
        dialog.accept()

    dialogs.when(QInputDialog, choose_last_day)
    view.recover_button.click()
    qtbot.waitUntil(
        lambda: view.message.text() == "Recover: 4 deliveries queued again", timeout=5000
    )
    with store.session() as session:
        rows = session.execute(text("SELECT webhook_id, status FROM deliveries ORDER BY id")).all()
    assert {status for hook, status in rows if hook == webhook_id} == {"pending"}
    assert {status for hook, status in rows if hook != webhook_id} == {"failed"}


def test_end_reads_the_oldest_page_from_the_other_end_and_home_the_newest(
    qtbot: QtBot, window: MainWindow, admin: Admin, store: Store
) -> None:
    admin.add("https://one.example/hook", ("statuses",), enable=True)
    queue_events(admin, 60, ("statuses",), seed=5)
    with store.session() as session:
        newest_first = list(session.scalars(text("SELECT id FROM deliveries ORDER BY id DESC")))
    assert len(newest_first) == 60
    view = window.deliveries
    view.model.page_size = 10
    window.show_deliveries()
    wait_loaded(qtbot, view)
    first = shown_ids(view)  # a page or two: as many as the table asks for
    assert 10 <= len(first) < 60
    assert first == newest_first[: len(first)]
    assert reads_from_newest(view)

    # End: the oldest page, read by keyset from the other end (not the pages between).
    qtbot.keyClick(view.table, Qt.Key.Key_End)
    qtbot.waitUntil(lambda: view.model.at_oldest and not view.ops.busy, timeout=10_000)
    shown = shown_ids(view)
    assert shown == newest_first[-len(shown) :]
    assert len(shown) < 60
    last = len(shown) - 1
    assert view.table.currentIndex().row() == last
    assert view.selected_ids() == [newest_first[-1]]
    assert not reads_from_newest(view)

    # Scrolling up brings the page above; the selected row stays selected.
    view.model.fetch_newer()
    qtbot.waitUntil(
        lambda: view.model.rowCount() >= len(shown) + 10 and not view.ops.busy, timeout=10_000
    )
    more = shown_ids(view)
    assert more == newest_first[-len(more) :]
    assert view.selected_ids() == [newest_first[-1]]

    # Home: the newest again, live updates at the top resume.
    qtbot.keyClick(view.table, Qt.Key.Key_Home)
    qtbot.waitUntil(
        lambda: view.model.from_newest and view.model.has_loaded and not view.ops.busy,
        timeout=10_000,
    )
    assert shown_ids(view)[:10] == newest_first[:10]
    assert view.table.currentIndex().row() == 0


def test_an_attempt_that_got_no_answer_is_shown_as_made_not_as_sent(
    qtbot: QtBot, desktop: Desktop, admin: Admin
) -> None:
    """Headers stored for an attempt that was refused: they are what was made, and nothing
    says the receiver had them."""
    with socket.socket() as probe:  # a port of 127.0.0.1 nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    admin.add(f"http://127.0.0.1:{port}/hook", ("statuses",), enable=True)
    queue_events(admin, 1, ("statuses",), seed=10)
    view = desktop.window.deliveries
    desktop.start()
    wait_loaded(qtbot, view)

    def attempted() -> bool:
        row = view.model.row_of(1)
        return row >= 0 and view.model.delivery(row).attempts >= 1

    qtbot.waitUntil(attempted, timeout=15_000)
    assert view.select_delivery(1)
    pane = view.detail
    qtbot.waitUntil(lambda: pane.detail is not None and pane.detail.attempts != (), timeout=5000)
    assert pane.request is not None
    assert pane.request.as_sent
    assert not pane.request.answered
    assert pane.headers.toPlainText().startswith(
        "# Attempt 1, as made (the headers stored with the attempt); no answer came, so it may "
        "not have arrived."
    )
    attempts = pane.attempts.toPlainText().splitlines()
    assert "  Request headers, as made (no answer came: it may not have arrived):" in attempts
    pane.curl_button.click()
    assert view.message.text() == (
        "Copied delivery 1 as a cURL command (attempt 1 as made, no answer came)"
    )
