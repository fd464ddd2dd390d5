"""Qt-free rules of the product: URLs, signing, Meta bodies, secrets, errors."""

from sigfollow_desktop.core.errors import (
    DatabaseCorruptError,
    DatabaseNewerError,
    KeychainError,
    NotFoundError,
    PayloadError,
    SigFollowError,
    StoreError,
)
from sigfollow_desktop.core.fields import FIELDS, Field, parse_fields
from sigfollow_desktop.core.meta import ParsedEvent, parse_body
from sigfollow_desktop.core.secrets import generate_secret
from sigfollow_desktop.core.signing import SIGNATURE_HEADER, sign, verify
from sigfollow_desktop.core.urls import MAX_URL_LENGTH, UrlCheck, check_url

__all__ = [
    "FIELDS",
    "MAX_URL_LENGTH",
    "SIGNATURE_HEADER",
    "DatabaseCorruptError",
    "DatabaseNewerError",
    "Field",
    "KeychainError",
    "NotFoundError",
    "ParsedEvent",
    "PayloadError",
    "SigFollowError",
    "StoreError",
    "UrlCheck",
    "check_url",
    "generate_secret",
    "parse_body",
    "parse_fields",
    "sign",
    "verify",
]
