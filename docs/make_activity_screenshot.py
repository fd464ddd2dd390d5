"""Render the activity chart for the README: ``.venv/bin/python docs/make_activity_screenshot.py``
(add ``--dark`` for the dark one).

An hour of attempts is recorded through the engine's own queries (claim, then record) into a
throwaway store: steady deliveries, then ten minutes of an endpoint answering 503 (retried),
a few deliveries that gave up, and the recovery.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from sigfollow_desktop.admin import Admin  # noqa: E402
from sigfollow_desktop.core.bodies import split_bodies  # noqa: E402
from sigfollow_desktop.core.keychain import SecretStore  # noqa: E402
from sigfollow_desktop.core.samples import simulated_bodies  # noqa: E402
from sigfollow_desktop.store import outbox  # noqa: E402
from sigfollow_desktop.store.db import DB_FILENAME, Store, open_store  # noqa: E402
from sigfollow_desktop.store.models import DeliveryStatus  # noqa: E402
from sigfollow_desktop.ui.activity_chart import ActivityChart  # noqa: E402
from sigfollow_desktop.ui.theme import apply_theme, dark_palette  # noqa: E402
from tests.support.memory_keyring import MemoryKeyring  # noqa: E402


def settle(ms: int = 150) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def record_hour(store: Store, webhook_id: int, now: float) -> None:
    rng = random.Random(7)  # noqa: S311 - sample traffic, not a secret
    with store.engine.begin() as connection:
        claimed = outbox.claim(
            connection, webhook_id, now=now, lease_until=now + 60, owner="docs", limit=4000
        )
    records = []
    for item in claimed:
        ago = rng.random() ** 0.8 * 3599
        minute = 59 - int(ago // 60)
        outage = 22 <= minute < 33
        status: DeliveryStatus = "delivered"
        code: int | None = 200
        if outage:
            status, code = ("failed", 503) if rng.random() < 0.12 else ("pending", 503)
        elif rng.random() < 0.03:
            status, code = "pending", None
        records.append(
            outbox.AttemptRecord(
                delivery_id=item.delivery_id,
                attempt=1,
                started_at=now - ago,
                duration_ms=40.0,
                status_code=code,
                error=None if code else "Connection refused",
                excerpt=None,
                status=status,
                next_attempt_at=None if status != "pending" else now + 300,
                finished_at=None if status == "pending" else now - ago,
            )
        )
    with store.engine.begin() as connection:
        outbox.record(connection, records)


def main() -> int:
    app = QApplication(sys.argv)
    apply_theme(app)
    dark = "--dark" in sys.argv
    if dark:
        app.setPalette(dark_palette())
    folder = Path(tempfile.mkdtemp(prefix="sigfollow-shots-"))
    store = open_store(folder / DB_FILENAME)
    admin = Admin(store, SecretStore(MemoryKeyring()))
    webhook_id, _ = admin.add("https://hooks.example.com/sigfollow", ("statuses",), enable=True)
    admin.import_items(split_bodies(b"\n".join(simulated_bodies(3000, ("statuses",), seed=11))))
    now = time.time()
    record_hour(store, webhook_id, now)
    chart = ActivityChart()
    chart.resize(760, 300)
    chart.show_series(admin.activity(webhook_id, now))
    chart.show()
    settle()
    focused = app.focusWidget()
    if focused is not None:  # no focus ring on the scope box in the picture
        focused.clearFocus()
    settle()
    name = "activity-chart-dark.png" if dark else "activity-chart.png"
    chart.grab().save(str(ROOT / "docs" / name))
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
