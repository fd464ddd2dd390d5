"""The options every engine benchmark takes: ``--smoke`` and ``--asyncio-receiver``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Options:
    smoke: bool
    prefer_nginx: bool


def parse_options(
    prog: str, argv: Sequence[str] | None, *, description: str | None = None
) -> Options:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, to check it runs")
    parser.add_argument(
        "--asyncio-receiver", action="store_true", help="use the asyncio receiver, not nginx"
    )
    args = parser.parse_args(argv)
    return Options(smoke=args.smoke, prefer_nginx=not args.asyncio_receiver)
