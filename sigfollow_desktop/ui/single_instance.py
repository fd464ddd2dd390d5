"""One running window per data folder: a second launch asks the first to come forward.

The first instance listens on a local socket named after the user and the data folder; a
later launch finds it, sends one line, and exits.

The socket lives in the user's own runtime folder (``$XDG_RUNTIME_DIR``, or a 0700 folder of
ours), never under a predictable name in /tmp, where another account could create it first,
take the ``raise`` line and make every launch exit believing the program already runs. It is
given by its full path, listens for this user only, and a socket file that is not ours (not a
socket, or another account's) is never connected to nor removed: the launch goes ahead
without the one-instance check.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import os
import stat
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from sigfollow_desktop.paths import INSTANCE_PREFIX, runtime_dir

log = logging.getLogger(__name__)

_RAISE = b"raise\n"
_TIMEOUT_MS = 1000


def instance_key(data_folder: Path) -> str:
    """The socket of this user and this store: a full path in the user's runtime folder (on
    Windows a pipe name, which the user access option restricts); ``""`` when no private
    folder can be had."""
    digest = hashlib.sha256(f"{getpass.getuser()}\0{data_folder}".encode()).hexdigest()
    name = f"{INSTANCE_PREFIX}{digest[:16]}"
    if os.name == "nt":
        return name
    folder = runtime_dir()
    return str(folder / name) if folder is not None else ""


def _foreign(key: str) -> str | None:
    """Why the socket file at ``key`` must not be trusted, or ``None`` when it is ours or
    absent."""
    if os.name == "nt":
        return None
    try:
        info = os.lstat(key)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"it cannot be checked ({exc.strerror})"
    if not stat.S_ISSOCK(info.st_mode):
        return "it is not a socket"
    if info.st_uid != os.geteuid():
        return f"it belongs to another account (uid {info.st_uid})"
    return None


class SingleInstance(QObject):
    """Claim the key; if another instance holds it, ask that one to show its window.

    Signals:
        raise_requested(): a second launch asked this instance to show its window.
    """

    raise_requested = Signal()

    def __init__(self, key: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self._server: QLocalServer | None = None

    def claim(self) -> bool:
        """``True`` when this is the first instance (and now listens, if it can); ``False``
        when another instance answered and was asked to raise its window."""
        if not self.key:
            log.warning("no private runtime folder; starting without the one-instance check")
            return True
        why = _foreign(self.key)
        if why is not None:
            log.warning(
                "not trusting %s: %s; starting without the one-instance check", self.key, why
            )
            return True
        if self._ask_running_instance():
            return False
        # Nobody answered: a socket file of ours left by a crash is stale and may go.
        QLocalServer.removeServer(self.key)
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.key):
            log.warning("cannot listen for other launches: %s", server.errorString())
            return True
        server.newConnection.connect(self._on_connection)
        self._server = server
        return True

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    def _ask_running_instance(self) -> bool:
        socket = QLocalSocket()
        socket.connectToServer(self.key)
        if not socket.waitForConnected(_TIMEOUT_MS):
            return False
        socket.write(_RAISE)
        socket.waitForBytesWritten(_TIMEOUT_MS)
        socket.disconnectFromServer()
        return True

    @Slot()
    def _on_connection(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.disconnected.connect(socket.deleteLater)
            socket.readyRead.connect(self._on_ready_read)
            if socket.bytesAvailable():
                self._on_ready_read_from(socket)

    @Slot()
    def _on_ready_read(self) -> None:
        socket = self.sender()
        if isinstance(socket, QLocalSocket):
            self._on_ready_read_from(socket)

    def _on_ready_read_from(self, socket: QLocalSocket) -> None:
        while socket.canReadLine():
            if bytes(socket.readLine().data()) == _RAISE:
                log.info("a second launch asked for the window")
                self.raise_requested.emit()
