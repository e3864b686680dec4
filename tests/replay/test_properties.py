"""Properties of the replay, over generated leads and instants (hypothesis): widening every
window never lowers a share in window; adding a holiday never moves a due instant earlier;
and the fast business time a replay uses is the calendar's, to the microsecond."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from slaengine.agreement.config import Agreement
from slaengine.durations import Duration
from slaengine.engine.lives import Life
from slaengine.kinds.lead.replay import LeadFacts, ladder, live
from slaengine.kinds.lead.rules import MarketingStatus, plan_windows
from slaengine.replay.clock import Covered
from slaengine.replay.compare import summary
from tests.conftest import LEADS_ONLY
from tests.support.agreement import parse_agreement

BASE = parse_agreement(LEADS_ONLY)
WIDER = parse_agreement(
    LEADS_ONLY.replace('good_fit_interested = "4h"', 'good_fit_interested = "6h"')
    .replace('good_fit_less_interested = "24h"', 'good_fit_less_interested = "30h"')
    .replace('bad_fit_interested = "48h"', 'bad_fit_interested = "50h"')
    .replace('accept_within = "2d"', 'accept_within = "3d"')
)
START = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
NOW = START + timedelta(days=120)
STATUSES = [s.value for s in MarketingStatus if s.handed_to_sales]

instants = st.integers(min_value=0, max_value=60 * 24 * 60).map(
    lambda m: START + timedelta(minutes=m, microseconds=m % 7)
)
later = st.none() | st.integers(min_value=0, max_value=60 * 24 * 10).map(
    lambda m: timedelta(minutes=m)
)


@st.composite
def leads(draw: st.DrawFn) -> LeadFacts:
    handed = draw(instants)
    touch, decide = draw(later), draw(later)
    touched = handed + touch if touch is not None else None
    decided = (touched or handed) + decide if decide is not None else None
    stage = "new" if touched is None else "working"
    if decided is not None:
        stage = draw(st.sampled_from(["accepted", "rejected"]))
    return LeadFacts(
        1, "sales", "U0ALICE", decided is None, None, decided, None,
        draw(st.sampled_from(STATUSES)), None, handed, handed, touched, decided, stage, None,
    )  # fmt: skip


def lived(agreement: Agreement, facts: list[LeadFacts]) -> list[Life]:
    clock = Covered(agreement.calendar, date(2026, 9, 1), date(2027, 4, 1))
    return [live(agreement, clock, f, NOW, ladder(agreement)) for f in facts]


@settings(max_examples=60, deadline=None)
@given(st.lists(leads(), min_size=1, max_size=12))
def test_widening_every_window_never_lowers_a_share_in_window(facts: list[LeadFacts]) -> None:
    before = summary(BASE, lived(BASE, facts))
    after = summary(WIDER, lived(WIDER, facts))
    assert after["leads"]["within_sla_share"] >= before["leads"]["within_sla_share"]
    for team, figures in before["teams"].items():
        share, wider = figures["within_sla_share"], after["teams"][team]["within_sla_share"]
        if share is not None:
            assert wider is not None and wider >= share
    assert after["breaches"] <= before["breaches"]


@settings(max_examples=60, deadline=None)
@given(
    instants,
    st.sampled_from(STATUSES),
    st.dates(min_value=date(2026, 10, 1), max_value=date(2026, 12, 31)),
)
def test_adding_a_holiday_never_moves_a_due_instant_earlier(
    handed: datetime, status: str, holiday: date
) -> None:
    with_holiday = parse_agreement(
        LEADS_ONLY.replace(
            'extra_holidays = ["2026-12-24"]', f'extra_holidays = ["2026-12-24", "{holiday}"]'
        )
    )
    assert holiday in with_holiday.calendar.extra_days_off
    before = plan_windows(BASE, MarketingStatus(status), None, handed)
    after = plan_windows(with_holiday, MarketingStatus(status), None, handed)
    assert after.response_due_at >= before.response_due_at
    assert after.accept_due_at >= before.accept_due_at
    # and the replay, on its fast clock, agrees
    (replayed,) = lived(with_holiday, [LeadFacts(
        1, "sales", "U0ALICE", True, None, None, None, status, None, handed, handed,
        None, None, "new", None,
    )])  # fmt: skip
    assert replayed.response is not None and replayed.response.due == after.response_due_at


CALENDAR = BASE.calendar
COVERED = Covered(CALENDAR, date(2026, 9, 1), date(2027, 4, 1))
durations = st.sampled_from(["30m", "1h", "4h", "24h", "2d", "48h", "1w", "60d calendar"])


@settings(max_examples=200, deadline=None)
@given(instants, durations, st.integers(min_value=0, max_value=10**6))
def test_the_fast_business_time_is_the_calendars_to_the_microsecond(
    at: datetime, text: str, jitter: int
) -> None:
    at = at + timedelta(microseconds=jitter)
    duration = Duration.parse(text)
    assert COVERED.add(at, duration) == CALENDAR.add(at, duration)
    assert COVERED.subtract(at, duration) == CALENDAR.subtract(at, duration)
    other = at + timedelta(hours=jitter % 500, minutes=jitter % 59)
    assert COVERED.between(at, other) == CALENDAR.between(at, other)
    amount = timedelta(minutes=jitter % 5000, microseconds=jitter % 1000)
    assert COVERED.add_business_time(at, amount) == CALENDAR.add_business_time(at, amount)
    assert COVERED.subtract_business_time(at, amount) == CALENDAR.subtract_business_time(
        at, amount
    )
