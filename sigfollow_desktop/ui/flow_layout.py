"""A row of controls that wraps onto the next line when the pane is too narrow for it.

Qt ships no flow layout (it is one of its examples); this one also keeps the last item on
the right edge while the row fits on one line, the place a destructive button stands apart.
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QWidget


class FlowLayout(QLayout):
    """Items left to right, wrapping; with ``last_on_right`` a row that fits puts its last
    item against the right edge."""

    def __init__(
        self, parent: QWidget | None = None, *, spacing: int = 8, last_on_right: bool = False
    ) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._last_on_right = last_on_right
        # Qt asks the height for a width many times per layout pass: answered once per width
        # until the layout changes (invalidate).
        self._heights: dict[int, int] = {}
        self.setSpacing(spacing)
        self.setContentsMargins(QMargins(0, 0, 0, 0))

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        height = self._heights.get(width)
        if height is None:
            height = self._heights[width] = self._arrange(QRect(0, 0, width, 0), apply=False)
        return height

    def invalidate(self) -> None:
        self._heights.clear()
        super().invalidate()

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:
        visible = self._visible()
        width = sum(item.sizeHint().width() for item in visible)
        width += self.spacing() * max(len(visible) - 1, 0)
        height = max((item.sizeHint().height() for item in visible), default=0)
        margins = self.contentsMargins()
        return QSize(width, height).grownBy(margins)

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._visible():  # items are placed at their size hint
            size = size.expandedTo(item.sizeHint().expandedTo(item.minimumSize()))
        return size.grownBy(self.contentsMargins())

    def _visible(self) -> list[QLayoutItem]:
        return [item for item in self._items if not item.isEmpty()]

    def _arrange(self, rect: QRect, *, apply: bool) -> int:
        margins = self.contentsMargins()
        area = rect.marginsRemoved(margins)
        spacing = self.spacing()
        rows: list[list[tuple[QLayoutItem, QSize]]] = [[]]
        used = 0
        for item in self._visible():
            hint = item.sizeHint().boundedTo(item.maximumSize()).expandedTo(item.minimumSize())
            row = rows[-1]
            needed = hint.width() if not row else used + spacing + hint.width()
            if row and needed > area.width():
                rows.append([])
                row = rows[-1]
                needed = hint.width()
            row.append((item, hint))
            used = needed
        y = area.y()
        for row in rows:
            if not row:
                continue
            height = max(hint.height() for _item, hint in row)
            if apply:
                x = area.x()
                for index, (item, hint) in enumerate(row):
                    last = index == len(row) - 1
                    if last and self._last_on_right and len(rows) == 1 and index > 0:
                        x = area.right() + 1 - hint.width()
                    top = y + (height - hint.height()) // 2
                    item.setGeometry(QRect(QPoint(x, top), hint))
                    x += hint.width() + spacing
            y += height + spacing
        return y - spacing - area.y() + margins.top() + margins.bottom()
