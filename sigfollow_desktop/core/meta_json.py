"""Meta's JSON encoding, for the bodies SigFollow makes itself (samples, ``events simulate``).

Meta's webhook bodies are compact JSON in pure ASCII, written the way PHP's ``json_encode``
writes by default:

- no whitespace between tokens;
- every character outside ASCII as ``\\uXXXX`` with lowercase hex digits, characters beyond
  U+FFFF as a surrogate pair (``"Léa"`` is ``"L\\u00e9a"``, 👍 is ``"\\ud83d\\udc4d"``);
- ``/`` escaped as ``\\/`` (``"image\\/jpeg"``), as every captured WhatsApp body shows;
- and, as Meta's webhook documentation lists for its signature input, ``<`` as ``\\u003C``,
  ``%`` as ``\\u0025`` and ``@`` as ``\\u0040``.

Key order is the caller's: a ``dict`` is written in insertion order. Bodies received from
elsewhere are never passed through here; they are kept as they came.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Characters that only ever occur inside strings in json.dumps output, so a plain replacement
# never touches the structure.
_META_ESCAPES = str.maketrans({"/": "\\/", "<": "\\u003C", "%": "\\u0025", "@": "\\u0040"})
_NON_ASCII = re.compile("[^\x00-\x7f]+")


def _escape(match: re.Match[str]) -> str:
    units = match.group().encode("utf-16-be", "surrogatepass")
    return "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2))


def meta_json(document: Any) -> bytes:
    """``document`` as the bytes Meta would send for it."""
    # ensure_ascii=False, then escaping by hand: json.dumps would also escape DEL, PHP does not.
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return _NON_ASCII.sub(_escape, text.translate(_META_ESCAPES)).encode("ascii")
