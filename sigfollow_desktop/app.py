"""Start-up of the window: build objects, show the main window, shut down in order."""

from __future__ import annotations

import sys

from sigfollow_desktop import APP_NAME, __version__
from sigfollow_desktop.logs import setup_logging
from sigfollow_desktop.paths import data_dir, log_dir


def run_gui(data_dir_override: str | None = None) -> int:
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    setup_logging(log_dir(data_dir_override))
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    window = QMainWindow()
    window.setWindowTitle(f"{APP_NAME} — Webhooks")
    window.setCentralWidget(QLabel(f"Data folder: {data_dir(data_dir_override)}"))
    window.resize(960, 640)
    window.show()
    return int(app.exec())
