"""Where data and logs live: per-user folders, or one folder given by the user."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_DIR = "sigfollow-desktop"
APP_AUTHOR = "SigFollow"
DATA_DIR_ENV = "SIGFOLLOW_DATA_DIR"


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
