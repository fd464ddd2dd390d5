"""The system tray icon: delivery status (and why it waits), Show window, Pause/Resume
delivery, Quit, grouped notifications of failed deliveries (at most one a minute, see
``failure_digest``) and one when the engine stops on an error.

The icon's colour says the state at a glance: ok (green), failing (red: attempts or
deliveries failed in the last hour, or the engine stopped on an error), waiting (amber: a
fault or a missing secret holds deliveries up) and paused (grey).
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from PySide6.QtCore import QObject, QRectF, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QIcon, QPainter, QPen
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from sigfollow_desktop import APP_NAME
from sigfollow_desktop.engine.reports import DeliveryFailed, EngineStatus
from sigfollow_desktop.ui.engine_status_bar import (
    CONTROLLABLE,
    STATE_TEXT,
    failed_text,
    state_text,
)
from sigfollow_desktop.ui.failure_digest import Digest, FailureDigest
from sigfollow_desktop.ui.icons import icon
from sigfollow_desktop.ui.theme import DANGER, NEUTRAL, SUCCESS, WARNING

STILL_DELIVERING_TITLE = f"{APP_NAME} is still delivering"
STILL_DELIVERING_TEXT = (
    "Delivery goes on in the tray while the window is closed. "
    "Choose Quit in the tray menu to stop it."
)
TrayState = Literal["ok", "failing", "paused", "waiting"]
TRAY_COLORS: dict[TrayState, str] = {
    "ok": SUCCESS,
    "failing": DANGER,
    "paused": NEUTRAL,
    "waiting": WARNING,
}


@cache
def state_icon(state: TrayState) -> QIcon:
    """The app's icon with a dot in the state's colour in its lower right corner."""
    base = icon("webhook")
    result = QIcon()
    for size in (16, 22, 24, 32, 48, 64):
        pixmap = base.pixmap(size, size)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        diameter = size * 0.5
        spot = QRectF(size - diameter, size - diameter, diameter, diameter)
        painter.setPen(QPen(QColor("#ffffff"), max(1.0, size / 16)))
        painter.setBrush(QColor(TRAY_COLORS[state]))
        painter.drawEllipse(spot.adjusted(0.5, 0.5, -0.5, -0.5))
        painter.end()
        result.addPixmap(pixmap)
    return result


def tray_state(status: EngineStatus) -> TrayState:
    """What the icon shows for the engine's status."""
    if status.state == "paused":
        return "paused"
    if status.state == "errored" or status.failed_attempts_last_hour or status.failed_last_hour:
        return "failing"
    if status.state in ("waiting", "stopped") or status.notice:
        return "waiting"
    return "ok"


class TrayIcon(QSystemTrayIcon):
    """Only created when the desktop has a tray; otherwise the window is the whole interface.

    Signals:
        show_requested(): Show window was chosen (or the icon clicked).
        pause_requested(): Pause delivery was chosen.
        resume_requested(): Resume delivery was chosen.
        quit_requested(): Quit was chosen.
        deliveries_requested(int, str): a notification was clicked: show that webhook's
            deliveries with that status ("failed").
        notification_shown(object): a grouped notification (a ``Digest``) was shown.
    """

    deliveries_requested = Signal(int, str)
    notification_shown = Signal(object)
    show_requested = Signal()
    pause_requested = Signal()
    resume_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QObject | None = None, digest: FailureDigest | None = None) -> None:
        super().__init__(state_icon("waiting"), parent)
        self.setObjectName("trayIcon")
        self.menu = QMenu()
        self.menu.setObjectName("trayMenu")
        self.status_action = self.menu.addAction(STATE_TEXT["stopped"])
        self.status_action.setObjectName("trayStatus")
        self.status_action.setEnabled(False)
        self.notice_action = self.menu.addAction("")  # why deliveries wait, when they do
        self.notice_action.setObjectName("trayNotice")
        self.notice_action.setEnabled(False)
        self.notice_action.setVisible(False)
        self.menu.addSeparator()
        self.show_action = self.menu.addAction("Show window")
        self.show_action.setObjectName("trayShow")
        self.show_action.triggered.connect(self.show_requested)
        self.pause_action = self.menu.addAction("Pause delivery")
        self.pause_action.setObjectName("trayPause")
        self.pause_action.triggered.connect(self._on_pause)
        self.menu.addSeparator()
        self.quit_action = self.menu.addAction("Quit")
        self.quit_action.setObjectName("trayQuit")
        self.quit_action.triggered.connect(self.quit_requested)
        self.setContextMenu(self.menu)
        self.activated.connect(self._on_activated)
        self.messageClicked.connect(self._on_message_clicked)
        self._state = "stopped"
        self.tray_state: TrayState = "waiting"
        self.setToolTip(f"{APP_NAME} — {STATE_TEXT['stopped']}")
        self.digest = digest or FailureDigest()
        self.last_digest: Digest | None = None
        self._digest_timer = QTimer(self)
        self._digest_timer.setSingleShot(True)
        self._digest_timer.timeout.connect(self.show_due_digest)

    @Slot(object)
    def show_status(self, status: EngineStatus) -> None:
        if status.state == "errored" and self._state != "errored":
            self.last_digest = None  # clicking this one leads to no deliveries
            self.showMessage(
                STATE_TEXT["errored"],
                status.reason or "",
                QSystemTrayIcon.MessageIcon.Critical,
            )
        self._state = status.state
        shown = tray_state(status)
        if shown != self.tray_state:
            self.tray_state = shown
            self.setIcon(state_icon(shown))
        failed = failed_text(status.failed_attempts_last_hour, status.failed_last_hour)
        counts = f"queue {status.queue_depth} · {failed[0].lower()}{failed[1:]}"
        line = f"{state_text(status.state, status.reason, short=True)} · {counts}"
        self.status_action.setText(line)
        tip = f"{APP_NAME} — {state_text(status.state, status.reason)} · {counts}"
        self.setToolTip(tip + (f"\n{status.notice}" if status.notice else ""))
        self.notice_action.setText(status.notice or "")
        self.notice_action.setVisible(bool(status.notice))
        paused = status.state == "paused"
        self.pause_action.setText("Resume delivery" if paused else "Pause delivery")
        self.pause_action.setEnabled(status.state in CONTROLLABLE)

    @Slot(object)
    def notify_failed(self, failed: DeliveryFailed) -> None:
        """Count the failure in the current minute's notification."""
        self.digest.add(failed.webhook_id, failed.url, failed.reason)
        wait = self.digest.wait()
        if wait is not None and not self._digest_timer.isActive():
            self._digest_timer.start(int(wait * 1000) + 1)

    @Slot()
    def show_due_digest(self) -> None:
        digest = self.digest.due()
        if digest is None:
            wait = self.digest.wait()
            if wait is not None:
                self._digest_timer.start(int(wait * 1000) + 1)
            return
        self.last_digest = digest
        self.showMessage(digest.title, digest.text, QSystemTrayIcon.MessageIcon.Warning)
        self.notification_shown.emit(digest)

    @Slot()
    def say_still_delivering(self) -> None:
        """The window was closed the first time: delivery goes on here."""
        self.last_digest = None
        self.showMessage(
            STILL_DELIVERING_TITLE, STILL_DELIVERING_TEXT, QSystemTrayIcon.MessageIcon.Information
        )

    @Slot()
    def _on_message_clicked(self) -> None:
        if self.last_digest is not None:
            self.deliveries_requested.emit(self.last_digest.webhook_id, "failed")

    @Slot()
    def _on_pause(self) -> None:
        if self._state == "paused":
            self.resume_requested.emit()
        else:
            self.pause_requested.emit()

    @Slot(QSystemTrayIcon.ActivationReason)
    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.show_requested.emit()
