"""``./dev bench view``: the window's Deliveries tab over 10,000 and 1,000,000 deliveries.

For each size a store is built (rows written with a few big ``INSERT … SELECT`` statements),
then a fresh process opens it offscreen and measures, each step to the moment its data is on
screen:

- opening the window (until every piece is built and the Webhooks page shows the store's
  webhooks and activity), opening the Deliveries tab, applying each filter and the search,
  scrolling down ten pages (each page read by keyset as the scroll bar reaches the end),
  going to the end with the End key (the oldest page, read by keyset from the other end),
  scrolling up ten pages from there, and back to the newest with Home;
- for each, the longest turn of the GUI event loop (a 1 ms probe timer: the longest gap
  between its ticks, and the longest step run on the GUI thread) and the total time;
- the process's peak RSS.

Goals: every turn under 50 ms, every step under 300 ms, RSS under 300 MB at 1,000,000, and
the 1,000,000 column close to the 10,000 one (the ratio column).
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FULL = (10_000, 1_000_000)
SMOKE = (1_000, 5_000)
SCROLL_PAGES = 10
WEBHOOKS = 3


def build(folder: Path, count: int) -> float:
    """A store with ``count`` deliveries over three webhooks, in the mix a busy day leaves:
    mostly delivered, some failed (HTTP 500), some retrying (refused), some pending."""
    from sqlalchemy import text

    from sigfollow_desktop.admin import Admin
    from sigfollow_desktop.core.fields import FIELDS
    from sigfollow_desktop.core.keychain import SecretStore
    from sigfollow_desktop.core.meta import parse_body
    from sigfollow_desktop.core.samples import simulated_bodies
    from sigfollow_desktop.store.db import DB_FILENAME, open_store
    from tests.support.memory_keyring import MemoryKeyring

    started = time.perf_counter()
    store = open_store(folder / DB_FILENAME)
    admin = Admin(store, SecretStore(MemoryKeyring()))
    for n in range(WEBHOOKS):
        admin.add(f"https://hooks{n}.example.com/whatsapp", FIELDS, enable=True)
    samples = list(simulated_bodies(64, seed=4))
    now = time.time()
    with store.engine.begin() as connection:
        connection.execute(text("CREATE TEMP TABLE samples (k INTEGER PRIMARY KEY, body BLOB)"))
        connection.execute(
            text("INSERT INTO samples VALUES (:k, :body)"),
            [{"k": k, "body": body} for k, body in enumerate(samples)],
        )
        connection.execute(
            text(
                """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
                INSERT INTO events (id, uid, field, dedupe_key, body, received_at, source)
                SELECT i, printf('%032x', i),
                       CASE i % 3 WHEN 0 THEN 'statuses' WHEN 1 THEN 'messages'
                       ELSE 'template_status' END,
                       'bench-' || i, (SELECT body FROM samples WHERE k = i % 64),
                       :now - (:count - i) * 0.5, 'bench'
                FROM n
                """
            ),
            {"count": count, "now": now},
        )
        connection.execute(
            text(
                """
                INSERT INTO deliveries (id, uid, event_id, webhook_id, status, attempt_count,
                    next_attempt_at, last_status_code, last_error, last_duration_ms, created_at,
                    finished_at)
                SELECT id, printf('%032x', id), id, 1 + id % :webhooks,
                       CASE WHEN id % 100 < 90 THEN 'delivered' WHEN id % 100 < 95 THEN 'failed'
                            ELSE 'pending' END,
                       CASE WHEN id % 100 < 90 THEN 1 WHEN id % 100 < 95 THEN 8
                            WHEN id % 100 < 98 THEN 2 ELSE 0 END,
                       CASE WHEN id % 100 >= 95 THEN received_at + 3600 END,
                       CASE WHEN id % 100 < 90 THEN 200 WHEN id % 100 < 95 THEN 500 END,
                       CASE WHEN id % 100 BETWEEN 95 AND 97 THEN 'Connection refused' END,
                       CASE WHEN id % 100 < 98 THEN 40 + id % 200 END,
                       received_at,
                       CASE WHEN id % 100 < 95 THEN received_at + 1 END
                FROM events
                """
            ),
            {"webhooks": WEBHOOKS},
        )
        # The search keys of the samples, for every event made of them (as the writers and
        # revision 0006 fill them), inserted in key order.
        connection.execute(text("CREATE TEMP TABLE sample_keys (k INTEGER, key TEXT)"))
        connection.execute(
            text("INSERT INTO sample_keys VALUES (:k, :key)"),
            [
                {"k": k, "key": key}
                for k, body in enumerate(samples)
                for key in parse_body(body).keys
            ],
        )
        connection.execute(
            text(
                """
                INSERT INTO event_keys (key, event_id)
                SELECT s.key, e.id FROM events AS e JOIN sample_keys AS s ON s.k = e.id % 64
                ORDER BY s.key, e.id
                """
            )
        )
    with store.engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()
    store.close()
    return time.perf_counter() - started


class Probe:
    """The longest turn of the GUI event loop: a 1 ms timer's longest gap between ticks."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.longest = 0.0
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setInterval(1)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now

    def reset(self) -> None:
        self.longest = 0.0
        self._last = time.perf_counter()


def _a_phone(admin: Any, model: Any) -> str:
    """A phone number from a shown row's body (a wa_id or recipient_id)."""
    for row in range(model.rowCount()):
        body = admin.delivery_detail(model.delivery(row).id).body
        found = re.search(rb'"(?:wa_id|recipient_id)":"(\d+)"', body)
        if found:
            return found.group(1).decode()
    return "15550000000"


def _oldest_id(store: Any) -> int:
    from sqlalchemy import text

    with store.session() as session:
        return int(session.execute(text("SELECT min(id) FROM deliveries")).scalar_one())


def measure(folder: Path) -> dict[str, object]:
    """Run in a fresh process: open the store's window and time each step."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    from sqlalchemy.orm import configure_mappers

    from sigfollow_desktop.admin import Admin
    from sigfollow_desktop.core.keychain import SecretStore
    from sigfollow_desktop.engine.send_test_runner import SendTestRunner
    from sigfollow_desktop.store.db import DB_FILENAME, open_store
    from sigfollow_desktop.ui.main_window import MainWindow
    from sigfollow_desktop.ui.theme import apply_theme
    from tests.support.memory_keyring import MemoryKeyring

    app = QApplication([])
    apply_theme(app)
    store = open_store(folder / DB_FILENAME)
    configure_mappers()  # as build_desktop does before it builds the window
    admin = Admin(store, SecretStore(MemoryKeyring()))
    probe = Probe()
    steps: dict[str, tuple[float, float]] = {}
    window: MainWindow | None = None

    def step(name: str, act: Callable[[], None], done: Callable[[], bool]) -> None:
        for _ in range(5):
            app.processEvents()
        probe.reset()
        started = time.perf_counter()
        act()
        acted = time.perf_counter() - started
        deadline = started + 60
        while not done():
            app.processEvents()
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{name}: not done within 60 s")
        app.processEvents()
        total = time.perf_counter() - started
        steps[name] = (max(probe.longest, acted) * 1000, total * 1000)

    def open_window() -> None:
        nonlocal window
        window = MainWindow(
            admin, SendTestRunner(), QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat)
        )
        window.resize(1280, 800)
        window.show()

    step("open the window", open_window, lambda: window is not None and window.settled)
    assert window is not None
    shown = window

    def tab_idle() -> bool:
        # The tab is built when first shown, its pieces a turn each: done when all are
        # there and its first page is on screen.
        view = shown.deliveries
        return view.stages.done and view.model.has_loaded and not view.ops.busy

    step("open the Deliveries tab", window.show_deliveries, tab_idle)
    view = window.deliveries
    model = view.model

    def idle() -> bool:
        return model.has_loaded and not view.ops.busy

    bar = view.filter_bar
    bar_filters: list[tuple[str, object, object]] = [
        ("status", "failed", "status: failed"),
        ("status", "retrying", "status: retrying"),
        ("code_class", "5xx", "+ answer: 5xx"),
        ("webhook", 2, "+ webhook"),
        ("field", "messages", "+ field: messages"),
        ("time_range", 3600.0, "+ time: last hour"),
    ]
    for combo_name, value, label in bar_filters:
        combo = getattr(bar, combo_name)
        at = combo.findData(value)
        step(f"filter {label}", partial(combo.setCurrentIndex, at), idle)
    for combo_name in ("status", "code_class", "webhook", "field", "time_range"):
        combo = getattr(bar, combo_name)
        combo.blockSignals(True)
        combo.setCurrentIndex(0)
        combo.blockSignals(False)
    step("clear the filters", lambda: view.set_filter(bar.current()), idle)
    middle = model.delivery(model.rowCount() // 2)
    phone = _a_phone(admin, model)
    wamid = next(r.meta_id.split(" ")[0] for r in map(model.delivery, range(50)) if r.meta_id)
    for label, query in [
        ("search a delivery id (uid)", middle.uid),
        ("search a phone number", phone),
        ("search a phone number, typed +…", "+" + phone[:2] + " " + phone[2:]),
        ("search a wamid or template id", wamid),
        ("search text found nowhere", "+99 nowhere"),
        ("clear the search", ""),
    ]:
        step(label, partial(bar.search_now, query), idle)
    hour = bar.time_range.findData(3600.0)
    step("filter time: last hour (alone)", partial(bar.time_range.setCurrentIndex, hour), idle)
    step("clear the time range", partial(bar.time_range.setCurrentIndex, 0), idle)

    scroll = view.table.verticalScrollBar()
    wanted = model.rowCount() + SCROLL_PAGES * model.page_size

    def scroll_to_end() -> None:
        scroll.setValue(scroll.maximum())

    def scrolled() -> bool:
        if model.rowCount() >= wanted or (not model.canFetchMore() and not model.loading):
            return True
        if not model.loading and scroll.value() != scroll.maximum():
            scroll.setValue(scroll.maximum())  # the person keeps scrolling to the end
        return False

    step(f"scroll down {SCROLL_PAGES} pages", scroll_to_end, scrolled)
    rows = model.rowCount()

    table = view.table
    last_id = _oldest_id(store)

    def at_the_end() -> bool:
        current = table.currentIndex()
        return (
            idle()
            and model.at_oldest
            and model.rowCount() > 0
            and model.delivery(model.rowCount() - 1).id == last_id
            and current.row() == model.rowCount() - 1
            and scroll.value() == scroll.maximum()
        )

    step("go to the end (End key)", partial(QTest.keyClick, table, Qt.Key.Key_End), at_the_end)
    wanted_up = model.rowCount() + SCROLL_PAGES * model.page_size

    def scroll_up() -> None:
        scroll.setValue(0)

    def scrolled_up() -> bool:
        if model.rowCount() >= wanted_up or (model.from_newest and not model.loading):
            return not model.loading and not view.ops.busy
        if not model.loading and scroll.value() != 0:
            scroll.setValue(0)  # the person keeps scrolling up
        return False

    step(f"scroll up {SCROLL_PAGES} pages from the end", scroll_up, scrolled_up)

    def at_the_top() -> bool:
        return (
            idle() and model.from_newest and table.currentIndex().row() == 0 and scroll.value() == 0
        )

    step(
        "back to the newest (Home key)", partial(QTest.keyClick, table, Qt.Key.Key_Home), at_the_top
    )
    view.close_ops()
    store.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"steps": steps, "rss_mb": rss_mb, "rows_loaded": rows}


def run(sizes: tuple[int, ...]) -> None:
    print(f"Deliveries view benchmark ({os.cpu_count()} CPUs; shared machines give noisy figures)")
    results: dict[int, dict[str, object]] = {}
    for size in sizes:
        folder = Path(tempfile.mkdtemp(prefix="sigfollow-view-bench-"))
        program = [sys.executable, "-m", "benchmarks.deliveries_view"]
        try:
            built = subprocess.run(
                [*program, "build", str(folder), str(size)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            print(f"  built {size:,} deliveries in {float(built.stdout):.1f} s")
            measured = subprocess.run(
                [*program, "measure", str(folder)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            results[size] = json.loads(measured.stdout.strip().splitlines()[-1])
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    small, large = sizes
    a, b = results[small], results[large]
    steps_a: dict[str, list[float]] = a["steps"]  # type: ignore[assignment]
    steps_b: dict[str, list[float]] = b["steps"]  # type: ignore[assignment]
    print()
    head = f"{'step':<34} {'longest turn ms':>24} {'total ms':>24}"
    print(head)
    print(f"{'':<34} {small:>7,} {large:>9,} {'ratio':>6} {small:>7,} {large:>9,} {'ratio':>6}")
    worst_turn = worst_total = 0.0
    for name, (turn_a, total_a) in steps_a.items():
        turn_b, total_b = steps_b[name]
        worst_turn, worst_total = max(worst_turn, turn_b), max(worst_total, total_b)
        print(
            f"{name:<34} {turn_a:7.1f} {turn_b:9.1f} {turn_b / max(turn_a, 0.1):6.2f}"
            f" {total_a:7.1f} {total_b:9.1f} {total_b / max(total_a, 0.1):6.2f}"
        )
    rss_a, rss_b = float(a["rss_mb"]), float(b["rss_mb"])  # type: ignore[arg-type]
    print(f"{'peak RSS MB':<34} {rss_a:7.0f} {rss_b:9.0f} {rss_b / rss_a:6.2f}")
    print(
        f"\nAt {large:,}: longest turn {worst_turn:.1f} ms (goal < 50), longest step "
        f"{worst_total:.1f} ms (goal < 300), peak RSS {rss_b:.0f} MB (goal < 300)"
    )


def main(argv: list[str]) -> None:
    if argv[:1] == ["build"]:
        print(f"{build(Path(argv[1]), int(argv[2])):.3f}")
    elif argv[:1] == ["measure"]:
        print(json.dumps(measure(Path(argv[1]))))
    else:
        run(SMOKE if "--smoke" in argv else FULL)


if __name__ == "__main__":
    main(sys.argv[1:])
