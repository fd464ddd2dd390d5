"""The Webhooks page: the list, and for the selected webhook its two cards.

The page carries out what the cards ask through ``Admin`` (one unit of work each), shows a
new secret once, and runs Send test through the engine's ``SendTestRunner``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.errors import SigFollowError
from sigfollow_desktop.core.fields import DEFAULT_FIELDS, Field
from sigfollow_desktop.engine.send_test_request import SendTestResult
from sigfollow_desktop.engine.send_test_runner import SendTestRunner
from sigfollow_desktop.store.summary import WebhookSummary
from sigfollow_desktop.store.webhooks import get_webhook
from sigfollow_desktop.ui import shortcuts
from sigfollow_desktop.ui.activity_chart import ActivityChart
from sigfollow_desktop.ui.add_webhook_dialog import AddWebhookDialog, NewWebhook
from sigfollow_desktop.ui.config_card import ConfigCard
from sigfollow_desktop.ui.confirm_dialog import ConfirmDialog
from sigfollow_desktop.ui.empty_state import EmptyState
from sigfollow_desktop.ui.events_card import EventsCard
from sigfollow_desktop.ui.icons import icon
from sigfollow_desktop.ui.secret_dialog import SecretDialog
from sigfollow_desktop.ui.theme import tag
from sigfollow_desktop.ui.webhook_list import WebhookList

log = logging.getLogger(__name__)

PAGE_INTRO = (
    "Configure callback URLs to receive system event notifications — including message "
    "delivery status, template status changes, and inbound messages."
)
ROTATE_TITLE = "Rotate secret?"
ROTATE_TEXT = (
    "Rotating invalidates the old secret, so update your receiver right away or signature "
    "verification will fail if enabled."
)
REMOVE_TITLE = "Remove webhook?"
REMOVE_TEXT = (
    "{url} stops receiving events. Its delivery history is deleted and its signing secret is "
    "removed from the keychain. Stored events are kept."
)
NO_KEY_IN_KEYCHAIN = (
    "The signing secret of this webhook is missing from the keychain. Use Rotate secret to "
    "issue a new one, then put it in your receiver."
)
REFRESH_DELAY_MS = 300
# The list and the detail pane share the width in this proportion, at any window size.
LIST_SHARE, DETAIL_SHARE = 2, 5


class _Operation:
    ok = True


class WebhooksPage(QWidget):
    """The page under the window's title bar.

    Signals:
        webhooks_changed(): webhooks were added or changed; the engine may have new work.
    """

    webhooks_changed = Signal()

    def __init__(self, admin: Admin, runner: SendTestRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("webhooksPage")
        self.admin = admin
        self.runner = runner
        self._views: dict[int, WebhookSummary] = {}
        self._test_webhook: int | None = None

        title = QLabel("Webhooks")
        title.setObjectName("pageTitle")
        tag(title, role="pageTitle")
        intro = QLabel(PAGE_INTRO)
        intro.setObjectName("pageIntro")
        intro.setWordWrap(True)
        tag(intro, role="muted")
        self.add_button = QPushButton(icon("plus", "#ffffff"), "Add webhook")
        self.add_button.setObjectName("addWebhookButton")
        self.add_button.setAccessibleName("Add webhook")
        shortcuts.bind(self.add_button, shortcuts.ADD_WEBHOOK, "Add webhook")
        tag(self.add_button, variant="primary")
        self.add_button.clicked.connect(self.add_webhook)
        heading = QVBoxLayout()
        heading.setSpacing(4)
        heading.addWidget(title)
        heading.addWidget(intro)
        header = QHBoxLayout()
        header.setSpacing(16)
        header.addLayout(heading, 1)
        header.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignTop)

        self.webhook_list = WebhookList()
        self.webhook_list.webhook_selected.connect(self._on_selected)

        self.config_card = ConfigCard()
        if admin.store.shared:
            self.config_card.kept_in = "sealed in the shared database"
        self.events_card = EventsCard()
        self.activity_chart = ActivityChart()
        self.activity_chart.scope_changed.connect(self.show_activity)
        self.config_card.enable_requested.connect(self.enable_selected)
        self.config_card.disable_requested.connect(self.disable_selected)
        self.config_card.pause_requested.connect(self.pause_selected)
        self.config_card.resume_requested.connect(self.resume_selected)
        self.config_card.rotate_requested.connect(self.rotate_selected)
        self.config_card.remove_requested.connect(self.remove_selected)
        self.config_card.send_test_requested.connect(self.send_test)
        self.events_card.fields_changed.connect(self.save_fields)
        detail = QWidget()
        detail.setObjectName("detailPane")
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 6, 0)
        detail_layout.setSpacing(16)
        detail_layout.addWidget(self.config_card)
        detail_layout.addWidget(self.activity_chart)
        detail_layout.addWidget(self.events_card)
        detail_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("detailScroll")
        scroll.setAccessibleName("Webhook details")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Not a Tab stop of its own: it scrolls to whatever control has the focus instead.
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setWidget(detail)
        self.detail_scroll = scroll

        self.empty_state = EmptyState()
        self.empty_state.add_requested.connect(self.add_webhook)
        self.detail_stack = QStackedWidget()
        self.detail_stack.setObjectName("detailStack")
        self.detail_stack.addWidget(self.empty_state)
        self.detail_stack.addWidget(scroll)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("pageSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(16)
        self.splitter.addWidget(self.webhook_list)
        self.splitter.addWidget(self.detail_stack)
        self.splitter.setStretchFactor(0, LIST_SHARE)
        self.splitter.setStretchFactor(1, DETAIL_SHARE)
        self.splitter.setSizes([LIST_SHARE * 100, DETAIL_SHARE * 100])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 16)
        layout.setSpacing(20)
        layout.addLayout(header)
        layout.addWidget(self.splitter, 1)

        self.runner.test_finished.connect(self._on_test_finished)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self.refresh()

    # Reading -------------------------------------------------------------------------------

    @Slot()
    def refresh(self, select_id: int | None = None) -> None:
        """Reload every webhook from the store; keep (or move) the selection."""
        wanted = select_id if select_id is not None else self.webhook_list.selected_id()
        views = self.admin.webhook_summaries()
        self._views = {view.id: view for view in views}
        self.webhook_list.set_views(views, wanted)

    @Slot()
    def show_activity(self) -> None:
        """The chart, for the selected webhook or all of them."""
        chart = self.activity_chart
        selected = self.webhook_list.selected_id()
        webhook_id = None if chart.all_webhooks or selected < 0 else selected
        chart.show_series(self.admin.activity(webhook_id))

    @Slot()
    def schedule_refresh(self) -> None:
        """Many engine signals in a burst make one reload."""
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def selected(self) -> WebhookSummary | None:
        return self._views.get(self.webhook_list.selected_id())

    @Slot(int)
    def _on_selected(self, webhook_id: int) -> None:
        view = self._views.get(webhook_id)
        if view is None:
            self.detail_stack.setCurrentWidget(self.empty_state)
            return
        previous = self.config_card.view
        if previous is None or previous.id != view.id:
            self.config_card.result_card.hide()
        self.config_card.show_webhook(view)
        self.config_card.set_test_busy(self.runner.busy)
        self.events_card.set_fields(view.fields)
        self.show_activity()
        self.detail_stack.setCurrentIndex(1)

    # Changing -----------------------------------------------------------------------------

    @Slot()
    def add_webhook(self) -> None:
        added = AddWebhookDialog.add(self, self._store_new)
        if added is None:
            return
        webhook_id, url, secret = added
        self.refresh(webhook_id)
        self.webhooks_changed.emit()
        if secret is not None:
            SecretDialog.show_once(secret, self.window(), url)

    def _store_new(self, wanted: NewWebhook) -> tuple[int, str, str | None]:
        """Save from inside the Add webhook dialog: a failure keeps it open with the URL."""
        try:
            webhook_id, secret = self.admin.add(wanted.url, DEFAULT_FIELDS, wanted.enable)
        except SQLAlchemyError as exc:
            log.exception("database error")
            raise SigFollowError(_database_error(exc)) from None
        return webhook_id, wanted.url, secret

    @Slot()
    def enable_selected(self) -> None:
        view = self.selected()
        if view is None:
            return
        with self._errors_shown() as operation:
            secret = self.admin.enable(view.id)
        if not operation.ok:
            return
        self.refresh(view.id)
        self.webhooks_changed.emit()
        if secret is not None:
            SecretDialog.show_once(secret, self.window(), view.url)

    @Slot()
    def disable_selected(self) -> None:
        view = self.selected()
        if view is None:
            return
        with self._errors_shown() as operation:
            self.admin.disable(view.id)
        if operation.ok:
            self.refresh(view.id)
            self.webhooks_changed.emit()

    @Slot()
    def pause_selected(self) -> None:
        self._set_paused(True)

    @Slot()
    def resume_selected(self) -> None:
        self._set_paused(False)

    def _set_paused(self, paused: bool) -> None:
        """A paused webhook keeps its queue: nothing is sent to it, nothing is dropped."""
        view = self.selected()
        if view is None:
            return
        with self._errors_shown() as operation:
            self.admin.set_paused(view.id, paused)
        if operation.ok:
            self.refresh(view.id)
            self.webhooks_changed.emit()

    @Slot()
    def rotate_selected(self) -> None:
        view = self.selected()
        if view is None:
            return
        confirmed = ConfirmDialog.ask(
            self.window(), ROTATE_TITLE, ROTATE_TEXT, "Rotate secret", danger=True
        )
        if not confirmed:
            return
        with self._errors_shown() as operation:
            secret = self.admin.rotate_secret(view.id)
        if not operation.ok:
            return
        # The card's signature was made with the old secret: it no longer says anything true.
        self.config_card.result_card.clear()
        self.refresh(view.id)
        self.webhooks_changed.emit()
        SecretDialog.show_once(secret, self.window(), view.url)

    @Slot()
    def remove_selected(self) -> None:
        view = self.selected()
        if view is None:
            return
        confirmed = ConfirmDialog.ask(
            self.window(),
            REMOVE_TITLE,
            REMOVE_TEXT.format(url=view.url),
            "Remove",
            danger=True,
        )
        if not confirmed:
            return
        with self._errors_shown() as operation:
            self.admin.remove(view.id)
        if operation.ok:
            self.refresh(-1)
            self.webhooks_changed.emit()

    @Slot(tuple)
    def save_fields(self, fields: tuple[Field, ...]) -> None:
        view = self.selected()
        if view is None:
            return
        with self._errors_shown() as operation:
            self.admin.set_fields(view.id, fields)
        if operation.ok:
            self.refresh(view.id)
            self.webhooks_changed.emit()
        else:
            self.events_card.set_fields(view.fields)

    # Send test ----------------------------------------------------------------------------

    @Slot(str)
    def send_test(self, field: str) -> None:
        view = self.selected()
        if view is None or self.runner.busy:
            return
        with self._errors_shown() as operation:
            secret = self._read_secret(view.id)
        if not operation.ok:
            return
        if secret is None:
            self.show_error(self.window(), NO_KEY_IN_KEYCHAIN)
            return
        self._test_webhook = view.id
        self.config_card.result_card.show_busy(field)
        self.runner.send(view.url, secret, field)
        del secret
        self.config_card.set_test_busy(True)

    def _read_secret(self, webhook_id: int) -> str | None:
        """The secret comes from the keychain at the moment of sending; nothing keeps it."""
        with self.admin.store.session() as session:
            uid = get_webhook(session, webhook_id).uid
        return self.admin.secrets.get(uid)

    @Slot(object)
    def _on_test_finished(self, result: SendTestResult) -> None:
        tested, self._test_webhook = self._test_webhook, None
        self.config_card.set_test_busy(False)
        view = self.selected()
        if view is not None and view.id == tested:
            self.config_card.result_card.show_result(result)

    @Slot(QWidget, QWidget)
    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        """Keep the focused control in view, however it got the focus (Tab, a shortcut)."""
        detail = self.detail_scroll.widget()
        if new is not None and detail is not None and detail.isAncestorOf(new):
            self.detail_scroll.ensureWidgetVisible(new, 16, 16)

    # Errors -------------------------------------------------------------------------------

    @contextmanager
    def _errors_shown(self) -> Iterator[_Operation]:
        """Run one operation; a failure is shown as one clear message, not raised."""
        operation = _Operation()
        try:
            yield operation
        except SigFollowError as exc:
            operation.ok = False
            self.show_error(self.window(), str(exc))
        except SQLAlchemyError as exc:
            operation.ok = False
            log.exception("database error")
            self.show_error(self.window(), _database_error(exc))

    @staticmethod
    def show_error(parent: QWidget, message: str) -> None:
        QMessageBox.warning(parent, "SigFollow Desktop", message)


def _database_error(exc: SQLAlchemyError) -> str:
    return f"The database could not be used ({type(exc).__name__}); see the log for details."
