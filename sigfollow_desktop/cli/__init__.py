"""The admin command line: ``sigfollow-desktop --help``. Thin over ``admin``, ``core``, ``store``.

Exit codes: 0 done, 1 failed (one clear line on stderr), 2 wrong usage.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from sigfollow_desktop import __version__
from sigfollow_desktop.cli import (
    deliveries,
    engine,
    events,
    hosts,
    intake,
    receive,
    verify,
    webhooks,
)
from sigfollow_desktop.cli.context import Context, UsageError
from sigfollow_desktop.cli.options import Parser
from sigfollow_desktop.core.errors import SigFollowError
from sigfollow_desktop.logs import setup_logging
from sigfollow_desktop.paths import DATA_DIR_ENV, data_dir, log_dir
from sigfollow_desktop.store.database_url import DATABASE_ENV
from sigfollow_desktop.store.db import describe, describe_fault

log = logging.getLogger(__name__)
PROG = "sigfollow-desktop"

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        description="SigFollow Desktop: configure webhooks and deliver SigFollow events to them, "
        "signed with X-Hub-Signature-256 and retried until delivered. "
        "With no command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check that this installation works (signing, database, modules, Qt, resources; the "
        "keychain is reported), one line per check, and exit: 0 if all pass, 1 if not",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help=f"folder of the database and logs (default: ${DATA_DIR_ENV}, else per-user folder)",
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help=f"a shared database instead of the data folder's SQLite file: "
        f"postgresql://user@host:port/dbname (default: ${DATABASE_ENV}, else the data folder's "
        "file); keep the password in ~/.pgpass or PGPASSWORD, not in the URL",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (webhooks, events, deliveries, engine, intake, hosts, receive, verify):
        module.register(commands)
    return parser


def run_command(ctx: Context, args: argparse.Namespace) -> int:
    try:
        return int(args.handler(ctx, args))
    except UsageError as exc:
        ctx.err.write(f"{PROG}: error: {exc}\n")
        return 2
    except SigFollowError as exc:
        ctx.err.write(f"{PROG}: error: {exc}\n")
        return 1
    except (SQLAlchemyError, sqlite3.Error) as exc:
        if ctx.shared:
            error = describe_fault(ctx.location, exc)
        else:
            error = describe(Path(ctx.location), exc)
        if error is not None:  # busy, full, damaged…: the environment's, said in one line
            log.warning("database fault: %s", exc)
            ctx.err.write(f"{PROG}: error: {error}\n")
            return 1
        log.exception("database error")
        ctx.err.write(
            f"{PROG}: error: the database could not be used ({type(exc).__name__}); "
            "see the log for details\n"
        )
        return 1
    except OSError as exc:
        ctx.err.write(f"{PROG}: error: {_os_reason(exc)}\n")
        return 1
    except KeyboardInterrupt:
        ctx.err.write(f"{PROG}: interrupted\n")
        return 130
    finally:
        ctx.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        from sigfollow_desktop.selftest import run_self_test

        return run_self_test(sys.stdout)
    if args.command is None:
        from sigfollow_desktop.app import run_gui

        return run_gui(args.data_dir, args.database)
    try:
        setup_logging(log_dir(args.data_dir))
    except OSError as exc:
        sys.stderr.write(f"{PROG}: error: cannot write logs: {_os_reason(exc)}\n")
        return 1
    return run_command(Context(data_dir(args.data_dir), database=args.database), args)


def _os_reason(exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


if __name__ == "__main__":
    sys.exit(main())
