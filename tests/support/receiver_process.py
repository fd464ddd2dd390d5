"""The loopback receiver in a process of its own, as a real receiver is: its threads do not
compete with the program under test for the interpreter lock.

``python -m tests.support.receiver_process`` prints its URL on the first line and answers 200
to every POST. When its standard input closes, it takes what was written there as the signing
secret and prints one JSON line: how many requests came, how many distinct
``X-SigFollow-Delivery-Id`` values, and how many bodies carried a valid signature.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from types import TracebackType

from sigfollow_desktop.core.signing import SIGNATURE_HEADER, verify
from sigfollow_desktop.engine.send import DELIVERY_ID_HEADER
from tests.support.receiver import Receiver


@dataclass(frozen=True)
class Tally:
    requests: int
    distinct_deliveries: int
    signed: int


class ReceiverProcess:
    """``with ReceiverProcess() as r:`` … ``r.url``; ``r.tally(secret)`` once sending is over."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        self.url = self._process.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:"), self.url

    def tally(self, secret: str) -> Tally:
        out, _ = self._process.communicate(secret, timeout=60)
        return Tally(**json.loads(out))

    def __enter__(self) -> ReceiverProcess:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                stream.close()


def main() -> None:
    with Receiver() as receiver:
        print(receiver.url, flush=True)
        secret = sys.stdin.read()  # the test writes it and closes the pipe when sending is over
        requests = list(receiver.requests)
    ids = {request.headers.get(DELIVERY_ID_HEADER) for request in requests}
    signed = sum(
        verify(secret, request.body, request.headers.get(SIGNATURE_HEADER, ""))
        for request in requests
    )
    print(
        json.dumps({"requests": len(requests), "distinct_deliveries": len(ids), "signed": signed})
    )


if __name__ == "__main__":
    main()
