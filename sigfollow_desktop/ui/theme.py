"""The look: Fusion following the system palette, the shipped stylesheet, state helpers."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QWidget

from sigfollow_desktop.resources import resource_path

ACCENT = "#2563eb"
SUCCESS = "#16a34a"
WARNING = "#d97706"
DANGER = "#dc2626"
NEUTRAL = "#9ca3af"


def stylesheet() -> str:
    return resource_path("styles", "app.qss").read_text(encoding="utf-8")


def apply_theme(app: QApplication) -> None:
    """Fusion draws the same everywhere and takes the system's light or dark palette."""
    app.setStyle("Fusion")
    app.setStyleSheet(stylesheet())


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
