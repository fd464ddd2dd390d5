from hypothesis import given
from hypothesis import strategies as st

from sigfollow_desktop.core.signing import sign, verify

GITHUB_SECRET = "It's a Secret to Everybody"
GITHUB_BODY = b"Hello, World!"
GITHUB_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_matches_githubs_public_test_vector() -> None:
    assert sign(GITHUB_SECRET, GITHUB_BODY) == GITHUB_SIGNATURE
    assert verify(GITHUB_SECRET, GITHUB_BODY, GITHUB_SIGNATURE)


def test_wrong_secret_body_or_header_do_not_verify() -> None:
    assert not verify("another secret", GITHUB_BODY, GITHUB_SIGNATURE)
    assert not verify(GITHUB_SECRET, b"Hello, World?", GITHUB_SIGNATURE)
    assert not verify(GITHUB_SECRET, GITHUB_BODY, GITHUB_SIGNATURE.upper())
    assert not verify(GITHUB_SECRET, GITHUB_BODY, GITHUB_SIGNATURE.removeprefix("sha256="))
    assert not verify(GITHUB_SECRET, GITHUB_BODY, "")
    assert not verify(GITHUB_SECRET, GITHUB_BODY, "sha256=ü")


@given(secret=st.text(min_size=1), body=st.binary(), header=st.text())
def test_verify_never_raises_and_only_accepts_the_signature(
    secret: str, body: bytes, header: str
) -> None:
    assert verify(secret, body, sign(secret, body))
    assert verify(secret, body, header) == (header.strip() == sign(secret, body))
