"""A yes/no question before an action with consequences (remove, rotate, sensitive events)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from sigfollow_desktop.ui import shortcuts
from sigfollow_desktop.ui.icons import icon
from sigfollow_desktop.ui.theme import DANGER, WARNING, tag


class ConfirmDialog(QDialog):
    """Title, explanation, Cancel and the action. Escape cancels.

    With ``danger`` (Remove, Rotate secret: what cannot be undone) the action is red and
    Cancel is the default button with the focus, so Enter cancels.
    """

    def __init__(
        self,
        title: str,
        text: str,
        action: str,
        *,
        danger: bool = False,
        detail: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("confirmDialog")
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setModal(True)
        self.setMinimumWidth(460)

        heading = QLabel(title)
        heading.setObjectName("confirmTitle")
        tag(heading, role="dialogTitle")
        mark = QLabel()
        mark.setPixmap(icon("alert", DANGER if danger else WARNING).pixmap(28, 28))
        top = QHBoxLayout()
        top.setSpacing(12)
        top.addWidget(mark, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(heading, 1)

        message = QLabel(text)
        message.setObjectName("confirmText")
        message.setWordWrap(True)
        message.setAccessibleName(text)

        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("confirmCancel")
        self.cancel_button.setAccessibleName("Cancel")
        self.cancel_button.setToolTip(shortcuts.tip("Cancel", shortcuts.DISMISS))
        self.confirm_button = QPushButton(action)
        self.confirm_button.setObjectName("confirmAccept")
        self.confirm_button.setAccessibleName(action)
        tag(self.confirm_button, variant="dangerSolid" if danger else "primary")
        self.cancel_button.clicked.connect(self.reject)
        self.confirm_button.clicked.connect(self.accept)
        (self.cancel_button if danger else self.confirm_button).setDefault(True)
        (self.cancel_button if danger else self.confirm_button).setFocus()

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.confirm_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 20)
        layout.setSpacing(14)
        layout.addLayout(top)
        layout.addWidget(message)
        if detail:
            more = QLabel(detail)
            more.setObjectName("confirmDetail")
            more.setWordWrap(True)
            tag(more, role="muted")
            layout.addWidget(more)
        layout.addSpacing(4)
        layout.addLayout(buttons)

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        title: str,
        text: str,
        action: str,
        *,
        danger: bool = False,
        detail: str | None = None,
    ) -> bool:
        """Ask and wait; ``True`` only when the action button was chosen."""
        dialog = cls(title, text, action, danger=danger, detail=detail, parent=parent)
        try:
            return dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            dialog.deleteLater()
