"""What the detail side shows before the first webhook exists."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from sigfollow_desktop.ui import shortcuts
from sigfollow_desktop.ui.icons import icon
from sigfollow_desktop.ui.theme import ACCENT, tag

ADD_HELP = "Click Add webhook, fill in the dialog, and save to enable the webhook."


class EmptyState(QFrame):
    """A short invitation to add the first webhook.

    Signals:
        add_requested(): Add webhook was clicked.
    """

    add_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        tag(self, card="true")
        mark = QLabel()
        mark.setPixmap(icon("link", ACCENT).pixmap(40, 40))
        mark.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel("No webhooks yet")
        title.setObjectName("emptyTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        tag(title, role="cardTitle")
        text = QLabel(ADD_HELP)
        text.setObjectName("emptyText")
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        tag(text, role="muted")
        self.add_button = QPushButton(icon("plus", "#ffffff"), "Add webhook")
        self.add_button.setObjectName("emptyAddButton")
        self.add_button.setAccessibleName("Add webhook")
        # Ctrl+N belongs to the page's own Add webhook button, always on screen beside this.
        self.add_button.setToolTip(shortcuts.tip("Add webhook", shortcuts.ADD_WEBHOOK))
        tag(self.add_button, variant="primary")
        self.add_button.clicked.connect(self.add_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 48, 40, 48)
        layout.setSpacing(10)
        layout.addStretch(1)
        layout.addWidget(mark)
        layout.addWidget(title)
        layout.addWidget(text)
        layout.addSpacing(8)
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
