"""README's curl + openssl example really posts a signed event the intake accepts."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from sigfollow_desktop.intake.server import IntakeServer
from sigfollow_desktop.resources import sample_body
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.models import Event
from tests.intake.conftest import APP_SECRET

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def _example() -> str:
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        if "openssl dgst" in block:
            return str(block)
    raise AssertionError("README has no sh block with openssl dgst")


@pytest.mark.skipif(
    shutil.which("openssl") is None or shutil.which("curl") is None,
    reason="needs openssl and curl",
)
def test_the_readme_example_is_accepted_and_stored(
    intake: IntakeServer, store: Store, tmp_path: Path
) -> None:
    script = _example()
    assert "SECRET='your App Secret'" in script
    assert "http://127.0.0.1:8088/" in script
    script = script.replace("SECRET='your App Secret'", f"SECRET='{APP_SECRET}'")
    script = script.replace("http://127.0.0.1:8088/", intake.url)
    body = sample_body("messages") + b"\n"  # a file ending in a newline, as editors save them
    (tmp_path / "event.json").write_bytes(body)
    result = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + script],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"EVENT_RECEIVED"
    with store.session() as session:
        assert list(session.scalars(select(Event.body))) == [body]
