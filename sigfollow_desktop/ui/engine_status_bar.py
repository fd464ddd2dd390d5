"""The status bar: delivery engine state (and why it waits), what keeps deliveries waiting,
queue depth and failures in the last hour."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QLabel, QPushButton, QStatusBar, QWidget

from sigfollow_desktop.engine.reports import EngineStatus
from sigfollow_desktop.ui import shortcuts
from sigfollow_desktop.ui.icons import icon
from sigfollow_desktop.ui.theme import set_style_state

STATE_TEXT = {
    "running": "Delivery running",
    "paused": "Delivery paused",
    "waiting": "Delivery waiting",
    "stopped": "Delivery stopped",
    "errored": "Delivery stopped",
}
# Pause / Resume makes sense in these states; waiting ends by itself, or can be paused.
CONTROLLABLE = ("running", "paused", "waiting")


def failed_text(failed_attempts: int, failed_deliveries: int) -> str:
    """``Failed in the last hour: 12 attempts · 2 deliveries``: retried attempts count too."""
    attempts = "attempt" if failed_attempts == 1 else "attempts"
    deliveries = "delivery" if failed_deliveries == 1 else "deliveries"
    return (
        f"Failed in the last hour: {failed_attempts} {attempts} · {failed_deliveries} {deliveries}"
    )


def state_text(state: str, reason: str | None = None, *, short: bool = False) -> str:
    """The state and why, as in "Delivery waiting: the database is busy".

    ``short`` keeps the reason's first clause ("the database file is damaged"), for places
    where the whole of it (SQLite's words, what to do) does not fit.
    """
    text = STATE_TEXT.get(state, state)
    if reason and short:
        reason = reason.split(" (")[0].split(";")[0]
    return f"{text}: {reason}" if reason else text


class EngineStatusBar(QStatusBar):
    """Live from the engine's ``status_changed``; Pause/Resume asks the engine.

    Signals:
        pause_requested(): the user wants delivery paused.
        resume_requested(): the user wants delivery resumed.
    """

    pause_requested = Signal()
    resume_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("engineStatusBar")
        self.setAccessibleName("Delivery status")
        self.setSizeGripEnabled(False)
        self.state_label = QLabel()
        self.state_label.setObjectName("engineState")
        self.notice_label = QLabel()
        self.notice_label.setObjectName("engineNotice")
        self.notice_label.setWordWrap(True)
        self.notice_label.hide()
        self.queue_label = QLabel()
        self.queue_label.setObjectName("queueDepth")
        self.failed_label = QLabel()
        self.failed_label.setObjectName("failedLastHour")
        self.pause_button = QPushButton()
        self.pause_button.setObjectName("pauseDelivery")
        self.pause_button.setFlat(True)
        # A Tab stop with a window-wide shortcut, like every other action of the window.
        self.pause_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        shortcuts.bind(self.pause_button, shortcuts.PAUSE_DELIVERY, "Pause or resume delivery")
        self.pause_button.clicked.connect(self._on_pause_clicked)
        self.addWidget(self.state_label)
        self.addWidget(self.notice_label, 1)
        self.addPermanentWidget(self.queue_label)
        self.addPermanentWidget(self.failed_label)
        self.addPermanentWidget(self.pause_button)
        self._state = ""
        self.show_values("stopped", 0, 0)

    @property
    def state(self) -> str:
        return self._state

    @Slot(object)
    def show_status(self, status: EngineStatus) -> None:
        self.show_values(
            status.state,
            status.queue_depth,
            status.failed_last_hour,
            status.reason,
            failed_attempts=status.failed_attempts_last_hour,
        )
        self.show_notice(status.notice)

    def show_notice(self, notice: str | None) -> None:
        """Why deliveries wait (a webhook without a secret, a locked keychain), or nothing."""
        self.notice_label.setText(notice or "")
        self.notice_label.setAccessibleName(notice or "")
        self.notice_label.setVisible(bool(notice))
        set_style_state(self.notice_label, "alert", "true" if notice else "false")

    def show_values(
        self,
        state: str,
        queue_depth: int,
        failed_last_hour: int,
        reason: str | None = None,
        *,
        failed_attempts: int = 0,
    ) -> None:
        self._state = state
        text = state_text(state, reason, short=True)
        self.state_label.setText(f"●  {text}")
        self.state_label.setToolTip(state_text(state, reason))
        self.state_label.setAccessibleName(text)
        self.state_label.setAccessibleDescription(state_text(state, reason))
        set_style_state(self.state_label, "state", state)
        queue = f"Queue: {queue_depth}"
        self.queue_label.setText(queue)
        self.queue_label.setAccessibleName(queue)
        failed = failed_text(failed_attempts, failed_last_hour)
        self.failed_label.setText(failed)
        self.failed_label.setAccessibleName(failed)
        alert = failed_attempts or failed_last_hour
        set_style_state(self.failed_label, "alert", "true" if alert else "false")
        paused = state == "paused"
        label = "Resume delivery" if paused else "Pause delivery"
        self.pause_button.setText(label)
        self.pause_button.setAccessibleName(label)
        self.pause_button.setIcon(icon("play" if paused else "pause"))
        self.pause_button.setEnabled(state in CONTROLLABLE)

    @Slot()
    def _on_pause_clicked(self) -> None:
        if self._state == "paused":
            self.resume_requested.emit()
        else:
            self.pause_requested.emit()
