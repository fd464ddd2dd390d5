"""The configuration card of the selected webhook: URL, state, secret, actions, Send test."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sigfollow_desktop.core.fields import FIELD_INFO, FIELDS, Field
from sigfollow_desktop.core.urls import HINT_HTTP
from sigfollow_desktop.ui.icons import icon
from sigfollow_desktop.ui.send_test_card import SendTestCard
from sigfollow_desktop.ui.theme import DANGER, set_style_state, tag
from sigfollow_desktop.ui.webhook_view import WebhookView

SEND_TEST = "Send test"
ROTATE = "Rotate secret"
TEST_INTRO = "Click Send test to deliver a sample payload synchronously and see the result inline."
UNISSUED_TEXT = "Generated the first time you enable the webhook."
NEEDS_ENABLE_TEXT = "Enable the webhook once to generate its signing secret, then send a test."
NEEDS_FIELD = "Subscribe to an event below to send a sample of it."


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%d %b %Y, %H:%M")


class ConfigCard(QFrame):
    """Shows one webhook and asks for changes; the page carries them out.

    Signals:
        enable_requested(): Enable was clicked.
        disable_requested(): Disable was clicked.
        rotate_requested(): Rotate secret was clicked.
        remove_requested(): Remove was clicked.
        send_test_requested(str): Send test was clicked for that field.
    """

    enable_requested = Signal()
    disable_requested = Signal()
    rotate_requested = Signal()
    remove_requested = Signal()
    send_test_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("configCard")
        self.setAccessibleName("Webhook configuration")
        tag(self, card="true")
        self._view: WebhookView | None = None

        title = QLabel("Configuration")
        title.setObjectName("configTitle")
        tag(title, role="cardTitle")
        self.state_pill = QLabel()
        self.state_pill.setObjectName("configState")
        tag(self.state_pill, role="pill")
        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self.state_pill)

        self.url_value = QLabel()
        self.url_value.setObjectName("configUrl")
        self.url_value.setAccessibleName("Webhook URL")
        self.url_value.setWordWrap(True)
        self.url_value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        tag(self.url_value, role="mono")
        self.url_hint = QLabel(HINT_HTTP)
        self.url_hint.setObjectName("configUrlHint")
        self.url_hint.setProperty("tone", "hint")
        self.secret_value = QLabel()
        self.secret_value.setObjectName("configSecret")
        self.secret_value.setAccessibleName("Signing secret")
        self.secret_value.setWordWrap(True)
        self.deliveries_value = QLabel()
        self.deliveries_value.setObjectName("configDeliveries")
        self.deliveries_value.setAccessibleName("Deliveries")
        url_cell = QWidget()
        url_cell.setObjectName("configUrlCell")
        url_column = QVBoxLayout(url_cell)
        url_column.setContentsMargins(0, 0, 0, 0)
        url_column.setSpacing(2)
        url_column.addWidget(self.url_value)
        url_column.addWidget(self.url_hint)
        facts = QGridLayout()
        facts.setHorizontalSpacing(24)
        facts.setVerticalSpacing(10)
        facts.setColumnStretch(1, 1)
        for row, (text, value) in enumerate(
            (
                ("Webhook URL", url_cell),
                ("Signing secret", self.secret_value),
                ("Deliveries", self.deliveries_value),
            )
        ):
            label = QLabel(text)
            label.setObjectName(f"configLabel{row}")
            tag(label, role="muted")
            facts.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
            facts.addWidget(value, row, 1)

        self.enable_button = QPushButton()
        self.enable_button.setObjectName("enableButton")
        self.enable_button.clicked.connect(self._on_enable_clicked)
        self.rotate_button = QPushButton(icon("key"), ROTATE)
        self.rotate_button.setObjectName("rotateButton")
        self.rotate_button.setAccessibleName(ROTATE)
        self.rotate_button.clicked.connect(self.rotate_requested)
        self.remove_button = QPushButton(icon("trash", DANGER), "Remove")
        self.remove_button.setObjectName("removeButton")
        self.remove_button.setAccessibleName("Remove webhook")
        self.remove_button.setShortcut("Del")
        tag(self.remove_button, variant="danger")
        self.remove_button.clicked.connect(self.remove_requested)
        actions = QHBoxLayout()
        actions.setSpacing(8)
        actions.addWidget(self.enable_button)
        actions.addWidget(self.rotate_button)
        actions.addStretch(1)
        actions.addWidget(self.remove_button)

        test_title = QLabel("Testing your endpoint")
        test_title.setObjectName("testTitle")
        tag(test_title, role="fieldLabel")
        test_intro = QLabel(TEST_INTRO)
        test_intro.setObjectName("testIntro")
        test_intro.setWordWrap(True)
        tag(test_intro, role="muted")
        sample_label = QLabel("Sample event")
        sample_label.setObjectName("sampleLabel")
        self.sample_combo = QComboBox()
        self.sample_combo.setObjectName("sampleField")
        self.sample_combo.setAccessibleName("Sample event to send")
        self.sample_combo.setMinimumWidth(220)
        sample_label.setBuddy(self.sample_combo)
        self.send_button = QPushButton(icon("send", "#ffffff"), SEND_TEST)
        self.send_button.setObjectName("sendTestButton")
        self.send_button.setAccessibleName(SEND_TEST)
        self.send_button.setShortcut("Ctrl+T")
        tag(self.send_button, variant="primary")
        self.send_button.clicked.connect(self._on_send_clicked)
        self.send_note = QLabel()
        self.send_note.setObjectName("sendTestNote")
        self.send_note.setWordWrap(True)
        tag(self.send_note, role="muted")
        test_row = QHBoxLayout()
        test_row.setSpacing(10)
        test_row.addWidget(sample_label)
        test_row.addWidget(self.sample_combo)
        test_row.addWidget(self.send_button)
        test_row.addStretch(1)
        self.result_card = SendTestCard()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 20)
        layout.setSpacing(12)
        layout.addLayout(top)
        layout.addLayout(facts)
        layout.addLayout(actions)
        layout.addWidget(_divider())
        layout.addWidget(test_title)
        layout.addWidget(test_intro)
        layout.addLayout(test_row)
        layout.addWidget(self.send_note)
        layout.addWidget(self.result_card)

    @property
    def view(self) -> WebhookView | None:
        return self._view

    def show_webhook(self, view: WebhookView) -> None:
        self._view = view
        self.url_value.setText(view.url)
        self.url_hint.setVisible(view.url[:7].lower() == "http://")
        if view.enabled and view.paused:
            pill, state = "Paused", "paused"
        elif view.enabled:
            pill, state = "Enabled", "enabled"
        else:
            pill, state = "Disabled", "disabled"
        self.state_pill.setText(pill)
        self.state_pill.setAccessibleName(f"State: {pill}")
        set_style_state(self.state_pill, "state", state)
        label = "Disable" if view.enabled else "Enable"
        self.enable_button.setText(label)
        self.enable_button.setAccessibleName(label)
        self.enable_button.setIcon(icon("power"))
        if view.secret_created_at is not None:
            self.secret_value.setText(
                f"Issued {_when(view.secret_created_at)} · shown once, kept in your keychain"
            )
        else:
            self.secret_value.setText(UNISSUED_TEXT)
        self.rotate_button.setEnabled(view.has_secret)
        counts = view.counts
        self.deliveries_value.setText(
            f"{counts.get('delivered', 0)} delivered · {counts.get('pending', 0)} pending · "
            f"{counts.get('failed', 0)} failed"
        )
        self._fill_samples(view.fields)
        self._update_send_state()

    def set_test_busy(self, busy: bool) -> None:
        self.send_button.setProperty("busy", busy)
        self._update_send_state()

    def _fill_samples(self, fields: tuple[Field, ...]) -> None:
        chosen = self.sample_combo.currentData()
        self.sample_combo.clear()
        for field in FIELDS:
            if field in fields:
                self.sample_combo.addItem(f"{FIELD_INFO[field].event} ({field})", field)
        index = self.sample_combo.findData(chosen)
        self.sample_combo.setCurrentIndex(max(index, 0))

    def _update_send_state(self) -> None:
        view = self._view
        busy = bool(self.send_button.property("busy"))
        if view is None:
            return
        if not view.has_secret:
            note = NEEDS_ENABLE_TEXT
        elif not view.fields:
            note = NEEDS_FIELD
        else:
            note = ""
        self.send_note.setText(note)
        self.send_note.setVisible(bool(note))
        self.sample_combo.setEnabled(bool(view.fields) and not busy)
        self.send_button.setEnabled(not note and not busy)

    @Slot()
    def _on_enable_clicked(self) -> None:
        if self._view is not None and self._view.enabled:
            self.disable_requested.emit()
        else:
            self.enable_requested.emit()

    @Slot()
    def _on_send_clicked(self) -> None:
        field = self.sample_combo.currentData()
        if field:
            self.send_test_requested.emit(str(field))


def _divider() -> QFrame:
    line = QFrame()
    line.setObjectName("divider")
    tag(line, role="divider")
    return line
