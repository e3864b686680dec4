"""The rule for a change of agreement, as pure functions: an instant already crossed keeps
its value; the others take the new agreement's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slaengine.engine.thresholds import Instants, settle

T = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
H = timedelta(hours=1)
OLD = Instants(T + H, T + 2 * H, T + 10 * H)
NEW = Instants(T + 3 * H, T + 4 * H, T + 20 * H)


def test_nothing_crossed_takes_every_new_instant() -> None:
    assert settle(OLD, NEW, T) == NEW


def test_a_warning_crossed_at_its_instant_stands() -> None:
    assert settle(OLD, NEW, T + H) == Instants(T + H, T + 4 * H, T + 20 * H)


def test_a_due_instant_is_crossed_only_once_it_is_behind_us() -> None:
    assert settle(OLD, NEW, T + 2 * H).due_at == T + 4 * H
    assert settle(OLD, NEW, T + 2 * H + timedelta(seconds=1)).due_at == T + 2 * H


def test_a_lapse_crossed_stands_and_an_instant_the_item_had_not_is_taken() -> None:
    assert settle(OLD, NEW, T + 10 * H) == OLD
    assert settle(Instants(None, T + 2 * H, None), NEW, T) == NEW
