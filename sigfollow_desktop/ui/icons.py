"""Icons from ``resources/icons``: SVG drawn in the palette's text colour or a given one."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QAbstractButton, QWidget

from sigfollow_desktop.resources import resource_path

_SIZES = (16, 20, 24, 32, 48, 64)


def _svg(name: str) -> str:
    return resource_path("icons", f"{name}.svg").read_text(encoding="utf-8")


def _text_color() -> str:
    return QGuiApplication.palette().color(QPalette.ColorRole.WindowText).name()


@cache
def _render(name: str, color: str) -> QIcon:
    data = QByteArray(_svg(name).replace("currentColor", color).encode())
    renderer = QSvgRenderer(data)
    result = QIcon()
    for size in _SIZES:
        for ratio in (1, 2):
            pixmap = QPixmap(QSize(size * ratio, size * ratio))
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            renderer.render(painter, QRectF(0, 0, size * ratio, size * ratio))
            painter.end()
            pixmap.setDevicePixelRatio(ratio)
            result.addPixmap(pixmap)
    return result


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
