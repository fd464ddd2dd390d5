"""Numbers on the command line: parsed strictly, kept within sane bounds, refused in one line.

Every numeric option goes through one of these argparse ``type=`` functions, so ``nan``,
``inf``, ``1e308``, ``-1`` or a 25-digit count are refused before anything runs (exit code 2)
instead of reaching the store, where SQLite cannot hold them or a NaN lease is stored as NULL.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import NoReturn

# SQLite's INTEGER is 64-bit signed: ids and limits beyond it cannot even be looked up.
MAX_INT64 = 2**63 - 1
MAX_LIMIT = 1_000_000  # rows a listing prints
MAX_SIMULATE = 1_000_000  # events one `events simulate` makes
# An answer may take up to ten minutes.
MIN_TIMEOUT, MAX_TIMEOUT = 0.1, 600.0


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and ``--help`` says the rest)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def whole_number(low: int, high: int, refusal: str = "") -> Callable[[str], int]:
    """An integer from ``low`` to ``high``; ``refusal`` replaces the usual reason."""
    reason = refusal or f"is not a whole number from {low:,} to {high:,}"

    def parse(text: str) -> int:
        try:
            value = int(text, 10) if len(text) <= 40 else None
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{_shown(text)} {reason}")
        return value

    parse.__name__ = "whole number"
    return parse


def seconds(low: float, high: float) -> Callable[[str], float]:
    """A finite number of seconds from ``low`` to ``high``."""

    def parse(text: str) -> float:
        try:
            value = float(text) if len(text) <= 40 else math.nan
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(
                f"{_shown(text)} is not a number of seconds from {low:,g} to {high:,g}"
            )
        return value

    parse.__name__ = "seconds"
    return parse


_UNITS = {"d": 86_400.0, "h": 3_600.0, "m": 60.0}


def age(low: float, high: float) -> Callable[[str], float]:
    """An age such as ``30d``, ``12h`` or ``90m``, from ``low`` to ``high`` seconds."""
    bounds = f"from {_age_text(low)} to {_age_text(high)}"

    def parse(text: str) -> float:
        number, unit = text[:-1], text[-1:].lower()
        valid = unit in _UNITS and number.isascii() and number.isdigit() and len(number) <= 9
        value = int(number) * _UNITS[unit] if valid else math.nan
        if not low <= value <= high:  # NaN never is
            raise argparse.ArgumentTypeError(
                f"{_shown(text)} is not an age {bounds}: write a whole number and a unit, "
                "d (days), h (hours) or m (minutes), as in 30d"
            )
        return value

    parse.__name__ = "age"
    return parse


def _age_text(seconds: float) -> str:
    for unit, size in _UNITS.items():
        if seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def _shown(text: str) -> str:
    """The value as typed, short and printable whatever bytes it holds."""
    short = text if len(text) <= 40 else text[:37] + "..."
    return repr(short) if short.isprintable() else ascii(short)


# Ids are SQLite row ids: whole numbers from 1 to 2**63 - 1.
ID = whole_number(1, MAX_INT64, "is not an id (ids are whole numbers from 1 up)")
