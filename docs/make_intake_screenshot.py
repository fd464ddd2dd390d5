"""Render the Intake card for the README: ``.venv/bin/python docs/make_intake_screenshot.py``.

The card runs the real intake on 127.0.0.1 (port 8088, or any free port if it is taken) over a
throwaway store and an in-memory keychain; a few real requests give it something to count: a
signed Meta body, the same body again, and one signed with the wrong secret.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from sigfollow_desktop.core.intake_credentials import IntakeKeychain  # noqa: E402
from sigfollow_desktop.core.keychain import SecretStore  # noqa: E402
from sigfollow_desktop.core.samples import simulated_bodies  # noqa: E402
from sigfollow_desktop.core.signing import SIGNATURE_HEADER, sign  # noqa: E402
from sigfollow_desktop.engine.intake_host import IntakeHost  # noqa: E402
from sigfollow_desktop.intake.server import DEFAULT_PORT, bind  # noqa: E402
from sigfollow_desktop.store.db import DB_FILENAME, open_store  # noqa: E402
from sigfollow_desktop.ui.intake_card import IntakeCard  # noqa: E402
from sigfollow_desktop.ui.theme import apply_theme  # noqa: E402
from tests.support.memory_keyring import MemoryKeyring  # noqa: E402

# Made-up values: no real App Secret or token ever appears in the docs.
APP_SECRET = "EXAMPLE-app-secret-not-real"  # noqa: S105
VERIFY_TOKEN = "EXAMPLE-verify-token"  # noqa: S105


def settle(ms: int = 150) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def free_or_default() -> int:
    try:
        bind("127.0.0.1", DEFAULT_PORT).close()
    except Exception:
        return 0
    return DEFAULT_PORT


def main() -> int:
    app = QApplication(sys.argv)
    apply_theme(app)
    folder = Path(tempfile.mkdtemp(prefix="sigfollow-shots-"))
    store = open_store(folder / DB_FILENAME)
    keychain = IntakeKeychain(SecretStore(MemoryKeyring()))
    keychain.save(APP_SECRET, VERIFY_TOKEN)
    host = IntakeHost(store, keychain)
    card = IntakeCard(host, QSettings(str(folder / "ui.ini"), QSettings.Format.IniFormat))
    card.port_field.setValue(free_or_default() or 18088)
    card.resize(980, card.sizeHint().height())
    card.show()
    card.toggle.click()
    bodies = list(simulated_bodies(12, seed=4))
    with httpx.Client(timeout=10) as client:
        for body in [*bodies, bodies[0]]:
            client.post(
                host.status.url, content=body, headers={SIGNATURE_HEADER: sign(APP_SECRET, body)}
            )
        client.post(
            host.status.url, content=bodies[1], headers={SIGNATURE_HEADER: sign("x", bodies[1])}
        )
    settle(700)
    focused = app.focusWidget()
    if focused is not None:
        focused.clearFocus()
    settle()
    card.grab().save(str(ROOT / "docs" / "intake-card.png"))
    print("wrote docs/intake-card.png")
    host.stop()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
