"""An item's thresholds as plain values: their order, which a sweep has crossed, and when it
looks again. The same rules for every kind; the sweeps of each kind test them through a
database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slaengine.engine.thresholds import (
    Step,
    Threshold,
    Timing,
    crossed,
    due_steps,
    next_action,
    thresholds,
)

NOON = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def timing(
    warn: datetime | None = None, due: datetime | None = None, lapse: datetime | None = None
) -> Timing:
    return Timing("chore", "done", warn, due, lapse)


def order(c: Timing) -> list[tuple[datetime, Step]]:
    return [(t.at, t.step) for t in thresholds(c)]


def test_a_breach_is_crossed_only_after_its_instant_a_warning_and_a_lapse_at_theirs() -> None:
    for step in Step:
        point = Threshold(NOON, step, "done")
        assert not crossed(point, NOON - timedelta(microseconds=1))
        assert crossed(point, NOON) is (step is not Step.BREACH)
        assert crossed(point, NOON + timedelta(microseconds=1))


def test_thresholds_come_in_time_order_whatever_order_the_instants_are_in() -> None:
    assert order(timing(due=NOON, lapse=NOON - HOUR)) == [
        (NOON - HOUR, Step.LAPSE),
        (NOON, Step.BREACH),
    ]
    assert order(timing(warn=NOON + HOUR, due=NOON)) == [
        (NOON, Step.BREACH),
        (NOON + HOUR, Step.WARN),
    ]
    assert order(timing(warn=NOON - HOUR, due=NOON + HOUR, lapse=NOON)) == [
        (NOON - HOUR, Step.WARN),
        (NOON, Step.LAPSE),
        (NOON + HOUR, Step.BREACH),
    ]
    assert next_action(timing(warn=NOON + HOUR, due=NOON, lapse=NOON + 2 * HOUR)) == NOON


def test_at_one_instant_the_warning_comes_before_the_breach_and_both_before_the_lapse() -> None:
    assert order(timing(warn=NOON, due=NOON, lapse=NOON - HOUR)) == [
        (NOON - HOUR, Step.LAPSE),
        (NOON, Step.WARN),
        (NOON, Step.BREACH),
    ]


def test_a_pass_catching_up_a_warning_and_a_breach_at_once_looks_again_at_the_lapse() -> None:
    c = timing(warn=NOON - 2 * HOUR, due=NOON - HOUR, lapse=NOON + HOUR)
    due = due_steps(c, NOON - 2 * HOUR, NOON)
    assert [(t.at, t.step) for t in due.steps] == [(NOON - HOUR, Step.BREACH)]
    assert due.next_action_at == NOON + HOUR
