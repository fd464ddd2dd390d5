"""The receivers' ways of checking a signature that the loopback tests rely on."""

from sigfollow_desktop.core.meta_json import meta_json
from sigfollow_desktop.core.signing import sign
from tests.support.signature_checks import escape_unicode, escaped_text_ok, raw_bytes_ok

# A body Meta delivered and the X-Hub-Signature-256 it came with, from pywa's test suite
# (its app secret has since been reset there, so it signs nothing now).
META_SECRET = "1222e786b144d0e85b9f365372d93676"
META_BODY = (
    b'{"object":"whatsapp_business_account","entry":[{"id":"264937493375603","changes":[{"value":'
    b'{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550953877",'
    b'"phone_number_id":"277321005464405"},"contacts":[{"profile":{"name":"PyWa Tests"},'
    b'"wa_id":"972544401243"}],"messages":[{"from":"972544401243","id":"wamid.HBgMOTcyNTQ0NDAx'
    b'MjQzFQIAEhggM0RFQTNCMEEwRTY3QzUwODYzMDc4NjQ4QzM4ODAxM0YA","timestamp":"1730231903","text":'
    b'{"body":"Hey there! I am using PyWa."},"type":"text"}]},"field":"messages"}]}]}'
)
META_SIGNATURE = "sha256=54edfa1d7259e0eb13c677cc7d73d1b5c86cfa12433d19156e058ab9251bc441"


def test_meta_signs_the_raw_bytes_of_what_it_sends() -> None:
    assert sign(META_SECRET, META_BODY) == META_SIGNATURE
    assert raw_bytes_ok(META_SECRET, META_BODY, META_SIGNATURE)
    assert escaped_text_ok(META_SECRET, META_BODY, META_SIGNATURE)  # ASCII: the same bytes


def test_escape_unicode_is_metas_example_and_the_librarys_rule() -> None:
    assert escape_unicode("äöå") == "\\u00e4\\u00f6\\u00e5"  # Meta's own example
    assert escape_unicode("👍") == "\\ud83d\\udc4d"
    assert escape_unicode("a/b~\x7f") == "a/b~\\u007f"  # /[^\0-~]/ also takes DEL


def test_both_ways_accept_metas_bytes_only_the_raw_way_accepts_raw_utf8() -> None:
    document = {"name": "Léa Martin", "emoji": "👍", "mime_type": "image/jpeg"}
    meta_bytes = meta_json(document)
    raw_utf8 = '{"name":"Léa Martin","emoji":"👍","mime_type":"image/jpeg"}'.encode()
    for body in (meta_bytes, raw_utf8):
        assert raw_bytes_ok("whsec_x", body, sign("whsec_x", body))
    assert escaped_text_ok("whsec_x", meta_bytes, sign("whsec_x", meta_bytes))
    assert not escaped_text_ok("whsec_x", raw_utf8, sign("whsec_x", raw_utf8))
    assert not raw_bytes_ok("whsec_x", meta_bytes, sign("whsec_y", meta_bytes))
