"""The Deliveries view's table model: newest first, read a page at a time off the GUI thread.

Rows are held newest first, sorted by delivery id (descending), so finding a delivery's row is
a binary search. Scrolling near the end asks for more (``canFetchMore`` / ``fetchMore``): the
next, older page is read by keyset on the runner's thread and appended when it arrives.

The end: :meth:`jump_to_oldest` reads the oldest page by keyset from the other end (what
the End key asks for), so the last of a million rows costs what the first does, never a
walk through the pages between; newer pages then come in above as the person scrolls up
(:meth:`fetch_newer`), until the rows reach the newest again.

Live: :meth:`refresh_live` rereads the rows the engine touched (updated in place, so a row
never moves under the pointer) and reads what is newer than the newest row shown (inserted at
the top). A row that no longer matches the filter stays where it is until the filter changes.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.store.delivery_pages import (
    PAGE_SIZE,
    DeliveryFilter,
    DeliveryPage,
    DeliveryRow,
    ViewStatus,
)
from sigfollow_desktop.ui.store_ops import StoreOps
from sigfollow_desktop.ui.theme import DANGER, SUCCESS, WARNING

COLUMNS = (
    "Time",
    "Webhook",
    "Event",
    "Status",
    "Attempts",
    "Last answer",
    "Duration",
    "Next attempt",
)
STATUS_COLORS: dict[ViewStatus, str] = {
    "delivered": SUCCESS,
    "retrying": WARNING,
    "failed": DANGER,
    "pending": "",
}
DeliveryIdRole = Qt.ItemDataRole.UserRole + 1
TEXTS_KEPT = 5000
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_DELIVERY_ID = int(Qt.ItemDataRole.UserRole.value) + 1
_Index = QModelIndex | QPersistentModelIndex


def local_time(epoch: float | None) -> str:
    if epoch is None:
        return "—"
    try:
        return datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, ValueError, OSError):
        return "—"


def last_answer(row: DeliveryRow) -> str:
    if row.last_status_code is not None:
        return f"HTTP {row.last_status_code}"
    return row.last_error or "—"


def _cell(row: DeliveryRow, column: int) -> str:
    if column == 0:
        return local_time(row.created_at)
    if column == 1:
        return row.url
    if column == 2:
        return f"{row.field} · {row.meta_id}" if row.meta_id else row.field
    if column == 3:
        return row.status
    if column == 4:
        return str(row.attempts)
    if column == 5:
        return last_answer(row)
    if column == 6:
        return "—" if row.last_duration_ms is None else f"{row.last_duration_ms:.0f} ms"
    if row.store_status != "pending":
        return "—"
    return local_time(row.next_attempt_at)


class DeliveriesModel(QAbstractTableModel):
    """Signals:
    loaded(): the first page for the current filter arrived.
    rows_added_at_top(int): this many newer rows were inserted above the others.
    """

    loaded = Signal()
    rows_added_at_top = Signal(int)

    def __init__(self, admin: Admin, ops: StoreOps, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.admin = admin
        self.ops = ops
        self.filter = DeliveryFilter()
        self.page_size = PAGE_SIZE
        self._rows: list[DeliveryRow] = []
        self._keys: list[int] = []  # -id of each row: ascending, for bisect
        self._before: int | None = None  # the cursor of the next older page
        self._exhausted = True
        self._loading = False
        self._live_busy = False
        self._generation = 0
        self._has_loaded = False
        self._top = 0  # the newest delivery id when the first page was read
        self.searched = ""  # what the search box was read as, in words
        # False while the rows start below the newest (after a jump to the oldest): newer
        # pages then come in above as the person scrolls up, and live updates wait.
        self._from_newest = True
        # The cells' texts of rows shown lately, by delivery id (dropped when a row is read
        # again); emptied when it grows past a few thousand rows.
        self._shown_texts: dict[int, tuple[str, ...]] = {}

    # Reading ---------------------------------------------------------------------------------

    def set_filter(self, wanted: DeliveryFilter) -> None:
        """Show what matches ``wanted``, from the newest."""
        self.filter = wanted
        self._generation += 1
        self.beginResetModel()
        self._rows, self._keys = [], []
        self._before, self._exhausted, self._loading = None, False, True
        self._has_loaded = False
        self._from_newest = True
        self.endResetModel()
        generation, limit = self._generation, self.page_size
        self.ops.query(
            lambda: self.admin.delivery_page(wanted, limit=limit),
            lambda page: self._on_page(generation, page),
        )

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def has_loaded(self) -> bool:
        return self._has_loaded

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent) or self._before is None:
            return
        self._loading = True
        wanted, before, limit = self.filter, self._before, self.page_size
        generation = self._generation
        self.ops.query(
            lambda: self.admin.delivery_page(wanted, before=before, limit=limit),
            lambda page: self._on_page(generation, page),
        )

    def _on_page(self, generation: int, page: DeliveryPage) -> None:
        if generation != self._generation:
            return  # the filter changed meanwhile
        self._loading = False
        if not self._has_loaded:
            self._top = page.top
            self.searched = page.searched
        self._before = page.before
        self._exhausted = page.before is None
        # A row may already be here (inserted at the top meanwhile): keep the order strict.
        fresh = [row for row in page.rows if not self._keys or row.id < -self._keys[-1]]
        if fresh:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self._rows.extend(fresh)
            self._keys.extend(-row.id for row in fresh)
            self.endInsertRows()
        if not self._has_loaded:
            self._has_loaded = True
            self.loaded.emit()
        if len(page.rows) < self.page_size and not self._exhausted:
            self.fetchMore()  # a short page with a cursor: read on

    # The other end ------------------------------------------------------------------------

    @property
    def from_newest(self) -> bool:
        """Whether the first row is the newest that matches (not after a jump to the end)."""
        return self._from_newest

    @property
    def at_oldest(self) -> bool:
        """Whether the last row is the oldest delivery that matches (nothing more below)."""
        return self._has_loaded and self._exhausted and not self._loading

    def can_jump(self) -> bool:
        """Whether the oldest page can be read from the other end (not when it is shown)."""
        return self._has_loaded and not self._exhausted

    def jump_to_oldest(self) -> bool:
        """Show the oldest page that matches, read by keyset from the other end; False when
        it cannot be (see :meth:`can_jump`)."""
        if not self.can_jump():
            return False
        self._generation += 1
        self.beginResetModel()
        self._rows, self._keys = [], []
        self._before, self._exhausted, self._loading = None, True, True
        self._has_loaded = False
        self._from_newest = False
        self.endResetModel()
        wanted, limit, generation = self.filter, self.page_size, self._generation
        self.ops.query(
            lambda: self.admin.newer_deliveries(wanted, after=0, limit=limit),
            lambda rows: self._on_newer(generation, rows),
        )
        return True

    def fetch_newer(self) -> None:
        """Read the page above the first row (scrolling up after a jump to the end)."""
        if self._from_newest or self._loading or not self._rows:
            return
        self._loading = True
        wanted, limit, generation = self.filter, self.page_size, self._generation
        after = self._rows[0].id
        self.ops.query(
            lambda: self.admin.newer_deliveries(wanted, after=after, limit=limit),
            lambda rows: self._on_newer(generation, rows),
        )

    def _on_newer(self, generation: int, rows: tuple[DeliveryRow, ...]) -> None:
        """A page read upwards (oldest first) goes above the rows."""
        if generation != self._generation:
            return
        self._loading = False
        newest = -self._keys[0] if self._keys else 0
        above = [row for row in reversed(rows) if row.id > newest]  # newest first
        if above:
            first_load = not self._rows
            self.beginInsertRows(QModelIndex(), 0, len(above) - 1)
            self._rows[0:0] = above
            self._keys[0:0] = [-row.id for row in above]
            self.endInsertRows()
            if not first_load:
                self.rows_added_at_top.emit(len(above))
        if len(rows) < self.page_size:
            self._from_newest = True  # the rows reach the newest again: live updates resume
        if not self._has_loaded:
            self._has_loaded = True
            self.loaded.emit()

    # Live ----------------------------------------------------------------------------------

    def refresh_live(self, touched: Iterable[int] = ()) -> None:
        """Reread the rows in ``touched`` that are shown, and add what is newer at the top
        (when the rows start at the newest)."""
        if self._live_busy or not self._has_loaded:
            return
        shown = [delivery_id for delivery_id in set(touched) if self.row_of(delivery_id) >= 0]
        newest = max(self._rows[0].id if self._rows else 0, self._top)
        wanted, limit, generation = self.filter, self.page_size, self._generation
        self._live_busy = True

        from_newest = self._from_newest

        def read() -> tuple[dict[int, DeliveryRow], tuple[DeliveryRow, ...]]:
            updated = self.admin.deliveries_by_id(shown) if shown else {}
            if not from_newest:
                return updated, ()  # the rows above come as the person scrolls up
            return updated, self.admin.newer_deliveries(wanted, after=newest, limit=limit)

        def done(result: tuple[dict[int, DeliveryRow], tuple[DeliveryRow, ...]]) -> None:
            self._live_busy = False
            if generation == self._generation:
                self._apply_live(*result)

        self.ops.query(read, done)

    def _apply_live(self, updated: dict[int, DeliveryRow], newer: tuple[DeliveryRow, ...]) -> None:
        for delivery_id, row in updated.items():
            at = self.row_of(delivery_id)
            if at >= 0:
                self._rows[at] = row
                self._shown_texts.pop(delivery_id, None)
                self.dataChanged.emit(self.index(at, 0), self.index(at, len(COLUMNS) - 1))
        newest = -self._keys[0] if self._keys else 0
        above = [row for row in reversed(newer) if row.id > newest]  # newest first
        if newer:
            self._top = max(self._top, newer[-1].id)
        if not above:
            return
        self.beginInsertRows(QModelIndex(), 0, len(above) - 1)
        self._rows[0:0] = above
        self._keys[0:0] = [-row.id for row in above]
        self.endInsertRows()
        self.rows_added_at_top.emit(len(above))

    def unfinished_near(self, row: int, reach: int = 250) -> list[int]:
        """Deliveries not final yet within ``reach`` rows of ``row`` (to look at again: another
        process may have delivered them)."""
        start, end = max(0, row - reach), min(len(self._rows), row + reach)
        return [r.id for r in self._rows[start:end] if r.store_status == "pending"]

    # Finding ---------------------------------------------------------------------------------

    def row_of(self, delivery_id: int) -> int:
        """The row showing ``delivery_id``, or -1."""
        at = bisect.bisect_left(self._keys, -delivery_id)
        return at if at < len(self._keys) and self._keys[at] == -delivery_id else -1

    def delivery(self, row: int) -> DeliveryRow:
        return self._rows[row]

    # The model -------------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called for every cell and role of each repaint: plain ints and one text tuple per
        # row, made once, keep it short.
        if role == _DISPLAY:
            return self._texts(index.row())[index.column()]
        if role == _TOOLTIP:
            column = index.column()
            return self._texts(index.row())[column] if column in (1, 2, 5) else None
        if role == _FOREGROUND:
            if index.column() != 3:
                return None
            color = STATUS_COLORS[self._rows[index.row()].status]
            return QColor(color) if color else None
        if role == _DELIVERY_ID:
            return self._rows[index.row()].id
        return None

    def _texts(self, at: int) -> tuple[str, ...]:
        row = self._rows[at]
        texts = self._shown_texts.get(row.id)
        if texts is None:
            if len(self._shown_texts) > TEXTS_KEPT:
                self._shown_texts.clear()
            texts = tuple(_cell(row, column) for column in range(len(COLUMNS)))
            self._shown_texts[row.id] = texts
        return texts
