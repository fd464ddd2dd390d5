"""The activity chart: attempts per minute over the last hour, delivered, retried and failed.

Drawn by pyqtgraph (stacked bars), coloured like the health dot, on the palette's colours so
it follows light and dark. The counts come from ``Admin.activity`` (60 rows at most).
"""

from __future__ import annotations

import os

# numpy's BLAS would start a worker thread per core at import, idle for good: the chart adds a
# few dozen numbers, and the program's threads stay its own (the app logs them at exit).
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import QEvent, Qt, Signal  # noqa: E402
from PySide6.QtGui import QColor, QPalette  # noqa: E402
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget  # noqa: E402

from sigfollow_desktop.store.activity import MINUTES, ActivitySeries  # noqa: E402
from sigfollow_desktop.ui.theme import DANGER, SUCCESS, WARNING, tag  # noqa: E402

SERIES = (("Delivered", SUCCESS), ("Retried", WARNING), ("Failed", DANGER))


def _swatch(text: str, color: str) -> QLabel:
    label = QLabel(f'<span style="color:{color}">■</span> {text}')
    label.setTextFormat(Qt.TextFormat.RichText)
    tag(label, role="muted")
    return label


class ActivityChart(QFrame):
    """``Activity · last hour`` with a bar per minute, newest on the right, for the selected
    webhook or all of them.

    Signals:
        scope_changed(): the user chose between this webhook and all webhooks.
    """

    scope_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("activityChart")
        self.setAccessibleName("Activity in the last hour")
        tag(self, card="true")
        self.scope = QComboBox()
        self.scope.setObjectName("activityScope")
        self.scope.setAccessibleName("Activity of")
        self.scope.addItems(["This webhook", "All webhooks"])
        self.scope.currentIndexChanged.connect(self.scope_changed)
        self.series: ActivitySeries | None = None
        self.title = QLabel("Activity · last hour")
        tag(self.title, role="cardTitle")
        self.summary = QLabel("No attempts in the last hour")
        self.summary.setObjectName("activitySummary")
        tag(self.summary, role="muted")
        legend = QHBoxLayout()
        legend.setSpacing(14)
        for text, color in SERIES:
            legend.addWidget(_swatch(text, color))
        legend.addStretch(1)
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("activityPlot")
        self.plot.setAccessibleName("Attempts per minute, last hour")
        # Nothing to do in the plot itself with the keyboard: Tab passes it by.
        self.plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.plot.setMinimumHeight(150)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "minutes ago")
        item.showGrid(x=False, y=True, alpha=0.25)
        item.setXRange(-MINUTES + 0.5, 0.5, padding=0.02)
        self.bars: list[pg.BarGraphItem] = []
        heading = QHBoxLayout()
        heading.addWidget(self.title)
        heading.addStretch(1)
        heading.addWidget(self.scope)
        legend.addWidget(self.summary)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(10)
        layout.addLayout(heading)
        layout.addWidget(self.plot)
        layout.addLayout(legend)
        self._apply_palette()

    @property
    def all_webhooks(self) -> bool:
        return self.scope.currentIndex() == 1

    def show_series(self, series: ActivitySeries) -> None:
        self.series = series
        item = self.plot.getPlotItem()
        for bar in self.bars:
            item.removeItem(bar)
        self.bars = []
        x = np.arange(-MINUTES + 1, 1, dtype=float)
        base = np.zeros(MINUTES)
        for (_, color), counts in zip(
            SERIES, (series.delivered, series.retried, series.failed), strict=True
        ):
            heights = np.asarray(counts, dtype=float)
            if heights.any():
                bar = pg.BarGraphItem(
                    x=x, y0=base.copy(), height=heights, width=0.8, brush=color, pen=None
                )
                item.addItem(bar)
                self.bars.append(bar)
            base += heights
        item.setYRange(0, max(1.0, float(base.max()) * 1.1), padding=0)
        delivered, retried, failed = (
            sum(series.delivered),
            sum(series.retried),
            sum(series.failed),
        )
        text = (
            f"{delivered} delivered · {retried} retried · {failed} failed"
            if series.total
            else "No attempts in the last hour"
        )
        self.summary.setText(text)
        self.setAccessibleDescription(text)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
        super().changeEvent(event)

    def _apply_palette(self) -> None:
        palette = self.palette()
        self.plot.setBackground(palette.color(QPalette.ColorRole.Base))
        text = QColor(palette.color(QPalette.ColorRole.PlaceholderText))
        item = self.plot.getPlotItem()
        for name in ("bottom", "left"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))
