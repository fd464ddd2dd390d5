"""Webhook URLs typed on the command line: refused in one line, or stored; never a traceback,
never a password in the output or the log."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings

from sigfollow_desktop.core.urls import check_url
from sigfollow_desktop.logs import LOG_FILENAME
from tests.cli.conftest import RunCli
from tests.core.test_urls import url_like
from tests.support.memory_keyring import MemoryKeyring
from tests.support.store_rows import store_rows


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(url_like)
@example("http://127.0.0.999/x")
@example("http://256.256.256.256/")
@example("https://user:hunter2@example.com/hook")
@example("http://example.com/\udcff")
@example("-:")
def test_webhooks_add_stores_a_good_url_or_refuses_it_in_one_line(
    cli: RunCli, memory_keyring: MemoryKeyring, data_dir: Path, url: str
) -> None:
    before = store_rows(data_dir).get("webhooks", 0)
    # "--": a URL that starts with "-" would otherwise be read as an option (a usage error,
    # exit code 2, tested with the other usage errors).
    run = cli("webhooks", "add", "--", url)
    assert "Traceback" not in run.err
    if check_url(url).ok:
        assert run.code == 0, run.err
        assert store_rows(data_dir)["webhooks"] == before + 1
        return
    assert run.code == 1
    assert run.err.startswith("sigfollow-desktop: error: URL ")
    assert run.err.count("\n") == 1
    assert run.out == ""
    assert store_rows(data_dir).get("webhooks", 0) == before
    assert "hunter2" not in (data_dir / "logs" / LOG_FILENAME).read_text(encoding="utf-8")


def test_an_invalid_utf8_byte_in_a_url_gets_a_clear_message(tmp_path: Path) -> None:
    """The real program, given bytes that are not UTF-8 (a shell passes them as they are)."""
    env = {
        **os.environ,
        "SIGFOLLOW_DATA_DIR": str(tmp_path / "data"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "LC_ALL": "C.UTF-8",
    }
    for url in (b"http://example.com/\xff", b"http://ex\xffample.com/"):
        result = subprocess.run(
            [sys.executable.encode(), b"-m", b"sigfollow_desktop", b"webhooks", b"add", url],
            env=env,
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 1
        assert result.stdout == b""
        assert result.stderr == (
            b"sigfollow-desktop: error: URL contains bytes that are not valid UTF-8 text\n"
        )
