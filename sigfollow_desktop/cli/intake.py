"""``intake``: receive Meta's webhooks (and local programs' events) over HTTP and relay them.

``intake`` serves until Ctrl-C (or SIGTERM), and by default runs the delivery engine in the same
process, woken by every commit, so an event goes out as soon as it is stored. ``intake
configure`` puts the Meta App Secret and the verify token in the keychain, read from a prompt
or from standard input, never from the command line.
"""

from __future__ import annotations

import argparse
import getpass
import signal
import threading
from types import FrameType

from sigfollow_desktop.cli.context import Context, UsageError, plural
from sigfollow_desktop.core.errors import SigFollowError
from sigfollow_desktop.core.intake_credentials import IntakeKeychain, generate_verify_token
from sigfollow_desktop.engine.dispatcher import Dispatcher, EngineConfig
from sigfollow_desktop.engine.reports import DeliveryFailed
from sigfollow_desktop.engine.send import DEFAULT_TIMEOUT
from sigfollow_desktop.intake.app import MAX_BODY
from sigfollow_desktop.intake.server import DEFAULT_HOST, DEFAULT_PORT, IntakeServer, is_loopback
from sigfollow_desktop.store.events import Intake

EXPOSED_WARNING = (
    "warning: listening on {host}, not only on this machine: anyone who can reach it may try "
    "requests (each still needs the App Secret's signature). Put it behind HTTPS for Meta; "
    "see README, 'Live intake'."
)


def _read_values(ctx: Context) -> tuple[str, str]:
    """The App Secret and verify token: hidden prompts at a terminal, else two stdin lines."""
    if ctx.stdin.isatty():
        app_secret = getpass.getpass("Meta App Secret (hidden): ", stream=ctx.err)
        token = getpass.getpass("Verify token (hidden; empty: generate one): ", stream=ctx.err)
        return app_secret, token
    lines = ctx.stdin.read().splitlines()
    app_secret = lines[0] if lines else ""
    token = lines[1] if len(lines) > 1 else ""
    return app_secret, token


def cmd_configure(ctx: Context, args: argparse.Namespace) -> int:
    app_secret, token = _read_values(ctx)
    if not app_secret.strip():
        raise UsageError(
            "no App Secret given: type it at the prompt, or pipe it in as the first line "
            "(the verify token, if you chose one, as the second)"
        )
    generated = not token.strip()
    if generated:
        token = generate_verify_token()
    IntakeKeychain(ctx.secrets).save(app_secret, token)
    del app_secret
    ctx.print("The App Secret and verify token are in the system keychain.")
    if generated:
        ctx.print()
        ctx.print("Verify token — shown only once; enter it in Meta's webhook settings:")
        ctx.print()
        ctx.print(f"    {token}")
        ctx.print()
        ctx.print("If you lose it, run `sigfollow-desktop intake configure` again.")
    ctx.print("Restart a running intake to use them.")
    return 0


def cmd_run(ctx: Context, args: argparse.Namespace) -> int:
    if args.max_body < 1:
        raise UsageError("--max-body must be at least 1 byte")
    if ctx.shared:
        raise SigFollowError(
            "The live intake stores into the SQLite file of its data folder only; run it "
            "without --database (or SIGFOLLOW_DATABASE_URL), or import into the shared "
            "database with `events import`"
        )
    credentials = IntakeKeychain(ctx.secrets).require()
    dispatcher: Dispatcher | None = None
    if args.engine:
        try:
            lease = args.lease if args.lease is not None else max(60.0, args.timeout * 3)
            config = EngineConfig(timeout=args.timeout, lease=lease)
        except ValueError as exc:
            raise UsageError(str(exc)) from None

        def failed(report: DeliveryFailed) -> None:
            ctx.print(
                f"Delivery {report.delivery_id} to webhook {report.webhook_id} ({report.url}) "
                f"failed after its last attempt: {report.reason}"
            )

        dispatcher = Dispatcher(ctx.store, ctx.secrets, config, on_failed=failed)

    def committed(_intake: Intake) -> None:
        if dispatcher is not None:
            dispatcher.wake()

    server = IntakeServer(
        ctx.store,
        credentials,
        host=args.host,
        port=args.port,
        max_body=args.max_body,
        on_committed=committed,
    )
    del credentials
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    engine_thread: threading.Thread | None = None
    try:
        server.start()
        if not is_loopback(args.host):
            ctx.err.write(EXPOSED_WARNING.format(host=args.host) + "\n")
        if dispatcher is not None:
            engine_thread = threading.Thread(
                target=dispatcher.run, name="sigfollow-engine", daemon=True
            )
            engine_thread.start()
        relay = (
            "delivering with the engine in this process"
            if dispatcher is not None
            else "not delivering (--no-engine: run `sigfollow-desktop engine run`)"
        )
        ctx.print(f"Intake listening on {server.url} into {ctx.store.location}; {relay}.")
        ctx.print("Press Ctrl-C to stop.")
        ctx.out.flush()
        while not stop.wait(3600):
            pass
    finally:
        server.stop()
        if dispatcher is not None:
            dispatcher.stop()
            if engine_thread is not None:
                engine_thread.join(10)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    stats = server.stats()
    ctx.print(
        f"Stopped cleanly; {plural(stats.stored, 'event', 'events')} stored, "
        f"{plural(stats.duplicates, 'duplicate', 'duplicates')}, "
        f"{plural(stats.refused, 'request', 'requests')} refused."
    )
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "intake",
        help="receive Meta's webhooks over HTTP and relay them (Ctrl-C stops)",
        description="Serve Meta's WhatsApp Cloud API webhook contract: GET verification with "
        "the verify token, POST events signed with the App Secret (X-Hub-Signature-256). Each "
        "accepted body is stored before it is answered 200, then delivered to every subscribed "
        "webhook. Listens on 127.0.0.1 unless --host says otherwise.",
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}: this machine only)",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any)"
    )
    parser.add_argument(
        "--no-engine",
        dest="engine",
        action="store_false",
        help="only receive and store; deliver with a separate `engine run`",
    )
    parser.add_argument(
        "--max-body",
        type=int,
        default=MAX_BODY,
        metavar="BYTES",
        help=f"larger bodies are refused with 413 (default {MAX_BODY:,})",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds the engine waits for each webhook's answer (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--lease",
        type=float,
        help="seconds a claimed delivery is held before it may be sent again after a crash "
        "(default: 60, or 3 x the timeout if longer)",
    )
    parser.set_defaults(handler=cmd_run)
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    configure = sub.add_parser(
        "configure",
        help="put the Meta App Secret and verify token in the keychain",
        description="Reads the Meta App Secret, then the verify token, from hidden prompts "
        "(or from the first two lines of standard input). An empty verify token generates one, "
        "printed once. Neither is ever taken from the command line.",
    )
    configure.set_defaults(handler=cmd_configure)
