"""The main window: the Webhooks page, the delivery status bar, geometry kept in QSettings."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, QSettings, Slot
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from sigfollow_desktop import APP_NAME
from sigfollow_desktop.admin import Admin
from sigfollow_desktop.engine.send_test_runner import SendTestRunner
from sigfollow_desktop.ui.deliveries_view import DeliveriesView
from sigfollow_desktop.ui.engine_status_bar import EngineStatusBar
from sigfollow_desktop.ui.icons import icon, refresh_themed_icons
from sigfollow_desktop.ui.webhooks_page import WebhooksPage

GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"
SPLITTER_KEY = "window/splitter"


class MainWindow(QMainWindow):
    """Holds only UI state in ``settings``: geometry and the splitter, never a secret."""

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
        self.page = WebhooksPage(admin, runner)
        # The Deliveries tab beside the Webhooks page; it reads the store when first shown.
        self.deliveries = DeliveriesView(admin)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("windowTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.tabBar().setObjectName("windowTabBar")
        self.tabs.tabBar().setAccessibleName("Webhooks or Deliveries")
        self.tabs.addTab(self.page, "Webhooks")
        self.tabs.addTab(self.deliveries, "Deliveries")
        self.setCentralWidget(self.tabs)
        self.status_bar = EngineStatusBar()
        self.setStatusBar(self.status_bar)
        self.resize(1120, 760)
        self.setMinimumSize(720, 520)
        QShortcut(QKeySequence.StandardKey.Quit, self, QApplication.quit)
        self.restore_state()
        self.page.webhook_list.setFocus()

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

    def changeEvent(self, event: QEvent) -> None:
        # Icons drawn in the text colour are redrawn when the palette turns light or dark.
        if event.type() == QEvent.Type.PaletteChange:
            refresh_themed_icons(self)
        super().changeEvent(event)

    def show_deliveries(self) -> None:
        self.tabs.setCurrentWidget(self.deliveries)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        if self.hide_on_close:
            event.ignore()
            self.hide()
            return
        super().closeEvent(event)
