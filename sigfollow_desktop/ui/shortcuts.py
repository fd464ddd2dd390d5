"""Keyboard shortcuts of the window's actions, each named in its control's tooltip.

A shortcut is a ``QShortcut`` child of its button rather than the button's own: a button's
shortcut is replaced by its text's mnemonic whenever its text changes (Pause / Resume,
Copy / Copied), and a child shortcut, like the button, works only while the button is
visible and enabled.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton

ADD_WEBHOOK = "Ctrl+N"
ENABLE = "Ctrl+E"
PAUSE_WEBHOOK = "Ctrl+P"
ROTATE = "Ctrl+R"
REMOVE = "Del"
SEND_TEST = "Ctrl+T"
DISMISS = "Esc"
SHOW_PAYLOAD = "Ctrl+U"
PRETTY = "Ctrl+Shift+F"
RAW = "Ctrl+Shift+R"
COPY_PYTHON = "Ctrl+Shift+Y"
COPY_NODE = "Ctrl+Shift+J"
COPY_SECRET = "Ctrl+Shift+C"  # noqa: S105 - a key sequence
PAUSE_DELIVERY = "Ctrl+Shift+P"
EVENT_TOGGLES = ("Ctrl+1", "Ctrl+2", "Ctrl+3")


def native(keys: str) -> str:
    """``keys`` as this platform writes it (Ctrl+N here, ⌘N on macOS)."""
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)


def tip(text: str, keys: str) -> str:
    return f"{text} ({native(keys)})"


def bind(button: QAbstractButton, keys: str, text: str) -> QShortcut:
    """Give ``button`` the shortcut ``keys`` (a click, as with the mouse) and a tooltip that
    says it. Binding again changes the tooltip, never adds a second shortcut."""
    shortcut = button.findChild(QShortcut, "shortcut")
    if shortcut is None:
        shortcut = QShortcut(QKeySequence(keys), button)
        shortcut.setObjectName("shortcut")
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(button.click)
    else:
        shortcut.setKey(QKeySequence(keys))
    button.setToolTip(tip(text, keys))
    return shortcut


def shortcut_of(button: QAbstractButton) -> QKeySequence:
    """The shortcut :func:`bind` gave ``button`` (empty when none)."""
    shortcut = button.findChild(QShortcut, "shortcut")
    return shortcut.key() if shortcut is not None else QKeySequence()
