"""The Deliveries tab: every delivery, newest first, filtered; the selected one in full; fix
what failed (Redeliver, Redeliver selected, Recover failed since…).

Every store call goes through :class:`StoreOps`, off the GUI thread. While the engine
delivers, rows update in place and new ones come in at the top; the selected delivery stays
selected, and a person scrolled down keeps looking at the same rows.
"""

from __future__ import annotations

import time

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QGuiApplication, QHideEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.engine.replay import SignedRequest, curl_command, signed_request
from sigfollow_desktop.engine.reports import AttemptRecorded
from sigfollow_desktop.store.attempt_exchanges import AttemptExchange
from sigfollow_desktop.store.delivery_pages import DeliveryDetail, DeliveryFilter
from sigfollow_desktop.ui.deliveries_model import DeliveriesModel
from sigfollow_desktop.ui.delivery_detail import DeliveryDetailPane
from sigfollow_desktop.ui.delivery_filter_bar import RANGES, DeliveryFilterBar
from sigfollow_desktop.ui.stages import Stages
from sigfollow_desktop.ui.store_ops import StoreOps
from sigfollow_desktop.ui.theme import tag

LIVE_DELAY_MS = 250  # engine reports in a burst make one reread
POLL_MS = 2000  # new deliveries (imports, intake, another process) are looked for this often
# How a search's own line begins (store.delivery_pages.read_search): cleared with the search.
SEARCHED_PREFIXES = ("Searched ", "No event")
RECOVER_CHOICES = tuple((label, back) for label, back in RANGES if back is not None)


def queued_text(count: int) -> str:
    return f"{count} {'delivery' if count == 1 else 'deliveries'} queued again"


class DeliveriesView(QWidget):
    """Signals:
    requeued(): deliveries were put back in the queue (the engine may wake).
    """

    requeued = Signal()

    def __init__(self, admin: Admin, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deliveriesView")
        self.admin = admin
        self.ops = StoreOps(self)
        self.model = DeliveriesModel(admin, self.ops, self)
        self._touched: set[int] = set()
        self._detail_id: int | None = None
        self._started = False

        self.redeliver_selected_button = QPushButton("Redeliver selected")
        self.redeliver_selected_button.setObjectName("redeliverSelectedButton")
        self.redeliver_selected_button.clicked.connect(self.redeliver_selected)
        self.recover_button = QPushButton("Recover failed since…")
        self.recover_button.setObjectName("recoverButton")
        self.recover_button.setToolTip("Choose a webhook in the filter first")
        self.recover_button.clicked.connect(self._ask_recover)
        self.message = QLabel("")
        self.message.setObjectName("deliveriesMessage")
        tag(self.message, role="muted")
        self.ops.changed.connect(self.message.setText)
        self.ops.failed.connect(self.message.setText)
        actions = QHBoxLayout()
        actions.setSpacing(8)
        actions.addWidget(self.message, 1)
        actions.addWidget(self.redeliver_selected_button)
        actions.addWidget(self.recover_button)

        self.table = QTableView()
        self.table.setObjectName("deliveriesTable")
        self.table.setAccessibleName("Deliveries")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((150, 200, 250, 80, 70, 150, 80, 150)):
            header.resizeSection(column, width)
        selection = self.table.selectionModel()
        selection.currentRowChanged.connect(self._on_current_changed)
        self.model.rows_added_at_top.connect(self._keep_viewport)
        self.model.loaded.connect(self._say_what_was_searched)
        self.model.rowsAboutToBeInserted.connect(self._note_scroll)
        self._scroll_before = 0
        self._reading_up = False
        # End goes to the oldest delivery (read from the other end), Home back to the newest.
        self.table.installEventFilter(self)
        self.table.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.model.loaded.connect(self._on_loaded)
        self._select_after_load: str | None = None

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("deliveriesSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.table)

        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(28, 16, 28, 16)
        self._layout.setSpacing(10)
        self._layout.addLayout(actions)
        self._layout.addWidget(self.splitter, 1)
        # The filter bar and the detail pane come a turn each (the window starts the stages
        # once its first page is built), or at once when asked for before.
        self._filter_bar: DeliveryFilterBar | None = None
        self._webhook_choices: list[tuple[int, str]] | None = None
        self._detail_pane: DeliveryDetailPane | None = None
        self.stages = Stages([self._build_filter_bar, self._build_detail], self, start=False)

        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(LIVE_DELAY_MS)
        self._live_timer.timeout.connect(self._refresh_live)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._look_again)

    # Building --------------------------------------------------------------------------------

    def _build_filter_bar(self) -> None:
        bar = DeliveryFilterBar(self)
        if self._webhook_choices is not None:
            bar.set_webhooks(self._webhook_choices)
        bar.filter_changed.connect(self.set_filter)
        self._layout.insertWidget(0, bar)
        self._filter_bar = bar

    def _build_detail(self) -> None:
        detail = DeliveryDetailPane(self.splitter)
        detail.redeliver_requested.connect(lambda i: self.redeliver([i]))
        detail.copy_curl_requested.connect(self.copy_curl)
        self.splitter.addWidget(detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self._detail_pane = detail

    @property
    def filter_bar(self) -> DeliveryFilterBar:
        self.stages.finish()
        assert self._filter_bar is not None
        return self._filter_bar

    @property
    def detail(self) -> DeliveryDetailPane:
        self.stages.finish()
        assert self._detail_pane is not None
        return self._detail_pane

    # Showing ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Read the first page and the webhooks (the first time the tab is shown)."""
        if self._started:
            return
        self._started = True
        self.reload_webhooks()
        # The filter bar may still be on its way (its turn comes): until then, no filter.
        bar = self._filter_bar
        self.model.set_filter(bar.current() if bar is not None else DeliveryFilter())
        self._poll.start()

    def showEvent(self, event: QShowEvent) -> None:
        if self._started:
            self._poll.start()
            self._look_again()  # what changed while another tab was shown
        self.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        # Not looked at: no polling, and engine reports are not collected meanwhile.
        self._poll.stop()
        self._live_timer.stop()
        self._touched.clear()
        super().hideEvent(event)

    @Slot()
    def reload_webhooks(self) -> None:
        self.ops.query(self.admin.webhook_choices, self._got_webhooks)

    def _got_webhooks(self, choices: list[tuple[int, str]]) -> None:
        self._webhook_choices = choices
        if self._filter_bar is not None:
            self._filter_bar.set_webhooks(choices)

    @Slot(object)
    def set_filter(self, wanted: DeliveryFilter) -> None:
        self._started = True
        self.model.set_filter(wanted)

    @Slot()
    def _say_what_was_searched(self) -> None:
        if self.model.filter.search or self.message.text().startswith(SEARCHED_PREFIXES):
            self.message.setText(self.model.searched)

    def show_filtered(self, wanted: DeliveryFilter) -> None:
        """Show exactly ``wanted`` (a notification's deliveries, a test)."""
        self._started = True
        self.model.set_filter(wanted)
        if not self._poll.isActive():
            self._poll.start()

    def selected_ids(self) -> list[int]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.model.delivery(row).id for row in rows]

    def select_delivery(self, delivery_id: int) -> bool:
        row = self.model.row_of(delivery_id)
        if row < 0:
            return False
        self.table.selectionModel().setCurrentIndex(
            self.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        return True

    # Live ------------------------------------------------------------------------------------

    @Slot(object)
    def on_attempt(self, report: AttemptRecorded) -> None:
        if not self.isVisible():
            return
        self._touched.add(report.delivery_id)
        if not self._live_timer.isActive():
            self._live_timer.start()

    @Slot()
    def _look_again(self) -> None:
        """The timer's look: what is newer, and the unfinished rows around the viewport (an
        ``engine run`` in another process sends no signal here)."""
        top = max(0, self.table.rowAt(0))
        self._touched.update(self.model.unfinished_near(top))
        self._refresh_live()

    @Slot()
    def _refresh_live(self) -> None:
        if not self._started:
            return
        touched, self._touched = self._touched, set()
        self.model.refresh_live(touched)
        if self._detail_id is not None and self._detail_id in touched:
            self._load_detail(self._detail_id)

    def _note_scroll(self, _parent: QModelIndex, first: int, _last: int) -> None:
        self._scroll_before = self.table.verticalScrollBar().value()
        self._reading_up = not self.model.from_newest

    @Slot(int)
    def _keep_viewport(self, count: int) -> None:
        """Rows came in above: a person scrolled down keeps seeing the same rows; one at the
        top sees the new ones."""
        bar = self.table.verticalScrollBar()
        if self._scroll_before <= 0 and not self._reading_up:
            return
        shift = count * self.table.verticalHeader().defaultSectionSize()
        bar.setMaximum(bar.maximum() + shift)
        bar.setValue(self._scroll_before + shift)

    # The two ends ----------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_End:
                self.go_to_oldest()
                return True
            if event.key() == Qt.Key.Key_Home:
                self.go_to_newest()
                return True
        return super().eventFilter(watched, event)

    @Slot()
    def go_to_oldest(self) -> None:
        """The End key: the last row, the oldest delivery that matches; read from the other
        end when it is not loaded yet, however many pages lie between."""
        if self.model.jump_to_oldest():
            self._select_after_load = "last"
        elif self.model.rowCount():
            self._select_row(self.model.rowCount() - 1)
            self.table.scrollToBottom()
            # A search in the bodies cannot be read from the other end: the next page then.
            self.model.fetchMore()

    @Slot()
    def go_to_newest(self) -> None:
        """The Home key: the first row, the newest; read again if the rows do not start
        there (after End)."""
        if not self.model.from_newest:
            self._select_after_load = "first"
            self.model.set_filter(self.model.filter)
        elif self.model.rowCount():
            self._select_row(0)
            self.table.scrollToTop()

    def _select_row(self, row: int) -> None:
        self.table.selectionModel().setCurrentIndex(
            self.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

    @Slot()
    def _on_loaded(self) -> None:
        where, self._select_after_load = self._select_after_load, None
        if where is None or not self.model.rowCount():
            return
        if where == "last":
            self._select_row(self.model.rowCount() - 1)
            self.table.scrollToBottom()
        else:
            self._select_row(0)
            self.table.scrollToTop()

    @Slot(int)
    def _on_scrolled(self, value: int) -> None:
        """Near the top after End: the page above comes in (the viewport stays put)."""
        if value < self.table.viewport().height() and not self.model.from_newest:
            self.model.fetch_newer()

    # Detail ----------------------------------------------------------------------------------

    @Slot(QModelIndex, QModelIndex)
    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        delivery_id = self.model.delivery(current.row()).id
        if delivery_id != self._detail_id:
            self._load_detail(delivery_id)

    def _load_detail(self, delivery_id: int) -> None:
        self._detail_id = delivery_id
        admin = self.admin

        Read = tuple[DeliveryDetail, SignedRequest | None, dict[int, AttemptExchange]]

        def read() -> Read:
            detail, exchanges = admin.delivery_with_exchanges(delivery_id)
            return detail, signed_request(detail, exchanges, admin.secrets), exchanges

        def done(result: Read) -> None:
            if self._detail_id == delivery_id:
                self.detail.show_detail(*result)

        self.ops.query(read, done)

    # Fixing ----------------------------------------------------------------------------------

    @Slot()
    def redeliver_selected(self) -> None:
        ids = self.selected_ids()
        if ids:
            self.redeliver(ids)

    def redeliver(self, ids: list[int]) -> None:
        self.ops.change(lambda: self.admin.redeliver(ids), self._after_requeue, what=queued_text)

    def recover(self, webhook_id: int, since: float) -> None:
        self.ops.change(
            lambda: self.admin.recover(webhook_id, since),
            self._after_requeue,
            what=lambda count: f"Recover: {queued_text(count)}",
        )

    def _after_requeue(self, _count: int) -> None:
        self.requeued.emit()
        self._touched.update(self.selected_ids())
        if self._detail_id is not None:
            self._touched.add(self._detail_id)
        self._refresh_live()

    @Slot()
    def _ask_recover(self) -> None:
        webhook_id = self.filter_bar.webhook.currentData()
        if webhook_id is None:
            self.message.setText("Choose a webhook in the filter, then Recover failed since…")
            return
        labels = [label for label, _back in RECOVER_CHOICES]
        label, ok = QInputDialog.getItem(
            self, "Recover failed deliveries", "Queue again what failed in the:", labels, 0, False
        )
        if ok:
            back = dict(RECOVER_CHOICES)[label]
            assert back is not None
            self.recover(int(webhook_id), time.time() - back)

    @Slot(int)
    def copy_curl(self, delivery_id: int) -> None:
        request = self.detail.request
        detail = self.detail.detail
        if request is None or detail is None or detail.row.id != delivery_id:
            return
        QGuiApplication.clipboard().setText(curl_command(request))
        if request.as_sent:
            sent = "as sent" if request.answered else "as made, no answer came"
            how = f"attempt {request.attempt} {sent}"
        else:
            how = (
                f"headers of attempt {request.attempt} not recorded: signed again with the "
                "current secret"
            )
        self.message.setText(f"Copied delivery {delivery_id} as a cURL command ({how})")

    def close_ops(self) -> None:
        self._poll.stop()
        self._live_timer.stop()
        self.ops.wait()
