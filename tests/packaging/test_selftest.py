"""``--self-test``: every check passes on a good installation and names what a broken one lacks."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from PySide6.QtWidgets import QApplication

from sigfollow_desktop import selftest
from sigfollow_desktop.resources import resources_dir
from sigfollow_desktop.selftest import CheckResult, CheckStatus, run_checks, run_self_test
from sigfollow_desktop.store.db import SCHEMA_HEAD
from tests.support.memory_keyring import MemoryKeyring

SOURCE_RESOURCES = Path(__file__).resolve().parents[2] / "resources"


def statuses(results: list[CheckResult]) -> dict[str, CheckStatus]:
    return {result.name: result.status for result in results}


def by_name(results: list[CheckResult], name: str) -> CheckResult:
    (result,) = (result for result in results if result.name == name)
    return result


@pytest.fixture
def resources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped resources that a test may break, used in place of the real ones."""
    folder = tmp_path / "resources"
    shutil.copytree(SOURCE_RESOURCES / "samples", folder / "samples")
    monkeypatch.setattr("sigfollow_desktop.resources.resources_dir", lambda: folder)
    return folder


@pytest.fixture
def no_keychain() -> Iterator[None]:
    previous: KeyringBackend = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_all_required_checks_pass_one_line_each(
    qapp: QApplication, memory_keyring: MemoryKeyring
) -> None:
    out = io.StringIO()
    assert run_self_test(out) == 0
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "ok    signing",
        "ok    database",
        "ok    modules",
        "info  keychain",
        "ok    qt",
        "ok    resources",
        "ok    intake",
    ]
    assert f"migrated to schema {SCHEMA_HEAD}" in lines[1]
    assert "tests.support.memory_keyring.MemoryKeyring (priority 1)" in lines[3]
    assert "SecretService" in lines[3]  # backends found through keyring's entry points
    assert lines[5].startswith("ok    resources: 3 samples")
    assert lines[5].endswith(f" in {resources_dir()}")
    assert lines[6].endswith("(uvicorn, httptools)")


def test_no_keychain_is_reported_not_required(qapp: QApplication, no_keychain: None) -> None:
    out = io.StringIO()
    assert run_self_test(out) == 0
    line = next(line for line in out.getvalue().splitlines() if "keychain" in line)
    assert line.startswith("info  keychain: no usable keychain (keyring.backends.fail.Keyring)")


def test_a_wrong_signature_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sigfollow_desktop.core.signing.sign", lambda secret, body: "sha256=00")
    result = selftest.CHECKS["signing"]()
    assert (result.name, result.status) == ("signing", CheckStatus.FAIL)
    assert "signs as sha256=00" in result.detail


def test_a_module_that_does_not_import_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        selftest,
        "program_modules",
        lambda: iter(["sigfollow_desktop.core", "sigfollow_desktop.gone"]),
    )
    result = selftest.CHECKS["modules"]()
    assert (result.name, result.status) == ("modules", CheckStatus.FAIL)
    assert result.detail.startswith("cannot import sigfollow_desktop.gone (ModuleNotFoundError")


def test_the_program_modules_leave_out_the_alembic_scripts() -> None:
    names = set(selftest.program_modules())
    assert {"sigfollow_desktop.app", "sigfollow_desktop.store.db", "sigfollow_desktop.cli"} <= names
    assert not [name for name in names if "migrations" in name or name.endswith("__main__")]


def test_missing_migration_scripts_fail_the_database_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "migrations"
    empty.mkdir()
    monkeypatch.setattr("sigfollow_desktop.store.db._MIGRATIONS", empty)
    result = selftest.CHECKS["database"]()
    assert (result.name, result.status) == ("database", CheckStatus.FAIL)


def test_a_missing_sample_fails(qapp: QApplication, resources: Path) -> None:
    (resources / "samples" / "template_status.json").unlink()
    out = io.StringIO()
    assert run_self_test(out) == 1
    assert "FAIL  resources: sample payloads missing for template_status" in out.getvalue()


def test_a_sample_that_is_not_a_meta_body_fails(qapp: QApplication, resources: Path) -> None:
    (resources / "samples" / "statuses.json").write_text('{"object": "page"}')
    (result,) = run_checks(io.StringIO(), (selftest.CHECKS["resources"],))
    assert result.status is CheckStatus.FAIL
    assert result.detail.startswith("statuses.json is not a usable sample")


def test_icons_and_styles_are_required_once_the_folders_exist(
    qapp: QApplication, resources: Path
) -> None:
    check = selftest.CHECKS["resources"]
    (resources / "icons").mkdir()
    assert check().detail.endswith("holds no icons")
    svg = SOURCE_RESOURCES.parent / "packaging" / "icons" / "sigfollow-desktop.svg"
    shutil.copy(svg, resources / "icons" / "app.svg")
    (resources / "icons" / "broken.svg").write_text("<svg")
    result = check()
    assert (result.status, result.detail) == (
        CheckStatus.FAIL,
        "icons that Qt cannot read: broken.svg",
    )
    (resources / "icons" / "broken.svg").unlink()
    (resources / "styles").mkdir()
    (resources / "styles" / "app.qss").write_text("  \n")
    assert (check().status, check().detail) == (CheckStatus.FAIL, "app.qss is empty")
    (resources / "styles" / "app.qss").write_text("QLabel { color: #0B6B55; }\n")
    result = check()
    assert result.status is CheckStatus.PASS
    assert result.detail.startswith("3 samples, 1 icons, 1 style sheets in ")


def _self_test_process(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    return subprocess.run(
        [sys.executable, "-m", "sigfollow_desktop", "--self-test"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_command_line_runs_offscreen_without_being_told() -> None:
    result = _self_test_process()
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 7
    assert "ok    qt: the offscreen platform plugin loaded and a widget painted" in lines[4]


def test_a_missing_platform_plugin_is_one_failing_line() -> None:
    result = _self_test_process(QT_QPA_PLATFORM="nosuchplatform")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[4].startswith("FAIL  qt: no nosuchplatform platform plugin in ")
    assert [line.split()[0] for line in lines[:5]] == ["ok", "ok", "ok", "info", "FAIL"]
