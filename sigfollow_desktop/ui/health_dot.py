"""A small round dot in the colour of a webhook's recent deliveries."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from sigfollow_desktop.store.summary import HEALTH_TEXT, Health
from sigfollow_desktop.ui.theme import DANGER, NEUTRAL, SUCCESS, WARNING

_COLORS: dict[Health, str] = {
    "none": NEUTRAL,
    "off": NEUTRAL,
    "healthy": SUCCESS,
    "degraded": WARNING,
    "failing": DANGER,
}


class HealthDot(QWidget):
    """Green: delivered; amber: retrying; red: failed; grey: nothing yet or disabled."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._health: Health = "none"
        self.setFixedSize(QSize(12, 12))
        self.set_health("none")

    @property
    def health(self) -> Health:
        return self._health

    def set_health(self, health: Health) -> None:
        self._health = health
        self.setToolTip(HEALTH_TEXT[health])
        self.setAccessibleName(f"Health: {HEALTH_TEXT[health]}")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(_COLORS[self._health]))
        painter.drawEllipse(QRectF(1, 1, 10, 10))
        painter.end()
