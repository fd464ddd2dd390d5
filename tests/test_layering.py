"""core/, store/ and intake/ stay Qt-free: importing them never loads PySide6."""

import subprocess
import sys


def test_core_and_store_do_not_import_qt() -> None:
    code = (
        "import sys\n"
        "import sigfollow_desktop.core, sigfollow_desktop.store, sigfollow_desktop.admin\n"
        "import sigfollow_desktop.store.db, sigfollow_desktop.core.keychain\n"
        "import sigfollow_desktop.cli\n"
        "import sigfollow_desktop.intake, sigfollow_desktop.core.intake_credentials\n"
        "import sigfollow_desktop.cli.intake\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in {'PySide6', 'shiboken6'})\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""
    assert "sigfollow_desktop" not in result.stderr
