#!/bin/sh
# /usr/bin/sigfollow-desktop: the installed bundle lives in /opt/sigfollow-desktop.
exec /opt/sigfollow-desktop/sigfollow-desktop "$@"
