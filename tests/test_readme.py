"""README's receiver snippets really verify signatures (GitHub's public test vector), and
they are the very files the window copies (resources/snippets)."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.core.test_signing import GITHUB_BODY, GITHUB_SECRET, GITHUB_SIGNATURE

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
SNIPPETS = ROOT / "resources" / "snippets"


def _block(language: str, marker: str) -> str:
    for block in re.findall(rf"```{language}\n(.*?)```", README, re.S):
        if marker in block:
            return str(block)
    raise AssertionError(f"README has no {language} block with {marker}")


def test_python_snippet() -> None:
    namespace: dict[str, object] = {}
    exec(_block("python", "def signature_ok"), namespace)  # noqa: S102 - our own README
    check = namespace["signature_ok"]
    assert callable(check)
    assert check(GITHUB_SECRET, GITHUB_BODY, GITHUB_SIGNATURE) is True
    assert check(GITHUB_SECRET, GITHUB_BODY + b" ", GITHUB_SIGNATURE) is False


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js not installed")
def test_nodejs_snippet() -> None:
    script = _block("js", "function signatureOk") + (
        f"console.log(signatureOk({GITHUB_SECRET!r}, Buffer.from({GITHUB_BODY.decode()!r}), "
        f"{GITHUB_SIGNATURE!r}), signatureOk('x', Buffer.from('y'), 'sha256=00'), "
        "signatureOk('x', Buffer.from('y'), undefined));"
    )
    result = subprocess.run(
        ["node", "-e", script], capture_output=True, text=True, check=True, timeout=30
    )
    assert result.stdout.split() == ["true", "false", "false"]


@pytest.mark.parametrize(
    ("language", "marker", "name"),
    [
        ("python", "def signature_ok", "verify_signature.py"),
        ("js", "function signatureOk", "verify_signature.js"),
    ],
)
def test_the_readme_shows_the_code_the_window_copies(language: str, marker: str, name: str) -> None:
    assert _block(language, marker) == (SNIPPETS / name).read_text(encoding="utf-8")
