"""Driving modal dialogs for real: a timer finds the dialog once it runs and acts on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from sigfollow_desktop.ui.webhooks_page import WebhooksPage

D = TypeVar("D", bound=QDialog)


class DialogDriver:
    """Acts on modal dialogs as a user would, once each opens. ``stop()`` ends the watching,
    so a dialog expected in one test is never answered by another test's watcher."""

    def __init__(self) -> None:
        self._timers: list[QTimer] = []

    def when(self, kind: type[D], act: Callable[[D], None], *, seen: list[D] | None = None) -> None:
        """Once a modal ``kind`` dialog is open, call ``act`` with it (on the GUI thread)."""
        timer = QTimer()
        timer.setInterval(10)

        def check() -> None:
            dialog = QApplication.activeModalWidget()
            if isinstance(dialog, kind) and dialog.isVisible():
                timer.stop()
                if seen is not None:
                    seen.append(dialog)
                try:
                    act(dialog)
                except BaseException:
                    # A failed check must not leave a modal dialog waiting for ever.
                    dialog.done(QDialog.DialogCode.Rejected.value)
                    raise

        timer.timeout.connect(check)
        timer.start()
        self._timers.append(timer)

    def stop(self) -> None:
        for timer in self._timers:
            timer.stop()
        self._timers.clear()


def widget_texts(widget: QWidget) -> Iterator[str]:
    """Every piece of text a widget shows or tells assistive technology."""
    yield widget.windowTitle()
    yield widget.toolTip()
    yield widget.statusTip()
    yield widget.whatsThis()
    yield widget.accessibleName()
    yield widget.accessibleDescription()
    if isinstance(widget, QLabel):
        yield widget.text()
    if isinstance(widget, QLineEdit):
        yield widget.text()
        yield widget.placeholderText()
    if isinstance(widget, QAbstractButton):
        yield widget.text()
    if isinstance(widget, QPlainTextEdit):
        yield widget.toPlainText()
    if isinstance(widget, QTextEdit):
        yield widget.toPlainText()
    if isinstance(widget, QComboBox):
        yield from (widget.itemText(index) for index in range(widget.count()))


def all_texts(root: QWidget) -> list[str]:
    """The texts of ``root`` and every widget under it, and of every other live widget."""
    widgets = {id(w): w for w in [root, *root.findChildren(QWidget), *QApplication.allWidgets()]}
    return [text for widget in widgets.values() for text in widget_texts(widget) if text]


def focused() -> QWidget:
    """The widget with keyboard focus, where a person's key presses go."""
    widget = QApplication.focusWidget()
    assert widget is not None, "no widget has the keyboard focus"
    return widget


def press(key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """One key press and release, sent where the focus is (shortcuts apply as for a person)."""
    QTest.keyClick(focused(), key, modifiers)


def press_keys(keys: str) -> None:
    """A shortcut such as ``"Ctrl+T"``, pressed where the focus is."""
    QTest.keySequence(focused(), QKeySequence(keys))


def type_text(text: str) -> None:
    QTest.keyClicks(focused(), text)


def tab_to(name: str, limit: int = 60) -> QWidget:
    """Press Tab until the widget named ``name`` has the focus."""
    for _ in range(limit):
        if focused().objectName() == name:
            return focused()
        press(Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {name!r}")


def settle(qtbot: QtBot, page: WebhooksPage) -> None:
    """Wait until the page is built and every store call it made was answered (they run off
    the GUI thread)."""
    qtbot.waitUntil(
        lambda: page.stages.done and page.has_shown and not page.ops.busy, timeout=10_000
    )


def show_webhook(qtbot: QtBot, page: WebhooksPage, webhook_id: int) -> None:
    """Read the webhooks again with ``webhook_id`` selected, and wait until they are shown."""
    page.refresh(webhook_id)
    settle(qtbot, page)
