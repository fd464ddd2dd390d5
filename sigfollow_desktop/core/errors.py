"""The errors SigFollow Desktop raises on purpose.

Every message is written for a person: what went wrong and what to do next. None of them
ever carries a signing secret.

    SigFollowError
     ├── PayloadError            a body that is not a Meta WhatsApp webhook body
     ├── NotFoundError           no webhook / delivery with that id
     ├── KeychainError           no usable OS keychain (nothing is written in plaintext instead)
     └── StoreError              the SQLite store cannot be used
          ├── DatabaseNewerError   written by a newer SigFollow Desktop
          └── DatabaseCorruptError not a readable SQLite database (left untouched)
"""


class SigFollowError(Exception):
    """Base of every error raised on purpose; its text is shown to the user as is."""


class PayloadError(SigFollowError):
    """A body is not a Meta WhatsApp Business webhook body."""


class NotFoundError(SigFollowError):
    """The object asked for does not exist."""


class KeychainError(SigFollowError):
    """The OS keychain cannot store or read signing secrets."""


class StoreError(SigFollowError):
    """The local store cannot be opened or used."""


class DatabaseNewerError(StoreError):
    """The database was written by a newer version of the program."""


class DatabaseCorruptError(StoreError):
    """The file is not a readable SQLite database."""
