"""Icons from ``resources/icons``: SVG drawn in the palette's text colour or a given one."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QIcon,
    QIconEngine,
    QPainter,
    QPalette,
    QPixmap,
)
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QAbstractButton, QApplication, QStyleOption, QWidget

from sigfollow_desktop.resources import resource_path


def _svg(name: str) -> str:
    return resource_path("icons", f"{name}.svg").read_text(encoding="utf-8")


def _text_color() -> str:
    return QGuiApplication.palette().color(QPalette.ColorRole.WindowText).name()


class _SvgIconEngine(QIconEngine):
    """Draws the SVG at the size asked, when it is asked: opening the window draws each icon
    once at the size on screen, instead of a dozen sizes of every icon in advance."""

    def __init__(self, data: QByteArray) -> None:
        super().__init__()
        self._data = data
        self._renderer = QSvgRenderer(data)
        self._drawn: dict[tuple[int, int, QIcon.Mode], QPixmap] = {}

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        key = (size.width(), size.height(), mode)
        found = self._drawn.get(key)
        if found is not None:
            return QPixmap(found)
        pixmap = QPixmap(size)
        pixmap.fill(Qt.GlobalColor.transparent)
        if not size.isEmpty():
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._renderer.render(painter, QRectF(0, 0, size.width(), size.height()))
            painter.end()
        if mode in (QIcon.Mode.Disabled, QIcon.Mode.Selected):
            # Greyed or tinted by the style, as Qt does for an icon made of pixmaps.
            pixmap = QApplication.style().generatedIconPixmap(mode, pixmap, QStyleOption())
        self._drawn[key] = pixmap
        return QPixmap(pixmap)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        ratio = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
        wanted = QSize(round(rect.width() * ratio), round(rect.height() * ratio))
        painter.drawPixmap(rect, self.pixmap(wanted, mode, state))

    def clone(self) -> QIconEngine:
        twin = _SvgIconEngine(self._data)
        _ENGINES.append(twin)
        return twin


# The engines live as long as the program (icons are cached for good; see _render).
_ENGINES: list[_SvgIconEngine] = []


@cache
def _render(name: str, color: str) -> QIcon:
    engine = _SvgIconEngine(QByteArray(_svg(name).replace("currentColor", color).encode()))
    _ENGINES.append(engine)
    return QIcon(engine)


def icon(name: str, color: str | QColor | None = None) -> QIcon:
    """The icon ``name``; its strokes take ``color``, else the palette's text colour."""
    if isinstance(color, QColor):
        color = color.name()
    return _render(name, color or _text_color())


_THEMED = "themedIcon"


def set_themed_icon(button: QAbstractButton, name: str) -> None:
    """Give ``button`` the icon ``name`` in the palette's text colour, redrawn by
    :func:`refresh_themed_icons` when the palette changes (light to dark)."""
    button.setProperty(_THEMED, name)
    button.setIcon(icon(name))


def set_fixed_icon(button: QAbstractButton, name: str, color: str) -> None:
    """Give ``button`` the icon ``name`` in ``color``, whatever the palette."""
    button.setProperty(_THEMED, "")
    button.setIcon(icon(name, color))


def refresh_themed_icons(root: QWidget) -> None:
    for button in root.findChildren(QAbstractButton):
        name = button.property(_THEMED)
        if name:
            button.setIcon(icon(str(name)))
