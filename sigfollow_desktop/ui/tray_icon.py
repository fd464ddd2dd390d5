"""The system tray icon: delivery status (and why it waits), Show window, Pause/Resume
delivery, Quit, and a notification when a delivery finally fails or the engine stops on an
error."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from sigfollow_desktop import APP_NAME
from sigfollow_desktop.engine.reports import DeliveryFailed, EngineStatus
from sigfollow_desktop.ui.engine_status_bar import (
    CONTROLLABLE,
    STATE_TEXT,
    failed_text,
    state_text,
)
from sigfollow_desktop.ui.icons import icon


class TrayIcon(QSystemTrayIcon):
    """Only created when the desktop has a tray; otherwise the window is the whole interface.

    Signals:
        show_requested(): Show window was chosen (or the icon clicked).
        pause_requested(): Pause delivery was chosen.
        resume_requested(): Resume delivery was chosen.
        quit_requested(): Quit was chosen.
    """

    show_requested = Signal()
    pause_requested = Signal()
    resume_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(icon("webhook"), parent)
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
        self._state = "stopped"
        self.setToolTip(f"{APP_NAME} — {STATE_TEXT['stopped']}")

    @Slot(object)
    def show_status(self, status: EngineStatus) -> None:
        if status.state == "errored" and self._state != "errored":
            self.showMessage(
                STATE_TEXT["errored"],
                status.reason or "",
                QSystemTrayIcon.MessageIcon.Critical,
            )
        self._state = status.state
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
        self.showMessage(
            "Delivery failed",
            f"{failed.url}: {failed.reason}",
            QSystemTrayIcon.MessageIcon.Warning,
        )

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
