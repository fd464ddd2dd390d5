"""Render the README screenshots offscreen: ``.venv/bin/python docs/make_screenshots.py``
(add ``--dark`` for the dark ones).

The window runs on a throwaway data folder and an in-memory keychain, sends its test to a
receiver on 127.0.0.1, and each view is saved with ``QWidget.grab()``: the usual size, a
small screen (800×600) and a large one (2560×1440).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402
from sqlalchemy import text  # noqa: E402

from sigfollow_desktop.admin import Admin  # noqa: E402
from sigfollow_desktop.core.bodies import split_bodies  # noqa: E402
from sigfollow_desktop.core.keychain import SecretStore  # noqa: E402
from sigfollow_desktop.core.samples import simulated_bodies  # noqa: E402
from sigfollow_desktop.engine.send_test_runner import SendTestRunner  # noqa: E402
from sigfollow_desktop.store.db import DB_FILENAME, open_store  # noqa: E402
from sigfollow_desktop.ui.add_webhook_dialog import AddWebhookDialog  # noqa: E402
from sigfollow_desktop.ui.main_window import MainWindow  # noqa: E402
from sigfollow_desktop.ui.secret_dialog import SecretDialog  # noqa: E402
from sigfollow_desktop.ui.theme import apply_theme, dark_palette  # noqa: E402
from tests.support.memory_keyring import MemoryKeyring  # noqa: E402
from tests.support.receiver import Receiver  # noqa: E402

OUT = ROOT / "docs"
DARK_SHOTS = {
    "main-window-dark.png",
    "send-test-result-dark.png",
    "window-800x600-dark.png",
    "window-800x600-scrolled-dark.png",
    "window-2560x1440-dark.png",
    "config-card-disabled-dark.png",
}


# A made-up value of the real shape: no secret, stored or live, ever appears in the docs.
EXAMPLE_SECRET = "whsec_EXAMPLE-only-not-a-real-secret-000000000000"  # noqa: S105


def settle(app: QApplication, ms: int = 120) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    app.processEvents()


def save(widget: QWidget, name: str) -> None:
    if "--dark" in sys.argv:
        name = name.replace(".png", "-dark.png")
        if name not in DARK_SHOTS:
            return
    widget.grab().save(str(OUT / name))
    print(f"wrote docs/{name}")


def wait_until(app: QApplication, done: Callable[[], bool]) -> None:
    while not done():
        settle(app, 20)


def show_webhook(app: QApplication, window: MainWindow, webhook_id: int) -> None:
    """Select ``webhook_id`` and wait for the page's reads (they run off the GUI thread)."""
    window.page.refresh(webhook_id)
    wait_until(app, lambda: window.settled)
    settle(app)


def main() -> int:
    app = QApplication(sys.argv)
    apply_theme(app)
    if "--dark" in sys.argv:
        # What a desktop in dark mode hands to Qt: the window follows the palette.
        app.setPalette(dark_palette())
    folder = Path(tempfile.mkdtemp(prefix="sigfollow-shots-"))
    store = open_store(folder / DB_FILENAME)
    secrets = SecretStore(MemoryKeyring())
    admin = Admin(store, secrets)
    with Receiver() as receiver:
        hook_id, _ = admin.add(receiver.url, ("statuses", "template_status"), enable=True)
        admin.add("https://hooks.example.com/sigfollow/events", ("statuses", "messages"), True)
        admin.add("https://crm.example.org/api/whatsapp/webhook", ("template_status",), False)
        admin.import_items(split_bodies(b"\n".join(simulated_bodies(36, seed=7))))
        with store.transaction() as session:
            # A history to colour the list: the first webhook delivered, the second failing.
            session.execute(
                text(
                    "UPDATE deliveries SET status = 'delivered', attempt_count = 1 "
                    "WHERE webhook_id = :id"
                ),
                {"id": hook_id},
            )
            session.execute(
                text(
                    "UPDATE deliveries SET status = 'failed', attempt_count = 8 "
                    "WHERE webhook_id = :id AND id % 3 = 0"
                ),
                {"id": hook_id + 1},
            )
        settings = QSettings(str(folder / "ui.ini"), QSettings.Format.IniFormat)
        runner = SendTestRunner()
        window = MainWindow(admin, runner, settings)
        window.resize(1180, 900)
        window.status_bar.show_values("running", 3, 0)
        window.show()
        show_webhook(app, window, hook_id)
        save(window, "main-window.png")

        card = window.page.config_card
        card.sample_combo.setCurrentIndex(0)
        card.send_button.click()
        wait_until(app, lambda: not runner.busy)
        settle(app)
        card.result_card.payload_button.click()
        settle(app)
        save(card, "send-test-result.png")
        card.result_card.payload_button.click()

        # A small screen: the page scrolls, nothing is cut off sideways.
        window.resize(800, 600)
        settle(app, 400)
        window.page.webhook_list.setFocus()
        window.page.detail_scroll.verticalScrollBar().setValue(0)
        settle(app)
        save(window, "window-800x600.png")
        window.page.detail_scroll.ensureWidgetVisible(card.result_card, 0, 0)
        settle(app)
        save(window, "window-800x600-scrolled.png")
        card.result_card.dismiss()
        window.resize(2560, 1440)
        settle(app, 400)
        save(window, "window-2560x1440.png")
        window.resize(1180, 900)
        settle(app)
        runner.shutdown()

        # A webhook never enabled: no secret yet, so Send test is disabled (and looks it).
        show_webhook(app, window, hook_id + 2)
        save(card, "config-card-disabled.png")
        show_webhook(app, window, hook_id)

        dialog = AddWebhookDialog(window)
        dialog.url_field.setText("ftp://example.com/hooks")
        dialog.check_now()  # as after a pause in typing
        dialog.show()
        settle(app)
        dialog.url_field.deselect()
        settle(app)
        save(dialog, "add-webhook-error.png")
        dialog.close()

        secret = SecretDialog(EXAMPLE_SECRET, receiver.url, window)
        secret.show()
        settle(app)
        save(secret, "secret-dialog.png")
        secret.forget()
        window.close()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
