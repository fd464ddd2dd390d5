"""``hosts``: joining this host to a shared database, so that its engine can sign.

On a shared PostgreSQL database the signing secrets are sealed under a store key that each
host keeps in its own keychain (see ``store.sealed_secrets``). ``hosts export-key`` prints the
key once on a host that has it; ``hosts join`` reads it here (hidden prompt, or standard input;
never from the command line) and keeps it in this host's keychain.
"""

from __future__ import annotations

import argparse
import getpass

from sigfollow_desktop.cli.context import Context, UsageError
from sigfollow_desktop.store.sealed_secrets import SealedSecretStore


def _sealed(ctx: Context) -> SealedSecretStore:
    if not ctx.shared:
        raise UsageError(
            "hosts works on a shared database: give --database postgresql://… (or set "
            "SIGFOLLOW_DATABASE_URL); the SQLite file's secrets are in this host's keychain"
        )
    secrets = ctx.secrets
    assert isinstance(secrets, SealedSecretStore)
    return secrets


def cmd_status(ctx: Context, _args: argparse.Namespace) -> int:
    secrets = _sealed(ctx)
    if secrets.joined():
        ctx.print(f"This host has joined {ctx.location}: its engine can sign.")
        return 0
    ctx.print(f"This host has not joined {ctx.location}: run `hosts join`.")
    return 1


def cmd_export_key(ctx: Context, _args: argparse.Namespace) -> int:
    key = _sealed(ctx).export_key()
    ctx.print("Store key — give it only to a host you trust, over a channel you trust, and")
    ctx.print("paste it into `sigfollow-desktop hosts join` there:")
    ctx.print()
    ctx.print(f"    {key}")
    ctx.print()
    return 0


def cmd_join(ctx: Context, _args: argparse.Namespace) -> int:
    secrets = _sealed(ctx)
    if ctx.stdin.isatty():
        text = getpass.getpass("Store key (hidden): ", stream=ctx.err)
    else:
        text = ctx.stdin.readline()
    key_id = secrets.join(text)
    ctx.print(f"This host joined {ctx.location} (store key {key_id}); its engine can sign.")
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "hosts",
        help="join this host to a shared database (its signing secrets are sealed in it)",
        description=__doc__.split("\n\n")[1].replace("\n", " ") if __doc__ else None,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    status = actions.add_parser("status", help="whether this host can open the sealed secrets")
    status.set_defaults(handler=cmd_status)
    export = actions.add_parser("export-key", help="print the store key once, to join another host")
    export.set_defaults(handler=cmd_export_key)
    join = actions.add_parser(
        "join", help="read the store key (hidden prompt or standard input) into this keychain"
    )
    join.set_defaults(handler=cmd_join)
