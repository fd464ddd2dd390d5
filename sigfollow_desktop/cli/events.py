"""``events …`` commands: import, simulate, list.

Import and simulate store in committed batches (see ``admin``), print their progress on
stderr for big inputs, and on Ctrl-C or a fault say how many events were committed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from typing import BinaryIO

from sqlalchemy import func, select

from sigfollow_desktop.admin import ImportStopped, Progress
from sigfollow_desktop.cli.context import (
    Context,
    UsageError,
    input_name,
    plural,
    read_input,
    table,
    when,
)
from sigfollow_desktop.cli.options import MAX_INT64, MAX_LIMIT, MAX_SIMULATE, whole_number
from sigfollow_desktop.core.bodies import WHOLE_FILE, Item, split_bodies
from sigfollow_desktop.core.errors import SigFollowError
from sigfollow_desktop.core.fields import FIELDS, parse_fields
from sigfollow_desktop.core.meta import parse_body
from sigfollow_desktop.core.samples import simulated_bodies
from sigfollow_desktop.store.models import Event

MAX_REASONS = 20
PROGRESS_FROM = 10_000  # events: smaller inputs are stored without progress lines
PROGRESS_EVERY = 1.0  # seconds between progress lines


def _print_refused(ctx: Context, refused: tuple[Item, ...]) -> None:
    for item in refused[:MAX_REASONS]:
        ctx.err.write(f"  {item.where}: {item.error}\n")
    if len(refused) > MAX_REASONS:
        ctx.err.write(f"  … and {len(refused) - MAX_REASONS} more\n")


def _progress(ctx: Context, verb: str) -> Progress:
    """Progress lines on stderr, at most one a second, for inputs of PROGRESS_FROM or more."""
    last = time.monotonic()

    def show(written: int, total: int | None) -> None:
        nonlocal last
        if total is not None and total < PROGRESS_FROM:
            return
        now = time.monotonic()
        if now - last < PROGRESS_EVERY and written != total:
            return
        last = now
        of = f" of {total:,}" if total is not None else ""
        ctx.err.write(f"{verb} {written:,}{of} events\n")
        ctx.err.flush()

    return show


def _stopped(ctx: Context, stopped: ImportStopped, again: str) -> int:
    """One line for a batched write that stopped part-way; exit 130 for Ctrl-C, else 1."""
    cause = stopped.cause
    if isinstance(cause, KeyboardInterrupt):
        what, code = "interrupted", 130
    elif isinstance(cause, SigFollowError):
        what, code = f"error: {cause}", 1
    else:
        what, code = f"error: stopped by {type(cause).__name__} (see the log)", 1
    ctx.err.write(f"sigfollow-desktop: {what}\n{stopped}. {again}\n")
    return code


def cmd_import(ctx: Context, args: argparse.Namespace) -> int:
    data = read_input(args.file)
    items = list(split_bodies(data))
    if not items:
        empty = (
            "it is empty"
            if not data.removeprefix(b"\xef\xbb\xbf").strip()
            else "it is an empty JSON array"
        )
        raise SigFollowError(f"{input_name(args.file)} holds no events: {empty}")
    refused = tuple(item for item in items if item.error is not None)
    if refused and (not args.skip_invalid or len(refused) == len(items)):
        # Refused before the store is even opened: nothing is written.
        _print_nothing_imported(ctx, refused, args.skip_invalid)
        return 1
    try:
        report = ctx.admin.import_items(
            items, skip_invalid=args.skip_invalid, progress=_progress(ctx, "Stored")
        )
    except ImportStopped as stopped:
        return _stopped(
            ctx,
            stopped,
            "Import the same input again to store the rest: stored events are skipped.",
        )
    if not report.committed:
        _print_nothing_imported(ctx, report.refused, args.skip_invalid)
        return 1
    intake = report.intake
    ctx.print(
        f"Imported {plural(intake.stored, 'event', 'events')}; "
        f"{plural(intake.duplicates, 'duplicate', 'duplicates')} skipped; "
        f"{plural(intake.deliveries, 'delivery', 'deliveries')} queued."
    )
    if refused:
        ctx.err.write(f"Skipped {plural(len(refused), 'invalid body', 'invalid bodies')}:\n")
        _print_refused(ctx, refused)
    return 0


def _print_nothing_imported(ctx: Context, refused: tuple[Item, ...], skipping: bool) -> None:
    count = plural(len(refused), "body", "bodies")
    ctx.err.write(f"error: nothing imported: {count} refused\n")
    _print_refused(ctx, refused)
    if skipping:
        ctx.err.write("No body was valid. Fix them and import again.\n")
    elif all(item.where == WHOLE_FILE for item in refused):
        ctx.err.write("Fix the file and import it again.\n")
    else:
        ctx.err.write("Fix them and import again, or pass --skip-invalid to import the rest.\n")


def _write_ndjson(handle: BinaryIO, bodies: Iterable[bytes]) -> None:
    for body in bodies:
        handle.write(body + b"\n")
    handle.flush()


def cmd_simulate(ctx: Context, args: argparse.Namespace) -> int:
    fields = parse_fields(args.events) if args.events else FIELDS
    if not fields:
        raise UsageError("--events must name at least one field")
    bodies = simulated_bodies(args.count, fields, seed=args.seed)
    if args.output == "-":
        _write_ndjson(sys.stdout.buffer, bodies)
        return 0
    if args.output:
        with open(args.output, "wb") as handle:
            _write_ndjson(handle, bodies)
        ctx.print(f"Wrote {plural(args.count, 'body', 'bodies')} to {args.output}")
        return 0
    items = (Item("simulated", body, parsed=parse_body(body)) for body in bodies)
    try:
        intake = ctx.admin.store_items(
            items, args.count, source="simulate", progress=_progress(ctx, "Simulated")
        )
    except ImportStopped as stopped:
        return _stopped(ctx, stopped, "They stay stored.")
    ctx.print(
        f"Simulated {plural(intake.stored, 'event', 'events')} ({', '.join(fields)}); "
        f"{plural(intake.deliveries, 'delivery', 'deliveries')} queued."
    )
    return 0


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.store.session() as session:
        total = session.scalar(select(func.count()).select_from(Event)) or 0
        query = select(Event).order_by(Event.id.desc()).limit(args.limit)
        if args.field:
            query = query.where(Event.field == args.field)
        events = session.scalars(query).all()
        rows = [
            [str(e.id), e.uid, e.field, when(e.received_at), e.source, f"{len(e.body)} B"]
            for e in events
        ]
    if not rows:
        ctx.print("No events stored. Try `sigfollow-desktop events simulate --count 10`.")
        return 0
    ctx.print(table(rows, ["ID", "EVENT ID", "FIELD", "RECEIVED", "SOURCE", "SIZE"]))
    ctx.print(f"({len(rows)} of {total} shown)")
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("events", help="import, simulate and list stored events")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    imp = sub.add_parser(
        "import",
        help="import Meta webhook bodies (JSON, JSON array or NDJSON)",
        description="Import Meta WhatsApp webhook bodies. All-or-nothing: one bad body "
        "imports nothing unless --skip-invalid. Events already stored are skipped.",
    )
    imp.add_argument("file", metavar="FILE", help="file to read, or - for standard input")
    imp.add_argument("--skip-invalid", action="store_true", help="import the valid bodies anyway")
    imp.set_defaults(handler=cmd_import)

    sim = sub.add_parser("simulate", help="store realistic sample events of all three kinds")
    sim.add_argument(
        "--count",
        type=whole_number(1, MAX_SIMULATE),
        default=10,
        help=f"how many events (default 10, at most {MAX_SIMULATE:,})",
    )
    sim.add_argument("--events", metavar="FIELDS", help="comma list of fields (default: all)")
    sim.add_argument(
        "--seed", type=whole_number(0, MAX_INT64), help="random seed, for repeatable samples"
    )
    sim.add_argument(
        "--output", metavar="FILE", help="write NDJSON to FILE (- for stdout) instead of storing"
    )
    sim.set_defaults(handler=cmd_simulate)

    listing = sub.add_parser("list", help="list the newest stored events")
    listing.add_argument("--limit", type=whole_number(1, MAX_LIMIT), default=20)
    listing.add_argument("--field", choices=FIELDS)
    listing.set_defaults(handler=cmd_list)
