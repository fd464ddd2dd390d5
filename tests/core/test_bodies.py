import json

import pytest

from sigfollow_desktop.core.bodies import split_bodies
from tests.support.meta_wire import REFERENCE
from tests.support.samples import APPENDIX


def test_ndjson_lines_keep_their_exact_bytes_and_numbers() -> None:
    data = b"\n".join(APPENDIX.values()) + b"\n\n"
    items = list(split_bodies(data))
    assert [item.where for item in items] == ["line 1", "line 2", "line 3"]
    assert [item.body for item in items] == list(APPENDIX.values())
    assert all(item.parsed for item in items)


def test_crlf_and_bom_are_tolerated() -> None:
    data = b"\xef\xbb\xbf" + b"\r\n".join(APPENDIX.values())
    assert [item.body for item in split_bodies(data)] == list(APPENDIX.values())


@pytest.mark.parametrize(
    ("opening", "separator", "closing"),
    [
        (b"[", b",", b"]"),
        (b"[\n  ", b",\n  ", b"\n]\n"),
        (b"\xef\xbb\xbf \r\n[ ", b" ,\r\n", b" ] "),
    ],
)
def test_array_elements_keep_the_exact_bytes_of_the_file(
    opening: bytes, separator: bytes, closing: bytes
) -> None:
    data = opening + separator.join(REFERENCE) + closing
    items = list(split_bodies(data))
    assert [item.body for item in items] == REFERENCE  # "L\u00e9a" stays "L\u00e9a", "\/" stays
    assert all(item.parsed for item in items)
    first_line = opening.count(b"\n") + 1
    assert items[0].where == f"item 1 (line {first_line})"


def test_array_elements_from_other_programs_keep_their_raw_utf8_and_layout() -> None:
    pretty = json.dumps(json.loads(REFERENCE[0]), indent=2, ensure_ascii=False).encode()
    assert "Léa".encode() in pretty
    data = b"[\n" + pretty + b",\n" + REFERENCE[1] + b"\n]"
    items = list(split_bodies(data))
    assert [item.body for item in items] == [pretty, REFERENCE[1]]
    second_line = 2 + pretty.count(b"\n") + 1  # "[", the element, ","
    assert [item.where for item in items] == ["item 1 (line 2)", f"item 2 (line {second_line})"]


def test_a_single_pretty_object() -> None:
    pretty = json.dumps(json.loads(APPENDIX["statuses"]), indent=2).encode()
    (item,) = split_bodies(b"\n\n" + pretty + b"\n")
    assert item.parsed is not None
    assert item.parsed.field == "statuses"
    assert item.body == pretty


def test_an_empty_file_or_array_has_no_bodies() -> None:
    for data in (b"", b" \n\r\n\t", b"\xef\xbb\xbf", b"[]", b" [ \n ] \n"):
        assert list(split_bodies(data)) == []


def test_bad_lines_are_named_with_reasons() -> None:
    data = APPENDIX["statuses"] + b'\n{"object": "page"}\nnot json\n'
    items = list(split_bodies(data))
    assert [(item.where, item.error is None) for item in items] == [
        ("line 1", True),
        ("line 2", False),
        ("line 3", False),
    ]
    assert "whatsapp_business_account" in (items[1].error or "")
    assert "not valid JSON" in (items[2].error or "")


def test_array_elements_that_are_not_meta_bodies_are_refused_one_by_one() -> None:
    surrogate = REFERENCE[0].replace(b"L\\u00e9a", b"L\\ud800a")
    data = b"[" + REFERENCE[2] + b",\n" + surrogate + b',\n{"object": "page"}]'
    items = list(split_bodies(data))
    assert [(item.where, item.error is None) for item in items] == [
        ("item 1 (line 1)", True),
        ("item 2 (line 2)", False),
        ("item 3 (line 3)", False),
    ]
    assert items[1].body == surrogate
    assert "lone surrogate \\ud800" in (items[1].error or "")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"[" + REFERENCE[0] + b",]", "item 2 (line 1): not valid JSON (Expecting value at column"),
        (
            b"[\n" + REFERENCE[0] + b"\n" + REFERENCE[1] + b"]",
            "expected , or ] after item 1 at line 3",
        ),
        (b"[" + REFERENCE[0] + b"] x", "text after the array at column"),
        (b"[" + REFERENCE[0], "expected , or ] after item 1"),
        (b'[\n{"a": 1},\n {"b": NaN}]', "item 2 (line 3): not valid JSON (NaN at line 3 column 8;"),
        (b"[" * 100_000, "item 1 (line 1): not valid JSON (arrays or objects nested too deeply"),
        (b'[{"n": ' + b"1" * 5_000 + b"}]", "a number of more than 4300 digits at column 8"),
        (b'[\n{"a": "\xff"}]', "not UTF-8 text (invalid byte 0xff at line 2 byte 8)"),
    ],
)
def test_a_broken_array_refuses_the_whole_file_with_where(data: bytes, reason: str) -> None:
    (item,) = split_bodies(data)
    assert item.where == "the file"
    assert item.parsed is None
    assert reason in (item.error or "")
