"""The app icon files the installers ship are what make_icons.py draws from the SVG."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtSvg import QSvgRenderer

Image = pytest.importorskip("PIL.Image", reason="needs the package extra (Pillow)")

ICONS = Path(__file__).resolve().parents[2] / "packaging" / "icons"
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def test_the_svg_source_renders(qapp: QGuiApplication) -> None:
    assert QSvgRenderer(str(ICONS / "sigfollow-desktop.svg")).isValid()


@pytest.mark.parametrize("size", HICOLOR_SIZES)
def test_hicolor_png_has_its_size(qapp: QGuiApplication, size: int) -> None:
    image = QImage(str(ICONS / "hicolor" / f"{size}x{size}" / "apps" / "sigfollow-desktop.png"))
    assert (image.width(), image.height()) == (size, size)
    assert image.hasAlphaChannel()


def test_windows_ico_holds_the_sizes_explorer_uses() -> None:
    with Image.open(ICONS / "sigfollow-desktop.ico") as ico:
        assert ico.format == "ICO"
        assert {16, 32, 48, 256} <= {width for width, _ in ico.info["sizes"]}


def test_macos_icns_holds_retina_sizes() -> None:
    with Image.open(ICONS / "sigfollow-desktop.icns") as icns:
        assert icns.format == "ICNS"
        assert (512, 512, 2) in icns.info["sizes"]  # 1024 px for Retina displays
