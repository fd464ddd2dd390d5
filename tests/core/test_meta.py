import json
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sigfollow_desktop.core import meta
from sigfollow_desktop.core.errors import PayloadError
from sigfollow_desktop.core.meta import parse_body, phone_key, search_keys
from sigfollow_desktop.core.samples import simulated_bodies
from tests.support.meta_wire import REFERENCE
from tests.support.samples import APPENDIX


def _doc(field: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(APPENDIX[field])
    return document


def test_appendix_bodies_are_classified_with_their_ids() -> None:
    status = parse_body(APPENDIX["statuses"])
    assert status.field == "statuses"
    assert status.ids == (
        "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=#delivered",
    )
    message = parse_body(APPENDIX["messages"])
    assert message.field == "messages"
    assert message.ids == ("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",)
    template = parse_body(APPENDIX["template_status"])
    assert template.field == "template_status"
    assert template.ids == ("1689556908129832#APPROVED#1751247548",)
    assert len({status.dedupe_key, message.dedupe_key, template.dedupe_key}) == 3


def test_same_event_reformatted_has_the_same_key_and_next_status_does_not() -> None:
    document = _doc("statuses")
    pretty = json.dumps(document, indent=2).encode()
    assert parse_body(pretty).dedupe_key == parse_body(APPENDIX["statuses"]).dedupe_key
    document["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] = "read"
    read = parse_body(json.dumps(document).encode())
    assert read.dedupe_key != parse_body(APPENDIX["statuses"]).dedupe_key


def test_several_entries_and_changes_of_one_field() -> None:
    document = _doc("messages")
    second = json.loads(json.dumps(document["entry"][0]))
    second["changes"][0]["value"]["messages"][0]["id"] = "wamid.second"
    document["entry"].append(second)
    parsed = parse_body(json.dumps(document).encode())
    assert parsed.field == "messages"
    assert len(parsed.ids) == 2


def _mutate(field: str, path: list[str | int], value: Any) -> bytes:
    document = _doc(field)
    target: Any = document
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return json.dumps(document).encode()


CHANGE: list[str | int] = ["entry", 0, "changes", 0]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "not valid JSON"),
        (b"{nope", "not valid JSON"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"object": "page", "entry": []}', "whatsapp_business_account"),
        (_mutate("statuses", ["entry"], []), "`entry` must be a non-empty list"),
        (_mutate("statuses", ["entry", 0, "changes"], "x"), "changes must be a non-empty list"),
        (_mutate("statuses", [*CHANGE, "field"], "account_update"), '"account_update"'),
        (_mutate("statuses", [*CHANGE, "value", "statuses", 0, "id"], KeyError), "has no `id`"),
        (
            _mutate("messages", [*CHANGE, "value", "messages"], KeyError),
            "either `statuses` or `messages`",
        ),
        (_mutate("template_status", [*CHANGE, "value", "event"], KeyError), "has no `event`"),
        (_mutate("statuses", [*CHANGE, "value"], None), "value must be a JSON object"),
    ],
)
def test_not_a_meta_body_is_refused_with_a_reason(body: bytes, reason: str) -> None:
    with pytest.raises(PayloadError) as caught:
        parse_body(body)
    assert reason in str(caught.value)


def test_a_body_mixing_fields_is_refused() -> None:
    document = _doc("statuses")
    document["entry"].append(_doc("template_status")["entry"][0])
    with pytest.raises(PayloadError, match="mixes"):
        parse_body(json.dumps(document).encode())


def test_simulated_bodies_are_valid_and_distinct() -> None:
    parsed = [parse_body(body) for body in simulated_bodies(300, seed=7)]
    assert {p.field for p in parsed} == {"statuses", "messages", "template_status"}
    assert len({p.dedupe_key for p in parsed}) == 300


def test_reference_bodies_are_classified() -> None:
    fields = [parse_body(body).field for body in REFERENCE]
    assert fields == ["messages"] * 8 + ["statuses"] * 4 + ["template_status"] * 4


LONG = "9" * 5_000


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"a": NaN}', "not valid JSON (NaN at column 7; JSON has no NaN or Infinity"),
        (b'{"a": "NaN", "b": [1,\n -Infinity]}', "(-Infinity at line 2 column 2;"),
        (b'{"a":\n  Infinity}', "(Infinity at line 2 column 3;"),
        (b"[" * 100_000, "not valid JSON (arrays or objects nested too deeply, from column 1)"),
        (
            b'{"a": "x", "n": ' + LONG.encode() + b"}",
            "a number of more than 4300 digits at column 17",
        ),
        (b'{"name": "\\ud800"}', "a string holds a lone surrogate \\ud800, which is not Unicode"),
        (b'{"\\udc00": 1}', "lone surrogate \\udc00"),
        (b'{"a": "ok"}\n{"b": 1}', "not valid JSON (text after the JSON value at line 2 column 1)"),
        (b'{"a": "caf\xc3"}', "not UTF-8 text (invalid byte 0xc3 at byte 11)"),
        (b'{\n"a": "\xed\xa0\x80"}', "not UTF-8 text (invalid byte 0xed at line 2 byte 7)"),
    ],
)
def test_what_meta_never_sends_is_refused_with_where(body: bytes, reason: str) -> None:
    with pytest.raises(PayloadError) as caught:
        parse_body(body)
    assert reason in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_surrogate_pair_and_escaped_backslashes_are_fine() -> None:
    body = APPENDIX["messages"].replace(b"another color?", b"\\ud83d\\udc4d \\\\ud800")
    assert parse_body(body).field == "messages"


def test_a_huge_field_name_is_shown_short() -> None:
    body = _mutate("statuses", [*CHANGE, "field"], "x" * 10_000)
    with pytest.raises(PayloadError) as caught:
        parse_body(body)
    assert len(str(caught.value)) < 200


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(
    st.one_of(
        st.binary(max_size=64),
        json_values.map(lambda v: json.dumps(v).encode()),
        json_values.map(lambda v: json.dumps(v, ensure_ascii=False).encode("utf-8", "replace")),
        st.lists(st.sampled_from([b"[", b"{", b'"a":', b"NaN", b"1e999", b"\\ud800", b'"'])).map(
            b"".join
        ),
    )
)
def test_parsing_raises_only_payload_errors(body: bytes) -> None:
    try:
        parse_body(body)
    except PayloadError as exc:
        reason = str(exc)
        assert reason
        assert "\n" not in reason


REFUSED = object()
EDGES = [
    b'"\\ud800"',
    b'"\\udc00x"',
    b'["\\ud83d\\ude00", "\\ud83d"]',
    b"NaN",
    b"[-Infinity]",
    b"[1e999]",
    b"1" * 4300,
    b"1" * 4301,
    b"[" * 3000 + b"]" * 3000,
    b'{"a":1,"a":2}',
    b" \t\r\n{} \n",
    b"\xef\xbb\xbf{}",
    b'"\xed\xa0\x80"',
    b'"\x01"',
    b"[1,]",
    b"01",
    b"-0.0e-5",
    b'"\\u0000"',
    b"{}{}",
]


@pytest.mark.parametrize("body", EDGES)
def test_the_fast_reader_accepts_only_what_the_strict_reader_accepts(body: bytes) -> None:
    try:
        fast = msgspec.json.decode(body)
    except (msgspec.MsgspecError, RecursionError, UnicodeDecodeError, ValueError):
        fast = REFUSED
    try:
        strict = meta._parse_json_strictly(body)
    except PayloadError:
        strict = REFUSED
    if fast is not REFUSED:
        assert strict is not REFUSED
        assert json.dumps(fast) == json.dumps(strict)
    if strict is REFUSED:
        with pytest.raises(PayloadError):
            meta.parse_json(body)
    else:
        assert json.dumps(meta.parse_json(body)) == json.dumps(strict)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda children: st.lists(children) | st.dictionaries(st.text(), children),
        max_leaves=20,
    )
)
def test_both_readers_give_the_same_value(value: Any) -> None:
    body = json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")
    try:
        strict = meta._parse_json_strictly(body)
    except PayloadError:
        with pytest.raises(PayloadError):
            meta.parse_json(body)
        return
    assert json.dumps(meta.parse_json(body)) == json.dumps(strict)


def test_search_keys_are_the_meta_ids_and_phone_numbers() -> None:
    assert parse_body(APPENDIX["statuses"]).keys == (
        "16505551234",
        "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=",
    )
    assert parse_body(APPENDIX["template_status"]).keys == ("1689556908129832",)
    # Several messages, a sender written as a person types it, a contact of its own.
    document = _doc("messages")
    value = document["entry"][0]["changes"][0]["value"]
    second = dict(value["messages"][0], id="wamid.second")
    second["from"] = "+49 (151) 555-0100"
    value["messages"].append(second)
    value["contacts"].append({"profile": {"name": "B"}, "wa_id": "33612345678"})
    keys = parse_body(json.dumps(document).encode()).keys
    assert keys == (
        "16505551234",
        "33612345678",
        "491515550100",
        "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
        "wamid.second",
    )


def test_what_is_not_an_id_is_left_out_of_the_search_keys() -> None:
    document = _doc("statuses")
    value = document["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = 16505551234.5
    status = value["statuses"][0]
    status["recipient_id"] = {"not": "a phone"}
    status["id"] = "wamid." + "x" * 300  # longer than any Meta id
    assert search_keys(document) == ()
    status["recipient_id"], status["id"] = True, "line\nbreak"
    assert search_keys(document) == ()
    assert search_keys({"entry": "not a list"}) == ()
    assert search_keys([1, 2]) == ()


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("+1 650-555-1234", "16505551234"),
        (" 16505551234 ", "16505551234"),
        ("(650) 555.1234", "6505551234"),
        ("wamid.HBgM+abc", "wamid.HBgM+abc"),
        ("1689556908129832", "1689556908129832"),
        ("+", "+"),
    ],
)
def test_a_phone_number_is_its_digits_anything_else_as_typed(typed: str, key: str) -> None:
    assert phone_key(typed) == key
