"""One line of the webhook list: health dot, URL, id, enabled state and subscribed fields,
and, while attempts fail, the last error and how many of the latest attempts failed."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from sigfollow_desktop.store.summary import HEALTH_TEXT, WebhookSummary
from sigfollow_desktop.ui.elided_label import ElidedLabel
from sigfollow_desktop.ui.health_dot import HealthDot
from sigfollow_desktop.ui.theme import tag


def state_text(view: WebhookSummary) -> str:
    if not view.enabled:
        return "Disabled"
    return "Paused" if view.paused else "Enabled"


def summary(view: WebhookSummary) -> str:
    """``ID 3 · Enabled · statuses, messages``: the id is what the command line takes."""
    return f"ID {view.id} · {state_text(view)} · {', '.join(view.fields) or 'no events'}"


def health_text(view: WebhookSummary) -> str:
    """``The latest attempt failed: HTTP 500 · 3 of the last 3 failed``."""
    failing = view.failing_text
    return HEALTH_TEXT[view.health] + (f": {failing}" if failing else "")


def row_tooltip(view: WebhookSummary) -> str:
    """What hovering a row shows, the dot included: the whole URL, the summary, the health."""
    return f"{view.url}\n{summary(view)}\nHealth: {health_text(view)}"


class WebhookRow(QWidget):
    """Drawn inside a list item; the item itself carries the tooltip and accessible text
    (the row lets the mouse through to the list, so the list handles selection and hover)."""

    def __init__(self, view: WebhookSummary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"webhookRow{view.id}")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.dot = HealthDot()
        self.dot.setObjectName("healthDot")
        self.dot.set_health(view.health, view.failing_text)
        self.url_label = ElidedLabel(view.url)
        self.url_label.setObjectName("rowUrl")
        tag(self.url_label, role="rowUrl")
        self.summary_label = ElidedLabel(summary(view), mode=Qt.TextElideMode.ElideRight)
        self.summary_label.setObjectName("rowSummary")
        tag(self.summary_label, role="muted")
        # Shown while recent attempts fail: what went wrong, and how often.
        self.problem_label = ElidedLabel(view.failing_text or "", mode=Qt.TextElideMode.ElideRight)
        self.problem_label.setObjectName("rowProblem")
        tag(self.problem_label, role="rowProblem", state=view.health)
        self.problem_label.setVisible(view.failing_text is not None)
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.url_label)
        text.addWidget(self.summary_label)
        text.addWidget(self.problem_label)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(10)
        layout.addWidget(self.dot, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(text, 1)

    def sizeHint(self) -> QSize:
        # As wide as the list makes it: the labels elide, the list never scrolls sideways.
        hint = super().sizeHint()
        return QSize(self.minimumSizeHint().width(), hint.height())
