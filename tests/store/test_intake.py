from sqlalchemy import func, select

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.bodies import split_bodies
from sigfollow_desktop.core.meta import parse_body
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.events import store_events
from sigfollow_desktop.store.models import Delivery, Event, EventKey
from tests.support.samples import APPENDIX

BACKENDS = ("sqlite", "postgresql")  # every test here runs on both stores


def _count(store: Store, model: type[Event] | type[Delivery]) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_each_event_is_stored_once_with_its_raw_bytes(store: Store) -> None:
    pairs = [(body, parse_body(body)) for body in APPENDIX.values()]
    with store.transaction() as session:
        first = store_events(session, pairs + pairs[:1])
    assert (first.stored, first.duplicates) == (3, 1)
    with store.transaction() as session:
        again = store_events(session, pairs)
    assert (again.stored, again.duplicates) == (0, 3)
    with store.session() as session:
        events = session.scalars(select(Event).order_by(Event.id)).all()
        assert [(e.field, e.body) for e in events] == list(
            zip(APPENDIX, APPENDIX.values(), strict=True)
        )
        assert len({e.uid for e in events}) == 3
        keys = session.execute(
            select(EventKey.key, Event.field).join(Event).order_by(EventKey.key, Event.field)
        ).all()
    # Each event's Meta ids and phone numbers, once (the duplicate added none).
    assert [tuple(row) for row in keys] == [
        ("16505551234", "messages"),
        ("16505551234", "statuses"),
        ("1689556908129832", "template_status"),
        ("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=", "messages"),
        ("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=", "statuses"),
    ]


def test_fan_out_to_enabled_webhooks_subscribed_to_the_field(admin: Admin, store: Store) -> None:
    statuses_only, _ = admin.add("https://a.example/h", ("statuses",), enable=True)
    all_fields, _ = admin.add(
        "https://b.example/h", ("statuses", "messages", "template_status"), enable=True
    )
    admin.add("https://c.example/h", ("statuses",), enable=False)
    report = admin.import_items(split_bodies(b"\n".join(APPENDIX.values())))
    assert report.intake.stored == 3
    assert report.intake.deliveries == 4
    with store.session() as session:
        pairs = session.execute(select(Delivery.webhook_id, Event.field).join(Event)).all()
    assert sorted(pairs) == sorted(
        [
            (statuses_only, "statuses"),
            (all_fields, "statuses"),
            (all_fields, "messages"),
            (all_fields, "template_status"),
        ]
    )


def test_a_webhook_added_later_gets_nothing_retroactively(admin: Admin, store: Store) -> None:
    admin.import_items(split_bodies(b"\n".join(APPENDIX.values())))
    admin.add("https://late.example/h", ("statuses",), enable=True)
    assert _count(store, Delivery) == 0


def test_an_import_with_a_bad_body_stores_nothing(admin: Admin, store: Store) -> None:
    data = b"\n".join(APPENDIX.values()) + b"\n{}\n"
    report = admin.import_items(split_bodies(data))
    assert not report.committed
    assert [item.where for item in report.refused] == ["line 4"]
    assert _count(store, Event) == 0
    skipped = admin.import_items(split_bodies(data), skip_invalid=True)
    assert skipped.committed
    assert skipped.intake.stored == 3
    assert _count(store, Event) == 3


def test_a_large_import_in_batches(admin: Admin, store: Store) -> None:
    from sigfollow_desktop.core.samples import simulated_bodies

    data = b"\n".join(simulated_bodies(5_000, seed=1))
    report = admin.import_items(split_bodies(data))
    assert report.intake.stored == 5_000
    assert _count(store, Event) == 5_000
