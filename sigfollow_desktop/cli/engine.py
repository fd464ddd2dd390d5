"""``engine run``: deliver the queue headless until Ctrl-C, which stops cleanly.

It says when delivery waits for a fault of the environment (the database busy, the disk full)
and when it resumes, with or without ``-v``; an engine stopped by an error exits 1 and says why.
"""

from __future__ import annotations

import argparse
import signal
from types import FrameType

from sigfollow_desktop.cli.context import Context, UsageError, plural
from sigfollow_desktop.cli.options import MAX_TIMEOUT, MIN_TIMEOUT, age, seconds, whole_number
from sigfollow_desktop.core.urls import redact_credentials
from sigfollow_desktop.engine.dispatcher import LEASE_MARGIN, Dispatcher, EngineConfig
from sigfollow_desktop.engine.reports import DeliveryFailed, EngineStatus
from sigfollow_desktop.engine.send import DEFAULT_TIMEOUT
from sigfollow_desktop.store.retention import DEFAULT_KEEP

# A thread per sender; a crashed engine's deliveries come back within a day at the latest.
MAX_SENDERS = 512
MAX_LEASE = 86_400.0
# Delivered deliveries are kept from an hour (enough to see what just happened) to ten years.
MIN_KEEP, MAX_KEEP = 3_600.0, 3_650 * 86_400.0


def _config(args: argparse.Namespace) -> EngineConfig:
    lease = args.lease if args.lease is not None else max(60.0, args.timeout * 3)
    if lease < args.timeout + LEASE_MARGIN:
        raise UsageError(
            f"--lease ({lease:g} s) must be at least {LEASE_MARGIN:g} s longer than --timeout "
            f"({args.timeout:g} s), so an answer still on its way is never sent again by "
            "another engine"
        )
    try:
        return EngineConfig(
            senders=args.senders,
            per_webhook=args.per_webhook,
            timeout=args.timeout,
            lease=lease,
            keep=args.keep,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def cmd_run(ctx: Context, args: argparse.Namespace) -> int:
    config = _config(args)
    ctx.secrets.backend  # noqa: B018 - fail now, with advice, if there is no usable keychain

    def failed(report: DeliveryFailed) -> None:
        ctx.print(
            f"Delivery {report.delivery_id} to webhook {report.webhook_id} "
            f"({redact_credentials(report.url)}) "
            f"failed after its last attempt: {report.reason}"
        )

    notices: list[str | None] = [None]
    last: list[EngineStatus] = []

    def status(report: EngineStatus) -> None:
        if report.notice != notices[-1]:  # why deliveries wait: said once, when it changes
            notices.append(report.notice)
            if report.notice is not None:
                ctx.print(report.notice)
        previous = last[0] if last else None
        last[:] = [report]
        moved = previous is None or (previous.state, previous.reason) != (
            report.state,
            report.reason,
        )
        waits = report.state == "waiting" or (previous is not None and previous.state == "waiting")
        if not (args.verbose or (moved and waits)):
            return
        why = f" ({report.reason})" if report.state == "waiting" and report.reason else ""
        ctx.print(
            f"{report.state}{why}: {plural(report.queue_depth, 'delivery', 'deliveries')} "
            f"queued; in the last hour {report.failed_attempts_last_hour} failed attempts, "
            f"{report.failed_last_hour} failed deliveries"
        )
        ctx.out.flush()

    dispatcher = Dispatcher(ctx.store, ctx.secrets, config, on_failed=failed, on_status=status)

    def stop(signum: int, _frame: FrameType | None) -> None:
        dispatcher.stop()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    ctx.print(f"Delivering from {ctx.store.location}; press Ctrl-C to stop.")
    ctx.out.flush()
    try:
        dispatcher.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if dispatcher.state == "errored":
        ctx.err.write(f"sigfollow-desktop: error: delivery stopped: {dispatcher.reason}\n")
        return 1
    ctx.print(f"Stopped cleanly; {plural(dispatcher.sent, 'attempt', 'attempts')} recorded.")
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("engine", help="run the delivery engine without the window")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    run = sub.add_parser(
        "run",
        help="deliver queued events until Ctrl-C",
        description="Deliver queued events: signed, retried on the schedule, recorded. "
        "Ctrl-C (or SIGTERM) stops cleanly; anything not yet recorded is sent again next time.",
    )
    defaults = EngineConfig()
    run.add_argument(
        "--senders",
        type=whole_number(1, MAX_SENDERS),
        default=defaults.senders,
        help=f"most requests in flight overall (default {defaults.senders})",
    )
    run.add_argument(
        "--per-webhook",
        type=whole_number(1, MAX_SENDERS),
        default=defaults.per_webhook,
        help=f"most requests in flight to one webhook (default {defaults.per_webhook})",
    )
    run.add_argument(
        "--timeout",
        type=seconds(MIN_TIMEOUT, MAX_TIMEOUT),
        default=DEFAULT_TIMEOUT,
        help="seconds each attempt may take, from connecting to the end of the answer "
        f"(default {DEFAULT_TIMEOUT:g})",
    )
    run.add_argument(
        "--lease",
        type=seconds(1, MAX_LEASE),
        help="seconds a claimed delivery is held before it may be sent again after a crash "
        "(default: 60, or 3 x the timeout if longer)",
    )
    run.add_argument(
        "--keep",
        type=age(MIN_KEEP, MAX_KEEP),
        default=DEFAULT_KEEP,
        metavar="AGE",
        help="how long delivered deliveries are kept before they are pruned, as in 30d, 12h "
        "or 90m (default 30d); failed ones are kept until redelivered or removed",
    )
    run.add_argument("-v", "--verbose", action="store_true", help="print the queue size as it goes")
    run.set_defaults(handler=cmd_run)
