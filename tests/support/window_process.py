"""The window in a process of its own, started the way the app starts (``run_gui``).

``python -m tests.support.window_process DATA_DIR``: the real start-up (store, keychain,
window, engine thread), offscreen; SIGTERM quits it the way closing the app does, so its
engine stops cleanly. Tests read its log to know it is up.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from sigfollow_desktop.app import run_gui


def main(argv: list[str]) -> int:
    app = QApplication(sys.argv[:1])

    def quit_app(_signum: int, _frame: FrameType | None) -> None:
        QApplication.quit()

    signal.signal(signal.SIGTERM, quit_app)
    # Python runs signal handlers only between bytecodes: a timer gives it a turn now and then.
    ticker = QTimer()
    ticker.timeout.connect(lambda: None)
    ticker.start(100)
    code = run_gui(argv[0])
    del app
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
