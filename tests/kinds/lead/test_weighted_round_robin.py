"""The smooth weighted round robin of a pool (`smooth_pick`), as properties over many picks:
shares by weight, strict turns for equal weights, and a rep back from an absence joining
at the average instead of catching up."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection

from hypothesis import example, given, settings
from hypothesis import strategies as st

from slaengine.kinds.lead.routing import Seat, smooth_pick

Skipped = Callable[[int], Collection[str]]


def nobody(_: int) -> Collection[str]:
    return ()


def run(weights: list[int], picks: int, skipped: Skipped = nobody) -> tuple[list[str], list[Seat]]:
    seats = [Seat(f"U{i}", weight) for i, weight in enumerate(weights)]
    chosen: list[str] = []
    for n in range(picks):
        pick = smooth_pick(seats, skipped(n))
        seats = list(pick.seats)
        assert pick.chosen is not None
        chosen.append(pick.chosen)
    return chosen, seats


def test_weights_five_one_one_go_as_nginx_sends_them() -> None:
    chosen, _ = run([5, 1, 1], 7)
    assert chosen == ["U0", "U0", "U1", "U0", "U2", "U0", "U0"]  # a a b a c a a


@settings(max_examples=12, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=10), min_size=1, max_size=6))
def test_over_ten_thousand_leads_each_share_is_within_one_percent_of_its_weight(
    weights: list[int],
) -> None:
    chosen, _ = run(weights, 10_000)
    counts = Counter(chosen)
    total = sum(weights)
    for i, weight in enumerate(weights):
        assert abs(counts[f"U{i}"] / 10_000 - weight / total) <= 0.01


def nginx(weights: list[int], picks: int) -> list[str]:
    """nginx's smooth weighted round robin (ngx_http_upstream_round_robin), a tie going to
    the peer that waited longest (nginx: the first listed)."""
    current = [0] * len(weights)
    last = [0] * len(weights)
    chosen: list[str] = []
    for n in range(1, picks + 1):
        for i, weight in enumerate(weights):
            current[i] += weight
        best = max(range(len(weights)), key=lambda i: (current[i], -last[i]))
        current[best] -= sum(weights)
        last[best] = n
        chosen.append(f"U{best}")
    return chosen


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=10), min_size=1, max_size=7))
@example([1, 1, 1, 1, 1, 8, 8])  # nginx's own weights go past the range held after a change
@example([1, 6, 1, 1, 1, 9, 6])
def test_with_nobody_away_the_picks_are_nginxs(weights: list[int]) -> None:
    """The centring and the range `smooth_pick` keeps change nothing then."""
    chosen, _ = run(weights, 1000)
    assert chosen == nginx(weights, 1000)


@settings(max_examples=12, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=10), min_size=1, max_size=6))
def test_over_any_prefix_each_rep_is_about_one_lead_from_its_share(weights: list[int]) -> None:
    """Within one lead, give or take the fraction nginx's own order can reach (weights
    1, 1, 1, 1, 7, 7 after 13 leads: 1.06)."""
    chosen, _ = run(weights, 500)
    total = sum(weights)
    counts: Counter[str] = Counter()
    for n, user in enumerate(chosen, 1):
        counts[user] += 1
        for i, weight in enumerate(weights):
            assert abs(counts[f"U{i}"] - n * weight / total) < 1.5


@settings(max_examples=15, deadline=None)
@given(
    reps=st.integers(min_value=2, max_value=6),
    seed=st.lists(st.sets(st.integers(min_value=0, max_value=5)), min_size=1, max_size=40),
)
def test_with_equal_weights_nobody_gets_two_in_a_row_while_another_is_eligible(
    reps: int, seed: list[set[int]]
) -> None:
    """Who is away changes every 250 leads, in any way (all of them now and then)."""

    def skipped(n: int) -> set[str]:
        return {f"U{i}" for i in seed[(n // 250) % len(seed)] if i < reps}

    seats = [Seat(f"U{i}", 1) for i in range(reps)]
    last: str | None = None
    for n in range(10_000):
        away = skipped(n)
        pick = smooth_pick(seats, away)
        seats = list(pick.seats)
        eligible = [s.user for s in seats if s.user not in away]
        if len(eligible) > 1:
            assert pick.chosen != last
        if not eligible:
            assert pick.chosen is None
        last = pick.chosen


@settings(max_examples=12, deadline=None)
@given(
    weights=st.lists(st.integers(min_value=1, max_value=5), min_size=2, max_size=5),
    gone=st.integers(min_value=1, max_value=3000),
)
def test_a_rep_back_from_an_absence_joins_at_the_average_and_does_not_catch_up(
    weights: list[int], gone: int
) -> None:
    """U0 is away for `gone` leads out of 10,000: on return their place is the pool's
    average, and from then on they get their weight's share, not what they missed."""
    start, back = 1000, 1000 + gone

    def skipped(n: int) -> set[str]:
        return {"U0"} if start <= n < back else set()

    seats = [Seat(f"U{i}", w) for i, w in enumerate(weights)]
    after: Counter[str] = Counter()
    for n in range(10_000):
        before = seats
        pick = smooth_pick(seats, skipped(n))
        seats = list(pick.seats)
        if n == back:
            # it joined at 0, the average of the pool's (centred) current weights, then
            # took its weight like everyone else, and the lead if its turn had come
            assert before[0].resting and not seats[0].resting
            taken = sum(weights) if pick.chosen == "U0" else 0
            assert seats[0].current + taken - weights[0] == 0
        if n >= back:
            assert pick.chosen is not None
            after[pick.chosen] += 1
    total, picks = sum(weights), 10_000 - back
    for i, weight in enumerate(weights):
        assert abs(after[f"U{i}"] - picks * weight / total) < 2


def test_the_returning_rep_gets_one_lead_a_round_not_a_flood() -> None:
    """Three reps, equal weights: Carol is away for 300 leads. Back, she gets one lead in
    every three, like the others, instead of the next hundred."""
    chosen, _ = run([1, 1, 1], 900, lambda n: {"U2"} if 300 <= n < 600 else set())
    assert Counter(chosen[:300])["U2"] == 100
    assert Counter(chosen[300:600])["U2"] == 0
    back = chosen[600:]
    for window in range(0, 300, 3):
        assert sorted(back[window : window + 3]) == ["U0", "U1", "U2"]


def test_nobody_eligible_picks_nobody_and_every_seat_rests() -> None:
    pick = smooth_pick([Seat("U0", 1), Seat("U1", 2)], {"U0", "U1"})
    assert pick.chosen is None
    assert all(seat.resting for seat in pick.seats)
