"""The main window: the Webhooks page, the delivery status bar, geometry kept in QSettings."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, QSettings, Signal, Slot
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from sigfollow_desktop import APP_NAME
from sigfollow_desktop.admin import Admin
from sigfollow_desktop.engine.reports import AttemptRecorded
from sigfollow_desktop.engine.send_test_runner import SendTestRunner
from sigfollow_desktop.store.delivery_pages import VIEW_STATUSES, DeliveryFilter
from sigfollow_desktop.ui.deliveries_view import DeliveriesView
from sigfollow_desktop.ui.engine_status_bar import EngineStatusBar
from sigfollow_desktop.ui.icons import icon, refresh_themed_icons
from sigfollow_desktop.ui.webhooks_page import WebhooksPage

GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"
SPLITTER_KEY = "window/splitter"
TOLD_TRAY_KEY = "window/toldDeliveryGoesOnInTray"

STOPS_DELIVERY_TEXT = (
    "Closing the window stops delivery: this desktop has no system tray to keep it running. "
    "Queued events stay in the store and are delivered when you open the app again."
)
STOP_AND_CLOSE = "Stop delivery and close"


class MainWindow(QMainWindow):
    """Holds only UI state in ``settings``: geometry and the splitter, never a secret.

    Signals:
        hidden_to_tray(): closed for the first time while a tray icon keeps delivery going:
            the tray tells the user so.
        deliveries_requeued(): the Deliveries tab put deliveries back in the queue.
        deliveries_requested(int, str): the user asked to see a webhook's deliveries with a
            status ("failed"), from a notification.
    """

    hidden_to_tray = Signal()
    deliveries_requeued = Signal()
    deliveries_requested = Signal(int, str)

    def __init__(
        self,
        admin: Admin,
        runner: SendTestRunner,
        settings: QSettings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle(f"Webhooks — {APP_NAME}")
        self.setAccessibleName(f"{APP_NAME} — Webhooks")
        self.setWindowIcon(icon("webhook"))
        self.settings = settings
        # With a tray icon, closing the window hides it and delivery goes on.
        self.hide_on_close = False
        # Without one, closing the window stops delivery: ask first (not when quitting on
        # purpose, see quit_app).
        self.warn_stop_on_close = False
        self.admin = admin
        self.page = WebhooksPage(admin, runner)
        # The Deliveries tab beside the Webhooks page: built into this holder when it is
        # first shown (or asked for), its pieces a turn each; it reads the store then.
        self._deliveries: DeliveriesView | None = None
        self._deliveries_tab = QWidget()
        self._deliveries_tab.setObjectName("deliveriesTab")
        self._deliveries_column = QVBoxLayout(self._deliveries_tab)
        self._deliveries_column.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("windowTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.tabBar().setObjectName("windowTabBar")
        self.tabs.tabBar().setAccessibleName("Webhooks or Deliveries")
        self.tabs.addTab(self.page, "Webhooks")
        self.tabs.addTab(self._deliveries_tab, "Deliveries")
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.setCentralWidget(self.tabs)
        self.status_bar = EngineStatusBar()
        self.setStatusBar(self.status_bar)
        self.resize(1120, 760)
        self.setMinimumSize(720, 520)
        QShortcut(QKeySequence.StandardKey.Quit, self, self.quit_app)
        self.restore_state()
        self.page.webhook_list.setFocus()

    @Slot()
    def _build_deliveries(self) -> None:
        if self._deliveries is not None:
            return
        view = DeliveriesView(self.admin, self._deliveries_tab)
        self._deliveries_column.addWidget(view)
        self._deliveries = view
        view.requeued.connect(self.deliveries_requeued)
        view.stages.start()

    @Slot(int)
    def _on_tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self._deliveries_tab:
            self._build_deliveries()

    @Slot(object)
    def on_attempt(self, report: AttemptRecorded) -> None:
        """An attempt was recorded: the Deliveries tab follows it (once it exists)."""
        if self._deliveries is not None:
            self._deliveries.on_attempt(report)

    @Slot()
    def reload_webhook_choices(self) -> None:
        """Webhooks changed: the Deliveries tab's webhook filter reads them again."""
        if self._deliveries is not None:
            self._deliveries.reload_webhooks()

    def close_ops(self) -> None:
        """Wait for the store calls in progress (on the way out)."""
        self.page.ops.wait()
        if self._deliveries is not None:
            self._deliveries.close_ops()

    @property
    def settled(self) -> bool:
        """Whether the Webhooks page is built, every piece of it, and shows the store's
        webhooks (what opening the window waits for)."""
        return self.page.stages.done and self.page.has_shown and not self.page.ops.busy

    @property
    def deliveries(self) -> DeliveriesView:
        """The Deliveries tab's view (built now if its turn has not come yet)."""
        self._build_deliveries()
        assert self._deliveries is not None
        return self._deliveries

    def add_intake_card(self, card: QWidget) -> None:
        """Show the Intake card under the Webhooks page, within the page's side margins."""
        body = QWidget()
        body.setObjectName("windowBody")
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.tabs, 1)
        holder = QVBoxLayout()
        holder.setContentsMargins(28, 0, 28, 16)
        holder.addWidget(card)
        column.addLayout(holder)
        self.setCentralWidget(body)

    def restore_state(self) -> None:
        geometry = self.settings.value(GEOMETRY_KEY)
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = self.settings.value(STATE_KEY)
        if isinstance(state, QByteArray):
            self.restoreState(state)
        splitter = self.settings.value(SPLITTER_KEY)
        if isinstance(splitter, QByteArray):
            self.page.splitter.restoreState(splitter)

    def save_state(self) -> None:
        self.settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        self.settings.setValue(STATE_KEY, self.saveState())
        self.settings.setValue(SPLITTER_KEY, self.page.splitter.saveState())
        self.settings.sync()

    @Slot()
    def bring_forward(self) -> None:
        """Show the window on top (tray's Show window, or a second launch)."""
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    @Slot()
    def quit_app(self) -> None:
        """Quit on purpose (Ctrl+Q, the program's own timer): no question about delivery."""
        self.warn_stop_on_close = False
        QApplication.quit()

    @Slot(int, str)
    def show_deliveries(self, webhook_id: int | None = None, status: str | None = None) -> None:
        """Bring the window forward on the Deliveries tab; with ``webhook_id``, filtered to
        that webhook's deliveries with ``status`` ("failed": a notification was clicked).

        Also says so (``deliveries_requested``) for whoever follows the window.
        """
        self.tabs.setCurrentWidget(self._deliveries_tab)
        if webhook_id is None:
            return
        self.bring_forward()
        self.page.refresh(select_id=webhook_id)
        wanted = next((known for known in VIEW_STATUSES if known == status), None)
        self.deliveries.show_filtered(DeliveryFilter(status=wanted, webhook_id=webhook_id))
        self.deliveries_requested.emit(webhook_id, status or "")

    @classmethod
    def confirm_stop_on_close(cls, parent: QWidget) -> bool:
        """Closing without a tray: say delivery stops; True to close anyway."""
        box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME, STOPS_DELIVERY_TEXT, parent=parent)
        box.setObjectName("stopsDeliveryDialog")
        stop = box.addButton(STOP_AND_CLOSE, QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.exec()
        return box.clickedButton() is stop

    def changeEvent(self, event: QEvent) -> None:
        # Icons drawn in the text colour are redrawn when the palette turns light or dark.
        if event.type() == QEvent.Type.PaletteChange:
            refresh_themed_icons(self)
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        if self.hide_on_close:
            event.ignore()
            self.hide()
            if not self.settings.value(TOLD_TRAY_KEY, False, type=bool):
                self.settings.setValue(TOLD_TRAY_KEY, True)
                self.hidden_to_tray.emit()
            return
        # Only a close the person asked for (the title bar's button: a spontaneous event), not
        # the program quitting (Ctrl+Q, SIGTERM, logging out), which closes windows too.
        asked = event.spontaneous()
        if asked and self.warn_stop_on_close and not self.confirm_stop_on_close(self):
            event.ignore()
            return
        super().closeEvent(event)
