"""Rotating log file in the log folder. Nothing logged ever holds a signing secret."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

LOG_FILENAME = "sigfollow-desktop.log"
_FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"


def setup_logging(folder: Path, level: int = logging.INFO) -> Path:
    """Send the program's log records to a rotating file in ``folder``; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_FILENAME
    close_logging()
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.sigfollow = True  # type: ignore[attr-defined]
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    return path


def close_logging() -> None:
    """Detach and close the log file handler, if any."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "sigfollow", False):
            root.removeHandler(handler)
            handler.close()
