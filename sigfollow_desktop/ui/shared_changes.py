"""The window on a shared database: what other admins and hosts change shows within a moment.

A :class:`SharedChanges` listens (PostgreSQL ``LISTEN``, on a thread of its own) for the
database's notifications and turns them into a Qt signal on the GUI thread: ``changed`` for
webhooks added, edited, rotated or removed anywhere, and after the listener reconnects.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.notifications import QUEUE_CHANNEL, ChangeListener


class SharedChanges(QObject):
    changed = Signal()

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.listener = ChangeListener(store, self._heard)

    def _heard(self, channel: str) -> None:
        # On the listener's thread: the signal crosses to the GUI thread (queued).
        if channel != QUEUE_CHANNEL:
            self.changed.emit()

    def start(self) -> None:
        self.listener.start()

    def stop(self) -> None:
        self.listener.stop()
