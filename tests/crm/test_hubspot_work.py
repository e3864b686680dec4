"""Stored HubSpot events worked off into leads by the sweep step, against the fake HubSpot:
one read call per 100 contacts, one DM per rep for a batch, refusals kept with their reason,
and nothing lost while HubSpot is down."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from bot.container import Container
from bot.crm.plugin import status_lines
from bot.crm.routes import handle_hubspot
from bot.crm.work import work_off
from slaengine.crm.tables import DONE, IGNORED, PENDING, REFUSED, CrmEvent
from slaengine.kinds.lead.tables import Lead
from tests.crm.conftest import HUBSPOT_SECRET, contact
from tests.support.fakehubspot import FakeHubSpot
from tests.support.fakeslack import FakeSlack
from tests.support.hubspot_signing import event, v3_headers

URI = "https://slabot.example.com/webhooks/hubspot"


def receive(c: Container, events: list[dict[str, object]]) -> None:
    raw = json.dumps(events).encode()
    headers = v3_headers(HUBSPOT_SECRET, "POST", URI, raw, int(c.clock.now().timestamp() * 1000))
    status, answer = handle_hubspot(c, "POST", [URI], raw, headers)
    assert status == 200, answer


def leads(c: Container) -> dict[str, Lead]:
    with Session(c.engine) as session:
        return {lead.external_id: lead for lead in session.exec(select(Lead)).all()}


def events(c: Container) -> list[CrmEvent]:
    with Session(c.engine) as session:
        return list(session.exec(select(CrmEvent).order_by(CrmEvent.id)).all())  # type: ignore[arg-type]


def work(c: Container) -> int:
    handed = work_off(c, c.clock.now())
    c.deliverer.deliver_due()
    return handed


def handed_dms(fake_slack: FakeSlack, user: str) -> list[dict[str, object]]:
    return [m for m in fake_slack.messages_to(user) if "Dana" in str(m)]


def test_a_contact_reaching_the_configured_stage_becomes_a_lead_with_its_mapped_fields(
    crm: Container, fake_hubspot: FakeHubSpot, fake_slack: FakeSlack
) -> None:
    contact(fake_hubspot, "101", fit_grade="B", interest_level="cold",
            hs_analytics_source_data_1="spring-webinar")  # fmt: skip
    receive(crm, [event(101, occurred_ms=1_795_440_600_000)])
    assert work(crm) == 1
    lead = leads(crm)["101"]
    assert (lead.name, lead.company, lead.email) == ("Dana Scully 101", "Acme Corp",
                                                      "dana101@acme.example")  # fmt: skip
    assert (lead.fit, lead.interest, lead.campaign) == ("good", "low", "spring-webinar")
    assert lead.source == "hubspot"
    assert lead.item.owner_id == "U0ALICE"  # owner 501 -> alice@acme.example -> U0ALICE
    # the clock starts when the contact reached the stage, not when slabot read it
    assert lead.handed_off_at.timestamp() == 1_795_440_600
    assert [(e.status, e.item_id) for e in events(crm)] == [(DONE, lead.id)]
    assert len(handed_dms(fake_slack, "U0ALICE")) == 1


def test_a_batch_is_read_100_contacts_a_call_and_each_rep_gets_one_dm(
    crm: Container, fake_hubspot: FakeHubSpot, fake_slack: FakeSlack
) -> None:
    ids = [str(n) for n in range(1000, 1250)]
    for n, contact_id in enumerate(ids):
        contact(fake_hubspot, contact_id, owner="501" if n % 2 else "502")
    batch = [event(i, event_id=n) for n, i in enumerate(ids)]
    for start in range(0, len(batch), 100):
        receive(crm, batch[start : start + 100])
    assert work(crm) == 250
    assert len(fake_hubspot.reads()) == 3  # ceil(250 / 100)
    assert all(len(call.body["inputs"]) <= 100 for call in fake_hubspot.reads())
    assert len(fake_hubspot.owner_calls()) == 2  # once per owner, not per contact
    assert len(leads(crm)) == 250
    assert len(handed_dms(fake_slack, "U0ALICE")) == 1
    assert len(handed_dms(fake_slack, "U0BOB")) == 1
    assert fake_slack.violations == []


def test_other_changes_are_ignored_and_a_creation_counts_only_at_the_stage(
    crm: Container, fake_hubspot: FakeHubSpot
) -> None:
    contact(fake_hubspot, "201")
    contact(fake_hubspot, "202", lifecyclestage="lead")
    receive(
        crm,
        [
            event(201, subscription="contact.creation", name=None, value=None),
            event(202, subscription="contact.creation", name=None, value=None),
            event(203, name="lifecyclestage", value="customer"),
            event(204, name="email", value="x@acme.example"),
        ],
    )
    assert work(crm) == 1
    assert set(leads(crm)) == {"201"}
    assert [e.status for e in events(crm)] == [DONE, IGNORED, IGNORED, IGNORED]
    assert len(fake_hubspot.reads()) == 1
    assert fake_hubspot.reads()[0].body["inputs"] == [{"id": "201"}, {"id": "202"}]


def test_a_contact_missing_a_mapped_property_is_refused_with_the_reason_and_counted(
    crm: Container, fake_hubspot: FakeHubSpot, fake_slack: FakeSlack
) -> None:
    contact(fake_hubspot, "301", company=None)
    contact(fake_hubspot, "302", fit_grade="Z")
    contact(fake_hubspot, "303", owner="999")  # no such owner
    contact(fake_hubspot, "304")
    receive(crm, [event(301), event(302), event(303), event(304), event(305)])
    assert work(crm) == 1
    assert set(leads(crm)) == {"304"}
    reasons = {e.object_id: (e.status, e.reason) for e in events(crm)}
    assert reasons["301"] == (REFUSED, "company: the property 'company' is empty")
    assert reasons["302"][0] == REFUSED and "fit_grade = 'Z'" in str(reasons["302"][1])
    assert reasons["303"][0] == REFUSED and "owner" in str(reasons["303"][1])
    assert reasons["305"] == (REFUSED, "contact 305 is not in HubSpot")
    assert status_lines(crm) == ["crm hubspot: 0 event(s) waiting, 4 refused as leads"]
    assert len(handed_dms(fake_slack, "U0ALICE")) == 1  # the one lead handed over


def test_while_hubspot_is_down_or_rate_limited_the_events_wait_and_are_taken_later(
    crm: Container, fake_hubspot: FakeHubSpot
) -> None:
    contact(fake_hubspot, "401")
    receive(crm, [event(401)])
    fake_hubspot.down = True
    assert work(crm) == 0
    fake_hubspot.down = False
    fake_hubspot.fail_next(1, 429)
    assert work(crm) == 0
    [waiting] = events(crm)
    assert (waiting.status, waiting.attempts) == (PENDING, 2)
    assert "429" in str(waiting.reason)
    assert status_lines(crm) == ["crm hubspot: 1 event(s) waiting, 0 refused as leads"]
    assert leads(crm) == {}
    assert work(crm) == 1
    assert set(leads(crm)) == {"401"}


def test_an_event_worked_off_twice_hands_its_lead_over_once(
    crm: Container, fake_hubspot: FakeHubSpot, fake_slack: FakeSlack
) -> None:
    contact(fake_hubspot, "501")
    receive(crm, [event(501, occurred_ms=1_795_440_600_000)])
    receive(crm, [event(501, occurred_ms=1_795_440_700_000)])  # reached the stage again
    assert work(crm) == 1
    assert work(crm) == 0
    assert [e.status for e in events(crm)] == [DONE, DONE]
    assert len(handed_dms(fake_slack, "U0ALICE")) == 1


def test_without_an_access_token_the_events_wait(crm: Container, fake_hubspot: FakeHubSpot) -> None:
    import dataclasses

    contact(fake_hubspot, "601")
    receive(crm, [event(601)])
    crm.settings = dataclasses.replace(crm.settings, hubspot_access_token="")
    assert work(crm) == 0
    assert fake_hubspot.calls == []
    assert [e.status for e in events(crm)] == [PENDING]


def test_a_refused_token_leaves_the_events_waiting(
    crm: Container, fake_hubspot: FakeHubSpot
) -> None:
    contact(fake_hubspot, "701")
    receive(crm, [event(701)])
    fake_hubspot.token = "pat-rotated"
    assert work(crm) == 0
    [waiting] = events(crm)
    assert waiting.status == PENDING and "401" in str(waiting.reason)


def test_healthz_shows_the_events_waiting_while_hubspot_is_down(
    crm: Container, fake_hubspot: FakeHubSpot
) -> None:
    import asyncio

    import httpx

    from bot.entrypoints.web import build_web

    async def healthz() -> dict[str, object]:
        transport = httpx.ASGITransport(app=build_web(crm, None))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            answer = (await client.get("/healthz")).json()
            assert isinstance(answer, dict)
            return answer

    assert "crm_backlog" not in asyncio.run(healthz())
    contact(fake_hubspot, "801")
    receive(crm, [event(801), event(802, name="email", value="x@acme.example")])
    fake_hubspot.down = True
    work(crm)
    assert asyncio.run(healthz())["crm_backlog"] == {"hubspot": 2}
    fake_hubspot.down = False
    work(crm)
    assert asyncio.run(healthz())["crm_backlog"] == {"hubspot": 0}
