"""The live intake as the window sees it: started and stopped on request, heard by signals.

The intake itself (:mod:`sigfollow_desktop.intake`) runs on its own two threads; this object
lives on the GUI thread, starts and stops it, and reads its counters on a timer, so the window
never receives a signal per request. The App Secret and verify token are read from the
keychain at each start and handed to the intake; nothing here keeps them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from sigfollow_desktop.core.intake_credentials import IntakeKeychain
from sigfollow_desktop.intake.server import DEFAULT_HOST, DEFAULT_PORT, IntakeServer
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.events import Intake

log = logging.getLogger(__name__)

IntakeState = Literal["off", "listening"]
POLL_MS = 500


@dataclass(frozen=True, slots=True)
class IntakeStatus:
    """What the Intake card shows."""

    state: IntakeState
    url: str
    stored: int = 0
    duplicates: int = 0
    refused: int = 0
    unavailable: int = 0
    last_error: str | None = None
    last_error_at: float | None = None


class IntakeHost(QObject):
    """Runs the intake for the window; ``wake`` is called after every commit that stored
    new events (from the intake's writer thread: it must be thread-safe).

    Signals:
        status_changed(IntakeStatus): started, stopped, or its counters moved.
    """

    status_changed = Signal(object)

    def __init__(
        self,
        store: Store,
        keychain: IntakeKeychain,
        wake: Callable[[], None] | None = None,
        parent: QObject | None = None,
        *,
        host: str = DEFAULT_HOST,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._keychain = keychain
        self._wake = wake
        self.host = host
        self.port = DEFAULT_PORT
        self._server: IntakeServer | None = None
        self._status = IntakeStatus("off", self._url(DEFAULT_PORT))
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def status(self) -> IntakeStatus:
        return self._status

    @property
    def keychain(self) -> IntakeKeychain:
        return self._keychain

    def _url(self, port: int) -> str:
        return f"http://{self.host}:{port}/"

    def start(self, port: int) -> None:
        """Listen on ``port``; raises ``SigFollowError`` (not configured, port in use…)."""
        if self._server is not None:
            return
        credentials = self._keychain.require()
        server = IntakeServer(
            self._store, credentials, host=self.host, port=port, on_committed=self._committed
        )
        del credentials
        server.start()
        self._server, self.port = server, server.port
        self._timer.start()
        self._poll()

    def stop(self) -> bool:
        """Stop listening; requests in progress are stored and answered first."""
        server, self._server = self._server, None
        if server is None:
            return True
        self._timer.stop()
        ended = server.stop()
        last = server.stats()
        self._set(
            IntakeStatus(
                "off",
                self._url(self.port),
                last.stored,
                last.duplicates,
                last.refused,
                last.unavailable,
                last.last_error,
                last.last_error_at,
            )
        )
        return ended

    def _committed(self, _intake: Intake) -> None:
        if self._wake is not None:
            self._wake()

    @Slot()
    def _poll(self) -> None:
        server = self._server
        if server is None:
            return
        stats = server.stats()
        self._set(
            IntakeStatus(
                "listening",
                server.url,
                stats.stored,
                stats.duplicates,
                stats.refused,
                stats.unavailable,
                stats.last_error,
                stats.last_error_at,
            )
        )

    def _set(self, status: IntakeStatus) -> None:
        if status != self._status:
            self._status = status
            self.status_changed.emit(status)
