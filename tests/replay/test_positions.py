"""The replay's quick way to a lead's windows: counted in integers from the handoff's
business position on the fast clock, they are the instants `plan_windows` gives on the
calendar itself, to the microsecond, with a campaign or without (hypothesis)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from slaengine.agreement.config import reference_agreement_path
from slaengine.kinds.lead.replay import LeadFacts, Living
from slaengine.kinds.lead.rules import MarketingStatus, plan_windows
from slaengine.replay.clock import Covered
from tests.support.agreement import load_agreement

AGREEMENT = load_agreement(reference_agreement_path())
CALENDAR = AGREEMENT.calendar
COVERED = Covered(CALENDAR, date(2026, 9, 1), date(2027, 4, 1))
START = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
STATUSES = [s for s in MarketingStatus if s.handed_to_sales]

instants = st.integers(min_value=0, max_value=60 * 24 * 120).map(
    lambda m: START + timedelta(minutes=m, microseconds=m % 7)
)


def facts(status: MarketingStatus, campaign: str | None, handed: datetime) -> LeadFacts:
    return LeadFacts(
        1, "sales", "U0ALICE", True, None, None, None, status.value, campaign, handed, handed,
        None, None, "new", None,
    )  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(instants, st.sampled_from(STATUSES), st.sampled_from([None, "", "Spring webinar"]))
def test_windows_counted_from_the_business_position_are_the_calendars(
    handed: datetime, status: MarketingStatus, campaign: str | None
) -> None:
    living = Living(AGREEMENT, COVERED, START + timedelta(days=200), [])
    quick = living._by_position(facts(status, campaign, handed))
    plan = plan_windows(AGREEMENT, status, campaign, handed)
    assert quick == (
        plan.response_warn_at, plan.response_due_at, plan.accept_warn_at, plan.accept_due_at,
        plan.recycle_at,
    )  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(instants, st.integers(min_value=1, max_value=5000 * 60_000_000))
def test_a_business_position_walked_forward_and_back_is_the_calendars(
    at: datetime, amount: int
) -> None:
    position = COVERED.position(at)
    assert position is not None
    step = timedelta(microseconds=amount)
    assert COVERED.forward(position + amount) == CALENDAR.add_business_time(at, step)
    back = COVERED.backward(position - amount)
    if back is not None:
        assert back == CALENDAR.subtract_business_time(at, step)
