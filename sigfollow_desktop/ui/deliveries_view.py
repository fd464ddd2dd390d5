"""The Deliveries tab: every delivery, newest first, filtered; the selected one in full; fix
what failed (Redeliver, Redeliver selected, Recover failed since…).

Every store call goes through :class:`StoreOps`, off the GUI thread. While the engine
delivers, rows update in place and new ones come in at the top; the selected delivery stays
selected, and a person scrolled down keeps looking at the same rows.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication, QHideEvent, QShowEvent
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

        self.filter_bar = DeliveryFilterBar()
        self.filter_bar.filter_changed.connect(self.set_filter)
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

        self.detail = DeliveryDetailPane()
        self.detail.redeliver_requested.connect(lambda i: self.redeliver([i]))
        self.detail.copy_curl_requested.connect(self.copy_curl)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("deliveriesSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 16, 28, 16)
        layout.setSpacing(10)
        layout.addWidget(self.filter_bar)
        layout.addLayout(actions)
        layout.addWidget(self.splitter, 1)

        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(LIVE_DELAY_MS)
        self._live_timer.timeout.connect(self._refresh_live)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._look_again)

    # Showing ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Read the first page and the webhooks (the first time the tab is shown)."""
        if self._started:
            return
        self._started = True
        self.reload_webhooks()
        self.model.set_filter(self.filter_bar.current())
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
        self.ops.query(self.admin.webhook_choices, self.filter_bar.set_webhooks)

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

    @Slot(int)
    def _keep_viewport(self, count: int) -> None:
        """Rows came in above: a person scrolled down keeps seeing the same rows; one at the
        top sees the new ones."""
        bar = self.table.verticalScrollBar()
        if self._scroll_before <= 0:
            return
        shift = count * self.table.verticalHeader().defaultSectionSize()
        bar.setMaximum(bar.maximum() + shift)
        bar.setValue(self._scroll_before + shift)

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
            how = f"attempt {request.attempt} as sent"
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
