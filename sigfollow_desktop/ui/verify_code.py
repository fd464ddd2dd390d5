"""The guide's advice on verifying signatures, with the README's verifying code one click away.

The code copied is ``resources/snippets/verify_signature.py`` and ``.js``: the same files the
README shows and the test suite runs against a known signature, so what a person pastes into
a receiver is code that is known to work.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QTimer, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from sigfollow_desktop.resources import resource_path
from sigfollow_desktop.ui import shortcuts
from sigfollow_desktop.ui.icons import set_fixed_icon, set_themed_icon
from sigfollow_desktop.ui.theme import SUCCESS, tag

OPTIONAL = "Signature verification is optional, but recommended for security."
HOW = (
    "Compute the HMAC-SHA256 of the raw request body with your signing secret and compare it "
    "with X-Hub-Signature-256 in constant time."
)
SNIPPETS = {"python": "verify_signature.py", "node": "verify_signature.js"}
_COPIED_MS = 1600


def verification_code(language: str) -> str:
    """The verifying snippet for ``python`` or ``node``, as the README shows it."""
    return resource_path("snippets", SNIPPETS[language]).read_text(encoding="utf-8")


class VerifyCode(QFrame):
    """ "Signature verification is optional, but recommended for security", and two buttons
    that put working verification code on the clipboard."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verifyCode")
        tag(self, callout="info")
        self.optional = QLabel(OPTIONAL)
        self.optional.setObjectName("verifyOptional")
        self.optional.setWordWrap(True)
        tag(self.optional, role="calloutTitle")
        how = QLabel(HOW)
        how.setObjectName("verifyHow")
        how.setWordWrap(True)
        self.python_button = self._button("copyPythonCode", "Python", shortcuts.COPY_PYTHON)
        self.node_button = self._button("copyNodeCode", "Node.js", shortcuts.COPY_NODE)
        self.python_button.clicked.connect(partial(self._copy, "python"))
        self.node_button.clicked.connect(partial(self._copy, "node"))
        self._reset = QTimer(self)
        self._reset.setSingleShot(True)
        self._reset.setInterval(_COPIED_MS)
        self._reset.timeout.connect(self._reset_labels)
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        buttons.addWidget(self.python_button)
        buttons.addWidget(self.node_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(6)
        layout.addWidget(self.optional)
        layout.addWidget(how)
        layout.addLayout(buttons)

    @staticmethod
    def _button(name: str, language: str, keys: str) -> QPushButton:
        text = f"Copy verification code for {language}"
        button = QPushButton(f"Copy {language} code")
        set_themed_icon(button, "copy")
        button.setObjectName(name)
        button.setAccessibleName(text)
        shortcuts.bind(button, keys, text)
        return button

    def _copy(self, language: str) -> None:
        QGuiApplication.clipboard().setText(verification_code(language))
        self._reset_labels()
        button = self.python_button if language == "python" else self.node_button
        button.setText("Copied")
        set_fixed_icon(button, "check", SUCCESS)
        self._reset.start()

    @Slot()
    def _reset_labels(self) -> None:
        for button, language in ((self.python_button, "Python"), (self.node_button, "Node.js")):
            button.setText(f"Copy {language} code")
            set_themed_icon(button, "copy")
