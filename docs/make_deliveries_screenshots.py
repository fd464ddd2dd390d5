"""Render the Deliveries tab's screenshots offscreen:
``.venv/bin/python docs/make_deliveries_screenshots.py`` (add ``--dark`` for the dark ones).

A throwaway store and an in-memory keychain; the real engine delivers simulated events to
receivers on 127.0.0.1 (one answering 200, one answering 500 now and then) and to a port where
nothing listens, so the history shown is one the engine made.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
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
from sigfollow_desktop.engine.host import EngineHost  # noqa: E402
from sigfollow_desktop.engine.send_test_runner import SendTestRunner  # noqa: E402
from sigfollow_desktop.store.db import DB_FILENAME, open_store  # noqa: E402
from sigfollow_desktop.ui.main_window import MainWindow  # noqa: E402
from sigfollow_desktop.ui.theme import apply_theme, dark_palette  # noqa: E402
from tests.support.memory_keyring import MemoryKeyring  # noqa: E402
from tests.support.receiver import Received, Receiver, Reply  # noqa: E402

OUT = ROOT / "docs"
DARK = "--dark" in sys.argv


def settle(app: QApplication, ms: int = 150) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    app.processEvents()


def save(widget: QWidget, name: str) -> None:
    if DARK:
        name = name.replace(".png", "-dark.png")
    widget.grab().save(str(OUT / name))
    print(f"wrote docs/{name}")


def main() -> int:
    app = QApplication(sys.argv)
    apply_theme(app)
    if DARK:
        app.setPalette(dark_palette())
    folder = Path(tempfile.mkdtemp(prefix="sigfollow-shots-"))
    store = open_store(folder / DB_FILENAME)
    secrets = SecretStore(MemoryKeyring())
    admin = Admin(store, secrets)
    with Receiver() as good, Receiver() as flaky:
        good.default = Reply(
            200, headers={"Content-Type": "application/json"}, body=b'{"received":true}'
        )
        count = 0

        def sometimes(_request: Received) -> Reply:
            nonlocal count
            count += 1
            trace = {"X-Request-Id": f"req_{count:06d}"}
            if count % 3:
                return Reply(200, headers=trace, body=b"ok")
            return Reply(
                500,
                headers={**trace, "Content-Type": "application/json"},
                body=b'{"error":"database unavailable, try again later"}',
            )

        flaky.script = sometimes
        admin.add(good.url, ("statuses", "messages"), enable=True)
        flaky_id, _ = admin.add(flaky.url, ("statuses", "template_status"), enable=True)
        admin.add("http://127.0.0.1:9/webhook", ("template_status",), enable=True)
        admin.import_items(split_bodies(b"\n".join(simulated_bodies(40, seed=11))))

        engine = EngineHost(store, secrets)
        engine.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            settle(app, 200)
            with store.session() as session:
                untried = session.execute(
                    text("SELECT count(*) FROM deliveries WHERE attempt_count = 0")
                ).scalar_one()
                retried = session.execute(
                    text(
                        "SELECT count(*) FROM deliveries WHERE attempt_count > 1 "
                        "AND status = 'delivered'"
                    )
                ).scalar_one()
            if untried == 0 and retried:  # a 500 retried and delivered, for the attempts shot
                break
        engine.stop()
        with store.transaction() as session:
            # Some of the flaky webhook's failures ran out of attempts earlier in the day.
            session.execute(
                text(
                    "UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, "
                    "finished_at = :now WHERE webhook_id = :id AND last_status_code = 500 "
                    "AND id % 2 = 0"
                ),
                {"id": flaky_id, "now": time.time()},
            )

        settings = QSettings(str(folder / "ui.ini"), QSettings.Format.IniFormat)
        runner = SendTestRunner()
        window = MainWindow(admin, runner, settings)
        window.resize(1280, 860)
        window.status_bar.show_values("running", 9, 4)
        window.show()
        window.show_deliveries()
        view = window.deliveries
        view.splitter.setSizes([470, 300])
        settle(app, 600)
        bar = view.filter_bar
        bar.time_range.setCurrentIndex(bar.time_range.findData(3600.0))
        settle(app, 400)
        model = view.model
        failed = next(
            model.delivery(r).id
            for r in range(model.rowCount())
            if model.delivery(r).last_status_code == 500
        )
        view.select_delivery(failed)
        view.table.setFocus()
        settle(app, 500)
        save(window, "deliveries-view.png")

        bar.status.setCurrentIndex(bar.status.findData("failed"))
        bar.webhook.setCurrentIndex(bar.webhook.findData(flaky_id))
        settle(app, 400)
        if model.rowCount():
            view.select_delivery(model.delivery(0).id)
        view.message.setText("")
        settle(app, 500)
        save(window, "deliveries-filtered.png")

        view.detail.tabs.setCurrentWidget(view.detail.headers)
        view.detail.resize(1100, 380)
        settle(app)
        save(view.detail, "delivery-detail.png")
        view.detail.tabs.setCurrentWidget(view.detail.pretty_body)
        settle(app)
        save(view.detail, "delivery-detail-body.png")
        # Every attempt with what it sent and got back: a delivery retried after a 500.
        bar.status.setCurrentIndex(0)  # all statuses
        settle(app, 400)
        retried = next(
            (
                model.delivery(r).id
                for r in range(model.rowCount())
                if model.delivery(r).attempts > 1 and model.delivery(r).last_status_code == 200
            ),
            failed,
        )
        view.select_delivery(retried)
        view.message.setText("")
        view.detail.tabs.setCurrentWidget(view.detail.attempts)
        view.splitter.setSizes([120, 640])
        settle(app, 500)
        save(view.detail, "delivery-detail-attempts.png")
        view.close_ops()
        runner.shutdown()
        window.close()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
