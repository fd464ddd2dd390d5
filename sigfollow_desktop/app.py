"""Start-up of the window: build objects, wire signals, show the window, shut down in order.

Order on the way up: logging, QApplication and theme, the one-instance check (a second launch
raises the first window and exits), store, keychain, Send test runner, window, tray icon when
the desktop has a tray, delivery engine (its own QThread). On the way down (``aboutToQuit``):
the window's geometry, the tray icon, the engine thread, the test runner's thread, the store;
then the window and the application themselves, so no Qt thread outlives the program.

The store is opened once, here, and shared: the window reads and writes through it on the GUI
thread, and the engine thread takes its connection from it (``store.db`` explains why the file
must not be opened twice in one process). The GUI thread waits at most
:data:`GUI_BUSY_TIMEOUT` for another process's write lock, so the window never freezes behind
a long import: the operation fails with a clear message instead, and can be tried again.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import shiboken6
from PySide6.QtCore import QSettings, QTimer, Slot
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon
from sqlalchemy.orm import configure_mappers

from sigfollow_desktop import APP_NAME, __version__
from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.errors import SigFollowError
from sigfollow_desktop.core.intake_credentials import IntakeKeychain
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.engine.dispatcher import EngineConfig
from sigfollow_desktop.engine.host import EngineHost
from sigfollow_desktop.engine.intake_host import IntakeHost
from sigfollow_desktop.engine.send_test_runner import SendTestRunner
from sigfollow_desktop.logs import setup_logging
from sigfollow_desktop.paths import APP_AUTHOR, APP_DIR, data_dir, log_dir
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.opening import open_database
from sigfollow_desktop.store.sealed_secrets import secrets_for
from sigfollow_desktop.ui.intake_card import IntakeCard
from sigfollow_desktop.ui.main_window import MainWindow
from sigfollow_desktop.ui.retention_field import RetentionField
from sigfollow_desktop.ui.shared_changes import SharedChanges
from sigfollow_desktop.ui.single_instance import SingleInstance, instance_key
from sigfollow_desktop.ui.theme import apply_theme
from sigfollow_desktop.ui.tray_icon import TrayIcon

log = logging.getLogger(__name__)

# Quit this many milliseconds after the event loop starts: how a launch-and-quit check runs.
QUIT_AFTER_START_ENV = "SIGFOLLOW_QUIT_AFTER_START"
ENGINE_STOP_TIMEOUT = 5.0
GUI_BUSY_TIMEOUT = 0.25  # seconds the GUI thread waits for another writer's lock


@dataclass
class Desktop:
    """Everything the window needs while it runs, and the order to stop it in."""

    window: MainWindow
    runner: SendTestRunner
    engine: EngineHost
    store: Store
    tray: TrayIcon | None = None
    intake_card: IntakeCard | None = None
    shared: SharedChanges | None = None  # a shared database's notifications
    retention: RetentionField | None = None
    _stopped: bool = False

    def start(self) -> None:
        self.engine.start()
        log.info("delivery engine started")
        if self.shared is not None:
            self.shared.start()
        if self.intake_card is not None:
            self.intake_card.resume()
        if self.tray is not None:
            self.tray.show()
        self.window.show()

    @Slot()
    def shutdown(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.window.save_state()
        if self.tray is not None:
            self.tray.hide()
        if self.intake_card is not None:
            # Before the engine: requests in progress are stored and answered first.
            self.intake_card.host.stop()
        if self.engine.stop(ENGINE_STOP_TIMEOUT):
            log.info("delivery engine stopped")
        else:
            log.warning("the delivery engine did not stop within %.0f s", ENGINE_STOP_TIMEOUT)
        if not self.runner.shutdown():
            log.warning("a Send test was still running at exit")
        self.window.close_ops()
        if self.shared is not None:
            self.shared.stop()
        self.store.close()
        log.info("%s stopped", APP_NAME)


def build_desktop(
    store: Store, secrets: SecretStore, settings: QSettings, *, with_tray: bool = False
) -> Desktop:
    """Create the window, the engine and (when asked) the tray icon and connect them;
    nothing runs yet. Called on the GUI thread, which then waits only briefly for locks."""
    store.set_busy_timeout(GUI_BUSY_TIMEOUT)
    # SQLAlchemy sets its mappers up at the first ORM query (tens of milliseconds of Python):
    # done now, not on a store worker thread while the window builds (it would hold the
    # interpreter lock the GUI thread needs).
    configure_mappers()
    runner = SendTestRunner()
    window = MainWindow(Admin(store, secrets), runner, settings)
    runner.setParent(window)
    tray = None
    if with_tray:
        tray = TrayIcon(window)
        tray.show_requested.connect(window.bring_forward)
        tray.quit_requested.connect(QApplication.quit)
        tray.deliveries_requested.connect(window.show_deliveries)
        window.hidden_to_tray.connect(tray.say_still_delivering)
        window.hide_on_close = True
    keep = RetentionField(settings)
    engine = EngineHost(store, secrets, window, config=EngineConfig(keep=keep.keep))
    keep.keep_changed.connect(engine.set_keep)
    bar, page = window.status_bar, window.page
    bar.addPermanentWidget(keep)
    engine.status_changed.connect(bar.show_status)
    engine.attempt_recorded.connect(page.schedule_refresh)
    engine.delivery_failed.connect(page.schedule_refresh)
    bar.pause_requested.connect(engine.pause)
    bar.resume_requested.connect(engine.resume)
    page.webhooks_changed.connect(engine.wake)
    engine.attempt_recorded.connect(window.on_attempt)
    window.deliveries_requeued.connect(engine.wake)
    page.webhooks_changed.connect(window.reload_webhook_choices)
    if tray is not None:
        engine.status_changed.connect(tray.show_status)
        engine.delivery_failed.connect(tray.notify_failed)
        tray.pause_requested.connect(engine.pause)
        tray.resume_requested.connect(engine.resume)
    if store.shared:
        # Other admins and hosts change the webhooks too; the live intake writes only the
        # SQLite file of its own data folder, so it is not offered here.
        shared = SharedChanges(store, window)
        shared.changed.connect(page.schedule_refresh)
        return Desktop(window, runner, engine, store, tray, None, shared, keep)
    intake = IntakeHost(store, IntakeKeychain(secrets), engine.wake, window)
    intake_card = IntakeCard(intake, settings)
    window.add_intake_card(intake_card)
    return Desktop(window, runner, engine, store, tray, intake_card, retention=keep)


def run_gui(data_dir_override: str | None = None, database: str | None = None) -> int:
    setup_logging(log_dir(data_dir_override))
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setApplicationName(APP_DIR)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(APP_AUTHOR)
    app.setApplicationVersion(__version__)
    apply_theme(app)
    folder = data_dir(data_dir_override)
    instance = SingleInstance(instance_key(folder))
    if not instance.claim():
        log.info("already running on %s; asked that window to come forward", folder)
        return 0
    try:
        store = open_database(database, folder)
    except SigFollowError as exc:
        log.error("cannot open the store: %s", exc)
        QMessageBox.critical(None, APP_NAME, str(exc))
        return 1
    with_tray = QSystemTrayIcon.isSystemTrayAvailable()
    desktop = build_desktop(store, secrets_for(store), QSettings(), with_tray=with_tray)
    app.setQuitOnLastWindowClosed(not with_tray)
    desktop.window.warn_stop_on_close = not with_tray
    instance.raise_requested.connect(desktop.window.bring_forward)
    app.aboutToQuit.connect(desktop.shutdown)
    desktop.start()
    log.info("%s %s started on %s", APP_NAME, __version__, folder)
    quit_after = os.environ.get(QUIT_AFTER_START_ENV, "")
    if quit_after.isdigit():
        QTimer.singleShot(int(quit_after), desktop.window.quit_app)
    code = int(app.exec())
    desktop.shutdown()
    instance.release()
    shiboken6.delete(desktop.window)
    if existing is None:
        # Destroying the application ends Qt's own idle worker threads (image and paint jobs).
        app.shutdown()
    log.info("threads at exit: %s", _os_threads())
    return code


def _os_threads(settle: float = 0.5) -> str:
    """The threads the process still has (Linux), for the last line of the log.

    A Qt worker that has finished may take a moment to leave the OS's list, so this waits up
    to ``settle`` seconds for the count to reach one.
    """
    tasks = Path("/proc/self/task")
    if not tasks.is_dir():
        return "unknown"
    deadline = time.monotonic() + settle
    while len(list(tasks.iterdir())) > 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    names = [name for task in tasks.iterdir() if (name := _thread_name(task))]
    return f"{len(names)} ({', '.join(names)})"


def _thread_name(task: Path) -> str:
    try:
        return (task / "comm").read_text(encoding="utf-8").strip()
    except FileNotFoundError:  # it ended while we looked
        return ""
