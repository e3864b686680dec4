"""The signed handoff webhook in-process: statuses, answers, nothing stored on refusal."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.container import Container, build
from bot.directory import StaticDirectory
from bot.kinds.lead import webhook
from bot.plugins import PLUGINS
from bot.settings import Settings
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.kinds.lead.tables import Lead, RoutingCursor
from slaengine.persistence.tables import OutboxMessage
from tests.conftest import NEW_YORK
from tests.support.fakeslack import FakeSlack
from tests.support.slack_requests import webhook_signature

SECRET = "s"


@pytest.fixture
def container(
    database_url: str,
    engine: Engine,
    agreement: Agreement,
    clock: FixedClock,
    fake_slack: FakeSlack,
) -> Iterator[Container]:
    c = build(
        Settings(database_url=database_url, webhook_secret=SECRET),
        agreement=agreement,
        clock=clock,
        client=WebClient(token="xoxb-t", base_url=fake_slack.url),
        directory=StaticDirectory({"bob@acme.example": "U0BOB"}),
        engine=engine,
        plugins=PLUGINS,
    )
    yield c
    c.close()


def call(c: Container, body: Any, *, secret: str | None = SECRET) -> tuple[int, dict[str, Any]]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    signature = webhook_signature(secret, raw) if secret is not None else None
    return webhook.handle(c, raw, signature)


def stored(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Lead)).one())


def owed(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(OutboxMessage)).one())


GOOD = {
    "external_id": "crm-1",
    "name": "Dana Scully",
    "company": "Acme Corp",
    "email": "dana@acme.example",
    "fit": "good",
    "interest": "high",
}


def test_a_new_lead_is_answered_201_with_its_ref_owner_and_due_instant(
    container: Container, fake_slack: FakeSlack
) -> None:
    status, answer = call(container, GOOD)
    assert status == 201, answer
    lead = answer["lead"]
    assert lead["ref"] == "L-1001"
    assert lead["owner"] == "U0ALICE"
    assert lead["external_id"] == "crm-1"
    assert lead["name"] == "Dana Scully"
    assert lead["company"] == "Acme Corp"
    assert lead["state"] == "on_track"
    due = datetime.fromisoformat(lead["due_at"])
    assert due.utcoffset() is not None
    assert due == datetime(2026, 11, 23, 13, 0, tzinfo=NEW_YORK)
    dm = fake_slack.wait_for("chat.postMessage", predicate=lambda c: c.args["channel"] == "U0ALICE")
    assert "L-1001" in dm[0].args["text"]
    assert fake_slack.violations == []


def test_a_repeated_external_id_is_answered_200_with_the_existing_lead(
    container: Container, engine: Engine, fake_slack: FakeSlack
) -> None:
    first_status, first = call(container, GOOD)
    again_status, again = call(container, {**GOOD, "name": "Someone Else", "owner": "U0BOB"})
    assert (first_status, again_status) == (201, 200)
    assert again["lead"]["ref"] == first["lead"]["ref"]
    assert again["lead"]["owner"] == "U0ALICE"
    assert again["lead"]["name"] == "Dana Scully"
    assert stored(engine) == 1
    assert owed(engine) == 1  # one DM for one lead


def test_a_named_owner_email_is_resolved_to_the_slack_user(container: Container) -> None:
    status, answer = call(container, {**GOOD, "owner": "bob@acme.example"})
    assert status == 201
    assert answer["lead"]["owner"] == "U0BOB"


def test_handed_off_at_sets_the_start_of_the_window(container: Container) -> None:
    friday = datetime(2026, 11, 20, 16, 0, tzinfo=NEW_YORK)
    status, answer = call(container, {**GOOD, "handed_off_at": friday.isoformat()})
    assert status == 201
    assert datetime.fromisoformat(answer["lead"]["handed_off_at"]) == friday
    assert datetime.fromisoformat(answer["lead"]["due_at"]) == datetime(
        2026, 11, 23, 12, 0, tzinfo=NEW_YORK
    )


def test_a_utc_z_suffix_is_accepted_for_handed_off_at(container: Container) -> None:
    status, answer = call(container, {**GOOD, "handed_off_at": "2026-11-23T13:30:00Z"})
    assert status == 201, answer
    assert datetime.fromisoformat(answer["lead"]["handed_off_at"]) == datetime(
        2026, 11, 23, 8, 30, tzinfo=NEW_YORK
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"external_id": None}, "external_id"),
        ({"external_id": "   "}, "external_id"),
        ({"fit": "medium"}, "fit"),
        ({"fit": None}, "fit"),
        ({"interest": "lukewarm"}, "interest"),
        ({"handed_off_at": "last tuesday"}, "handed_off_at"),
        ({"handed_off_at": "2026-11-23T09:00:00"}, "handed_off_at"),
        ({"handed_off_at": 1732370400}, "handed_off_at"),
        ({"email": "not-an-address"}, "email"),
        ({"owner": "bob"}, "owner"),
        ({"name": "x" * 201}, "name"),
        ({"company": ["Acme"]}, "company"),
    ],
)
def test_a_bad_field_is_answered_400_naming_it_and_nothing_is_stored(
    change: dict[str, Any], field: str, container: Container, engine: Engine
) -> None:
    body = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    status, answer = call(container, body)
    assert status == 400, answer
    assert answer["field"] == field
    assert answer["error"].startswith(f"{field}: ")
    assert stored(engine) == 0
    assert owed(engine) == 0


def test_a_handoff_dated_in_the_future_is_answered_400(
    container: Container, engine: Engine, clock: FixedClock
) -> None:
    later = (clock.now() + timedelta(hours=2)).isoformat()
    status, answer = call(container, {**GOOD, "handed_off_at": later})
    assert status == 400
    assert answer["field"] == "handed_off_at"
    assert "future" in answer["error"]
    assert stored(engine) == 0


def test_an_unknown_owner_email_is_answered_400_naming_owner(
    container: Container, engine: Engine
) -> None:
    status, answer = call(container, {**GOOD, "owner": "nobody@acme.example"})
    assert status == 400
    assert answer["field"] == "owner"
    assert "nobody@acme.example" in answer["error"]
    assert stored(engine) == 0


@pytest.mark.parametrize("body", [[GOOD], "crm-1", 42, None])
def test_a_body_that_is_not_a_json_object_is_answered_400(
    body: Any, container: Container, engine: Engine
) -> None:
    status, answer = call(container, body)
    assert status == 400
    assert "JSON object" in answer["error"]
    assert stored(engine) == 0


@pytest.mark.parametrize("raw", [b"{not json", b"", b"\xff\xfe\x00garbage"])
def test_a_body_that_is_not_json_is_answered_400(
    raw: bytes, container: Container, engine: Engine
) -> None:
    status, answer = call(container, raw)
    assert status == 400
    assert "not JSON" in answer["error"]
    assert stored(engine) == 0


def test_a_missing_signature_is_answered_401_and_nothing_is_stored(
    container: Container, engine: Engine
) -> None:
    status, answer = call(container, GOOD, secret=None)
    assert status == 401
    assert "X-Slabot-Signature" in answer["error"]
    assert stored(engine) == 0


@pytest.mark.parametrize(
    "signature",
    [
        "sha256=" + "0" * 64,
        "deadbeef",
        "sha1=" + "0" * 40,
        "",
    ],
)
def test_a_malformed_or_wrong_signature_is_answered_401(
    signature: str, container: Container, engine: Engine
) -> None:
    status, _ = webhook.handle(container, json.dumps(GOOD).encode(), signature)
    assert status == 401
    assert stored(engine) == 0


def test_a_signature_made_with_another_secret_is_answered_401(
    container: Container, engine: Engine
) -> None:
    status, _ = call(container, GOOD, secret="not-the-secret")
    assert status == 401
    assert stored(engine) == 0


def test_a_signature_of_another_body_is_answered_401(container: Container, engine: Engine) -> None:
    signed = webhook_signature(SECRET, json.dumps(GOOD).encode())
    tampered = json.dumps({**GOOD, "owner": "U0BOB"}).encode()
    status, _ = webhook.handle(container, tampered, signed)
    assert status == 401
    assert stored(engine) == 0


def test_without_a_configured_secret_every_call_is_answered_401(
    container: Container, engine: Engine
) -> None:
    unsigned = dataclasses.replace(
        container,
        settings=Settings(database_url=container.settings.database_url, webhook_secret=""),
    )
    try:
        status, _ = webhook.handle(unsigned, json.dumps(GOOD).encode(), "sha256=")
        assert status == 401
        status, _ = call(unsigned, GOOD, secret="")
        assert status == 401
    finally:
        unsigned._pool.shutdown(wait=True)
    assert stored(engine) == 0


def test_a_bad_fit_not_interested_lead_is_answered_422_and_nothing_is_stored(
    container: Container, engine: Engine
) -> None:
    status, answer = call(container, {**GOOD, "fit": "bad", "interest": "low"})
    assert status == 422
    assert answer["field"] == "fit"
    assert "never handed to sales" in answer["error"]
    assert stored(engine) == 0
    assert owed(engine) == 0
    with Session(engine) as session:
        cursor = session.get(RoutingCursor, "sales")
    assert cursor is None or cursor.last_user_id is None


def test_a_refused_call_does_not_use_up_the_external_id(container: Container) -> None:
    status, _ = call(container, {**GOOD, "fit": "medium"})
    assert status == 400
    status, answer = call(container, GOOD)
    assert status == 201
    assert answer["lead"]["ref"] == "L-1001"


def test_control_characters_in_a_lead_name_are_escaped_in_the_owners_dm(
    container: Container, fake_slack: FakeSlack
) -> None:
    status, _ = call(container, {**GOOD, "name": "Dana <!channel> Scully", "company": "R&D <Co>"})
    assert status == 201
    dm = fake_slack.wait_for(
        "chat.postMessage", predicate=lambda c: c.args["channel"] == "U0ALICE"
    )[0].args
    shown = dm["text"] + json.dumps(dm.get("blocks"))
    assert "<!channel>" not in shown
    assert "&lt;!channel&gt;" in shown
    assert "R&amp;D &lt;Co&gt;" in shown
