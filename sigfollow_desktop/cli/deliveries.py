"""``deliveries …`` commands (read-only views of the outbox)."""

from __future__ import annotations

import argparse

from sigfollow_desktop.cli.context import Context, table, when
from sigfollow_desktop.store.deliveries import get_delivery, list_deliveries


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
        if args.body:
            ctx.print()
            ctx.print(d.event.body.decode("utf-8", "replace"))
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("deliveries", help="see what was delivered and what failed")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    listing = sub.add_parser("list", help="list the newest deliveries")
    listing.add_argument("--webhook", type=int, metavar="ID", help="only this webhook")
    listing.add_argument("--status", choices=["pending", "delivered", "failed"])
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(handler=cmd_list)

    show = sub.add_parser("show", help="one delivery and its attempts")
    show.add_argument("id", type=int, metavar="ID")
    show.add_argument("--body", action="store_true", help="print the body that is sent")
    show.set_defaults(handler=cmd_show)
