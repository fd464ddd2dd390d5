"""``webhooks …`` commands."""

from __future__ import annotations

import argparse
from typing import Any

from sigfollow_desktop.cli.context import Context, table, when
from sigfollow_desktop.cli.options import ID, MAX_TIMEOUT, MIN_TIMEOUT, seconds
from sigfollow_desktop.core.errors import KeychainError, SigFollowError
from sigfollow_desktop.core.fields import DEFAULT_FIELDS, FIELDS, parse_fields
from sigfollow_desktop.core.keychain import MISSING_SECRET
from sigfollow_desktop.core.urls import redact_credentials
from sigfollow_desktop.engine.send import DEFAULT_TIMEOUT
from sigfollow_desktop.engine.send_test_request import send_test
from sigfollow_desktop.store.deliveries import count_by_status
from sigfollow_desktop.store.models import Webhook
from sigfollow_desktop.store.webhooks import get_webhook, list_webhooks


def _state(webhook: Webhook) -> str:
    if not webhook.enabled:
        return "disabled"
    return "paused" if webhook.paused else "enabled"


def _as_dict(webhook: Webhook) -> dict[str, Any]:
    return {
        "id": webhook.id,
        "url": redact_credentials(webhook.url),
        "state": _state(webhook),
        "events": list(webhook.fields),
        "secret_created_at": when(webhook.secret_created_at) if webhook.has_secret else None,
        "created_at": when(webhook.created_at),
        "updated_at": when(webhook.updated_at),
    }


def print_secret_once(ctx: Context, webhook_id: int, secret: str) -> None:
    ctx.print()
    ctx.print("Signing secret — shown only once:")
    ctx.print()
    ctx.print(f"    {secret}")
    ctx.print()
    ctx.print("Store it in your receiver now. SigFollow does not store the secret, so it cannot")
    ctx.print("be displayed again. If you lose it, rotate it with")
    ctx.print(f"`sigfollow-desktop webhooks rotate-secret {webhook_id}` and update your receiver.")


def cmd_add(ctx: Context, args: argparse.Namespace) -> int:
    fields = parse_fields(args.events) if args.events is not None else DEFAULT_FIELDS
    webhook_id, secret = ctx.admin.add(args.url, fields, enable=args.enable)
    state = "enabled" if args.enable else "disabled; enable it with `webhooks enable`"
    ctx.print(f"Webhook {webhook_id} added ({state}): {args.url}")
    ctx.print(f"Events: {', '.join(fields) or 'none'}")
    if secret is not None:
        print_secret_once(ctx, webhook_id, secret)
    return 0


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.store.session() as session:
        webhooks = list_webhooks(session)
        if args.json:
            ctx.print_json([_as_dict(webhook) for webhook in webhooks])
            return 0
        if not webhooks:
            ctx.print("No webhooks yet. Add one with `sigfollow-desktop webhooks add URL`.")
            return 0
        rows = [
            [str(w.id), _state(w), ",".join(w.fields) or "—", redact_credentials(w.url)]
            for w in webhooks
        ]
        ctx.print(table(rows, ["ID", "STATE", "EVENTS", "URL"]))
    return 0


def _secret_state(ctx: Context, webhook_id: int, uid: str, created: str) -> tuple[bool | None, str]:
    """Whether the keychain really holds the secret (None: it could not be asked), and the
    line that says so."""
    try:
        present = ctx.secrets.get(uid) is not None
    except KeychainError as exc:
        return None, f"set {created}; the keychain could not be checked: {exc}"
    if present:
        return True, f"set {created}; kept in the system keychain, never shown again"
    return False, (
        f"missing. {MISSING_SECRET} (`sigfollow-desktop webhooks rotate-secret {webhook_id}`); "
        "its deliveries wait until then"
    )


def cmd_show(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.store.session() as session:
        webhook = get_webhook(session, args.id)
        counts = count_by_status(session, webhook.id)
        info = _as_dict(webhook)
        info["deliveries"] = {s: counts.get(s, 0) for s in ("pending", "delivered", "failed")}
        uid = webhook.uid
    signing = "none yet (generated when the webhook is first enabled)"
    if info["secret_created_at"]:
        info["secret_in_keychain"], signing = _secret_state(
            ctx, args.id, uid, info["secret_created_at"]
        )
    if args.json:
        ctx.print_json(info)
        return 0
    deliveries = " · ".join(f"{k} {v}" for k, v in info["deliveries"].items())
    ctx.print(f"Webhook {info['id']}")
    for label, value in [
        ("URL", info["url"]),
        ("State", info["state"]),
        ("Events", ", ".join(info["events"]) or "none"),
        ("Signing secret", signing),
        ("Deliveries", deliveries),
        ("Created", info["created_at"]),
        ("Updated", info["updated_at"]),
    ]:
        ctx.print(f"  {label:<15} {value}")
    return 0


def cmd_enable(ctx: Context, args: argparse.Namespace) -> int:
    secret = ctx.admin.enable(args.id)
    ctx.print(f"Webhook {args.id} enabled.")
    if secret is not None:
        print_secret_once(ctx, args.id, secret)
    return 0


def cmd_disable(ctx: Context, args: argparse.Namespace) -> int:
    ctx.admin.disable(args.id)
    ctx.print(f"Webhook {args.id} disabled; events that arrive now are not delivered to it.")
    return 0


def cmd_pause(ctx: Context, args: argparse.Namespace) -> int:
    ctx.admin.set_paused(args.id, True)
    with ctx.store.session() as session:
        enabled = get_webhook(session, args.id).enabled
    if enabled:
        ctx.print(
            f"Webhook {args.id} paused: nothing is sent to it, and its deliveries wait in the "
            f"queue until `sigfollow-desktop webhooks resume {args.id}`."
        )
    else:
        ctx.print(
            f"Webhook {args.id} paused. It is disabled too, so nothing is queued for it; once "
            f"enabled, its deliveries wait until `sigfollow-desktop webhooks resume {args.id}`."
        )
    return 0


def cmd_resume(ctx: Context, args: argparse.Namespace) -> int:
    ctx.admin.set_paused(args.id, False)
    with ctx.store.session() as session:
        enabled = get_webhook(session, args.id).enabled
    if enabled:
        ctx.print(f"Webhook {args.id} resumed: its queued deliveries go out now.")
    else:
        ctx.print(
            f"Webhook {args.id} resumed, but it is disabled: enable it with "
            f"`sigfollow-desktop webhooks enable {args.id}`."
        )
    return 0


def cmd_events(ctx: Context, args: argparse.Namespace) -> int:
    fields = parse_fields(args.events)
    ctx.admin.set_fields(args.id, fields)
    ctx.print(f"Webhook {args.id} now receives: {', '.join(fields) or 'nothing'}")
    return 0


def cmd_remove(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.store.session() as session:
        url = get_webhook(session, args.id).url
    question = f"Remove webhook {args.id} ({url}) and its delivery history?"
    if not ctx.confirm(question, args.yes):
        ctx.print("Nothing removed.")
        return 1
    ctx.admin.remove(args.id)
    ctx.print(f"Webhook {args.id} removed. Stored events are kept.")
    return 0


def cmd_rotate(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.store.session() as session:
        get_webhook(session, args.id)
    question = (
        f"Rotate the signing secret of webhook {args.id}? Rotating invalidates the old secret, "
        "so update your receiver right away or signature verification will fail."
    )
    if not ctx.confirm(question, args.yes):
        ctx.print("Secret not rotated.")
        return 1
    secret = ctx.admin.rotate_secret(args.id)
    ctx.print(f"Webhook {args.id}: new signing secret issued; the old one no longer signs.")
    print_secret_once(ctx, args.id, secret)
    return 0


def cmd_test(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.store.session() as session:
        webhook = get_webhook(session, args.id)
        url, uid, fields, has_secret = webhook.url, webhook.uid, webhook.fields, webhook.has_secret
    if not has_secret:
        raise SigFollowError(
            f"Webhook {args.id} has no signing secret yet; enable it first "
            f"(`sigfollow-desktop webhooks enable {args.id}`)"
        )
    secret = ctx.secrets.get(uid)
    if secret is None:
        raise SigFollowError(
            f"The signing secret of webhook {args.id} is missing from the keychain; issue a new "
            f"one with `sigfollow-desktop webhooks rotate-secret {args.id}`"
        )
    field = args.event or (fields[0] if fields else "statuses")
    result = send_test(url, secret, field, timeout=args.timeout)
    ctx.print(f"Test {field} event to {redact_credentials(url)}")
    ctx.print(f"  {result.headline}" + (f": {result.error}" if result.error else ""))
    ctx.print(f"  X-Hub-Signature-256: {result.signature}")
    if args.body:
        ctx.print()
        ctx.print(result.body.decode("utf-8", "replace"))
    return 0 if result.ok else 1


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("webhooks", help="add, list and change webhooks")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    add = sub.add_parser("add", help="add a webhook (disabled unless --enable)")
    add.add_argument("url", metavar="URL", help="http:// or https:// endpoint, at most 512 chars")
    add.add_argument("--enable", action="store_true", help="enable now and print the secret once")
    add.add_argument(
        "--events",
        metavar="FIELDS",
        help="comma list of statuses,messages,template_status (default: statuses,template_status)",
    )
    add.set_defaults(handler=cmd_add)

    listing = sub.add_parser("list", help="list webhooks")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=cmd_list)

    for name, handler, text in [
        ("show", cmd_show, "show one webhook"),
        ("enable", cmd_enable, "enable; the first time, print its new secret once"),
        ("disable", cmd_disable, "stop delivering new events to it"),
        ("pause", cmd_pause, "hold its deliveries in the queue (nothing is dropped)"),
        ("resume", cmd_resume, "send its held deliveries again"),
        ("remove", cmd_remove, "remove it and its delivery history"),
        ("rotate-secret", cmd_rotate, "issue a new signing secret, printed once"),
        ("events", cmd_events, "choose the event fields it receives"),
    ]:
        command = sub.add_parser(name, help=text)
        command.add_argument("id", type=ID, metavar="ID", help="webhook id (see `webhooks list`)")
        command.set_defaults(handler=handler)
        if name == "show":
            command.add_argument("--json", action="store_true", help="print JSON")
        if name in {"remove", "rotate-secret"}:
            command.add_argument("-y", "--yes", action="store_true", help="do not ask to confirm")
        if name == "events":
            command.add_argument("events", metavar="FIELDS", help="comma list, '' for none")

    test = sub.add_parser(
        "test",
        help="send a signed sample event now, outside the queue, and show the answer",
    )
    test.add_argument("id", type=ID, metavar="ID", help="webhook id (see `webhooks list`)")
    test.add_argument(
        "--event", choices=FIELDS, help="which sample (default: its first subscribed event)"
    )
    test.add_argument(
        "--timeout",
        type=seconds(MIN_TIMEOUT, MAX_TIMEOUT),
        default=DEFAULT_TIMEOUT,
        help="seconds to wait for the answer",
    )
    test.add_argument("--body", action="store_true", help="also print the exact body sent")
    test.set_defaults(handler=cmd_test)
