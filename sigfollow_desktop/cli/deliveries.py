"""``deliveries …`` commands (read-only views of the outbox)."""

from __future__ import annotations

import argparse
import math
import re
import time
from datetime import datetime

from sigfollow_desktop.cli.context import Context, UsageError, plural, table, when
from sigfollow_desktop.cli.options import ID, MAX_LIMIT, whole_number
from sigfollow_desktop.core.http_headers import ANSWER_HEADERS_KEPT, HeaderPairs, header_pairs
from sigfollow_desktop.store.deliveries import get_delivery, list_deliveries
from sigfollow_desktop.store.models import Attempt
from sigfollow_desktop.store.outbox import recover, redeliver

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_LATEST = 253_402_300_800.0  # the year 10000: later times cannot be shown
_AGO = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")


def parse_since(text: str, now: float) -> float:
    """``2h`` / ``30m`` / ``1d`` ago, or a date and time (ISO 8601, local time unless a zone)."""
    ago = _AGO.match(text.lower())
    try:
        if ago:
            since = now - float(ago.group(1)) * _UNITS[ago.group(2)]
        else:
            moment = datetime.fromisoformat(text.strip())
            if moment.tzinfo is None:
                moment = moment.astimezone()  # local time
            since = moment.timestamp()
    except (ValueError, OverflowError, OSError):
        since = math.nan
    if not 0 <= since < _LATEST:
        raise UsageError(
            f"--since {text!r} is not a time: give an age like 2h, 30m, 1d, or a date and time "
            "like 2026-11-27 09:00 (from 1970 on)"
        )
    return since


def _result(code: int | None, error: str | None) -> str:
    if code is not None:
        return f"HTTP {code}"
    return error or "—"


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.store.session() as session:
        deliveries = list_deliveries(
            session, webhook_id=args.webhook, status=args.status, limit=args.limit
        )
        rows = [
            [
                str(d.id),
                str(d.webhook_id),
                d.event.field,
                d.status,
                str(d.attempt_count),
                _result(d.last_status_code, d.last_error),
                when(d.next_attempt_at) if d.status == "pending" else when(d.finished_at),
            ]
            for d in deliveries
        ]
    if not rows:
        ctx.print("No deliveries match.")
        return 0
    ctx.print(table(rows, ["ID", "WEBHOOK", "FIELD", "STATUS", "TRIES", "LAST", "DUE/DONE"]))
    return 0


def _headers(ctx: Context, title: str, pairs: HeaderPairs) -> None:
    ctx.print(f"  {title}")
    for name, value in pairs:
        ctx.print(f"    {name}: {value}")


def _print_exchange(ctx: Context, attempt: Attempt) -> None:
    """The headers one attempt sent and got back, as stored (the signature, never a secret)."""
    ctx.print()
    ctx.print(f"Attempt {attempt.number} · {_result(attempt.status_code, attempt.error)}")
    if attempt.request_headers is None:
        ctx.print(
            "  Headers were not recorded for this attempt (an earlier version made it, or no "
            "request could be made)."
        )
        return
    _headers(ctx, "Request headers, as sent:", header_pairs(attempt.request_headers))
    if attempt.response_headers is not None:
        _headers(ctx, "Answer headers:", header_pairs(attempt.response_headers))
        if attempt.response_headers_cut:
            ctx.print(
                f"    … {attempt.response_headers_cut} more header(s) not kept (an answer's "
                f"headers are kept up to {ANSWER_HEADERS_KEPT // 1024} KiB)"
            )


def cmd_show(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.store.session() as session:
        d = get_delivery(session, args.id)
        ctx.print(f"Delivery {d.id} (delivery id {d.uid})")
        for label, value in [
            ("Webhook", str(d.webhook_id)),
            ("Event", f"{d.event.id} ({d.event.field}, event id {d.event.uid})"),
            ("Status", d.status),
            ("Attempts", str(d.attempt_count)),
            ("Next attempt", when(d.next_attempt_at) if d.status == "pending" else "—"),
            ("Finished", when(d.finished_at)),
            ("Created", when(d.created_at)),
        ]:
            ctx.print(f"  {label:<13} {value}")
        if d.attempts:
            ctx.print()
            rows = [
                [
                    str(a.number),
                    when(a.started_at),
                    _result(a.status_code, a.error),
                    f"{a.duration_ms:.0f} ms",
                ]
                for a in d.attempts
            ]
            ctx.print(table(rows, ["#", "STARTED", "RESULT", "TIME"]))
            if args.headers:
                for attempt in d.attempts:
                    _print_exchange(ctx, attempt)
        if args.body:
            ctx.print()
            ctx.print(d.event.body.decode("utf-8", "replace"))
    return 0


def cmd_redeliver(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.store.transaction() as session:
        was = redeliver(session, args.id, now=time.time())
    ctx.print(f"Delivery {args.id} (was {was}) is queued again; the running engine sends it now.")
    return 0


def cmd_recover(ctx: Context, args: argparse.Namespace) -> int:
    now = time.time()
    since = parse_since(args.since, now)
    with ctx.store.transaction() as session:
        count = recover(session, args.webhook, since=since, now=now)
    ctx.print(
        f"{plural(count, 'failed delivery', 'failed deliveries')} of webhook {args.webhook} "
        f"since {when(since)} queued again."
    )
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("deliveries", help="see what was delivered and what failed")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    listing = sub.add_parser("list", help="list the newest deliveries")
    listing.add_argument("--webhook", type=ID, metavar="ID", help="only this webhook")
    listing.add_argument("--status", choices=["pending", "delivered", "failed"])
    listing.add_argument("--limit", type=whole_number(1, MAX_LIMIT), default=50)
    listing.set_defaults(handler=cmd_list)

    show = sub.add_parser("show", help="one delivery and its attempts")
    show.add_argument("id", type=ID, metavar="ID")
    show.add_argument(
        "--headers",
        action="store_true",
        help="print each attempt's request headers as sent and the answer's headers",
    )
    show.add_argument("--body", action="store_true", help="print the body that is sent")
    show.set_defaults(handler=cmd_show)

    again = sub.add_parser("redeliver", help="put one delivery back in the queue, due now")
    again.add_argument("id", type=ID, metavar="ID", help="delivery id (see `deliveries list`)")
    again.set_defaults(handler=cmd_redeliver)

    rec = sub.add_parser(
        "recover", help="put a webhook's failed deliveries since a time back in the queue"
    )
    rec.add_argument("webhook", type=ID, metavar="WEBHOOK", help="webhook id")
    rec.add_argument(
        "--since",
        required=True,
        metavar="TIME",
        help="an age (2h, 30m, 1d) or a local date and time (2026-11-27 09:00)",
    )
    rec.set_defaults(handler=cmd_recover)
