"""An on/off switch: a QCheckBox (keyboard, accessibility, signals) drawn as a switch."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QCheckBox, QWidget

from sigfollow_desktop.ui.theme import ACCENT

_TRACK_W, _TRACK_H = 40, 22


class ToggleSwitch(QCheckBox):
    """A checkbox that looks like a switch; Space toggles it, screen readers read a checkbox.

    ``may_change``, when set, is asked before a click or key flips the switch (with the state
    wanted); until it answers yes the switch keeps showing the current state.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.may_change: Callable[[bool], bool] | None = None

    def nextCheckState(self) -> None:
        if self.may_change is not None and not self.may_change(not self.isChecked()):
            return
        super().nextCheckState()

    def sizeHint(self) -> QSize:
        return QSize(_TRACK_W + 6, _TRACK_H + 6)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def hitButton(self, pos: QPoint) -> bool:
        return self.rect().contains(pos)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        track = QRectF(3, (self.height() - _TRACK_H) / 2, _TRACK_W, _TRACK_H)
        if self.isChecked():
            color = QColor(ACCENT)
        else:
            color = palette.color(QPalette.ColorRole.PlaceholderText)
            color.setAlpha(150)
        if not self.isEnabled():
            color.setAlpha(70)
        if self.hasFocus():
            ring = QColor(ACCENT)
            ring.setAlpha(90)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(ring)
            painter.drawRoundedRect(track.adjusted(-3, -3, 3, 3), 14, 14)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(track, _TRACK_H / 2, _TRACK_H / 2)
        knob = _TRACK_H - 6
        x = track.right() - knob - 3 if self.isChecked() else track.left() + 3
        painter.setBrush(QColor("#ffffff"))
        painter.drawEllipse(QRectF(x, track.top() + 3, knob, knob))
        painter.end()
