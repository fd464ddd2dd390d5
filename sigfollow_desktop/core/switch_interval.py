"""How soon a thread waiting for the interpreter lock gets it: shortened, never lengthened.

A thread that comes back from C (SQLite, a socket) waits for the interpreter lock up to the
switch interval while another thread runs Python: 5 ms by default. The window's GUI thread
(beside the store worker) and the intake's writer (beside the HTTP thread) each pay that wait
many times over in one turn or one commit, so both shorten it. The setting is process-wide;
whoever asks for a shorter one gets it, nobody makes it longer again.
"""

from __future__ import annotations

import sys

SHORT = 0.0005  # seconds


def shorten_switch_interval(seconds: float = SHORT) -> None:
    if sys.getswitchinterval() > seconds:
        sys.setswitchinterval(seconds)
