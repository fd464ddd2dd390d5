import string
import unicodedata
from urllib.parse import urlsplit

import httpx
import idna
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sigfollow_desktop.core.urls import (
    HINT_HTTP,
    MAX_URL_LENGTH,
    MSG_HOST,
    MSG_LENGTH,
    MSG_SCHEME,
    check_url,
)

GUIDE_MESSAGE = "URL must start with http:// or https://"


def test_guide_messages_word_for_word() -> None:
    assert MSG_SCHEME == GUIDE_MESSAGE
    assert MSG_LENGTH == "URL must be at most 512 characters"
    assert HINT_HTTP == "Use https:// in production."


def test_512_characters_accepted_513_refused() -> None:
    base = "https://example.com/"
    at_limit = base + "a" * (MAX_URL_LENGTH - len(base))
    assert len(at_limit) == 512
    assert check_url(at_limit).ok
    assert check_url(at_limit + "a").message == MSG_LENGTH


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://x", GUIDE_MESSAGE),
        ("example.com", GUIDE_MESSAGE),
        ("javascript:alert(1)", GUIDE_MESSAGE),
        ("", GUIDE_MESSAGE),
        ("http:/example.com", GUIDE_MESSAGE),
        ("http://", MSG_HOST),
        ("https://:443/path", MSG_HOST),
        ("http://exa mple.com", "URL must not contain spaces"),
        ("https://example.com/a b", "URL must not contain spaces"),
        (
            "https://example.com/\r\nX-Injected: 1",
            "URL must not contain line breaks or other control characters",
        ),
        ("https://example.com/\n", "URL must not contain line breaks or other control characters"),
        ("https://example.com:99999/", "URL port must be a number from 1 to 65535"),
        ("https://exa<mple.com/", "URL host name contains characters that are not allowed"),
    ],
)
def test_refused_with_a_clear_message(url: str, message: str) -> None:
    assert check_url(url).message == message


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com",
        "HTTPS://EXAMPLE.COM/Hooks?x=1",
        "https://[::1]:8443/h",
        "https://bücher.de/x",
    ],
)
def test_accepted_without_hint(url: str) -> None:
    assert check_url(url).ok
    assert check_url(url).hint is None


def test_http_accepted_with_the_production_hint() -> None:
    verdict = check_url("http://127.0.0.1:8080/hook")
    assert verdict.ok
    assert verdict.hint == HINT_HTTP


def _rules_say_ok(text: str) -> bool:
    """The product's rules, written independently of the validator."""
    if len(text) > MAX_URL_LENGTH:
        return False
    if any(unicodedata.category(c) == "Cc" or c.isspace() for c in text):
        return False
    if not text.lower().startswith(("http://", "https://")):
        return False
    try:
        parts = urlsplit(text)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return False
    if not host or port == 0:
        return False
    allowed = set(string.ascii_letters + string.digits + "-._~%!$&'()*+,;=[]:")
    netloc_host = parts.netloc.rpartition("@")[2]
    raw_host = netloc_host if netloc_host.startswith("[") else netloc_host.partition(":")[0]
    if raw_host.isascii():
        return all(c in allowed for c in raw_host)
    try:
        idna.encode(raw_host.lower())
    except (idna.IDNAError, UnicodeError, ValueError):
        return False
    return True


url_like = st.one_of(
    st.text(max_size=600),
    st.builds(
        lambda scheme, host, rest: scheme + host + rest,
        st.sampled_from(["http://", "https://", "HTTP://", "HtTpS://", "ftp://", "", "http:/"]),
        st.text(alphabet=string.ascii_letters + string.digits + ".-:@[]<> \r\n\t%", max_size=40),
        st.text(max_size=600),
    ),
)


@given(url_like)
@example("https://" + "a" * 504)
@example("https://" + "a" * 505)
def test_validator_never_raises_and_accepts_exactly_what_the_rules_say(text: str) -> None:
    verdict = check_url(text)
    assert verdict.ok == _rules_say_ok(text)
    if verdict.ok:
        assert verdict.message is None
        assert (verdict.hint == HINT_HTTP) == text.lower().startswith("http://")
    else:
        assert verdict.message
        assert verdict.hint is None


@given(url_like)
def test_every_accepted_url_is_one_httpx_can_send_to(text: str) -> None:
    if check_url(text).ok:
        url = httpx.URL(text)
        assert url.scheme in {"http", "https"}
        assert url.host
