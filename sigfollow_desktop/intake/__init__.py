"""Live intake: the HTTP endpoint Meta (and local programs) post WhatsApp webhooks to.

Qt-free; besides ``engine``, the only package that starts threads (the server's event loop and
the group-commit writer). Depends on ``store`` and ``core`` only.
"""

from sigfollow_desktop.intake.app import MAX_BODY, IntakeApp, IntakeStats, handshake, judge_post
from sigfollow_desktop.intake.server import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    IntakeError,
    IntakeServer,
    is_loopback,
)
from sigfollow_desktop.intake.writer import GroupCommitWriter

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "MAX_BODY",
    "GroupCommitWriter",
    "IntakeApp",
    "IntakeError",
    "IntakeServer",
    "IntakeStats",
    "handshake",
    "is_loopback",
    "judge_post",
]
