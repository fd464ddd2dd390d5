import string
import unicodedata
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

import httpcore
import httpx
import idna
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sigfollow_desktop.core.urls import (
    HINT_HTTP,
    MAX_URL_LENGTH,
    MSG_CREDENTIALS,
    MSG_HOST,
    MSG_IPV4,
    MSG_LABELS,
    MSG_LENGTH,
    MSG_NOT_TEXT,
    MSG_SCHEME,
    check_url,
    redact_credentials,
)
from sigfollow_desktop.engine.send import SendResult, make_client, post
from tests.support.receiver import Receiver

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
        ("https://a..b/", MSG_LABELS),  # TLS cannot name such a server
        ("https://" + "a" * 64 + ".example.com/", MSG_LABELS),
        ("https://.example.com/", MSG_LABELS),
        ("http://127.0.0.999/x", MSG_IPV4),
        ("http://256.256.256.256/", MSG_IPV4),
        ("http://1.2.3/", MSG_IPV4),  # a resolver reads it as 1.2.0.3
        ("http://2130706433/", MSG_IPV4),  # and this as 127.0.0.1
        ("http://0x7f.1/", MSG_IPV4),
        ("http://010.0.0.1/", MSG_IPV4),  # octal to some, decimal to others
        ("http://user:pass@example.com/", MSG_CREDENTIALS),
        ("https://token@example.com/", MSG_CREDENTIALS),
        ("https://:pass@example.com/", MSG_CREDENTIALS),
        # An invalid UTF-8 byte on a command line arrives as a lone surrogate.
        ("http://example.com/\udcff", MSG_NOT_TEXT),
        ("http://ex\udcffample.com/", MSG_NOT_TEXT),
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
        "https://192.0.2.10:8443/hook",
        "https://255.255.255.255/",
        "https://api2.example.com/v1",
        "https://example.com/users/a@b?x=y@z",  # an @ in the path is no credential
    ],
)
def test_accepted_without_hint(url: str) -> None:
    assert check_url(url).ok
    assert check_url(url).hint is None


def test_http_accepted_with_the_production_hint() -> None:
    verdict = check_url("http://127.0.0.1:8080/hook")
    assert verdict.ok
    assert verdict.hint == HINT_HTTP


def _numeric_host_ok(host: str) -> bool:
    """A host ending in a number is an IPv4 address: four decimal numbers 0-255, no more."""
    labels = host.split(".")
    trailing_dot = labels[-1] == "" and len(labels) > 1
    if trailing_dot:
        labels.pop()
    if not labels[-1] or any(c not in string.digits for c in labels[-1]):
        return True  # a name
    return (
        not trailing_dot
        and len(labels) == 4
        and all(
            label and all(c in string.digits for c in label) and str(int(label)) == label
            for label in labels
        )
        and all(int(label) <= 255 for label in labels)
    )


def _rules_say_ok(text: str) -> bool:
    """The product's rules, written independently of the validator."""
    if len(text) > MAX_URL_LENGTH:
        return False
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
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
    if "@" in parts.netloc:
        return False
    allowed = set(string.ascii_letters + string.digits + "-._~%!$&'()*+,;=[]:")
    netloc_host = parts.netloc
    raw_host = netloc_host if netloc_host.startswith("[") else netloc_host.partition(":")[0]
    if raw_host.isascii():
        if raw_host.startswith("["):
            return all(c in allowed for c in raw_host)
        name = raw_host[:-1] if raw_host.endswith(".") else raw_host
        return (
            all(c in allowed for c in raw_host)
            and len(name) <= 253
            and all(0 < len(label) < 64 for label in name.split("."))
            and _numeric_host_ok(raw_host)
        )
    try:
        idna.encode(raw_host.lower())
    except (idna.IDNAError, UnicodeError, ValueError):
        return False
    return True


SCHEMES = st.sampled_from(["http://", "https://", "HTTP://", "HtTpS://", "ftp://", "", "http:/"])
# Dotted numbers, valid and not: 1.2.3.4, 256.1.1.1, 01.2.3.4, 1.2.3, 1.2.3.4.5, 7.
DOTTED = st.lists(
    st.one_of(st.integers(0, 300).map(str), st.sampled_from(["00", "01", "0x7f", "", "a1"])),
    min_size=1,
    max_size=5,
).map(".".join)
USERINFO = st.sampled_from(["", "", "user:pass@", "token@", ":@", "a@b@"])
TAIL = st.sampled_from(["", "/", "/hook", ":8080/h", ":0/", "?q=a@b", "/\udcff", "#f"])

url_like = st.one_of(
    st.text(max_size=600),
    st.builds(
        lambda scheme, host, rest: scheme + host + rest,
        SCHEMES,
        st.text(
            alphabet=string.ascii_letters + string.digits + ".-:@[]<> \r\n\t%\udcff", max_size=40
        ),
        st.text(max_size=600),
    ),
    st.builds(
        lambda scheme, userinfo, host, tail: scheme + userinfo + host + tail,
        SCHEMES,
        USERINFO,
        st.one_of(DOTTED, st.from_regex(r"[a-z0-9]{1,8}(\.[a-z0-9]{1,8}){0,3}", fullmatch=True)),
        TAIL,
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


class _EveryHostIsTheReceiver(httpcore.SyncBackend):
    """Connects every host to the test's receiver: all of httpx and httpcore runs, from the
    URL to the socket (and TLS set-up for https), without asking DNS about made-up names."""

    def __init__(self, port: int) -> None:
        self.port = port

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        return super().connect_tcp("127.0.0.1", self.port, timeout, local_address, socket_options)


@pytest.fixture(scope="module")
def send_anywhere() -> Iterator[httpx.Client]:
    """The engine's own client, every connection going to a loopback receiver."""
    with Receiver() as receiver:
        transport = httpx.HTTPTransport()
        transport._pool._network_backend = _EveryHostIsTheReceiver(receiver.server.server_port)
        with make_client(timeout=5.0, transport=transport) as client:
            yield client


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(url_like)
@example("http://127.0.0.999/x")
@example("http://256.256.256.256/")
@example("https://bücher.de/x")
@example("http://[::1]:8080/h")
@example("https://" + "a" * 64 + ".example.com/")
@example("https://a..b/")
def test_every_accepted_url_is_one_httpx_can_send_to(
    send_anywhere: httpx.Client, text: str
) -> None:
    if not check_url(text).ok:
        return
    url = httpx.URL(text)
    assert url.scheme in {"http", "https"}
    assert url.host
    result = post(send_anywhere, text, b"{}", {"Content-Type": "application/json"})
    assert isinstance(result, SendResult)
    if url.scheme == "http":
        assert result.status_code == 200, result.error  # it reached the receiver
    else:  # the receiver speaks no TLS: the handshake fails, as a recorded error
        assert result.error, result


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("POST http://user:secret@example.com/h 200", "POST http://***@example.com/h 200"),
        ("https://token@example.com", "https://***@example.com"),
        ("x http://a:p@ss@h.com/p?q=a@b", "x http://***@h.com/p?q=a@b"),
        ("https://example.com/users/a@b", "https://example.com/users/a@b"),
        ("<https://a:b@h>", "<https://***@h>"),
        ("no url here: user:pass@host", "no url here: user:pass@host"),
    ],
)
def test_credentials_in_urls_are_redacted(text: str, redacted: str) -> None:
    assert redact_credentials(text) == redacted


@given(
    st.text(alphabet=string.ascii_letters + string.digits + ":%!$&'()*+,;=-._~@", min_size=1),
    st.text(alphabet=string.ascii_letters + string.digits + "%-._~", max_size=10),
)
def test_no_user_or_password_survives_redaction(password: str, user: str) -> None:
    line = f'HTTP Request: POST https://{user}:{password}@example.com/h?q=1 "HTTP/1.1 200 OK"'
    assert redact_credentials(line) == (
        'HTTP Request: POST https://***@example.com/h?q=1 "HTTP/1.1 200 OK"'
    )
