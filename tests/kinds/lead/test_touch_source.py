"""Where a touch comes from (issue: real touches from the CRM): `[leads] touch_from` says
whether a touch logged in Slack, one found in the CRM's activity, or either stops a lead's
clock; the lead remembers where its first touch came from and shows it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.kinds.lead.blocks import lead_line
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.engine.errors import Refusal
from slaengine.kinds.lead import work as leadwork
from slaengine.kinds.lead.agreement import LEADS_TABLE
from slaengine.persistence.tables import ItemEvent
from tests.kinds.lead.test_store import act, reload, take
from tests.kinds.lead.test_work_promises import agreement_with

RECYCLE = 'recycle_after = "60d calendar"'
CRM_ONLY = (RECYCLE, f'{RECYCLE}\ntouch_from = "crm"')
SLACK_ONLY = (RECYCLE, f'{RECYCLE}\ntouch_from = "slack"')


def events(engine: Engine, lead_id: int | None) -> list[tuple[str, str, str]]:
    with Session(engine) as session:
        query = select(ItemEvent).where(ItemEvent.item_id == lead_id).order_by(col(ItemEvent.id))
        return [(e.action, e.actor, e.detail) for e in session.exec(query).all()]


def test_either_source_counts_by_default_and_slack_touches_are_marked_as_slacks(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    assert LEADS_TABLE.of(agreement).touch_from == "either"
    lead = take(engine, agreement, clock.now(), external_id="t-1", owner="U0ALICE").lead
    act(engine, agreement, "touch", name=lead.ref, actor="U0ALICE", now=clock.now(), key="k")
    again = reload(engine, lead.id)
    assert (again.first_touch_via, again.attempts) == ("slack", 1)
    assert events(engine, lead.id)[-1] == ("touch", "U0ALICE", "slack")


def test_a_touch_from_the_crm_stops_the_clock_whoever_the_crm_says_made_it(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="t-2", owner="U0ALICE").lead
    outcome = act(
        engine, agreement, "touch", name="t-2", actor="hubspot:owner-77", now=clock.now(),
        key="hubspot:call:991", via="hubspot",
    )  # fmt: skip
    assert outcome.message == f"First touch on {lead.ref} logged, inside its response window."
    again = reload(engine, lead.id)
    assert (again.first_touch_at, again.first_touch_via) == (clock.now(), "hubspot")
    view = leadwork.view(again, agreement, clock.now())
    assert "first touch from HubSpot" in lead_line(view, agreement.zone)


def test_with_touch_from_crm_a_touch_in_slack_is_refused_saying_why_and_changes_nothing(
    engine: Engine, tmp_path: Path, clock: FixedClock
) -> None:
    crm_only = agreement_with(tmp_path, *CRM_ONLY)
    lead = take(engine, crm_only, clock.now(), external_id="t-3", owner="U0ALICE").lead
    with pytest.raises(Refusal, match=r"counts only contact logged in the CRM .*clock stops"):
        act(engine, crm_only, "touch", name=lead.ref, actor="U0ALICE", now=clock.now(), key="k")
    again = reload(engine, lead.id)
    assert (again.first_touch_at, again.attempts, again.stage) == (None, 0, "new")
    assert [e[0] for e in events(engine, lead.id)] == []
    act(engine, crm_only, "touch", name=lead.ref, actor="salesforce", now=clock.now(),
        key="sf:task:1", via="salesforce")  # fmt: skip
    assert reload(engine, lead.id).first_touch_via == "salesforce"


def test_with_touch_from_slack_activity_from_a_crm_is_not_counted(
    engine: Engine, tmp_path: Path, clock: FixedClock
) -> None:
    slack_only = agreement_with(tmp_path, *SLACK_ONLY)
    lead = take(engine, slack_only, clock.now(), external_id="t-4", owner="U0ALICE").lead
    with pytest.raises(Refusal, match="counts only touches logged in Slack"):
        act(engine, slack_only, "touch", name=lead.ref, actor="hubspot", now=clock.now(),
            key="h:1", via="hubspot")  # fmt: skip
    assert reload(engine, lead.id).attempts == 0


def test_a_touch_from_somewhere_unknown_is_a_programming_error(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="t-5", owner="U0ALICE").lead
    with pytest.raises(ValueError, match="not 'pipedrive'"):
        act(engine, agreement, "touch", name=lead.ref, actor="x", now=clock.now(), key="k",
            via="pipedrive")  # fmt: skip


def test_touch_from_takes_only_slack_crm_or_either(tmp_path: Path) -> None:
    from slaengine.agreement.config import AgreementError

    with pytest.raises(AgreementError) as caught:
        agreement_with(tmp_path, CRM_ONLY[0], CRM_ONLY[1].replace('"crm"', '"email"'))
    assert [p.split(":")[0] for p in caught.value.problems] == ["leads.touch_from"]
