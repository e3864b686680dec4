"""Contact logged in the CRM is a touch on the lead, at the instant the CRM says, counted
once however often it is told; a touch the agreement does not count is done with the reason
and never tried again."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from sqlmodel import Session, select

from bot.container import Container, build
from bot.crm.routes import handle_salesforce
from bot.crm.work import work_off
from bot.plugins import PLUGINS
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.crm.tables import DONE, IGNORED, CrmEvent
from slaengine.persistence.db import make_engine
from slaengine.persistence.tables import ItemEvent
from tests.crm.conftest import CRM_AGREEMENT, SALESFORCE_TOKEN, contact
from tests.crm.test_hubspot_work import events, leads, receive, work
from tests.support.agreement import parse_agreement
from tests.support.fakehubspot import FakeHubSpot
from tests.support.fakeslack import FakeSlack
from tests.support.hubspot_signing import event
from tests.support.salesforce_messages import lead_fields, outbound_message

HANDED_MS = 1_795_440_600_000  # 13:30 UTC: the contact reached the stage
TOUCHED_MS = HANDED_MS + 15 * 60_000  # 13:45 UTC: Alice called


def contacted(contact_id: int, at_ms: int = TOUCHED_MS, *, name: str = "notes_last_contacted",
              occurred_ms: int | None = None) -> dict[str, object]:  # fmt: skip
    return event(contact_id, name=name, value=str(at_ms),
                 occurred_ms=occurred_ms or at_ms + 5_000)  # fmt: skip


def touches(c: Container, item_id: int | None) -> list[ItemEvent]:
    with Session(c.engine) as session:
        query = select(ItemEvent).where(ItemEvent.item_id == item_id, ItemEvent.action == "touch")
        return list(session.exec(query).all())


@pytest.fixture
def lead_101(crm: Container, fake_hubspot: FakeHubSpot) -> int:
    contact(fake_hubspot, "101")
    receive(crm, [event(101, occurred_ms=HANDED_MS)])
    assert work(crm) == 1
    lead_id = leads(crm)["101"].id
    assert lead_id is not None
    return lead_id


def test_a_last_contacted_change_stops_the_leads_clock_at_the_time_it_holds(
    crm: Container, lead_101: int
) -> None:
    receive(crm, [contacted(101)])
    work(crm)
    lead = leads(crm)["101"]
    assert lead.first_touch_via == "hubspot"
    assert int(lead.first_touch_at.timestamp() * 1000) == TOUCHED_MS  # type: ignore[union-attr]
    assert lead.stage == "working" and lead.attempts == 1
    assert [(e.status, e.item_id) for e in events(crm)][-1] == (DONE, lead_101)


def test_one_contact_told_twice_and_by_both_properties_counts_once(
    crm: Container, lead_101: int
) -> None:
    receive(crm, [contacted(101)])
    receive(crm, [contacted(101, name="hs_last_sales_activity_timestamp")])
    work(crm)
    receive(crm, [{**contacted(101), "attemptNumber": 2}])  # HubSpot's retry: stored once
    receive(crm, [contacted(101, occurred_ms=TOUCHED_MS + 60_000)])  # told again later
    work(crm)
    assert leads(crm)["101"].attempts == 1
    assert len(touches(crm, lead_101)) == 1
    assert {e.status for e in events(crm)} == {DONE}


def test_a_call_logged_on_the_contact_is_a_touch_by_the_owner_who_logged_it(
    crm: Container, fake_hubspot: FakeHubSpot, lead_101: int
) -> None:
    fake_hubspot.add_engagement("calls", "9001", contacts=["101"], owner="502",
                                timestamp_ms=TOUCHED_MS)  # fmt: skip
    created = {**event(9001, subscription="object.creation", name=None, value=None,
                       occurred_ms=TOUCHED_MS + 2_000), "objectTypeId": "0-48"}  # fmt: skip
    receive(crm, [created, contacted(101)])  # the same call, told by the contact too
    work(crm)
    lead = leads(crm)["101"]
    assert (lead.first_touch_via, lead.attempts) == ("hubspot", 1)
    (logged,) = touches(crm, lead_101)
    assert logged.actor == "U0BOB"  # owner 502 is bob@acme.example, a Slack user
    assert int(logged.at.timestamp() * 1000) == TOUCHED_MS
    calls = fake_hubspot.engagement_calls()
    assert len(calls) == 2  # the associations and the engagements, one read each
    assert {e.status for e in events(crm)} == {DONE}


def test_an_engagement_with_no_contact_or_a_contact_no_lead_is_ignored(
    crm: Container, fake_hubspot: FakeHubSpot, lead_101: int
) -> None:
    contact(fake_hubspot, "102", lifecyclestage="lead")
    fake_hubspot.add_engagement("emails", "9002", contacts=[], owner="501")
    fake_hubspot.add_engagement("meetings", "9003", contacts=["102"], owner="501")
    receive(crm, [
        {**event(9002, subscription="object.creation", name=None, value=None,
                 occurred_ms=TOUCHED_MS), "objectTypeId": "0-49"},
        {**event(9003, subscription="object.creation", name=None, value=None,
                 occurred_ms=TOUCHED_MS), "objectTypeId": "0-47"},
    ])  # fmt: skip
    work(crm)
    assert leads(crm)["101"].attempts == 0
    assert [e.status for e in events(crm)][-2:] == [IGNORED, IGNORED]


def test_a_touch_the_agreement_does_not_count_is_done_with_the_reason_never_retried(
    crm: Container, lead_101: int
) -> None:
    crm.agreement = parse_agreement(
        CRM_AGREEMENT.replace("[leads]\n", '[leads]\ntouch_from = "slack"\n', 1)
    )
    receive(crm, [contacted(101)])
    work(crm)
    last = events(crm)[-1]
    assert last.status == DONE and "touch_from" in str(last.reason)
    assert leads(crm)["101"].first_touch_at is None
    work(crm)
    assert events(crm)[-1].worked_at == last.worked_at  # not taken again


def test_contact_before_the_handoff_is_no_touch(crm: Container, lead_101: int) -> None:
    receive(crm, [contacted(101, HANDED_MS - 60_000)])
    work(crm)
    assert leads(crm)["101"].first_touch_at is None
    assert events(crm)[-1].status == IGNORED


def test_while_hubspot_cannot_say_whose_call_it_is_the_events_wait(
    crm: Container, fake_hubspot: FakeHubSpot, lead_101: int
) -> None:
    fake_hubspot.add_engagement("calls", "9004", contacts=["101"], timestamp_ms=TOUCHED_MS)
    created = {**event(9004, subscription="object.creation", name=None, value=None,
                       occurred_ms=TOUCHED_MS), "objectTypeId": "0-48"}  # fmt: skip
    receive(crm, [created])
    fake_hubspot.fail_next(1, 429)
    work(crm)
    assert leads(crm)["101"].first_touch_at is None
    work(crm)
    assert leads(crm)["101"].first_touch_via == "hubspot"


def test_a_salesforce_task_and_a_last_activity_date_are_touches_each_counted_once(
    crm: Container,
) -> None:
    now = crm.clock.now()
    assert handle_salesforce(crm, SALESFORCE_TOKEN, outbound_message(
        [("04l001", lead_fields("00Q001"))]))[0] == 200  # fmt: skip
    work(crm)
    task = {"Id": "00T001", "WhoId": "00Q001", "OwnerId": "005BOB", "Subject": "Call",
            "CreatedDate": now.isoformat()}  # fmt: skip
    body = outbound_message([("04l002", task)]).replace(b'"sf:Lead"', b'"sf:Task"')
    assert handle_salesforce(crm, SALESFORCE_TOKEN, body)[0] == 200
    assert handle_salesforce(crm, SALESFORCE_TOKEN, body)[0] == 200  # sent again
    work(crm)
    lead = leads(crm)["00Q001"]
    assert (lead.first_touch_via, lead.attempts, lead.first_touch_at) == ("salesforce", 1, now)
    day = now.date().isoformat()
    for notification in ("04l003", "04l004"):  # LastActivityDate set, told twice
        activity = outbound_message([(notification, lead_fields("00Q001", LastActivityDate=day))])
        assert handle_salesforce(crm, SALESFORCE_TOKEN, activity)[0] == 200
    work(crm)
    assert leads(crm)["00Q001"].attempts == 2
    assert {e.status for e in events(crm)} == {DONE}


@pytest.fixture
def second(
    crm: Container, database_url: str, crm_agreement: Agreement, clock: FixedClock,
    fake_slack: FakeSlack,
) -> Iterator[Container]:  # fmt: skip
    c = build(crm.settings, agreement=crm_agreement, clock=clock,
              client=WebClient(token="xoxb-t", base_url=fake_slack.url),
              engine=make_engine(database_url), plugins=PLUGINS)  # fmt: skip
    yield c
    c.close()


def test_two_instances_given_the_same_touches_count_each_once(
    crm: Container, second: Container, lead_101: int, fake_hubspot: FakeHubSpot
) -> None:
    for n in range(102, 112):
        contact(fake_hubspot, str(n))
    receive(crm, [event(n, occurred_ms=HANDED_MS) for n in range(102, 112)])
    work(crm)
    told = [contacted(n) for n in range(101, 112)]
    for c in (crm, second):
        receive(c, told)
    start = threading.Barrier(2)

    def run(c: Container) -> None:
        start.wait()
        work_off(c, c.clock.now())

    threads = [threading.Thread(target=run, args=(c,)) for c in (crm, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    found = leads(crm)
    assert {found[str(n)].attempts for n in range(101, 112)} == {1}
    assert all(found[str(n)].first_touch_via == "hubspot" for n in range(101, 112))
    with Session(crm.engine) as session:
        logged = session.exec(select(ItemEvent).where(ItemEvent.action == "touch")).all()
    assert len(logged) == 11
    assert json.dumps(sorted({e.status for e in events(crm)})) == json.dumps([DONE])
    _ = CrmEvent
