"""The product writes its own bodies the way Meta writes webhook bodies."""

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from sigfollow_desktop.core.meta_json import meta_json
from tests.support.meta_wire import REFERENCE, php_json
from tests.support.samples import APPENDIX


def test_non_ascii_is_escaped_with_lowercase_hex_and_surrogate_pairs() -> None:
    assert meta_json({"name": "Léa"}) == b'{"name":"L\\u00e9a"}'
    assert meta_json({"emoji": "👍"}) == b'{"emoji":"\\ud83d\\udc4d"}'
    assert meta_json(["山田", "Ø"]) == b'["\\u5c71\\u7530","\\u00d8"]'


def test_slashes_and_the_characters_meta_lists_are_escaped() -> None:
    assert meta_json({"mime_type": "image/jpeg"}) == b'{"mime_type":"image\\/jpeg"}'
    assert meta_json("a@b%c<d>") == b'"a\\u0040b\\u0025c\\u003Cd>"'
    assert meta_json('say "hi"\\n\n\x01\x7f') == b'"say \\"hi\\"\\\\n\\n\\u0001\x7f"'


def test_compact_and_in_the_callers_key_order() -> None:
    document = {"entry": [{"id": "1", "time": 2}], "object": "whatsapp_business_account"}
    assert meta_json(document) == (
        b'{"entry":[{"id":"1","time":2}],"object":"whatsapp_business_account"}'
    )
    assert meta_json({"b": True, "a": None, "c": [1.5, -2]}) == b'{"b":true,"a":null,"c":[1.5,-2]}'


def test_the_reference_bodies_are_exactly_what_the_encoder_writes() -> None:
    for body in REFERENCE:
        assert php_json(json.loads(body)).encode() == body  # the oracle agrees with the file
        assert meta_json(json.loads(body)) == body


def test_the_shipped_samples_are_meta_written() -> None:
    for body in APPENDIX.values():
        assert body.isascii()
        assert meta_json(json.loads(body)) == body


documents = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=16,
)


@given(documents)
def test_any_document_is_written_as_meta_writes_it(document: Any) -> None:
    body = meta_json(document)
    assert body.isascii()
    assert body.decode() == php_json(document)
    assert json.loads(body) == document
