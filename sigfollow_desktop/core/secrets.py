"""Signing secret generation."""

from __future__ import annotations

import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 - a marker, not a secret
SECRET_BYTES = 32  # 256 bits of entropy


def generate_secret() -> str:
    """A new signing secret: ``whsec_`` and 256 random bits, URL-safe base64."""
    return SECRET_PREFIX + secrets.token_urlsafe(SECRET_BYTES)
