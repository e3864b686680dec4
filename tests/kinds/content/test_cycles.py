"""Content deliverables as cycles in the engine and the store, on SQLite and PostgreSQL: each
period opened once, pieces counted, the warning retimed, the cycle met or missed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from slaengine.agreement.config import Agreement
from slaengine.engine import item as engine_item
from slaengine.engine import services
from slaengine.engine.errors import Refusal
from slaengine.kinds.content import rules as content
from slaengine.kinds.content import store as content_repo
from slaengine.kinds.content.tables import ContentPiece, Cycle, PieceUse
from slaengine.periods import parse_period
from slaengine.persistence import items as item_repo
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Item
from tests.support.kinds import KINDS

#: Tuesday 1 December 2026, 10:00 in New York
DEC_1 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def cycles(session: Session, kind: str = "deliverable") -> dict[str, Item]:
    items = session.exec(select(Item).where(Item.kind == kind)).all()
    return {item.natural_key: item for item in items}


def log(
    session: Session,
    agreement: Agreement,
    words: str,
    *,
    key: str = "blog",
    actor: str = "U0ERIN",
    now: datetime = DEC_1,
    request: str = "r1",
) -> content.Logged:
    return content.log_deliverable(
        session, agreement, key=key, words=words, actor=actor, now=now, request_key=request
    )


def test_each_deliverables_period_is_opened_once_however_many_passes_run(
    engine: Engine, agreement: Agreement
) -> None:
    for _ in range(3):
        with unit_of_work(engine) as session:
            services.open_due(session, agreement, DEC_1, KINDS)
    with Session(engine) as session:
        opened = cycles(session)
        assert sorted(opened) == [
            "deliverable:blog:2026-12",
            "deliverable:case-study:2026-12",
            "deliverable:whitepaper:2026-12",
        ]
        blog = opened["deliverable:blog:2026-12"]
        assert (blog.owner_id, blog.team, blog.clock, blog.title) == (
            "U0CAROL",
            "marketing",
            "cycle",
            "Blog post · 2026-12",
        )
        assert blog.ref.startswith("C-")
        assert blog.due_at == datetime(2026, 12, 31, 22, 0, tzinfo=UTC)
        assert item_repo.timers_of(session, blog.id or 0) == [blog.warn_at]
        cycle = session.get(Cycle, blog.id)
        assert cycle is not None and (cycle.source, cycle.period, cycle.target, cycle.done) == (
            "blog",
            "2026-12",
            4,
            0,
        )


def test_the_next_period_opens_a_new_cycle_beside_the_last(
    engine: Engine, agreement: Agreement
) -> None:
    with unit_of_work(engine) as session:
        services.open_due(session, agreement, DEC_1, KINDS)
        services.open_due(session, agreement, datetime(2027, 1, 1, 5, 30, tzinfo=UTC), KINDS)
    with Session(engine) as session:
        assert "deliverable:blog:2027-01" in cycles(session)
        assert "deliverable:blog:2026-12" in cycles(session)


def test_logging_a_piece_counts_it_and_moves_the_warning_and_its_timer_to_the_new_pace(
    engine: Engine, agreement: Agreement
) -> None:
    with unit_of_work(engine) as session:
        logged = log(session, agreement, "Ten ways to win https://acme.example/ten")
        assert logged.piece is not None
        assert logged.message == "Logged: 1/4 for 2026-12."
    with Session(engine) as session:
        item = cycles(session)["deliverable:blog:2026-12"]
        period = parse_period("2026-12")
        assert item.warn_at == content.window(agreement.calendar, period, 4, 1).warn_at
        assert item_repo.timers_of(session, item.id or 0) == [item.warn_at]
        (piece,) = session.exec(select(ContentPiece)).all()
        assert (piece.title, piece.link, piece.logged_by) == (
            "Ten ways to win",
            "https://acme.example/ten",
            "U0ERIN",
        )


def test_the_same_command_delivered_twice_logs_one_piece(
    engine: Engine, agreement: Agreement
) -> None:
    with unit_of_work(engine) as session:
        log(session, agreement, "One", request="same")
        again = log(session, agreement, "One", request="same")
    assert again.piece is None
    with Session(engine) as session:
        assert len(session.exec(select(ContentPiece)).all()) == 1


def test_reaching_the_count_closes_the_cycle_as_met_with_no_timer_left(
    engine: Engine, agreement: Agreement
) -> None:
    with unit_of_work(engine) as session:
        for n in range(2):
            last = log(session, agreement, f"Paper {n}", key="whitepaper", request=f"w{n}")
    assert last.message == "Logged: 2/2 for 2026-12, the target is met. :tada:"
    with Session(engine) as session:
        item = cycles(session)["deliverable:whitepaper:2026-12"]
        assert (item.is_open, item.outcome) == (False, "met")
        assert item_repo.timers_of(session, item.id or 0) == []
        assert engine_item.state_of(item, DEC_1).value == "met"


@pytest.mark.parametrize(
    ("key", "words", "actor", "complaint"),
    [
        ("podcast", "Episode 1", "U0ERIN", "the agreement has: blog, whitepaper, case-study"),
        ("blog", "", "U0ERIN", "What is it called?"),
        ("blog", "x" * 151, "U0ERIN", "at most 150"),
        ("blog", "Post ftp://files.example/x", "U0ERIN", None),  # not a link: part of the title
        ("blog", "Post http://", "U0ERIN", "http:// or https://"),
        ("blog", "Post", "U0ALICE", "the marketing team's to log"),
    ],
)
def test_bad_input_is_refused_saying_what_is_wrong_and_changes_nothing(
    engine: Engine, agreement: Agreement, key: str, words: str, actor: str, complaint: str | None
) -> None:
    if complaint is None:
        with unit_of_work(engine) as session:
            assert log(session, agreement, words, key=key, actor=actor).piece is not None
        return
    with pytest.raises(Refusal, match=complaint), unit_of_work(engine) as session:
        log(session, agreement, words, key=key, actor=actor)
    with Session(engine) as session:
        assert session.exec(select(Item)).all() == []
        assert session.exec(select(ContentPiece)).all() == []


def test_at_the_period_end_a_short_cycle_is_breached_escalated_and_closed_as_missed(
    engine: Engine, agreement: Agreement
) -> None:
    with unit_of_work(engine) as session:
        log(session, agreement, "Only one", key="blog")
    after = datetime(2026, 12, 31, 22, 0, 30, tzinfo=UTC)
    with unit_of_work(engine) as session:
        item = cycles(session)["deliverable:blog:2026-12"]
        assert item.warn_at is not None
        step = services.advance(session, agreement, item, item.warn_at, after, kinds=KINDS)
        assert (item.is_open, item.outcome) == (False, "missed")
    owed = [(row["topic"], row["target"]) for row in step.owed]
    assert owed == [("breach", "U0CAROL"), ("escalate", "#sales-marketing")]
    assert step.next_at is None


def test_a_sales_rep_marks_a_piece_used_once_and_others_may_not(
    engine: Engine, agreement: Agreement
) -> None:
    with unit_of_work(engine) as session:
        piece = log(session, agreement, "Battlecard").piece
        assert piece is not None and piece.id is not None
        piece_id = piece.id
    with unit_of_work(engine) as session:
        assert content.use_piece(session, agreement, piece_id=piece_id, user="U0ALICE", now=DEC_1)[
            1
        ]
        again = content.use_piece(session, agreement, piece_id=piece_id, user="U0ALICE", now=DEC_1)
        assert again[1] is False
        assert content.use_piece(session, agreement, piece_id=piece_id, user="U0BOB", now=DEC_1)[1]
    with pytest.raises(Refusal, match="Only the sales team"), unit_of_work(engine) as session:
        content.use_piece(session, agreement, piece_id=piece_id, user="U0CAROL", now=DEC_1)
    with Session(engine) as session:
        assert content_repo.uses_of(session, piece_id) == ["U0ALICE", "U0BOB"]
        assert len(session.exec(select(PieceUse)).all()) == 2


def test_a_rep_sees_this_weeks_pieces_they_have_not_marked_newest_first(
    engine: Engine, agreement: Agreement
) -> None:
    last_week = DEC_1 - timedelta(days=7)
    with unit_of_work(engine) as session:
        log(session, agreement, "Old", now=last_week, request="old")
        ids = [
            log(
                session, agreement, f"New {n}", now=DEC_1 + timedelta(minutes=n), request=f"n{n}"
            ).piece.id  # type: ignore[union-attr]
            for n in range(3)
        ]
        content_repo.record_use(session, ids[1], "U0ALICE", DEC_1)
    with Session(engine) as session:
        since = content.this_week_since(agreement, DEC_1)
        shown, total = content_repo.unused_since(session, "U0ALICE", since, "deliverable", 5)
        assert [p.title for p in shown] == ["New 2", "New 0"]
        assert total == 2


def test_status_describes_a_cycle_with_its_count_and_target(
    engine: Engine, agreement: Agreement
) -> None:
    with unit_of_work(engine) as session:
        log(session, agreement, "One")
        item = cycles(session)["deliverable:blog:2026-12"]
        described = content.DELIVERABLES.describe(session, [item])
    assert described[item.id or 0] == {
        "source": "blog",
        "period": "2026-12",
        "count": 1,
        "target": 4,
    }
