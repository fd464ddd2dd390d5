"""The list of webhooks on the left of the page."""

from __future__ import annotations

from PySide6.QtCore import QMargins, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QListWidget,
    QListWidgetItem,
    QWidget,
)

from sigfollow_desktop.store.summary import WebhookSummary
from sigfollow_desktop.ui.webhook_row import WebhookRow, health_text, row_tooltip, summary

_ID_ROLE = Qt.ItemDataRole.UserRole
MIN_WIDTH = 200


class WebhookList(QListWidget):
    """One row per webhook; arrow keys and the mouse choose the selected one.

    Signals:
        webhook_selected(int): the selection moved to that webhook id (-1: none).
    """

    webhook_selected = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("webhookList")
        self.setAccessibleName("Webhooks")
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(MIN_WIDTH)
        # Rows are laid out again when the list changes width, so they always span it and
        # elide their URL, rather than keeping the width they were made at.
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.currentItemChanged.connect(self._on_current_changed)

    def set_views(self, views: list[WebhookSummary], select_id: int | None) -> None:
        """Replace the rows, keeping ``select_id`` selected (else the first row)."""
        self.blockSignals(True)
        try:
            self.clear()
            chosen: QListWidgetItem | None = None
            for view in views:
                item = QListWidgetItem()
                item.setData(_ID_ROLE, view.id)
                item.setData(
                    Qt.ItemDataRole.AccessibleTextRole,
                    f"{view.url}, {summary(view)}, {health_text(view)}",
                )
                item.setToolTip(row_tooltip(view))
                row = WebhookRow(view)
                item.setSizeHint(row.sizeHint().grownBy(QMargins(0, 2, 0, 2)))
                self.addItem(item)
                self.setItemWidget(item, row)
                if chosen is None or view.id == select_id:
                    chosen = item
            if chosen is not None:
                self.setCurrentItem(chosen)
        finally:
            self.blockSignals(False)
        self.webhook_selected.emit(self.selected_id())

    def selected_id(self) -> int:
        item = self.currentItem()
        return -1 if item is None else int(item.data(_ID_ROLE))

    def row_widget(self, webhook_id: int) -> WebhookRow | None:
        for index in range(self.count()):
            item = self.item(index)
            if item.data(_ID_ROLE) == webhook_id:
                widget = self.itemWidget(item)
                return widget if isinstance(widget, WebhookRow) else None
        return None

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_current_changed(
        self, current: QListWidgetItem | None, _previous: QListWidgetItem | None
    ) -> None:
        self.webhook_selected.emit(-1 if current is None else int(current.data(_ID_ROLE)))
