"""SLA outcomes written back to the CRM record, through the outbox, with the promises a
Slack post has: once per event, Retry-After and backoff, given up after N attempts and
shown in `slabot status`, and a write repeated after a crash leaving the record right."""

from __future__ import annotations

import dataclasses
import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlmodel import Session, col, select

from bot.container import Container, build
from bot.crm import writeback
from bot.crm.plugin import status_lines
from bot.crm.work import work_off
from bot.delivery.deliverer import LEASE, MAX_ATTEMPTS
from bot.plugins import PLUGINS
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.crm.config import WRITE_BACK
from slaengine.kinds.lead import work as leadwork
from slaengine.persistence import outbox
from slaengine.persistence.db import make_engine, unit_of_work
from slaengine.persistence.tables import OutboxMessage
from tests.crm.conftest import contact
from tests.crm.test_hubspot_work import receive
from tests.support.fakehubspot import FakeHubSpot
from tests.support.fakeslack import FakeSlack
from tests.support.hubspot_signing import event

#: the example's `[crm.hubspot.write_back]`: outcome -> property
FIELDS = {outcome: f"slabot_{outcome}" for outcome in WRITE_BACK}
HUBSPOT_TYPES = {"datetime": "datetime", "number": "number", "bool": "bool",
                 "enumeration": "enumeration", "text": "string"}  # fmt: skip


def define_write_back(fake: FakeHubSpot) -> None:
    for outcome, name in FIELDS.items():
        fake.define_property(name, HUBSPOT_TYPES[WRITE_BACK[outcome]])


def hand_over(c: Container, fake: FakeHubSpot, *ids: str) -> None:
    for contact_id in ids:
        contact(fake, contact_id)
    receive(c, [event(i, event_id=n) for n, i in enumerate(ids)])
    work_off(c, c.clock.now())


def act(c: Container, verb: str, contact_id: str, **extra: Any) -> None:
    now = c.clock.now()
    with unit_of_work(c.engine) as session:
        lead = leadwork.get(session, contact_id)
        owner = lead.owner_id
        if verb == "touch":
            leadwork.touch(session, c.agreement, name=contact_id, actor=owner, now=now,
                           key=f"t:{contact_id}:{now}", via="hubspot")  # fmt: skip
        elif verb == "accept":
            leadwork.accept(session, c.agreement, name=contact_id, actor=owner, now=now,
                            key=f"a:{contact_id}")  # fmt: skip
        else:
            leadwork.reject(session, c.agreement, name=contact_id, actor=owner, now=now,
                            key=f"r:{contact_id}", reason=extra["reason"])  # fmt: skip


def write_back(c: Container) -> tuple[int, int]:
    now = c.clock.now()
    return writeback.owe(c, now), writeback.deliver(c, now)


def rows(c: Container) -> list[OutboxMessage]:
    with Session(c.engine) as session:
        query = select(OutboxMessage).where(OutboxMessage.topic == "crm_write")
        return list(session.exec(query.order_by(col(OutboxMessage.id))).all())


def updated_ids(fake: FakeHubSpot) -> list[str]:
    return [str(i["id"]) for call in fake.updates() for i in call.body["inputs"]]


def test_each_event_of_a_lead_is_written_to_its_contact_once(
    crm: Container, fake_hubspot: FakeHubSpot, clock: FixedClock
) -> None:
    define_write_back(fake_hubspot)
    hand_over(crm, fake_hubspot, "7001")
    clock.advance(timedelta(minutes=20))
    act(crm, "touch", "7001")
    assert writeback.owe(crm, clock.now()) == 1
    crm.deliverer.deliver_due()  # Slack's delivery leaves the CRM's rows alone
    assert [r.status for r in rows(crm)] == ["pending"]
    assert write_back(crm) == (0, 1)
    clock.advance(timedelta(minutes=30))
    act(crm, "accept", "7001")
    assert write_back(crm) == (1, 1)
    assert write_back(crm) == (0, 0)  # looked at again: nothing more owed or written
    written = fake_hubspot.contacts["7001"]
    assert written["slabot_first_touch_at"] == "2026-11-23T14:20:00.000Z"
    assert written["slabot_minutes_to_first_touch"] == "20"
    assert written["slabot_within_window"] == "true"
    assert written["slabot_decision"] == "accepted"
    assert written["slabot_decided_at"] == "2026-11-23T14:50:00.000Z"
    assert written["slabot_sla_state"] == "met"
    assert updated_ids(fake_hubspot) == ["7001", "7001"]
    assert [r.status for r in rows(crm)] == ["sent", "sent"]


def test_a_rejection_writes_its_reason_and_a_breach_its_instant(
    crm: Container, fake_hubspot: FakeHubSpot, clock: FixedClock
) -> None:
    define_write_back(fake_hubspot)
    hand_over(crm, fake_hubspot, "7002", "7003")
    act(crm, "reject", "7002", reason="no budget this year")
    clock.advance(timedelta(days=3))
    from bot.jobs.sweep import sweep

    sweep(crm, deliver=False)  # the response window of 7003 is breached: owed and written
    assert fake_hubspot.contacts["7002"]["slabot_decision"] == "rejected"
    assert fake_hubspot.contacts["7002"]["slabot_reject_reason"] == "no budget this year"
    assert fake_hubspot.contacts["7003"]["slabot_breached_at"]
    assert fake_hubspot.contacts["7003"]["slabot_sla_state"] == "overdue"


def test_writes_to_many_contacts_go_100_a_call_one_entry_per_contact(
    crm: Container, fake_hubspot: FakeHubSpot
) -> None:
    define_write_back(fake_hubspot)
    ids = [str(n) for n in range(7100, 7230)]
    hand_over(crm, fake_hubspot, *ids)
    for contact_id in ids:
        act(crm, "touch", contact_id)
        act(crm, "accept", contact_id)
    assert write_back(crm) == (260, 260)
    sizes = [len(call.body["inputs"]) for call in fake_hubspot.updates()]
    assert sizes == [100, 30]  # a contact's two events merged into one entry
    assert all(fake_hubspot.contacts[i]["slabot_decision"] == "accepted" for i in ids)


def test_a_rate_limit_is_waited_out_as_long_as_retry_after_says(
    crm: Container, fake_hubspot: FakeHubSpot, clock: FixedClock
) -> None:
    define_write_back(fake_hubspot)
    hand_over(crm, fake_hubspot, "7004")
    act(crm, "touch", "7004")
    fake_hubspot.fail_next(1, 429, retry_after="90")
    assert write_back(crm) == (1, 0)
    [row] = rows(crm)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.not_before == clock.now() + timedelta(seconds=90)
    clock.advance(timedelta(seconds=60))
    assert write_back(crm) == (0, 0)  # not before Retry-After
    clock.advance(timedelta(seconds=31))
    assert write_back(crm) == (0, 1)
    assert "slabot_first_touch_at" in fake_hubspot.contacts["7004"]


def test_errors_5xx_are_retried_waiting_longer_each_time(
    crm: Container, fake_hubspot: FakeHubSpot, clock: FixedClock
) -> None:
    define_write_back(fake_hubspot)
    hand_over(crm, fake_hubspot, "7005")
    act(crm, "touch", "7005")
    fake_hubspot.fail_next(2, 503)
    write_back(crm)
    assert rows(crm)[0].not_before == clock.now() + timedelta(seconds=2)
    clock.advance(timedelta(seconds=2))
    write_back(crm)
    assert rows(crm)[0].not_before == clock.now() + timedelta(seconds=4)
    clock.advance(timedelta(seconds=4))
    assert write_back(crm) == (0, 1)
    assert rows(crm)[0].attempts == 3


def test_a_write_is_given_up_after_n_attempts_and_shown_in_status(
    crm: Container, fake_hubspot: FakeHubSpot, clock: FixedClock
) -> None:
    define_write_back(fake_hubspot)
    hand_over(crm, fake_hubspot, "7006")
    act(crm, "touch", "7006")
    fake_hubspot.down = True
    for _ in range(MAX_ATTEMPTS):
        write_back(crm)
        clock.advance(timedelta(minutes=6))
    [row] = rows(crm)
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert row.error is not None and row.error.startswith(f"gave up after {MAX_ATTEMPTS}")
    assert any(
        "crm hubspot write-back: 0 waiting, 0 written, 1 failed" in line
        for line in status_lines(crm)
    )


def test_a_property_hubspot_lacks_fails_the_write_at_once_with_hubspots_reason(
    crm: Container, fake_hubspot: FakeHubSpot
) -> None:
    hand_over(crm, fake_hubspot, "7007")  # no slabot_* property defined
    act(crm, "touch", "7007")
    assert write_back(crm) == (1, 0)
    [row] = rows(crm)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "does not exist" in (row.error or "")


def test_a_crash_after_hubspot_took_the_write_writes_the_same_values_again(
    crm: Container, fake_hubspot: FakeHubSpot, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker dies after HubSpot answered and before the row is marked sent: once its
    lease runs out, another pass writes the row again. A batch update sets the same values
    to the same properties, so the contact ends as it would have: an idempotent write."""
    define_write_back(fake_hubspot)
    hand_over(crm, fake_hubspot, "7008")
    act(crm, "touch", "7008")

    def crash(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt("the worker dies")

    with monkeypatch.context() as patched:
        patched.setattr(outbox, "delivered", crash)
        with pytest.raises(KeyboardInterrupt):
            write_back(crm)
    once = dict(fake_hubspot.contacts["7008"])
    assert rows(crm)[0].status == "sending"
    assert write_back(crm) == (0, 0)  # its lease still runs: nobody else takes it
    clock.advance(LEASE + timedelta(seconds=1))
    assert write_back(crm) == (0, 1)
    assert fake_hubspot.contacts["7008"] == once
    assert updated_ids(fake_hubspot) == ["7008", "7008"]
    assert rows(crm)[0].status == "sent"


def test_without_an_access_token_or_a_write_back_table_nothing_is_owed(
    crm: Container, fake_hubspot: FakeHubSpot, crm_agreement: Agreement
) -> None:
    define_write_back(fake_hubspot)
    hand_over(crm, fake_hubspot, "7009")
    act(crm, "touch", "7009")
    settings = crm.settings
    crm.settings = dataclasses.replace(settings, hubspot_access_token="")
    assert write_back(crm) == (0, 0)
    assert rows(crm) == []  # not even owed
    crm.settings = settings
    without = crm.agreement.model_copy(update={"crm": None})
    kept, crm.agreement = crm.agreement, without
    assert write_back(crm) == (0, 0)
    crm.agreement = kept
    assert write_back(crm) == (1, 1)  # once both are there, the open lead's events are owed


@pytest.mark.postgres
def test_two_workers_write_each_event_once(
    crm: Container,
    database_url: str,
    crm_agreement: Agreement,
    clock: FixedClock,
    fake_slack: FakeSlack,
    fake_hubspot: FakeHubSpot,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("two workers at once: PostgreSQL")
    second = build(
        crm.settings,
        agreement=crm_agreement,
        clock=clock,
        client=WebClient(token="xoxb-t", base_url=fake_slack.url),
        engine=make_engine(database_url),
        plugins=PLUGINS,
    )
    try:
        define_write_back(fake_hubspot)
        ids = [str(n) for n in range(7300, 7360)]
        hand_over(crm, fake_hubspot, *ids)
        for contact_id in ids:
            act(crm, "touch", contact_id)
        start = threading.Barrier(2)
        done: list[tuple[int, int]] = []

        def run(c: Container) -> None:
            start.wait()
            for _ in range(3):
                done.append(write_back(c))

        threads = [threading.Thread(target=run, args=(c,)) for c in (crm, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sum(owed for owed, _ in done) == 60
        assert sum(written for _, written in done) == 60
        assert sorted(updated_ids(fake_hubspot)) == sorted(ids)
        assert {r.status for r in rows(crm)} == {"sent"}
    finally:
        second.close()


def test_forgetting_a_contact_erases_the_reason_written_back_in_the_outbox_too(
    crm: Container, fake_hubspot: FakeHubSpot, clock: FixedClock, database_url: str
) -> None:
    from slaengine.kinds.lead import erasure
    from tests.kinds.lead.test_forget import every_row

    define_write_back(fake_hubspot)
    hand_over(crm, fake_hubspot, "7009")
    act(crm, "reject", "7009", reason="Zoë's CFO froze the budget")
    writeback.owe(crm, clock.now())  # owed, not yet written: the reason is in its payload
    (owed,) = rows(crm)
    assert "froze the budget" in json.loads(owed.text)["properties"]["slabot_reject_reason"]
    with unit_of_work(crm.engine) as session:
        erasure.forget(session, "7009", "slabot", clock.now())
    assert [row for row in every_row(database_url) if "froze the budget" in row] == []
    assert (
        "froze the budget"
        not in json.loads(rows(crm)[0].text)["properties"]["slabot_reject_reason"]
    )
