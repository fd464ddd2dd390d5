"""What each attempt of a delivery sent and got back: its request headers as sent and the
answer's headers as received (revision 0007).

Read beside the Deliveries view's detail (``delivery_pages.delivery_detail``), by the
delivery's id (``ix_attempts_delivery_id``). Attempts recorded before revision 0007, or whose
request could not even be made, have no headers: ``request_headers`` is None.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from sigfollow_desktop.core.http_headers import HeaderPairs, header_pairs

__all__ = ["AttemptExchange", "attempt_exchanges"]


@dataclass(frozen=True, slots=True)
class AttemptExchange:
    number: int
    request_headers: HeaderPairs | None  # None: not recorded
    response_headers: HeaderPairs | None  # None: no answer, or not recorded
    response_headers_cut: int  # the answer's headers left out (over the 8 KiB kept)

    @property
    def recorded(self) -> bool:
        """Whether this attempt's headers were kept (it was recorded by revision 0007 on)."""
        return self.request_headers is not None


_EXCHANGES = """
    SELECT number, request_headers, response_headers, response_headers_cut
    FROM attempts WHERE delivery_id = :id ORDER BY number
"""


def attempt_exchanges(session: Session, delivery_id: int) -> dict[int, AttemptExchange]:
    """The headers of each attempt of the delivery, by attempt number."""
    rows = session.execute(text(_EXCHANGES), {"id": delivery_id})
    return {
        number: AttemptExchange(number, _pairs(sent), _pairs(got), cut or 0)
        for number, sent, got, cut in rows
    }


def _pairs(block: bytes | memoryview | None) -> HeaderPairs | None:
    return None if block is None else header_pairs(bytes(block))
