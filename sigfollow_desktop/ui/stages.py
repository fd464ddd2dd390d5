"""Building a window a piece per turn of the event loop, so none of its turns is long.

A window with several cards takes a few hundred milliseconds to build, most of it Qt laying
out and styling widgets; done at once, the window would not answer meanwhile. ``Stages`` runs
one step per turn (a zero-time timer between them), and :meth:`Stages.finish` runs what is
left at once, for code that needs a piece before its turn came.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal, Slot


class Stages(QObject):
    """Runs ``steps`` in order, one per turn of the event loop, from the next turn (or from
    :meth:`start`, made with ``start=False``).

    Signals:
        finished(): the last step ran.
    """

    finished = Signal()

    def __init__(
        self,
        steps: Iterable[Callable[[], None]],
        parent: QObject | None = None,
        *,
        start: bool = True,
    ) -> None:
        super().__init__(parent)
        self._steps = deque(steps)
        self._done = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._next)
        if start:
            self._timer.start()

    @property
    def done(self) -> bool:
        return self._done

    @Slot()
    def start(self) -> None:
        """Start the steps (made with ``start=False``), from the next turn."""
        if not self._done and self._steps:
            self._timer.start()
        elif not self._done:
            self._end()

    def finish(self) -> None:
        """Run every step left now."""
        self._timer.stop()
        while self._steps:
            self._steps.popleft()()
        self._end()

    @Slot()
    def _next(self) -> None:
        if self._steps:
            step = self._steps.popleft()
            try:
                step()
            except RuntimeError:  # shiboken's "already deleted", if the window went away
                if shiboken6.isValid(self):
                    raise
        if not shiboken6.isValid(self):
            return  # the window was destroyed meanwhile: nothing left to build
        if self._steps:
            self._timer.start()
        else:
            self._end()

    def _end(self) -> None:
        if not self._done:
            self._done = True
            self.finished.emit()
