"""``verify``: check an X-Hub-Signature-256 header against a body, as a receiver would."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from sigfollow_desktop.cli.context import Context, UsageError, read_input
from sigfollow_desktop.core.signing import verify

SECRET_ENV = "SIGFOLLOW_SECRET"  # noqa: S105 - a variable name, not a secret


def read_secret(env_name: str) -> str:
    """The secret from an environment variable, else a hidden prompt at a terminal."""
    secret = os.environ.get(env_name)
    if secret:
        return secret
    if not sys.stdin.isatty():
        raise UsageError(f"Set {env_name} to the signing secret (or run at a terminal to be asked)")
    secret = getpass.getpass("Signing secret: ")
    if not secret:
        raise UsageError("No secret given")
    return secret


def cmd_verify(ctx: Context, args: argparse.Namespace) -> int:
    if args.file == "-" and not os.environ.get(args.secret_env) and sys.stdin.isatty():
        raise UsageError("Give the body as a FILE when the secret is typed at the prompt")
    secret = read_secret(args.secret_env)
    body = read_input(args.file)
    if verify(secret, body, args.signature):
        ctx.print("Signature valid: the body was signed with this secret.")
        return 0
    ctx.err.write(
        "Signature does not match: wrong secret (rotated?), a changed body (verify the raw "
        "bytes, not re-serialised JSON), or a malformed header (expected sha256=<64 hex>).\n"
    )
    return 1


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "verify",
        help="check an X-Hub-Signature-256 header against a body",
        description=f"Secret from ${SECRET_ENV} (or --secret-env NAME), else a hidden prompt.",
    )
    parser.add_argument("--signature", required=True, metavar="HEADER", help="sha256=<hex>")
    parser.add_argument("--secret-env", default=SECRET_ENV, metavar="NAME")
    parser.add_argument("file", nargs="?", default="-", metavar="FILE", help="body (default -)")
    parser.set_defaults(handler=cmd_verify, needs_store=False)
