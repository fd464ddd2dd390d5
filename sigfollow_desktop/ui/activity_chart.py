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
from PySide6.QtGui import QColor, QPalette, QShowEvent  # noqa: E402
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget  # noqa: E402

from sigfollow_desktop.store.activity import MINUTES, ActivitySeries  # noqa: E402
from sigfollow_desktop.ui.theme import DANGER, SUCCESS, WARNING, tag  # noqa: E402

PLOT_HEIGHT = 150
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
        self.bars: list[pg.BarGraphItem] = []
        self._plot: pg.PlotWidget | None = None
        self._plot_item: pg.PlotItem | None = None
        self._view_box: pg.ViewBox | None = None
        # The plot takes a turn of its own (build_plot): until then, an empty space its size.
        self._plot_space = QWidget()
        self._plot_space.setObjectName("activityPlotSpace")
        self._plot_space.setMinimumHeight(PLOT_HEIGHT)
        heading = QHBoxLayout()
        heading.addWidget(self.title)
        heading.addStretch(1)
        heading.addWidget(self.scope)
        legend.addWidget(self.summary)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(20, 16, 20, 16)
        self._layout.setSpacing(10)
        self._layout.addLayout(heading)
        self._layout.addWidget(self._plot_space)
        self._layout.addLayout(legend)

    @property
    def plot(self) -> pg.PlotWidget:
        """The plot, made the first time it is needed (see :meth:`build_plot`)."""
        if self._plot is None:
            self.build_plot()
        assert self._plot is not None
        return self._plot

    def prepare_plot(self) -> None:
        """One more piece of the plot ahead of :meth:`build_plot`, a turn each: its view box,
        then its item with the axes (pyqtgraph's first view box alone takes a few dozen
        milliseconds)."""
        if self._plot is not None or self._plot_item is not None:
            return
        if self._view_box is None:
            self._view_box = pg.ViewBox()
            return
        # Only the two it shows: axes handed to PlotItem are shown, the top and right ones
        # it makes itself stay hidden.
        axes = {name: pg.AxisItem(name) for name in ("bottom", "left")}
        self._plot_item = pg.PlotItem(viewBox=self._view_box, axisItems=axes)
        self._view_box = None

    def _take_plot_item(self) -> pg.PlotItem:
        while self._plot_item is None:
            self.prepare_plot()
        item, self._plot_item = self._plot_item, None
        return item

    def build_plot(self) -> None:
        """Make the plot in place of its empty space: pyqtgraph's plot takes a few dozen
        milliseconds to build, so the window gives it a turn of the event loop of its own."""
        if self._plot is not None:
            return
        plot = pg.PlotWidget(self, plotItem=self._take_plot_item())
        plot.setObjectName("activityPlot")
        plot.setAccessibleName("Attempts per minute, last hour")
        # Nothing to do in the plot itself with the keyboard: Tab passes it by.
        plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        plot.setMinimumHeight(PLOT_HEIGHT)
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        item = plot.getPlotItem()
        item.setLabel("bottom", "minutes ago")
        item.showGrid(x=False, y=True, alpha=0.25)
        item.setXRange(-MINUTES + 0.5, 0.5, padding=0.02)
        self._plot = plot
        self._layout.replaceWidget(self._plot_space, plot)
        self._plot_space.deleteLater()
        self._apply_palette()
        if self.series is not None:
            self._draw(self.series)

    @property
    def all_webhooks(self) -> bool:
        return self.scope.currentIndex() == 1

    def show_series(self, series: ActivitySeries) -> None:
        self.series = series
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
        if self._plot is not None:
            self._draw(series)

    def _draw(self, series: ActivitySeries) -> None:
        assert self._plot is not None
        item = self._plot.getPlotItem()
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

    def showEvent(self, event: QShowEvent) -> None:
        self.build_plot()  # shown before its turn came (a chart on its own)
        super().showEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
        super().changeEvent(event)

    def _apply_palette(self) -> None:
        if self._plot is None:
            return  # build_plot applies it
        palette = self.palette()
        self._plot.setBackground(palette.color(QPalette.ColorRole.Base))
        text = QColor(palette.color(QPalette.ColorRole.PlaceholderText))
        item = self._plot.getPlotItem()
        for name in ("bottom", "left"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))
