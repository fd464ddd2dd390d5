"""Rotating log file in the log folder. Nothing logged ever holds a signing secret.

The folder is 0700 and the files 0600: log lines name webhooks and deliveries. Credentials in
a URL (``https://user:password@host``) are blanked in every line, whoever logged it. httpx and
httpcore would log every request's full URL, so they log warnings only. A log that cannot be
written (a full disk) is said once on stderr, never with a traceback per line.
"""

from __future__ import annotations

import contextlib
import io
import logging
import logging.handlers
import os
import sys
from pathlib import Path

from sigfollow_desktop.core.private_files import (
    PRIVATE_FILE_MODE,
    private_dir,
    private_files,
    private_umask,
)
from sigfollow_desktop.core.urls import redact_credentials

LOG_FILENAME = "sigfollow-desktop.log"
BACKUP_COUNT = 5
_FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"
# Libraries that log a line per request, with the full URL, at INFO.
QUIET_LIBRARIES = ("httpx", "httpcore")


class RedactCredentials(logging.Filter):
    """Blank user names and passwords in URLs in a record's message and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact_credentials(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_credentials(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_credentials(record.stack_info)
        return True


class PrivateLogHandler(logging.handlers.RotatingFileHandler):
    """Log files created 0600; a write that fails says so once on stderr and no more."""

    sigfollow = True
    failed = False

    def _open(self) -> io.TextIOWrapper:
        def opener(path: str, flags: int) -> int:
            return os.open(path, flags, PRIVATE_FILE_MODE)

        stream = open(  # noqa: SIM115 - the handler keeps it and closes it
            self.baseFilename, self.mode, encoding=self.encoding, errors=self.errors, opener=opener
        )
        assert isinstance(stream, io.TextIOWrapper)  # a text mode ("a")
        return stream

    def handleError(self, record: logging.LogRecord) -> None:
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            super().handleError(record)  # a bug in a log call: let it show
            return
        self._failed(error)

    def flush(self) -> None:
        try:
            super().flush()
        except OSError as exc:
            self._failed(exc)

    def close(self) -> None:
        try:
            super().close()  # flushes what is buffered once more
        except OSError as exc:
            self._failed(exc)

    def _failed(self, error: OSError) -> None:
        if self.failed:
            return
        self.failed = True
        with contextlib.suppress(OSError, ValueError, AttributeError):  # no usable stderr
            sys.stderr.write(
                f"sigfollow-desktop: warning: cannot write the log {self.baseFilename} "
                f"({error.strerror or error}); carrying on without it\n"
            )


def setup_logging(folder: Path, level: int = logging.INFO) -> Path:
    """Send the program's log records to a rotating file in ``folder``; return its path."""
    with private_umask():
        folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_FILENAME
    close_logging()
    handler = PrivateLogHandler(
        path,
        maxBytes=2_000_000,
        backupCount=BACKUP_COUNT,
        encoding="utf-8",
        errors="backslashreplace",  # a path from the command line may hold any bytes
    )
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(RedactCredentials())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    # Now, so what it finds goes to the log rather than to stderr.
    private_dir(folder, ours=(LOG_FILENAME,))
    private_files(path, *(folder / f"{LOG_FILENAME}.{n}" for n in range(1, BACKUP_COUNT + 1)))
    return path


def close_logging() -> None:
    """Detach and close the log file handler, if any."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "sigfollow", False):
            root.removeHandler(handler)
            handler.close()
