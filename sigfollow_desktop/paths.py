"""Where data, logs and the one-instance socket live: per-user folders, or one folder given
by the user."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import platformdirs

from sigfollow_desktop.core.private_files import private_dir

APP_DIR = "sigfollow-desktop"
APP_AUTHOR = "SigFollow"
DATA_DIR_ENV = "SIGFOLLOW_DATA_DIR"
INSTANCE_PREFIX = "sigfollow-desktop-"  # the one-instance socket's name begins so


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """``--data-dir``, else ``$SIGFOLLOW_DATA_DIR``, else the per-user data folder."""
    chosen = override or os.environ.get(DATA_DIR_ENV)
    if chosen:
        return Path(chosen).expanduser().resolve()
    return Path(platformdirs.user_data_dir(APP_DIR, APP_AUTHOR))


def log_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """Logs go beside a chosen data folder, else to the per-user log folder."""
    if override or os.environ.get(DATA_DIR_ENV):
        return data_dir(override) / "logs"
    return Path(platformdirs.user_log_dir(APP_DIR, APP_AUTHOR))


def runtime_dir() -> Path | None:
    """A folder only this user can reach, for sockets: ``$XDG_RUNTIME_DIR`` when it is ours
    and 0700, else a 0700 folder of our own in the per-user cache folder. Never a predictable
    name in a world-writable folder such as /tmp, where another account could create it first.
    ``None`` when no such folder can be had."""
    chosen = os.environ.get("XDG_RUNTIME_DIR", "")
    if chosen and os.path.isabs(chosen) and _ours_and_private(Path(chosen)):
        return Path(chosen)
    own = Path(platformdirs.user_cache_dir(APP_DIR, APP_AUTHOR)) / "run"
    try:
        private_dir(own, ours=(INSTANCE_PREFIX,))
    except OSError:
        return None
    return own if _ours_and_private(own) else None


def _ours_and_private(folder: Path) -> bool:
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    return (
        stat.S_ISDIR(info.st_mode)
        and info.st_uid == os.geteuid()
        and stat.S_IMODE(info.st_mode) & 0o077 == 0
    )
