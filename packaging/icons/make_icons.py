"""Draw the application icon files from sigfollow-desktop.svg.

    python packaging/icons/make_icons.py

Writes, beside this script: hicolor/<N>x<N>/apps/sigfollow-desktop.png (Linux),
sigfollow-desktop.ico (Windows) and sigfollow-desktop.icns (macOS). The SVG is drawn by
Qt's SVG renderer and the .ico and .icns are assembled by Pillow (the ``package`` extra).
Run it again after changing the SVG and commit the results.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "sigfollow-desktop.svg"
NAME = "sigfollow-desktop"
# The sizes desktop environments look up in the hicolor theme.
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZE = 1024  # Pillow derives the smaller .icns members from it


def render(size: int, target: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        raise SystemExit(f"{SOURCE} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    target.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(target), "PNG"):
        raise SystemExit(f"cannot write {target}")


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication(sys.argv[:1])
    for size in HICOLOR_SIZES:
        render(size, HERE / "hicolor" / f"{size}x{size}" / "apps" / f"{NAME}.png")
    big = HERE / "build" / f"{NAME}-{ICNS_SIZE}.png"
    render(ICNS_SIZE, big)
    with Image.open(big) as image:
        image.save(HERE / f"{NAME}.ico", sizes=[(s, s) for s in ICO_SIZES])
        image.save(HERE / f"{NAME}.icns")
    big.unlink()
    big.parent.rmdir()
    del app
    print(f"icons written to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
