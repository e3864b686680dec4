"""The weekly scorecard against the fake Slack: posted once by the sweep, its chart uploaded
once through the files API into the post's thread, the post standing when the upload fails,
a team of 200 within Block Kit's limits with the full table as CSV; the review reminder."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.container import Container
from bot.jobs import scorecard
from bot.jobs.sweep import sweep
from bot.listeners.scorecard import show
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.kinds.lead import work as leadwork
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Item, OutboxMessage
from slaengine.scorecard.weeks import parse_week
from tests.support.app import container, handoff, ny
from tests.support.fakeslack import DEFAULT_CHANNEL_ID, FakeSlack, block_errors

CHANNEL = "#sales-marketing"


@pytest.fixture
def c(
    database_url: str,
    engine: Engine,
    agreement: Agreement,
    clock: FixedClock,
    fake_slack: FakeSlack,
) -> Iterator[Container]:
    c = container(database_url, engine, agreement, clock, fake_slack)
    c.background_delivery = False
    clock.set(ny(23, 9))
    lead = handoff(c, "crm-1", "U0ALICE")
    clock.set(ny(23, 10))
    with unit_of_work(c.engine) as session:
        leadwork.touch(
            session, c.agreement, name=lead.ref, actor="U0ALICE", now=clock.now(), key="t"
        )
    yield c
    c.close()


def scorecards(fake: FakeSlack) -> list[dict[str, Any]]:
    return [m for m in fake.messages_to(CHANNEL) if str(m.get("text", "")).startswith("Scorecard")]


def test_the_sweep_posts_the_week_just_ended_once_at_monday_nine_with_its_chart_in_the_thread(
    c: Container, clock: FixedClock, fake_slack: FakeSlack, database_url: str, engine: Engine
) -> None:
    clock.set(ny(30, 8, 59))
    sweep(c)
    assert scorecards(fake_slack) == []
    clock.set(ny(30, 9, 0))
    assert sweep(c).scorecards == 1
    other = container(database_url, engine, c.agreement, clock, fake_slack)  # a second process
    try:
        assert sweep(other).scorecards == 0
        clock.set(ny(30, 9, 30))
        sweep(c)
        sweep(other)
    finally:
        other.close()
    (post,) = scorecards(fake_slack)
    assert post["text"].startswith("Scorecard 2026-W48")
    assert fake_slack.violations == []
    (upload,) = fake_slack.uploads()
    assert upload["filename"] == "scorecard-2026-W48.png"
    assert upload["data"][:8] == b"\x89PNG\r\n\x1a\n"
    assert upload["channel"] == DEFAULT_CHANNEL_ID
    (call,) = [
        call
        for call in fake_slack.calls("chat.postMessage")
        if str(call.args.get("text", "")).startswith("Scorecard")
    ]
    assert call.answer is not None and upload["thread_ts"] == call.answer["ts"]
    assert fake_slack.count("files.getUploadURLExternal") == 1
    assert fake_slack.count("upload") == 1
    assert fake_slack.count("files.completeUploadExternal") == 1


@pytest.mark.parametrize(
    "failing", [("files.completeUploadExternal", 200, "invalid_arguments"), ("upload", 500, None)]
)
def test_a_failed_upload_is_logged_and_the_post_stands_without_it_and_is_not_retried(
    c: Container,
    clock: FixedClock,
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
    failing: tuple[str, int, str | None],
) -> None:
    method, status, error = failing
    fake_slack.fail_next(method, status=status, error=error)
    clock.set(ny(30, 9, 5))
    sweep(c)
    assert len(scorecards(fake_slack)) == 1
    assert fake_slack.uploads() == []
    assert "chart upload failed" in caplog.text
    clock.set(ny(30, 9, 10))
    sweep(c)
    assert len(scorecards(fake_slack)) == 1
    assert fake_slack.count("files.getUploadURLExternal") == 1


def test_the_chart_is_claimed_before_it_is_uploaded_so_a_second_attempt_uploads_nothing(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    week = parse_week("2026-W48")
    clock.set(ny(30, 9, 0))
    assert scorecard.attach(c, week, clock.now()) is False  # not posted yet: nothing to attach to
    assert scorecard.owe(c, week, clock.now())
    c.deliverer.deliver_to(CHANNEL)
    assert scorecard.attach(c, week, clock.now()) is True
    assert scorecard.attach(c, week, clock.now()) is False
    assert len(fake_slack.uploads()) == 1
    assert fake_slack.count("files.getUploadURLExternal") == 1


def test_after_downtime_only_the_latest_week_is_posted(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    clock.set(datetime(2026, 12, 23, 10, tzinfo=ny(23, 9).tzinfo))
    sweep(c)
    clock.set(datetime(2026, 12, 23, 11, tzinfo=ny(23, 9).tzinfo))
    sweep(c)
    assert [m["text"].split(":")[0] for m in scorecards(fake_slack)] == ["Scorecard 2026-W51"]


def _people(engine: Engine, count: int) -> None:
    """`count` reps, each with items closed in 2026-W48 (met and missed in varying shares)."""
    with unit_of_work(engine) as session:
        for i in range(count):
            for j in range(3):
                at = ny(24, 10) + timedelta(minutes=i)
                outcome = "met" if j <= i % 3 else "missed"
                session.add(
                    Item(kind="lead", natural_key=f"x:{i}:{j}", team="sales",
                         owner_id=f"U{i:05d}REP", is_open=False, start_at=at, due_at=at,
                         outcome=outcome, closed_at=at, created_at=at, updated_at=at)
                )  # fmt: skip


def test_a_team_of_200_stays_within_block_kit_limits_and_the_full_table_is_attached_as_csv(
    c: Container, clock: FixedClock, fake_slack: FakeSlack, engine: Engine
) -> None:
    _people(engine, 200)
    clock.set(ny(30, 9, 0))
    sweep(c)
    (post,) = scorecards(fake_slack)
    assert fake_slack.violations == []
    assert block_errors(post["blocks"]) == []
    assert len(post["blocks"]) <= 50
    text = "\n".join(b["text"]["text"] for b in post["blocks"] if b["type"] == "section")
    assert "the full table is attached as CSV" in text
    by_name = {f["filename"]: f for f in fake_slack.uploads()}
    assert set(by_name) == {"scorecard-2026-W48.png", "scorecard-2026-W48.csv"}
    rows = list(csv.DictReader(io.StringIO(by_name["scorecard-2026-W48.csv"]["data"].decode())))
    ranked = [r for r in rows if r["rank"]]
    assert len(ranked) == 201
    # 66 met all three, 67 two of three, 67 one of three: ties share a place; last, Alice,
    # whose lead (touched, never decided) lapsed its accept window on Wednesday: missed
    assert sorted({int(r["rank"]) for r in ranked}) == [1, 67, 134, 201]
    assert next(r for r in ranked if r["user"] == "U0ALICE")["rank"] == "201"
    assert {r["user"] for r in rows if not r["rank"]} == {"U0BOB", "U0CAROL", "U0ERIN"}


def test_the_contacts_and_admins_get_one_review_reminder_per_period_with_last_quarters_figures(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    # every 26 weeks from 2026-01-01: the second period begins on Thursday 31 December
    clock.set(datetime(2026, 12, 30, 23, 0, tzinfo=ny(23, 9).tzinfo))
    assert sweep(c).reviews == 0
    clock.set(datetime(2026, 12, 31, 10, 0, tzinfo=ny(23, 9).tzinfo))
    assert sweep(c).reviews == 2  # U0CAROL and U0DAVE: contacts, and the admins
    clock.set(datetime(2026, 12, 31, 11, 0, tzinfo=ny(23, 9).tzinfo))
    assert sweep(c).reviews == 0
    for user in ("U0CAROL", "U0DAVE"):  # drawn with whatever else that pass owed them
        (dm,) = [m for m in fake_slack.messages_to(user) if "Time to review" in str(m["blocks"])]
        body = "\n".join(b["text"]["text"] for b in dm["blocks"] if b["type"] == "section")
        assert "Leads handed over: 1" in body and "Acceptance rate" in body
    with Session(c.engine) as session:
        keys = session.exec(
            select(OutboxMessage.key).where(col(OutboxMessage.key).startswith("review:"))
        ).all()
    assert sorted(keys) == ["review:2:U0CAROL", "review:2:U0DAVE"]


def test_sla_scorecard_shows_a_week_privately_and_refuses_a_malformed_one(c: Container) -> None:
    answers: list[dict[str, Any]] = []

    def respond(**kwargs: Any) -> None:
        answers.append(kwargs)

    command = {"user_id": "U0ALICE", "trigger_id": "T1"}
    show(c, command, "2026-W48", respond, None)  # type: ignore[arg-type]
    show(c, command, "next", respond, None)  # type: ignore[arg-type]
    good, bad = answers
    assert good["response_type"] == "ephemeral"
    assert good["blocks"][0]["text"]["text"].startswith("Scorecard 2026-W48")
    assert block_errors(good["blocks"]) == []
    assert bad["response_type"] == "ephemeral" and "blocks" not in bad
    assert "'next' is not a week" in bad["text"] and "YYYY-Www" in bad["text"]
    with Session(c.engine) as session:
        assert session.exec(select(OutboxMessage)).all() == []


def test_the_scorecard_of_a_week_is_drawn_from_the_week_asked_for(c: Container) -> None:
    card = scorecard.build(c, parse_week("2026-W48"))
    assert card.leads.handed_off == 1 and card.leads.first_touched == 1
    assert scorecard.build(c, parse_week("2026-W49")).leads.handed_off == 0


def _closed_item(engine: Engine, key: str, owner: str, outcome: str) -> None:
    at = ny(25, 10)
    with unit_of_work(engine) as session:
        session.add(
            Item(kind="lead", natural_key=key, team="sales", owner_id=owner, is_open=False,
                 start_at=at, due_at=at, outcome=outcome, closed_at=at, created_at=at,
                 updated_at=at)
        )  # fmt: skip


def _chart_labels(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The people's labels of each chart drawn from now on, top to bottom."""
    drawn: list[list[str]] = []
    draw = scorecard.chart_figure

    def spy(card: Any, names: Any) -> Any:
        fig = draw(card, names)
        drawn.append([t.get_text() for t in fig.axes[0].get_yticklabels()][::-1])
        return fig

    monkeypatch.setattr(scorecard, "chart_figure", spy)
    return drawn


def test_the_chart_names_people_by_their_slack_display_names_else_their_full_names_or_ids(
    c: Container, clock: FixedClock, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_slack.add_user("U0ALICE", email="alice@acme.example", name="alice",
                        real_name="Alice Liddell", display_name="Alice L.")  # fmt: skip
    fake_slack.add_user("U0BOB", email="bob@acme.example", name="bob", real_name="Bob Stone",
                        display_name="")  # never set one: Slack leaves it empty  # fmt: skip
    _closed_item(c.engine, "x:bob", "U0BOB", "met")
    _closed_item(c.engine, "x:ghost", "U0GHOST", "met")  # Slack knows no such user
    drawn = _chart_labels(monkeypatch)
    clock.set(ny(30, 9, 0))
    sweep(c)
    assert len(fake_slack.uploads()) == 1
    # Bob and the ghost met theirs; Alice's lead lapsed its accept window on Wednesday
    assert drawn == [["Bob Stone", "U0GHOST", "Alice L."]]


def asked(fake: FakeSlack) -> dict[str, int]:
    """How often Slack was asked about Alice and Bob (users.info)."""
    return {
        user: len([call for call in fake.calls("users.info") if call.args["user"] == user])
        for user in ("U0ALICE", "U0BOB")
    }


def test_a_second_scorecard_names_people_from_the_cache_without_asking_slack_again(
    c: Container,
    clock: FixedClock,
    fake_slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    engine: Engine,
) -> None:
    fake_slack.add_user("U0ALICE", email="alice@acme.example", display_name="Alice L.")
    fake_slack.add_user("U0BOB", email="bob@acme.example", display_name="Bobby")
    _closed_item(c.engine, "x:bob", "U0BOB", "met")
    drawn = _chart_labels(monkeypatch)
    clock.set(ny(30, 9, 0))
    sweep(c)
    assert asked(fake_slack) == {"U0ALICE": 1, "U0BOB": 1}
    week = parse_week("2026-W48")
    card = scorecard.build(c, week, clock.now())
    clock.set(ny(30, 15, 0))
    restarted = container(database_url, engine, c.agreement, clock, fake_slack)
    try:  # the same process, and one started since: from memory, and from the database
        for process in (c, restarted):
            scorecard.chart(card, scorecard.chart_names(process, card, clock.now()))
    finally:
        restarted.close()
    assert drawn == [["Bobby", "Alice L."]] * 3
    assert asked(fake_slack) == {"U0ALICE": 1, "U0BOB": 1}
