"""The row of filters over the Deliveries table: status, webhook, field, answer class, time
range and a search box. Says what is wanted as one :class:`DeliveryFilter`."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QWidget

from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.store.delivery_pages import (
    CODE_CLASSES,
    VIEW_STATUSES,
    DeliveryFilter,
)

# Time ranges offered: label and seconds back from now (None: all of history).
RANGES: tuple[tuple[str, float | None], ...] = (
    ("Any time", None),
    ("Last hour", 3600.0),
    ("Last 24 hours", 86400.0),
    ("Last 7 days", 7 * 86400.0),
    ("Last 30 days", 30 * 86400.0),
)
SEARCH_DELAY_MS = 250


def _combo(name: str, accessible: str, items: list[tuple[str, object]]) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.setAccessibleName(accessible)
    for label, value in items:
        combo.addItem(label, value)
    return combo


class DeliveryFilterBar(QWidget):
    """Signals:
    filter_changed(object): the new DeliveryFilter.
    """

    filter_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deliveryFilterBar")
        self.status = _combo(
            "statusFilter",
            "Status",
            [("All statuses", None)] + [(s.capitalize(), s) for s in VIEW_STATUSES],
        )
        self.webhook = _combo("webhookFilter", "Webhook", [("All webhooks", None)])
        self.webhook.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.webhook.setMinimumContentsLength(26)
        self.field = _combo(
            "fieldFilter", "Field", [("All fields", None)] + [(f, f) for f in FIELDS]
        )
        self.code_class = _combo(
            "codeClassFilter",
            "Answer",
            [("Any answer", None)]
            + [(c if c != "network" else "No answer (network)", c) for c in CODE_CLASSES],
        )
        self.time_range = _combo("timeFilter", "Time range", list(RANGES))
        self.search = QLineEdit()
        self.search.setObjectName("deliverySearch")
        self.search.setAccessibleName("Search deliveries")
        self.search.setPlaceholderText("Search event id, wamid, phone or delivery id")
        self.search.setToolTip(
            "Exact ids: a delivery or event id, a wamid, a template id or a phone number "
            "(+, spaces and dashes are ignored). Message text is not searched."
        )
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(220)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._emit)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self._emit)
        for combo in (self.status, self.webhook, self.field, self.code_class, self.time_range):
            combo.currentIndexChanged.connect(self._emit)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.search, 2)
        for combo in (self.status, self.webhook, self.field, self.code_class, self.time_range):
            layout.addWidget(combo)

    def set_webhooks(self, webhooks: list[tuple[int, str]]) -> None:
        """The webhook choices; the one chosen stays chosen if it is still there."""
        chosen = self.webhook.currentData()
        self.webhook.blockSignals(True)
        self.webhook.clear()
        self.webhook.addItem("All webhooks", None)
        for webhook_id, url in webhooks:
            self.webhook.addItem(url, webhook_id)
        at = self.webhook.findData(chosen)
        self.webhook.setCurrentIndex(max(at, 0))
        self.webhook.blockSignals(False)
        if chosen is not None and at < 0:
            self._emit()

    def current(self, now: float | None = None) -> DeliveryFilter:
        back = self.time_range.currentData()
        since = None if back is None else (now if now is not None else time.time()) - back
        return DeliveryFilter(
            status=self.status.currentData(),
            webhook_id=self.webhook.currentData(),
            field=self.field.currentData(),
            code_class=self.code_class.currentData(),
            since=since,
            search=self.search.text().strip(),
        )

    def search_now(self, query: str) -> None:
        """Search for ``query`` at once (as Enter does)."""
        self.search.setText(query)
        self._emit()

    @Slot()
    def _emit(self) -> None:
        self._search_timer.stop()
        self.filter_changed.emit(self.current())
