"""Driving modal dialogs for real: a timer finds the dialog once it runs and acts on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from PySide6.QtCore import QTimer
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
                act(dialog)

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
