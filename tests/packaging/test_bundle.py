"""The PyInstaller bundle, built from packaging/sigfollow-desktop.spec, starts and passes its self-test.

This builds the real one-folder bundle (about half a minute) and runs it as a user would, in a
clean environment. The .deb and its install/remove are ``./dev package-test``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sigfollow_desktop import __version__
from sigfollow_desktop.selftest import program_modules

pytest.importorskip("PyInstaller", reason="needs the package extra: pip install -e '.[package]'")

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
NAME = "sigfollow-desktop"
EXE = f"{NAME}.exe" if sys.platform == "win32" else NAME
# QtOpenGL and QtOpenGLWidgets: imported by pyqtgraph (the activity chart) at start-up.
QT_USED = {
    "QtCore", "QtGui", "QtWidgets", "QtSvg", "QtSvgWidgets", "QtNetwork", "QtDBus",
    "QtOpenGL", "QtOpenGLWidgets",
}  # fmt: skip


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle")
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(out / "dist"),
            "--workpath",
            str(out / "build"),
            str(ROOT / "packaging" / f"{NAME}.spec"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert build.returncode == 0, build.stderr[-4000:]
    return out / "dist" / NAME


def user_env(tmp_path: Path) -> dict[str, str]:
    """What a user's session passes on: no virtualenv, no PYTHONPATH; D-Bus if there is one."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    for name in ("DBUS_SESSION_BUS_ADDRESS", "SYSTEMROOT", "TEMP", "TMP"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def run(bundle: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bundle / EXE), *args],
        env={**user_env(tmp_path), "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_version_is_the_package_version(bundle: Path, tmp_path: Path) -> None:
    result = run(bundle, tmp_path, "--version")
    assert (result.returncode, result.stdout.strip()) == (0, f"{NAME} {__version__}")


def test_self_test_passes_and_picks_the_same_keychain_as_the_source(
    bundle: Path, tmp_path: Path
) -> None:
    result = run(bundle, tmp_path, "--self-test")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "ok    signing",
        "ok    database",
        "ok    modules",
        "info  keychain",
        "ok    qt",
        "ok    resources",
        "ok    intake",
    ]
    # The live intake's server library and its C parser are in the bundle.
    assert lines[6].endswith("(uvicorn, httptools)")
    # The frozen program finds as many of its modules as the source tree has.
    assert f"all {len(list(program_modules()))} modules of the program import" in lines[2]
    assert str(bundle) in lines[5]  # its own resources, not the source tree's
    # The same choice as keyring makes from the source install in this environment: the
    # bundle found keyring's backends through the bundled entry points.
    source_choice = subprocess.run(
        [
            sys.executable,
            "-c",
            "import keyring; from sigfollow_desktop.core.keychain import backend_name; "
            "print(backend_name(keyring.get_keyring()))",
        ],
        env=user_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()
    assert source_choice in lines[3]
    assert "Backends known: SecretService, Windows, chainer, fail" in lines[3]


def test_cli_works_against_a_store_in_the_bundle(bundle: Path, tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    simulated = run(bundle, tmp_path, "--data-dir", data, "events", "simulate", "--count", "3")
    assert simulated.returncode == 0, simulated.stderr
    listed = run(bundle, tmp_path, "--data-dir", data, "events", "list")
    assert listed.returncode == 0, listed.stderr
    assert "(3 of 3 shown)" in listed.stdout


def test_resources_and_migrations_are_shipped_as_files(bundle: Path) -> None:
    internal = bundle / "_internal"

    def files(folder: Path) -> set[str]:
        return {
            p.relative_to(folder).as_posix()
            for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }

    assert files(internal / "resources") == files(ROOT / "resources")
    migrations = "sigfollow_desktop/store/migrations"
    shipped = files(internal / migrations)
    assert {"env.py", "script.py.mako"} <= shipped
    assert {p for p in files(ROOT / migrations) if p.endswith((".py", ".mako"))} <= shipped


def test_only_the_qt_modules_in_use_are_bundled(bundle: Path) -> None:
    pyside = bundle / "_internal" / "PySide6"
    modules = {p.name.split(".")[0] for p in pyside.glob("Qt*") if p.suffix in {".so", ".pyd"}}
    assert {"QtCore", "QtGui", "QtWidgets"} <= modules <= QT_USED
    libraries = " ".join(p.name for p in (bundle / "_internal").rglob("*Qt6*"))
    for unused in ("Qt6Qml", "Qt6Quick", "Qt6Pdf", "Qt6Sql", "Qt6Designer"):
        assert unused not in libraries


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux bundle layout")
def test_linux_bundle_leaves_the_desktop_libraries_to_the_system(bundle: Path) -> None:
    names = {p.name for p in (bundle / "_internal").iterdir()}
    for system in ("libX11.so.6", "libxcb.so.1", "libfontconfig.so.1", "libstdc++.so.6"):
        assert system not in names
    plugins = bundle / "_internal" / "PySide6" / "Qt" / "plugins"
    assert (plugins / "platforms" / "libqxcb.so").is_file()
    assert (plugins / "platforms" / "libqoffscreen.so").is_file()
    assert (plugins / "iconengines" / "libqsvgicon.so").is_file()
    assert not (plugins / "platformthemes" / "libqgtk3.so").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ELF files")
def test_linux_bundle_searches_libraries_only_relative_to_itself(bundle: Path) -> None:
    """No library search path of the build machine (a source-built Python sets one) is left."""
    leaks = []
    for path in bundle.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        with path.open("rb") as handle:
            if handle.read(4) != b"\x7fELF":
                continue
        dynamic = subprocess.run(
            ["readelf", "-d", str(path)], capture_output=True, text=True, check=True
        ).stdout
        for line in dynamic.splitlines():
            if "(RUNPATH)" in line or "(RPATH)" in line:
                paths = line.split("[", 1)[1].rstrip("]").split(":")
                leaks += [f"{path.name}: {p}" for p in paths if not p.startswith("$ORIGIN")]
    assert leaks == []
