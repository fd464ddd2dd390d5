"""How long delivered deliveries are kept: a number of days, remembered in the settings."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QWidget

from sigfollow_desktop.store.retention import DAY, DEFAULT_KEEP

KEEP_KEY = "delivery/keepDays"
MIN_DAYS, MAX_DAYS = 1, 3650
KEEP_HINT = (
    "Delivered deliveries older than this are removed, a few at a time, so the store and the "
    "window stay fast. Failed ones are kept until you redeliver or remove them."
)


def kept_days(settings: QSettings) -> int:
    """The days chosen in the window (30 unless changed), within bounds."""
    value = settings.value(KEEP_KEY, int(DEFAULT_KEEP // DAY))
    try:
        days = int(str(value))
    except ValueError:
        days = int(DEFAULT_KEEP // DAY)
    return min(max(days, MIN_DAYS), MAX_DAYS)


class RetentionField(QWidget):
    """``Keep delivered [30 days]``.

    Signals:
        keep_changed(float): the age kept, in seconds, was changed.
    """

    keep_changed = Signal(float)

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("retentionField")
        self.settings = settings
        self.label = QLabel("Keep delivered")
        self.spin = QSpinBox()
        self.spin.setObjectName("keepDays")
        self.spin.setAccessibleName("Keep delivered deliveries for, in days")
        self.spin.setRange(MIN_DAYS, MAX_DAYS)
        self.spin.setSuffix(" days")
        self.spin.setValue(kept_days(settings))
        self.spin.setToolTip(KEEP_HINT)
        self.label.setToolTip(KEEP_HINT)
        self.label.setBuddy(self.spin)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.label)
        layout.addWidget(self.spin)
        self.spin.valueChanged.connect(self._on_changed)

    @property
    def keep(self) -> float:
        return self.spin.value() * DAY

    @Slot(int)
    def _on_changed(self, days: int) -> None:
        self.settings.setValue(KEEP_KEY, days)
        self.keep_changed.emit(days * DAY)
