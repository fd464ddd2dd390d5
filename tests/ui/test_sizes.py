"""The page at 800×600 and at 2560×1440: everything reachable, nothing cut without an
ellipsis, the list and the detail sharing the width."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip, QWidget
from pytestqt.qtbot import QtBot

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.store.summary import HEALTH_TEXT
from sigfollow_desktop.ui.main_window import MainWindow
from tests.ui.helpers import focused, press, show_webhook

LONG_URL = "https://hooks.example-company.com/integrations/sigfollow/whatsapp/events/production"


def sized(qtbot: QtBot, window: MainWindow, width: int, height: int) -> None:
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.size().width() == width, timeout=2000)
    QApplication.processEvents()


def fully_visible(widget: QWidget) -> bool:
    return widget.isVisible() and widget.visibleRegion().boundingRect() == widget.rect()


@pytest.fixture
def long_webhook(qtbot: QtBot, window: MainWindow, admin: Admin) -> int:
    webhook_id, _ = admin.add(LONG_URL, ("statuses", "messages", "template_status"), True)
    admin.add("https://b.example.org/hook", ("statuses",))
    show_webhook(qtbot, window.page, webhook_id)
    return webhook_id


def test_at_800x600_the_page_scrolls_down_but_never_sideways(
    qtbot: QtBot, window: MainWindow, long_webhook: int
) -> None:
    assert window.minimumSize().width() <= 800
    assert window.minimumSize().height() <= 600
    sized(qtbot, window, 800, 600)
    page = window.page
    scroll = page.detail_scroll
    viewport = scroll.viewport()
    detail = scroll.widget()
    assert detail is not None
    # The events table rearranges itself after the resize; the pane then fits the width.
    qtbot.waitUntil(lambda: detail.width() <= viewport.width(), timeout=2000)
    assert scroll.horizontalScrollBar().maximum() == 0
    assert scroll.verticalScrollBar().maximum() > 0  # it scrolls instead

    card = page.config_card
    for widget in (card.send_button, card.remove_button, card.rotate_button, card.sample_combo):
        right = widget.mapTo(viewport, QPoint(widget.width(), 0)).x()
        assert right <= viewport.width(), widget.objectName()

    # Tab reaches each, and the pane scrolls to show it whole.
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    page.webhook_list.setFocus()
    wanted = {
        "removeButton",
        "sendTestButton",
        "event_statuses_toggle",
        "event_template_status_toggle",
    }
    for _ in range(30):
        press(Qt.Key.Key_Tab)
        if focused().objectName() in wanted:
            assert fully_visible(focused()), focused().objectName()
            wanted.discard(focused().objectName())
    assert wanted == set()


def test_list_rows_elide_with_the_whole_url_in_the_tooltip(
    qtbot: QtBot, window: MainWindow, long_webhook: int
) -> None:
    sized(qtbot, window, 800, 600)
    rows = window.page.webhook_list
    row = rows.row_widget(long_webhook)
    assert row is not None
    # The list lays its rows out again after a resize (a moment later): they fit its width.
    qtbot.waitUntil(lambda: row.geometry().right() < rows.viewport().width(), timeout=2000)
    shown = row.url_label.shown_text()
    assert "…" in shown
    assert row.url_label.fontMetrics().horizontalAdvance(shown) <= row.url_label.width()
    item = rows.item(0)
    assert LONG_URL in item.toolTip()

    sized(qtbot, window, 2560, 1440)
    qtbot.waitUntil(lambda: row.url_label.shown_text() == LONG_URL, timeout=2000)


def test_hovering_a_row_or_its_dot_shows_the_url_and_the_health(
    qtbot: QtBot, window: MainWindow, long_webhook: int
) -> None:
    rows = window.page.webhook_list
    row = rows.row_widget(long_webhook)
    assert row is not None
    dot = row.dot.mapTo(rows.viewport(), row.dot.rect().center())
    event = QHelpEvent(QEvent.Type.ToolTip, dot, rows.viewport().mapToGlobal(dot))
    QApplication.sendEvent(rows.viewport(), event)
    qtbot.waitUntil(QToolTip.isVisible, timeout=2000)
    text = QToolTip.text()
    assert LONG_URL in text
    assert f"Health: {HEALTH_TEXT['none']}" in text
    assert f"ID {long_webhook}" in text
    QToolTip.hideText()


def test_at_2560x1440_the_list_keeps_its_share_of_the_width(
    qtbot: QtBot, window: MainWindow, long_webhook: int
) -> None:
    def share() -> float:
        list_width, detail_width = window.page.splitter.sizes()
        return list_width / (list_width + detail_width)

    sized(qtbot, window, 1120, 760)
    usual = share()
    sized(qtbot, window, 2560, 1440)
    assert window.page.splitter.sizes()[0] > 600
    assert share() == pytest.approx(usual, abs=0.02)
    sized(qtbot, window, 800, 600)
    assert window.page.splitter.sizes()[0] >= window.page.webhook_list.minimumWidth()
