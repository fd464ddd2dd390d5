"""``sigfollow-desktop --self-test``: can this installation run? One line per check.

Meant for a fresh install or a freshly built bundle, without a screen: Qt is started on the
``offscreen`` platform unless ``QT_QPA_PLATFORM`` names another one. Required checks:

- ``signing``: ``X-Hub-Signature-256`` of GitHub's published test vector;
- ``database``: a new store in a temporary folder migrates to the current schema and takes an
  event once;
- ``modules``: every module of the program imports (a bundle that left one out, or a Qt
  module one of them needs, fails here rather than when the window opens);
- ``qt``: the Qt platform plugin loads and a widget paints;
- ``resources``: the sample payloads, and the icons and styles where the installation has them;
- ``intake``: the live intake's HTTP server starts on 127.0.0.1, answers Meta's verification and
  stores a signed body (uvicorn and its HTTP parser are in the installation).

Reported, not required: ``keychain``, which keyring backend would keep signing secrets (a
machine without a keychain can still run the program; it just cannot enable a webhook).
The exit status is 0 when every required check passes, 1 otherwise.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TextIO

__all__ = ["CHECKS", "CheckResult", "CheckStatus", "program_modules", "run_checks", "run_self_test"]

# The published X-Hub-Signature-256 test vector of GitHub's webhook documentation.
VECTOR_SECRET = "It's a Secret to Everybody"  # noqa: S105 - public test data
VECTOR_BODY = b"Hello, World!"
VECTOR_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

DEFAULT_PLATFORM = "offscreen"
ICON_SUFFIXES = (".svg", ".png", ".ico")


class CheckStatus(Enum):
    PASS = "ok"  # noqa: S105 - a result label, not a password
    FAIL = "FAIL"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    status: CheckStatus
    detail: str

    def line(self) -> str:
        return f"{self.status.value:<4}  {self.name}: {self.detail}"


class CheckFailed(Exception):
    """A check found a defect; the message says which, for a person."""


def check_signing() -> str:
    from sigfollow_desktop.core.signing import sign, verify

    got = sign(VECTOR_SECRET, VECTOR_BODY)
    if got != VECTOR_SIGNATURE:
        raise CheckFailed(f"the known test vector signs as {got}, expected {VECTOR_SIGNATURE}")
    if not verify(VECTOR_SECRET, VECTOR_BODY, VECTOR_SIGNATURE):
        raise CheckFailed("verify() rejects the known test vector")
    if verify(VECTOR_SECRET, VECTOR_BODY + b" ", VECTOR_SIGNATURE):
        raise CheckFailed("verify() accepts a changed body")
    return "X-Hub-Signature-256 matches the known test vector; a changed body is rejected"


def check_database() -> str:
    from sigfollow_desktop.core.meta import parse_body
    from sigfollow_desktop.core.samples import simulated_bodies
    from sigfollow_desktop.store.db import DB_FILENAME, SCHEMA_HEAD, open_store
    from sigfollow_desktop.store.events import store_events
    from sigfollow_desktop.store.models import Base

    with tempfile.TemporaryDirectory(prefix="sigfollow-self-test-") as folder:
        path = Path(folder) / DB_FILENAME
        store = open_store(path)
        try:
            body = next(simulated_bodies(1, seed=0))
            item = (body, parse_body(body))
            with store.transaction() as session:
                first = store_events(session, [item], source="self-test")
            with store.transaction() as session:
                again = store_events(session, [item], source="self-test")
        finally:
            store.close()
        connection = sqlite3.connect(path)
        try:
            (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
            (journal,) = connection.execute("PRAGMA journal_mode").fetchone()
        finally:
            connection.close()
    missing = sorted(set(Base.metadata.tables) - tables)
    if revision != SCHEMA_HEAD or missing:
        raise CheckFailed(
            f"the new database is at schema {revision} (expected {SCHEMA_HEAD})"
            + (f" and lacks tables {', '.join(missing)}" if missing else "")
        )
    if (first.stored, again.duplicates) != (1, 1):
        raise CheckFailed("an event offered twice was not stored exactly once")
    return (
        f"a new database migrated to schema {revision} ({len(Base.metadata.tables)} tables, "
        f"{journal.upper()} journal) and stored an event once"
    )


def program_modules(package: str = "sigfollow_desktop") -> Iterator[str]:
    """The program's modules, without the Alembic scripts (files that Alembic runs itself)."""
    for info in pkgutil.iter_modules(importlib.import_module(package).__path__, f"{package}."):
        if info.name.rsplit(".", 1)[1] in {"migrations", "__main__"}:
            continue
        yield info.name
        if info.ispkg:
            yield from program_modules(info.name)


def check_modules() -> str:
    names = list(program_modules())
    failed = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:
            failed.append(f"{name} ({type(exc).__name__}: {exc})")
    if failed:
        raise CheckFailed(f"cannot import {'; '.join(failed)}")
    return f"all {len(names)} modules of the program import"


def _plugins_dir() -> Path:
    from PySide6.QtCore import QLibraryInfo

    return Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))


def _plugin_file(folder: Path, platform: str) -> Path | None:
    """The platform plugin's file, whatever the OS names it (libqxcb.so, qwindows.dll, ...)."""
    if not folder.is_dir():
        return None
    for candidate in sorted(folder.iterdir()):
        stem = candidate.name.split(".", 1)[0].removeprefix("lib")
        if stem == f"q{platform}":
            return candidate
    return None


def check_qt() -> str:
    platform = os.environ.get("QT_QPA_PLATFORM") or DEFAULT_PLATFORM
    os.environ["QT_QPA_PLATFORM"] = platform
    from PySide6.QtCore import QCoreApplication, qVersion
    from PySide6.QtWidgets import QApplication, QLabel

    app = QCoreApplication.instance()
    if app is None:
        folder = _plugins_dir() / "platforms"
        plugin = _plugin_file(folder.resolve(), platform.split(":", 1)[0])
        # Qt ends the process when a platform plugin is missing; say why before that can happen.
        if plugin is None:
            raise CheckFailed(f"no {platform} platform plugin in {folder}")
        app = QApplication([])
    if not isinstance(app, QApplication):
        raise CheckFailed("a non-GUI Qt application is already running in this process")
    label = QLabel("SigFollow Desktop")
    try:
        label.resize(200, 40)
        if label.grab().toImage().isNull():
            raise CheckFailed(f"a widget did not paint on the {app.platformName()} platform")
    finally:
        label.deleteLater()
    return f"the {app.platformName()} platform plugin loaded and a widget painted (Qt {qVersion()})"


def _load_icon(path: Path) -> bool:
    from PySide6.QtGui import QGuiApplication, QImageReader

    if QGuiApplication.instance() is None:
        raise CheckFailed("the icons cannot be checked: Qt did not start")
    return not QImageReader(str(path)).read().isNull()


def check_resources() -> str:
    from sigfollow_desktop.core.fields import FIELDS
    from sigfollow_desktop.core.meta import parse_body
    from sigfollow_desktop.resources import resources_dir

    try:
        root = resources_dir()
    except FileNotFoundError as exc:
        raise CheckFailed(str(exc)) from None
    samples = sorted((root / "samples").glob("*.json"))
    found = {path.stem for path in samples}
    missing = [field for field in FIELDS if field not in found]
    if missing:
        raise CheckFailed(f"sample payloads missing for {', '.join(missing)} in {root / 'samples'}")
    for path in samples:
        try:
            parsed = parse_body(path.read_bytes())
        except Exception as exc:
            raise CheckFailed(f"{path.name} is not a usable sample ({exc})") from None
        if path.stem in FIELDS and parsed.field != path.stem:
            raise CheckFailed(f"{path.name} holds a {parsed.field} event")
    parts = [f"{len(samples)} samples"]
    icons_dir = root / "icons"
    if icons_dir.is_dir():
        icons = sorted(p for p in icons_dir.rglob("*") if p.suffix.lower() in ICON_SUFFIXES)
        if not icons:
            raise CheckFailed(f"{icons_dir} holds no icons")
        broken = [p.name for p in icons if not _load_icon(p)]
        if broken:
            raise CheckFailed(f"icons that Qt cannot read: {', '.join(broken)}")
        parts.append(f"{len(icons)} icons")
    styles_dir = root / "styles"
    if styles_dir.is_dir():
        styles = sorted(styles_dir.rglob("*.qss"))
        if not styles:
            raise CheckFailed(f"{styles_dir} holds no .qss style sheets")
        for path in styles:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise CheckFailed(f"{path.name} cannot be read ({exc})") from None
            if not text.strip():
                raise CheckFailed(f"{path.name} is empty")
        parts.append(f"{len(styles)} style sheets")
    return f"{', '.join(parts)} in {root}"


def check_intake() -> str:
    import httpx

    from sigfollow_desktop.core.intake_credentials import IntakeCredentials
    from sigfollow_desktop.core.signing import SIGNATURE_HEADER, sign
    from sigfollow_desktop.intake.server import IntakeServer
    from sigfollow_desktop.resources import sample_body
    from sigfollow_desktop.store.db import DB_FILENAME, open_store

    secret, token = "self-test-app-secret", "self-test-verify-token"
    body = sample_body("statuses")
    with tempfile.TemporaryDirectory(prefix="sigfollow-self-test-") as folder:
        store = open_store(Path(folder) / DB_FILENAME)
        server = IntakeServer(store, IntakeCredentials(secret, token), port=0)
        try:
            server.start()
            parser = server.parser
            with httpx.Client(timeout=10.0, trust_env=False) as client:
                query = {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "42"}
                answer = client.get(server.url, params=query)
                if (answer.status_code, answer.text) != (200, "42"):
                    raise CheckFailed(f"the verification request was answered {answer.status_code}")
                answer = client.post(
                    server.url, content=body, headers={SIGNATURE_HEADER: sign(secret, body)}
                )
                if answer.status_code != 200:
                    raise CheckFailed(f"a signed body was answered {answer.status_code}")
            stored = server.stats().stored
        finally:
            server.stop()
            store.close()
    if stored != 1:
        raise CheckFailed("a signed body was answered 200 but not stored")
    return f"served Meta's verification and stored a signed body on 127.0.0.1 (uvicorn, {parser})"


def check_keychain() -> CheckResult:
    import keyring
    from keyring.backend import KeyringBackend, get_all_keyring

    from sigfollow_desktop.core.keychain import backend_name, keychain_advice

    get_all_keyring()  # loads the backends that packages register through entry points
    classes: set[type[KeyringBackend]] = getattr(KeyringBackend, "_classes", set())
    known = ", ".join(sorted({cls.__module__.removeprefix("keyring.backends.") for cls in classes}))
    chosen = keyring.get_keyring()
    name = backend_name(chosen)
    if type(chosen).__module__.startswith(("keyring.backends.fail", "keyring.backends.null")):
        detail = f"no usable keychain ({name}). {keychain_advice()} Backends known: {known}"
    else:
        detail = f"{name} (priority {chosen.priority:g}) would keep the signing secrets. "
        detail += f"Backends known: {known}"
    return CheckResult("keychain", CheckStatus.INFO, detail)


def _required(name: str, check: Callable[[], str]) -> Callable[[], CheckResult]:
    def run() -> CheckResult:
        try:
            return CheckResult(name, CheckStatus.PASS, check())
        except CheckFailed as exc:
            return CheckResult(name, CheckStatus.FAIL, str(exc))
        except Exception as exc:  # a broken installation shows up as anything
            return CheckResult(name, CheckStatus.FAIL, f"{type(exc).__name__}: {exc}")

    return run


def _reported(name: str, check: Callable[[], CheckResult]) -> Callable[[], CheckResult]:
    def run() -> CheckResult:
        try:
            return check()
        except Exception as exc:
            return CheckResult(
                name, CheckStatus.INFO, f"could not tell ({type(exc).__name__}: {exc})"
            )

    return run


# Qt comes after the checks that need no Qt: if the platform plugin is present but cannot be
# loaded, Qt ends the process itself, and the lines above are already out.
CHECKS: dict[str, Callable[[], CheckResult]] = {
    "signing": _required("signing", check_signing),
    "database": _required("database", check_database),
    "modules": _required("modules", check_modules),
    "keychain": _reported("keychain", check_keychain),
    "qt": _required("qt", check_qt),
    "resources": _required("resources", check_resources),
    "intake": _required("intake", check_intake),
}


def run_checks(out: TextIO, checks: Iterable[Callable[[], CheckResult]] = ()) -> list[CheckResult]:
    """Run ``checks`` (all of them by default) in order, printing each line when it is known."""
    results = []
    for check in checks or CHECKS.values():
        result = check()
        out.write(result.line() + "\n")
        out.flush()
        results.append(result)
    return results


def run_self_test(out: TextIO) -> int:
    results = run_checks(out)
    return 1 if any(result.status is CheckStatus.FAIL for result in results) else 0
