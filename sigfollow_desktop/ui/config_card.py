"""The configuration card of the selected webhook: URL, id, state, secret, actions, Send test."""

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
from sigfollow_desktop.store.summary import WebhookSummary
from sigfollow_desktop.ui import shortcuts
from sigfollow_desktop.ui.elided_label import ElidedLabel
from sigfollow_desktop.ui.flow_layout import FlowLayout
from sigfollow_desktop.ui.icons import icon, set_themed_icon
from sigfollow_desktop.ui.send_test_card import SendTestCard
from sigfollow_desktop.ui.theme import DANGER, set_style_state, tag

SEND_TEST = "Send test"
ROTATE = "Rotate secret"
TEST_INTRO = "Click Send test to deliver a sample payload synchronously and see the result inline."
UNISSUED_TEXT = "Generated the first time you enable the webhook."
NEEDS_ENABLE_TEXT = "Enable the webhook once to generate its signing secret, then send a test."
NEEDS_FIELD = "Subscribe to an event below to send a sample of it."
PAUSED_NOTE = "Paused: its deliveries wait in the queue until you resume it."
ID_HINT = "The command line's name for this webhook, e.g. sigfollow-desktop webhooks show {id}"


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%d %b %Y, %H:%M")


class ConfigCard(QFrame):
    """Shows one webhook and asks for changes; the page carries them out.

    Signals:
        enable_requested(): Enable was clicked.
        disable_requested(): Disable was clicked.
        pause_requested(): Pause (this webhook) was clicked.
        resume_requested(): Resume (this webhook) was clicked.
        rotate_requested(): Rotate secret was clicked.
        remove_requested(): Remove was clicked.
        send_test_requested(str): Send test was clicked for that field.
    """

    enable_requested = Signal()
    disable_requested = Signal()
    pause_requested = Signal()
    resume_requested = Signal()
    rotate_requested = Signal()
    remove_requested = Signal()
    send_test_requested = Signal(str)

    # Where the secret lives, for the Signing secret line (a shared database: sealed in it).
    kept_in = "kept in your keychain"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("configCard")
        self.setAccessibleName("Webhook configuration")
        tag(self, card="true")
        self._view: WebhookSummary | None = None

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

        self.url_value = ElidedLabel()
        self.url_value.setObjectName("configUrl")
        tag(self.url_value, role="mono")
        self.url_hint = QLabel(HINT_HTTP)
        self.url_hint.setObjectName("configUrlHint")
        self.url_hint.setProperty("tone", "hint")
        self.id_value = QLabel()
        self.id_value.setObjectName("configId")
        self.id_value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.secret_value = QLabel()
        self.secret_value.setObjectName("configSecret")
        self.secret_value.setAccessibleName("Signing secret")
        self.secret_value.setWordWrap(True)
        self.deliveries_value = QLabel()
        self.deliveries_value.setObjectName("configDeliveries")
        self.deliveries_value.setAccessibleName("Deliveries")
        self.deliveries_value.setWordWrap(True)
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
                ("ID", self.id_value),
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
        self.pause_button = QPushButton()
        self.pause_button.setObjectName("pauseWebhookButton")
        self.pause_button.clicked.connect(self._on_pause_clicked)
        self.rotate_button = QPushButton(ROTATE)
        set_themed_icon(self.rotate_button, "key")
        self.rotate_button.setObjectName("rotateButton")
        self.rotate_button.setAccessibleName(ROTATE)
        shortcuts.bind(self.rotate_button, shortcuts.ROTATE, "Issue a new signing secret")
        self.rotate_button.clicked.connect(self.rotate_requested)
        self.remove_button = QPushButton(icon("trash", DANGER), "Remove")
        self.remove_button.setObjectName("removeButton")
        self.remove_button.setAccessibleName("Remove webhook")
        shortcuts.bind(self.remove_button, shortcuts.REMOVE, "Remove this webhook")
        tag(self.remove_button, variant="danger")
        self.remove_button.clicked.connect(self.remove_requested)
        actions = FlowLayout(last_on_right=True)
        for button in (self.enable_button, self.pause_button, self.rotate_button):
            actions.addWidget(button)
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
        self.sample_combo.setMinimumWidth(200)
        sample_label.setBuddy(self.sample_combo)
        self.send_button = QPushButton(icon("send", "#ffffff"), SEND_TEST)
        self.send_button.setObjectName("sendTestButton")
        self.send_button.setAccessibleName(SEND_TEST)
        shortcuts.bind(self.send_button, shortcuts.SEND_TEST, "Send a signed sample now")
        tag(self.send_button, variant="primary")
        self.send_button.clicked.connect(self._on_send_clicked)
        self.send_note = QLabel()
        self.send_note.setObjectName("sendTestNote")
        self.send_note.setWordWrap(True)
        tag(self.send_note, role="muted")
        sample = QWidget()
        sample.setObjectName("sampleChooser")
        sample_row = QHBoxLayout(sample)
        sample_row.setContentsMargins(0, 0, 0, 0)
        sample_row.setSpacing(10)
        sample_row.addWidget(sample_label)
        sample_row.addWidget(self.sample_combo)
        test_row = FlowLayout(spacing=10)
        test_row.addWidget(sample)
        test_row.addWidget(self.send_button)
        self.result_card = SendTestCard()
        self.result_card.return_focus = self.send_button

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
    def view(self) -> WebhookSummary | None:
        return self._view

    def show_webhook(self, view: WebhookSummary) -> None:
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
        self.id_value.setText(str(view.id))
        self.id_value.setToolTip(ID_HINT.format(id=view.id))
        self.id_value.setAccessibleName(f"Webhook ID {view.id}")
        self.id_value.setAccessibleDescription(ID_HINT.format(id=view.id))
        label = "Disable" if view.enabled else "Enable"
        self.enable_button.setText(label)
        self.enable_button.setAccessibleName(label)
        set_themed_icon(self.enable_button, "power")
        what = "Stop delivering to this webhook" if view.enabled else "Start delivering to it"
        shortcuts.bind(self.enable_button, shortcuts.ENABLE, what)
        self._show_pause(view)
        if view.secret_created_at is not None:
            self.secret_value.setText(
                f"Issued {_when(view.secret_created_at)} · shown once, {self.kept_in}"
            )
        else:
            self.secret_value.setText(UNISSUED_TEXT)
        self.rotate_button.setEnabled(view.has_secret)
        counts = view.counts
        deliveries = (
            f"{counts.get('delivered', 0)} delivered · {counts.get('pending', 0)} pending · "
            f"{counts.get('failed', 0)} failed"
        )
        if view.enabled and view.paused:
            deliveries += f"\n{PAUSED_NOTE}"
        self.deliveries_value.setText(deliveries)
        self._fill_samples(view.fields)
        self._update_send_state()

    def _show_pause(self, view: WebhookSummary) -> None:
        paused = view.paused
        text = "Resume" if paused else "Pause"
        self.pause_button.setText(text)
        self.pause_button.setAccessibleName(f"{text} webhook")
        set_themed_icon(self.pause_button, "play" if paused else "pause")
        what = (
            "Resume this webhook: its queued deliveries go out"
            if paused
            else "Pause this webhook: its deliveries wait in the queue"
        )
        shortcuts.bind(self.pause_button, shortcuts.PAUSE_WEBHOOK, what)
        # A disabled webhook gets nothing to hold back; enabling shows the button again.
        self.pause_button.setVisible(view.enabled)

    def set_test_busy(self, busy: bool) -> None:
        """While a test runs Send test is disabled. Focus waits on the result card rather
        than moving on to the next control (a second Space would land on an event toggle),
        and comes back to Send test when the test ends."""
        focused = self.window().focusWidget()  # the window's, active or not
        if busy and focused is self.send_button and self.result_card.isVisible():
            self.result_card.setFocus(Qt.FocusReason.OtherFocusReason)
        self.send_button.setProperty("busy", busy)
        self._update_send_state()
        if not busy and focused is self.result_card and self.send_button.isEnabled():
            self.send_button.setFocus(Qt.FocusReason.OtherFocusReason)

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
    def _on_pause_clicked(self) -> None:
        if self._view is not None and self._view.paused:
            self.resume_requested.emit()
        else:
            self.pause_requested.emit()

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
