"""Signing secrets on a database shared by several hosts: sealed in it, opened with each host's key.

Every engine must sign, on whichever host it runs, and no secret may be written in plain text
anywhere. So on a shared database each webhook's secret is stored *sealed*: AES-256-GCM under
the **store key**, with a fresh 96-bit nonce per sealing and the webhook's uid as associated
data (a sealed secret moved to another webhook does not open). The store key is 32 random
bytes that never enter the database: each host keeps it in its own keychain (service
``SigFollow Desktop``, entry ``store-key:<key id>``). The database names the key by its id and
holds a known value sealed under it, so a host tells the right key from a wrong one.

The first host that stores a secret on a new shared database makes the key. Every other host
joins once, explicitly: ``hosts export-key`` on a host that has joined prints the key once, and
``hosts join`` on the new host reads it (a hidden prompt, or standard input; never the command
line), checks it against the database, and puts it in that host's keychain. A host that has
not joined cannot read any secret: its engine says so and its deliveries wait, unclaimed.

:class:`SealedSecretStore` is a :class:`SecretStore` (put, get, delete by webhook uid), so the
window, the command line and the engine use it as they use the keychain.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets as random
import time

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from keyring.backend import KeyringBackend
from sqlalchemy import delete, select

from sigfollow_desktop.core.errors import KeychainError, SigFollowError
from sigfollow_desktop.core.keychain import SERVICE, SecretStore
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.models import SealedSecret, StoreKey

KEY_PREFIX = "sfk_"
_CHECK = b"SigFollow Desktop store key"
_CHECK_AAD = b"sigfollow-store-key-check"
NOT_JOINED = (
    "This host has not joined the shared database, so it cannot read the signing secrets: "
    "run `sigfollow-desktop hosts export-key` on a host that has, then "
    "`sigfollow-desktop hosts join` here"
)


class WrongKeyError(SigFollowError):
    """A store key that is not the shared database's."""


def _aad(webhook_uid: str) -> bytes:
    return f"sigfollow-secret:{webhook_uid}".encode()


def _entry(key_id: str) -> str:
    return f"store-key:{key_id}"


def encode_key(key_id: str, key: bytes) -> str:
    """The key as one line to carry to another host: ``sfk_<id>_<base64url>``."""
    return f"{KEY_PREFIX}{key_id}_{base64.urlsafe_b64encode(key).decode().rstrip('=')}"


def decode_key(text: str) -> tuple[str, bytes]:
    text = text.strip()
    try:
        if not text.startswith(KEY_PREFIX):
            raise ValueError
        key_id, encoded = text[len(KEY_PREFIX) :].split("_", 1)
        key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (ValueError, binascii.Error):
        raise WrongKeyError(
            "That is not a store key: it starts with sfk_ and comes from "
            "`sigfollow-desktop hosts export-key` on a host that has joined"
        ) from None
    if len(key) != 32:
        raise WrongKeyError("That store key is incomplete: copy the whole line")
    return key_id, key


class SealedSecretStore(SecretStore):
    """Secrets sealed in the shared database under the store key of this host's keychain."""

    def __init__(self, store: Store, backend: KeyringBackend | None = None) -> None:
        super().__init__(backend)
        self.store = store
        self._key: tuple[str, bytes] | None = None

    # The store key -------------------------------------------------------------------------

    def _key_row(self) -> StoreKey | None:
        with self.store.session() as session:
            return session.scalars(select(StoreKey).order_by(StoreKey.created_at)).first()

    def _keychain_key(self, key_id: str) -> bytes | None:
        backend = self.backend
        try:
            text = backend.get_password(SERVICE, _entry(key_id))
        except Exception as exc:  # the keychain's own errors: sorted as SecretStore does
            raise self._fail("read the store key", exc) from None
        if text is None:
            return None
        return decode_key(text)[1]

    def key(self, *, create: bool = False) -> tuple[str, bytes]:
        """This host's store key: (id, key). KeychainError when this host has not joined."""
        if self._key is not None:
            return self._key
        row = self._key_row()
        if row is None:
            if not create:
                raise KeychainError(NOT_JOINED)
            return self._create_key()
        key = self._keychain_key(row.key_id)
        if key is None or not _opens(row, key):
            raise KeychainError(NOT_JOINED)
        self._key = (row.key_id, key)
        return self._key

    def _create_key(self) -> tuple[str, bytes]:
        key_id, key = random.token_hex(8), AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(12)
        check = AESGCM(key).encrypt(nonce, _CHECK, _CHECK_AAD)
        self._put_keychain(key_id, key)
        with self.store.transaction() as session:
            session.add(
                StoreKey(
                    key_id=key_id, check_nonce=nonce, check_sealed=check, created_at=time.time()
                )
            )
        self._key = (key_id, key)
        return self._key

    def _put_keychain(self, key_id: str, key: bytes) -> None:
        backend = self.backend
        try:
            backend.set_password(SERVICE, _entry(key_id), encode_key(key_id, key))
        except Exception as exc:
            raise self._fail("store the store key", exc) from None

    def export_key(self) -> str:
        """The store key as one line, for ``hosts join`` on another host."""
        return encode_key(*self.key())

    def join(self, text: str) -> str:
        """Check a key against the database and keep it in this host's keychain; its id."""
        key_id, key = decode_key(text)
        row = self._key_row()
        if row is None:
            raise WrongKeyError(
                "The shared database has no store key yet: the first host to enable a "
                "webhook makes it; join after that"
            )
        if row.key_id != key_id or not _opens(row, key):
            raise WrongKeyError(
                "That store key is not this database's: export it from a host that uses "
                "the same --database"
            )
        self._put_keychain(key_id, key)
        self._key = (key_id, key)
        return key_id

    def joined(self) -> bool:
        try:
            self.key()
        except KeychainError:
            return False
        return True

    # SecretStore ---------------------------------------------------------------------------

    def put(self, webhook_uid: str, secret: str) -> None:
        key_id, key = self.key(create=True)
        nonce = os.urandom(12)
        sealed = AESGCM(key).encrypt(nonce, secret.encode(), _aad(webhook_uid))
        with self.store.transaction() as session:
            session.merge(
                SealedSecret(
                    webhook_uid=webhook_uid,
                    key_id=key_id,
                    nonce=nonce,
                    sealed=sealed,
                    created_at=time.time(),
                )
            )

    def get(self, webhook_uid: str) -> str | None:
        with self.store.session() as session:
            row = session.get(SealedSecret, webhook_uid)
            if row is None:
                return None
            nonce, sealed = row.nonce, row.sealed
        key_id, key = self.key()
        try:
            return AESGCM(key).decrypt(nonce, sealed, _aad(webhook_uid)).decode()
        except InvalidTag:
            raise KeychainError(
                f"The signing secret of this webhook does not open with store key {key_id}; "
                "Rotate secret to issue a new one"
            ) from None

    def delete(self, webhook_uid: str) -> None:
        with self.store.transaction() as session:
            session.execute(delete(SealedSecret).where(SealedSecret.webhook_uid == webhook_uid))


def _opens(row: StoreKey, key: bytes) -> bool:
    try:
        return AESGCM(key).decrypt(row.check_nonce, row.check_sealed, _CHECK_AAD) == _CHECK
    except InvalidTag:
        return False


def secrets_for(store: Store, backend: KeyringBackend | None = None) -> SecretStore:
    """Where ``store``'s signing secrets live: sealed in a shared database, else the keychain."""
    if store.shared:
        return SealedSecretStore(store, backend)
    return SecretStore(backend)
