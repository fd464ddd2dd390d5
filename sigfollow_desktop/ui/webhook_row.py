"""One line of the webhook list: health dot, URL, enabled state and subscribed fields."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from sigfollow_desktop.ui.health_dot import HealthDot
from sigfollow_desktop.ui.theme import tag
from sigfollow_desktop.ui.webhook_view import HEALTH_TEXT, WebhookView


def summary(view: WebhookView) -> str:
    state = "Enabled" if view.enabled else "Disabled"
    if view.enabled and view.paused:
        state = "Paused"
    return f"{state} · {', '.join(view.fields) or 'no events'}"


class WebhookRow(QWidget):
    """Drawn inside a list item; the item itself carries the accessible text."""

    def __init__(self, view: WebhookView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"webhookRow{view.id}")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._url = view.url
        self.dot = HealthDot()
        self.dot.setObjectName("healthDot")
        self.dot.set_health(view.health)
        self.url_label = QLabel()
        self.url_label.setObjectName("rowUrl")
        self.url_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        tag(self.url_label, role="rowUrl")
        self.summary_label = QLabel(summary(view))
        self.summary_label.setObjectName("rowSummary")
        tag(self.summary_label, role="muted")
        self.setToolTip(f"{view.url}\n{HEALTH_TEXT[view.health]}")
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.url_label)
        text.addWidget(self.summary_label)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(10)
        layout.addWidget(self.dot, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(text, 1)
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(self.url_label.width(), 120)
        metrics = QFontMetrics(self.url_label.font())
        self.url_label.setText(metrics.elidedText(self._url, Qt.TextElideMode.ElideMiddle, width))
