"""The bundle's entry point: the same ``main`` as the ``sigfollow-desktop`` command."""

import sys

from sigfollow_desktop.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
