"""The Deliveries view open in this process while ``engine run`` (another process) delivers
and the command line (a third) adds events, all on one store: the view's rows follow."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.store.db import open_store
from sigfollow_desktop.store.delivery_pages import DeliveryFilter
from sigfollow_desktop.ui.deliveries_view import DeliveriesView
from tests.multiprocess.conftest import Site
from tests.support.file_keyring import FileKeyring
from tests.support.receiver import Receiver


def test_the_view_follows_another_process_delivering(qtbot: QtBot, site: Site) -> None:
    store = open_store(site.db)
    admin = Admin(store, SecretStore(FileKeyring(site.keyring_file)))
    with Receiver() as receiver:
        admin.add(receiver.url, ("statuses",), enable=True)
        simulate = ["events", "simulate", "--count", "40", "--events", "statuses"]
        first = site.cli(*simulate, "--seed", "1")
        assert first.returncode == 0, first.stderr
        view = DeliveriesView(admin)
        qtbot.addWidget(view)
        view.resize(1100, 600)
        view.show()
        qtbot.waitUntil(
            lambda: view.model.has_loaded and view.model.rowCount() == 40, timeout=10_000
        )
        assert {view.model.delivery(r).status for r in range(40)} == {"pending"}
        view.select_delivery(20)

        engine = site.start_engine()
        try:
            more = site.cli(*simulate, "--seed", "2")  # while the engine runs
            assert more.returncode == 0, more.stderr
            qtbot.waitUntil(lambda: len(receiver.requests) == 80, timeout=60_000)
            # No engine signal reaches this process: the view looks again by itself.
            qtbot.waitUntil(lambda: view.model.rowCount() == 80, timeout=15_000)

            def all_delivered() -> bool:
                statuses = {view.model.delivery(r).status for r in range(80)}
                return statuses == {"delivered"}

            qtbot.waitUntil(all_delivered, timeout=15_000)
            assert view.selected_ids() == [20]
            view.show_filtered(DeliveryFilter(status="delivered", code_class="2xx"))
            qtbot.waitUntil(
                lambda: view.model.has_loaded and view.model.rowCount() == 80, timeout=10_000
            )
        finally:
            _out, err = site.stop(engine)
            view.close_ops()
            store.close()
        assert "Traceback" not in err
