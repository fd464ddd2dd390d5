"""``events simulate`` makes Meta's bytes: every kind of event, in Meta's shape and encoding."""

import json
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from sigfollow_desktop.core.fields import FIELDS, Field
from sigfollow_desktop.core.meta import parse_body
from sigfollow_desktop.core.samples import KINDS, simulated_bodies, simulated_events
from tests.support.meta_wire import kind_of, order_faults, php_json, reference_by_kind

ALL_KINDS = {(field, kind) for field, kinds in KINDS.items() for kind in kinds}


def test_every_kind_the_guide_names_comes_round_in_one_short_run() -> None:
    seen = Counter((event.field, event.kind) for event in simulated_events(48, seed=5))
    assert set(seen) == ALL_KINDS
    assert len(ALL_KINDS) == 16  # 8 message types, 4 statuses, 4 template events
    assert set(reference_by_kind()) == ALL_KINDS  # and the reference file has one of each


def test_users_carry_a_business_scoped_id_beside_their_number() -> None:
    for event in simulated_events(48, seed=9):
        value = json.loads(event.body)["entry"][0]["changes"][0]["value"]
        if event.field == "template_status":
            continue
        if event.kind == "failed":
            assert "contacts" not in value  # Meta names no contact on a failed status
            continue
        (contact,) = value["contacts"]
        assert set(contact) == {"profile", "wa_id", "user_id"}
        assert contact["profile"]["name"]
        country, number = contact["user_id"].split(".")
        assert len(country) == 2
        assert number.isdigit()
        if event.field == "messages":
            (message,) = value["messages"]
            assert (message["from"], message["from_user_id"]) == (
                contact["wa_id"],
                contact["user_id"],
            )
        else:
            (status,) = value["statuses"]
            assert status["recipient_user_id"] == contact["user_id"]


def test_statuses_carry_pricing_conversation_and_errors_where_meta_does() -> None:
    statuses = [
        json.loads(event.body)["entry"][0]["changes"][0]["value"]["statuses"][0]
        for event in simulated_events(240, ("statuses",), seed=2)
    ]
    for status in statuses:
        state = status["status"]
        assert ("pricing" in status) == (state in ("sent", "delivered"))
        assert ("errors" in status) == (state == "failed")
        if "conversation" in status:
            assert status["pricing"]["type"] == "free_entry_point"
            assert ("expiration_timestamp" in status["conversation"]) == (state == "sent")
        if state == "failed":
            (error,) = status["errors"]
            assert set(error) == {"code", "title", "message", "error_data", "href"}
    assert any("conversation" in status for status in statuses)


def test_template_events_carry_reason_and_category() -> None:
    for event in simulated_events(40, ("template_status",), seed=4):
        value = json.loads(event.body)["entry"][0]["changes"][0]["value"]
        assert value["event"] == event.kind
        assert value["message_template_category"] in {"MARKETING", "UTILITY", "AUTHENTICATION"}
        assert (value["reason"] == "NONE") == (event.kind != "REJECTED")
        assert ("other_info" in value) == (event.kind == "PAUSED")
        assert ("disable_info" in value) == (event.kind == "DISABLED")


def test_the_same_seed_makes_the_same_bytes() -> None:
    assert list(simulated_bodies(30, seed=11)) == list(simulated_bodies(30, seed=11))
    assert list(simulated_bodies(30, seed=11)) != list(simulated_bodies(30, seed=12))


def test_some_bodies_exercise_every_escape_meta_uses() -> None:
    joined = b"\n".join(simulated_bodies(96, seed=1))
    for escape in (b"\\/", b"\\u00e9", b"\\ud83d"):
        assert escape in joined


REFERENCE = reference_by_kind()


@settings(max_examples=150)
@given(
    count=st.integers(min_value=1, max_value=40),
    fields=st.lists(st.sampled_from(FIELDS), min_size=1, max_size=3, unique=True),
    seed=st.integers(),
)
def test_every_simulated_body_is_ascii_compact_meta_json_of_its_field(
    count: int, fields: list[Field], seed: int
) -> None:
    for event in simulated_events(count, tuple(fields), seed=seed):
        body = event.body
        assert body.isascii()
        document = json.loads(body)
        assert body.decode() == php_json(document)  # compact, escaped as Meta escapes
        assert parse_body(body).field == event.field  # the product's own Meta parser agrees
        assert kind_of(document) == (event.field, event.kind)
        assert order_faults(document, REFERENCE[event.field, event.kind]) == []
