"""The Webhooks page: the list, and for the selected webhook its two cards.

The page carries out what the cards ask through ``Admin`` (one unit of work each), shows a
new secret once, and runs Send test through the engine's ``SendTestRunner``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

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
from sigfollow_desktop.ui import shortcuts
from sigfollow_desktop.ui.activity_chart import ActivityChart
from sigfollow_desktop.ui.add_webhook_dialog import AddWebhookDialog, NewWebhook
from sigfollow_desktop.ui.config_card import ConfigCard
from sigfollow_desktop.ui.confirm_dialog import ConfirmDialog
from sigfollow_desktop.ui.empty_state import EmptyState
from sigfollow_desktop.ui.events_card import EventsCard
from sigfollow_desktop.ui.icons import icon
from sigfollow_desktop.ui.secret_dialog import SecretDialog
from sigfollow_desktop.ui.stages import Stages
from sigfollow_desktop.ui.store_ops import StoreOps, describe
from sigfollow_desktop.ui.theme import tag
from sigfollow_desktop.ui.webhook_list import WebhookList

log = logging.getLogger(__name__)
T = TypeVar("T")

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


class WebhooksPage(QWidget):
    """The page under the window's title bar.

    Built a piece per turn of the event loop (:class:`Stages`): the header and the list at
    once, then the cards, each in a turn of its own; the webhooks, read off the GUI thread
    meanwhile, are shown once the cards are there. Every store call goes through
    :class:`StoreOps`: reads as queries, changes as operations whose failure is told in one
    place (:meth:`show_error`).

    Signals:
        webhooks_changed(): webhooks were added or changed; the engine may have new work.
        shown(): the page shows the store's webhooks (the first time, and after each reload).
    """

    webhooks_changed = Signal()
    shown = Signal()

    def __init__(self, admin: Admin, runner: SendTestRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("webhooksPage")
        self.admin = admin
        self.runner = runner
        self._views: dict[int, WebhookSummary] = {}
        self._test_webhook: int | None = None
        self._reading_secret = False
        self._has_shown = False
        self._changing = 0  # changes asked for and not answered yet
        # Webhooks read before the cards were built wait here: (views, webhook to select).
        self._waiting_views: tuple[list[WebhookSummary], int | None] | None = None
        self.ops = StoreOps(self, show_errors=False)
        self.ops.failed.connect(self._on_failed)

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

        # Until the webhooks are read: an empty pane, quietly (no "Add webhook" invitation
        # for a moment to someone who has webhooks).
        self._waiting_pane = QWidget()
        self._waiting_pane.setObjectName("detailWaiting")
        self.detail_stack = QStackedWidget()
        self.detail_stack.setObjectName("detailStack")
        self.detail_stack.addWidget(self._waiting_pane)
        # The selected webhook's cards go in here, each in its turn, in their final parent
        # from the start: moving a styled widget to another parent styles it all over again.
        self._detail = QWidget()
        self._detail.setObjectName("detailPane")
        self._detail_layout = QVBoxLayout(self._detail)
        self._detail_layout.setContentsMargins(0, 0, 6, 0)
        self._detail_layout.setSpacing(16)
        self._detail_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("detailScroll")
        scroll.setAccessibleName("Webhook details")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Not a Tab stop of its own: it scrolls to whatever control has the focus instead.
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setWidget(self._detail)
        self.detail_scroll = scroll
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

        self._empty_state: EmptyState | None = None
        self._config_card: ConfigCard | None = None
        self._events_card: EventsCard | None = None
        self._activity_chart: ActivityChart | None = None
        self.stages = Stages(
            [
                self._build_empty_state,
                self._build_config_card,
                self._build_activity_chart,
                self._prepare_activity_plot,
                self._prepare_activity_plot,
                self._build_activity_plot,
                self._build_events_card,
                self._show_waiting_views,  # a turn of its own: the whole page paints after
            ],
            self,
        )
        self.stages.finished.connect(self._on_built)

        self.runner.test_finished.connect(self._on_test_finished)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self.refresh()

    # Building, a piece per turn -------------------------------------------------------------

    def _build_empty_state(self) -> None:
        empty = EmptyState(self.detail_stack)
        empty.add_requested.connect(self.add_webhook)
        self.detail_stack.addWidget(empty)
        empty.ensurePolished()
        self._empty_state = empty

    def _add_card(self, card: QWidget) -> None:
        """In the detail pane, in the order config, activity, events, above the stretch."""
        self._detail_layout.insertWidget(self._detail_layout.count() - 1, card)

    def _build_config_card(self) -> None:
        card = ConfigCard(self._detail)
        if self.admin.store.shared:
            card.kept_in = "sealed in the shared database"
        card.enable_requested.connect(self.enable_selected)
        card.disable_requested.connect(self.disable_selected)
        card.pause_requested.connect(self.pause_selected)
        card.resume_requested.connect(self.resume_selected)
        card.rotate_requested.connect(self.rotate_selected)
        card.remove_requested.connect(self.remove_selected)
        card.send_test_requested.connect(self.send_test)
        self._add_card(card)
        self._config_card = card

    def _build_activity_chart(self) -> None:
        chart = ActivityChart(self._detail)
        chart.scope_changed.connect(self.show_activity)
        self._add_card(chart)
        chart.ensurePolished()
        self._activity_chart = chart

    def _prepare_activity_plot(self) -> None:
        assert self._activity_chart is not None
        self._activity_chart.prepare_plot()

    def _build_activity_plot(self) -> None:
        assert self._activity_chart is not None
        self._activity_chart.build_plot()

    def _build_events_card(self) -> None:
        card = EventsCard(self._detail)
        card.fields_changed.connect(self.save_fields)
        self._add_card(card)
        self._events_card = card

    def _show_waiting_views(self) -> None:
        if self._waiting_views is not None:
            views, wanted = self._waiting_views
            self._waiting_views = None
            self._show_views(views, wanted)

    @Slot()
    def _on_built(self) -> None:
        if self._waiting_views is not None:
            views, wanted = self._waiting_views
            self._waiting_views = None
            self._show_views(views, wanted)

    def _built(self) -> None:
        """Build what is left now (a piece asked for before its turn came)."""
        if not self.stages.done:
            self.stages.finish()

    @property
    def empty_state(self) -> EmptyState:
        self._built()
        assert self._empty_state is not None
        return self._empty_state

    @property
    def config_card(self) -> ConfigCard:
        self._built()
        assert self._config_card is not None
        return self._config_card

    @property
    def events_card(self) -> EventsCard:
        self._built()
        assert self._events_card is not None
        return self._events_card

    @property
    def activity_chart(self) -> ActivityChart:
        self._built()
        assert self._activity_chart is not None
        return self._activity_chart

    # Reading -------------------------------------------------------------------------------

    @property
    def has_shown(self) -> bool:
        """Whether the page has shown the store's webhooks at least once."""
        return self._has_shown

    @Slot()
    def refresh(self, select_id: int | None = None) -> None:
        """Reload every webhook from the store (off the GUI thread); keep the selection, or
        move it to ``select_id``."""
        self.ops.query(self.admin.webhook_summaries, lambda got: self._got_views(got, select_id))

    def _got_views(self, views: list[WebhookSummary], select_id: int | None) -> None:
        if self._changing:
            # Read before a change the person made since: showing it would undo what is on
            # screen (a switch just turned); the change's own reload follows.
            return
        if not self.stages.done:
            self._waiting_views = (views, select_id)
            return
        self._show_views(views, select_id)

    def _show_views(self, views: list[WebhookSummary], select_id: int | None) -> None:
        wanted = select_id if select_id is not None else self.webhook_list.selected_id()
        self._views = {view.id: view for view in views}
        self.webhook_list.set_views(views, wanted)
        self._has_shown = True
        self.shown.emit()

    @Slot()
    def show_activity(self) -> None:
        """The chart, for the selected webhook or all of them."""
        chart = self.activity_chart
        selected = self.webhook_list.selected_id()
        webhook_id = None if chart.all_webhooks or selected < 0 else selected
        self.ops.query(lambda: self.admin.activity(webhook_id), chart.show_series)

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
        card = self.config_card
        previous = card.view
        if previous is None or previous.id != view.id:
            card.result_card.hide()
        card.show_webhook(view)
        card.set_test_busy(self.runner.busy or self._reading_secret)
        self.events_card.set_fields(view.fields)
        self.show_activity()
        self.detail_stack.setCurrentWidget(self.detail_scroll)

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
            raise SigFollowError(describe(exc)) from None
        return webhook_id, wanted.url, secret

    def _change(
        self,
        write: Callable[[], T],
        done: Callable[[T], None],
        undo: Callable[[], None] | None = None,
    ) -> None:
        """One change through the runner. If it fails (told once, by ``_on_failed``), what
        the page shows is put back and read again from the store."""
        self._changing += 1

        def finished(result: T) -> None:
            self._changing -= 1
            done(result)

        def failed() -> None:
            self._changing -= 1
            if undo is not None:
                undo()
            self.refresh()

        self.ops.change(write, finished, undo=failed)

    def _changed(self, webhook_id: int) -> None:
        """After a change: show the store's state of the webhooks; the engine may have work."""
        self.refresh(webhook_id)
        self.webhooks_changed.emit()

    @Slot()
    def enable_selected(self) -> None:
        view = self.selected()
        if view is None:
            return

        def done(secret: str | None) -> None:
            self._changed(view.id)
            if secret is not None:
                SecretDialog.show_once(secret, self.window(), view.url)

        self._change(lambda: self.admin.enable(view.id), done)

    @Slot()
    def disable_selected(self) -> None:
        view = self.selected()
        if view is not None:
            self._change(lambda: self.admin.disable(view.id), lambda _: self._changed(view.id))

    @Slot()
    def pause_selected(self) -> None:
        self._set_paused(True)

    @Slot()
    def resume_selected(self) -> None:
        self._set_paused(False)

    def _set_paused(self, paused: bool) -> None:
        """A paused webhook keeps its queue: nothing is sent to it, nothing is dropped."""
        view = self.selected()
        if view is not None:
            self._change(
                lambda: self.admin.set_paused(view.id, paused), lambda _: self._changed(view.id)
            )

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

        def done(secret: str) -> None:
            # The card's signature was made with the old secret: it no longer says anything
            # true.
            self.config_card.result_card.clear()
            self._changed(view.id)
            SecretDialog.show_once(secret, self.window(), view.url)

        self._change(lambda: self.admin.rotate_secret(view.id), done)

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
        if confirmed:
            self._change(lambda: self.admin.remove(view.id), lambda _: self._changed(-1))

    @Slot(tuple)
    def save_fields(self, fields: tuple[Field, ...]) -> None:
        view = self.selected()
        if view is None:
            return
        self._change(
            lambda: self.admin.set_fields(view.id, fields),
            lambda _: self._changed(view.id),
            lambda: self.events_card.set_fields(view.fields),
        )

    # Send test ----------------------------------------------------------------------------

    @Slot(str)
    def send_test(self, field: str) -> None:
        view = self.selected()
        if view is None or self.runner.busy or self._reading_secret:
            return
        # Busy at once; the secret is read off the GUI thread, then the request goes.
        self._reading_secret = True
        card = self.config_card
        card.result_card.show_busy(field)
        card.set_test_busy(True)  # after: the focus waits on the (shown) result card

        def send(secret: str | None) -> None:
            self._reading_secret = False
            if secret is None:
                unlock()
                self.show_error(self.window(), NO_KEY_IN_KEYCHAIN)
                return
            self._test_webhook = view.id
            self.runner.send(view.url, secret, field)

        def unlock() -> None:
            self._reading_secret = False
            card.result_card.clear()
            card.set_test_busy(self.runner.busy)

        # The secret comes from the keychain at the moment of sending; nothing keeps it.
        self.ops.query(lambda: self.admin.webhook_secret(view.id), send, undo=unlock)

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
        if new is not None and self._detail.isAncestorOf(new):
            self.detail_scroll.ensureWidgetVisible(new, 16, 16)

    # Failures -----------------------------------------------------------------------------

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        """Every store call of the page that fails ends here: one clear message."""
        self.show_error(self.window(), message)

    @staticmethod
    def show_error(parent: QWidget, message: str) -> None:
        QMessageBox.warning(parent, "SigFollow Desktop", message)
