"""The look: Fusion following the system palette, the shipped stylesheet, state helpers.

The palette comes from the platform (a GTK or KDE theme hands Qt a dark one). Desktops that
only say "prefer dark" (GNOME's colour-scheme setting, the XDG portal, Windows, macOS) do it
through Qt's colour-scheme hint, ``QStyleHints.colorScheme``; when the hint says dark and the
palette is still light, the window takes the dark palette below, and gives it back when the
hint turns light again.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from sigfollow_desktop.resources import resource_path

ACCENT = "#2563eb"
SUCCESS = "#16a34a"
WARNING = "#d97706"
DANGER = "#dc2626"
NEUTRAL = "#9ca3af"

_DARK = {
    QPalette.ColorRole.Window: "#1f2125",
    QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#2a2d32",
    QPalette.ColorRole.AlternateBase: "#30333a",
    QPalette.ColorRole.Text: "#e6e6e6",
    QPalette.ColorRole.Button: "#33373d",
    QPalette.ColorRole.ButtonText: "#e6e6e6",
    QPalette.ColorRole.PlaceholderText: "#9aa0a8",
    QPalette.ColorRole.Highlight: ACCENT,
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#2a2d32",
    QPalette.ColorRole.ToolTipText: "#e6e6e6",
    QPalette.ColorRole.Light: "#3d4148",
    QPalette.ColorRole.Midlight: "#34373d",
    QPalette.ColorRole.Mid: "#2b2e33",
    QPalette.ColorRole.Dark: "#17181b",
    QPalette.ColorRole.Shadow: "#0d0e10",
    QPalette.ColorRole.Link: "#60a5fa",
}
_DARK_DISABLED = {
    QPalette.ColorRole.WindowText: "#80858c",
    QPalette.ColorRole.Text: "#80858c",
    QPalette.ColorRole.ButtonText: "#80858c",
    QPalette.ColorRole.Button: "#2a2d32",
}
_OWN_PALETTE = "sigfollowDarkPalette"


def stylesheet() -> str:
    return resource_path("styles", "app.qss").read_text(encoding="utf-8")


def dark_palette() -> QPalette:
    """The window's dark palette, for desktops that ask for dark without giving a palette."""
    palette = QPalette()
    for role, color in _DARK.items():
        palette.setColor(role, QColor(color))
    for role, color in _DARK_DISABLED.items():
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(color))
    return palette


def is_dark(palette: QPalette) -> bool:
    window = palette.color(QPalette.ColorRole.Window)
    text = palette.color(QPalette.ColorRole.WindowText)
    return window.lightness() < text.lightness()


class _SchemeFollower(QObject):
    """Lives as long as the application; follows ``colorSchemeChanged``."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.setObjectName("colorSchemeFollower")
        self._app = app

    @Slot(Qt.ColorScheme)
    def follow(self, scheme: Qt.ColorScheme) -> None:
        follow_color_scheme(self._app, scheme)


def follow_color_scheme(app: QApplication, scheme: Qt.ColorScheme) -> None:
    """Take the dark palette when the hint says dark and the platform's palette is light;
    give the platform's palette back when the hint turns light."""
    ours = bool(app.property(_OWN_PALETTE))
    if scheme == Qt.ColorScheme.Dark and not ours and not is_dark(app.palette()):
        app.setPalette(dark_palette())
        app.setProperty(_OWN_PALETTE, True)
    elif scheme == Qt.ColorScheme.Light and ours:
        app.setPalette(QPalette())  # an empty palette hands the platform's back
        app.setProperty(_OWN_PALETTE, False)


def apply_theme(app: QApplication) -> None:
    """Fusion draws the same everywhere and takes the system's light or dark palette."""
    app.setStyle("Fusion")
    app.setStyleSheet(stylesheet())
    if app.findChild(_SchemeFollower) is None:
        follower = _SchemeFollower(app)
        app.styleHints().colorSchemeChanged.connect(follower.follow)
    follow_color_scheme(app, app.styleHints().colorScheme())


def set_style_state(widget: QWidget, name: str, value: str) -> None:
    """Set a dynamic property the stylesheet selects on, and restyle the widget."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


def tag(widget: QWidget, **properties: str) -> QWidget:
    """Give a widget the stylesheet properties it is styled by (role, variant, card…)."""
    for name, value in properties.items():
        widget.setProperty(name, value)
    return widget
