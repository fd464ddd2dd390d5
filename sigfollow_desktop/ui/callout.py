"""A warning callout: an icon, a bold title and wrapped text in a tinted frame."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from sigfollow_desktop.ui.icons import icon
from sigfollow_desktop.ui.theme import WARNING, tag


class Callout(QFrame):
    """The guide's boxed warnings. ``name`` gives the frame's objectName; its title and text
    are ``name + "Title"`` and ``name + "Text"``."""

    def __init__(
        self, name: str, icon_name: str, title: str, text: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        tag(self, callout="warning")
        mark = QLabel()
        mark.setPixmap(icon(icon_name, WARNING).pixmap(22, 22))
        self.title = QLabel(title)
        self.title.setObjectName(f"{name}Title")
        tag(self.title, role="calloutTitle")
        self.text = QLabel(text)
        self.text.setObjectName(f"{name}Text")
        self.text.setWordWrap(True)
        column = QVBoxLayout()
        column.setSpacing(4)
        column.addWidget(self.title)
        column.addWidget(self.text)
        box = QHBoxLayout(self)
        box.setContentsMargins(14, 12, 14, 12)
        box.setSpacing(12)
        box.addWidget(mark, 0, Qt.AlignmentFlag.AlignTop)
        box.addLayout(column, 1)
