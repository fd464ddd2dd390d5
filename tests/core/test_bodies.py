import json

from sigfollow_desktop.core.bodies import split_bodies
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


def test_a_json_array_and_a_single_pretty_object() -> None:
    array = json.dumps([json.loads(body) for body in APPENDIX.values()], indent=2).encode()
    assert [item.where for item in split_bodies(array)] == ["item 1", "item 2", "item 3"]
    pretty = json.dumps(json.loads(APPENDIX["statuses"]), indent=2).encode()
    (item,) = split_bodies(pretty)
    assert item.parsed is not None
    assert item.parsed.field == "statuses"


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
