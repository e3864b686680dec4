"""`POST /webhooks/hubspot` in-process: the raw events stored once each before the 200,
and nothing stored for a request that is not HubSpot's or not a batch of events."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Any

import httpx
from sqlalchemy import func
from sqlmodel import Session, select

from bot.container import Container
from bot.crm.routes import handle_hubspot
from bot.entrypoints.web import build_web
from slaengine.crm.tables import PENDING, CrmEvent
from tests.crm.conftest import HUBSPOT_SECRET
from tests.support.hubspot_signing import event, v1_headers, v3_headers

URI = "https://slabot.example.com/webhooks/hubspot"


def call(
    c: Container, body: Any, *, secret: str = HUBSPOT_SECRET, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    now_ms = int(c.clock.now().timestamp() * 1000)
    if headers is None:
        headers = v3_headers(secret, "POST", URI, raw, now_ms)
    return handle_hubspot(c, "POST", [URI], raw, headers)


def stored(c: Container) -> list[CrmEvent]:
    with Session(c.engine) as session:
        return list(session.exec(select(CrmEvent).order_by(CrmEvent.id)).all())  # type: ignore[arg-type]


def test_a_signed_batch_is_stored_raw_and_answered_200(crm: Container) -> None:
    batch = [event(101), event(102, subscription="contact.creation", name=None, value=None)]
    status, answer = call(crm, batch)
    assert (status, answer) == (200, {"events": 2, "stored": 2})
    rows = stored(crm)
    assert [(r.object_id, r.subscription, r.status) for r in rows] == [
        ("101", "contact.propertyChange", PENDING),
        ("102", "contact.creation", PENDING),
    ]
    assert json.loads(rows[0].payload) == batch[0]
    assert rows[0].property_name == "lifecyclestage"
    assert rows[0].property_value == "marketingqualifiedlead"


def test_a_retried_event_is_stored_once_though_its_attempt_and_event_id_differ(
    crm: Container,
) -> None:
    assert call(crm, [event(101, event_id=1, attempt=0)])[1]["stored"] == 1
    again = [event(101, event_id=9, attempt=3), event(101, event_id=9, attempt=3)]
    assert call(crm, again) == (200, {"events": 2, "stored": 0})
    later = event(101, occurred_ms=1_795_440_600_001)  # the same change, another instant
    assert call(crm, [later])[1]["stored"] == 1
    assert len(stored(crm)) == 2


def test_a_v1_signed_batch_is_taken_too(crm: Container) -> None:
    raw = json.dumps([event(101)]).encode()
    assert call(crm, raw, headers=v1_headers(HUBSPOT_SECRET, raw))[0] == 200


def test_an_unsigned_stale_or_forged_request_is_answered_401_and_nothing_is_stored(
    crm: Container,
) -> None:
    raw = json.dumps([event(101)]).encode()
    now_ms = int(crm.clock.now().timestamp() * 1000)
    for headers in (
        {},
        v3_headers(HUBSPOT_SECRET, "POST", URI, raw, now_ms - 301_000),
        v3_headers("not-the-secret", "POST", URI, raw, now_ms),
        v1_headers(HUBSPOT_SECRET, raw + b" "),
    ):
        status, answer = call(crm, raw, headers=headers)
        assert status == 401, answer
        assert answer["error"]
    assert stored(crm) == []


def test_without_hubspots_client_secret_the_endpoint_is_not_there(crm: Container) -> None:
    settings = dataclasses.replace(crm.settings, hubspot_client_secret="")
    unset = dataclasses.replace(crm, settings=settings)
    status, answer = call(unset, [event(101)])
    assert status == 404
    assert "HUBSPOT_CLIENT_SECRET" in answer["error"]
    assert stored(crm) == []


def test_a_malformed_body_or_a_missing_field_is_answered_400_naming_it(crm: Container) -> None:
    missing_object = event(101)
    del missing_object["objectId"]
    wrong_type = {**event(102), "occurredAt": "yesterday"}
    for body, named in (
        (b"{not json", "not JSON"),
        ([], "empty"),
        (b'"a string"', "JSON array"),
        ([event(100), missing_object], "[1].objectId: is required"),
        ([wrong_type], "[0].occurredAt: must be a number"),
        ([{**event(103), "propertyName": None}], "[0].propertyName: is required"),
        ([42], "[0]: must be an event object"),
    ):
        status, answer = call(crm, body)
        assert status == 400, (body, answer)
        assert named in answer["error"], (named, answer)
    assert stored(crm) == []


def test_two_instances_storing_the_same_batch_store_it_once(crm: Container) -> None:
    batch = [event(n) for n in range(101, 111)]
    assert call(crm, batch)[1]["stored"] == 10
    assert call(crm, batch)[1]["stored"] == 0
    with Session(crm.engine) as session:
        assert session.exec(select(func.count()).select_from(CrmEvent)).one() == 10


def test_a_single_event_object_is_a_batch_of_one(crm: Container) -> None:
    assert call(crm, event(101)) == (200, {"events": 1, "stored": 1})


def test_over_http_a_request_signed_for_the_https_uri_in_front_of_a_proxy_is_taken(
    crm: Container,
) -> None:
    web = build_web(crm, None)  # it sees http://test
    raw = json.dumps([event(101)]).encode()
    now_ms = int(crm.clock.now().timestamp() * 1000)

    async def post(signed_for: str) -> int:
        headers = v3_headers(HUBSPOT_SECRET, "POST", signed_for, raw, now_ms)
        transport = httpx.ASGITransport(app=web)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            answer = await client.post("/webhooks/hubspot", content=raw, headers=headers)
            return answer.status_code

    assert asyncio.run(post("https://test/webhooks/hubspot")) == 200
    assert asyncio.run(post("http://test/webhooks/hubspot")) == 200
    assert asyncio.run(post("https://evil.example/webhooks/hubspot")) == 401
    assert len(stored(crm)) == 1
