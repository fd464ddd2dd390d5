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
    """Green: the latest attempts delivered; amber: the latest delivered, some recent ones
    failed; red: the latest attempt failed; grey: nothing yet or disabled."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._health: Health = "none"
        self.setFixedSize(QSize(12, 12))
        self.set_health("none")

    @property
    def health(self) -> Health:
        return self._health

    def set_health(self, health: Health, problem: str | None = None) -> None:
        """``problem``: the last error and the failing rate (``HTTP 500 · 3 of the last 3
        failed``), said with the health while recent attempts fail."""
        self._health = health
        text = HEALTH_TEXT[health] + (f": {problem}" if problem else "")
        self.setToolTip(text)
        self.setAccessibleName(f"Health: {text}")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(_COLORS[self._health]))
        painter.drawEllipse(QRectF(1, 1, 10, 10))
        painter.end()
